import datetime
from typing import Any

import pytest

from nonrecours.localaids.actions import SEED_FILE, local_aids_import
from nonrecours.rights.situation import Situation
from nonrecours.rights.situation_parse import parse_situation

TODAY = datetime.date(2026, 11, 30)


def situation(*persons: dict[str, Any], commune: str = "62041", **fields: Any) -> Situation:
    """A situation of November 2026 in Arras; persons as in the situation files."""
    data: dict[str, Any] = {
        "mois": "2026-11",
        "commune": commune,
        "logement": {"statut": "locataire_hlm", "loyer": 400},
        "personnes": list(persons),
    }
    data.update(fields)
    return parse_situation(data)


def claimant(born: str, activity: str = "salarie", **fields: Any) -> dict[str, Any]:
    return {"role": "demandeur", "naissance": born, "activite": activity, **fields}


@pytest.fixture
def seeded(db: None) -> None:
    local_aids_import(path=SEED_FILE)
