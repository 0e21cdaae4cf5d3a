import datetime
from typing import Any

import pytest
from django.db import connection

from nonrecours.localaids.actions import SEED_FILE, local_aids_import
from nonrecours.localaids.models import LocalAid, LocalAidCommune
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


# The rows of the seed file as local_aids_import wrote them, kept by the
# first test of the process that imports it: (each aid's fields without key
# and moment, (aid's slug, commune code) of every commune an area covers).
_seed_rows: tuple[list[dict[str, Any]], list[tuple[str, str]]] | None = None


@pytest.fixture
def seeded(db: None) -> None:
    """The aids of the seed file, imported by local_aids_import in the first
    test of the process; later tests get the same rows copied (the import
    expands each area to the communes it covers, 18,815 rows: 2 to 3 s a
    test; the copy takes 0.1 to 0.3 s). A database that already holds an
    aid gets the real import."""
    global _seed_rows
    if _seed_rows is not None and not LocalAid.objects.exists():
        aids, communes = _seed_rows
        LocalAid.objects.bulk_create(LocalAid(**fields) for fields in aids)
        ids = dict(LocalAid.objects.values_list("slug", "pk"))
        quote = connection.ops.quote_name
        table = quote(LocalAidCommune._meta.db_table)
        aid_column = quote(LocalAidCommune._meta.get_field("aid").column)
        code_column = quote(LocalAidCommune._meta.get_field("commune_code").column)
        insert = f"INSERT INTO {table} ({aid_column}, {code_column}) VALUES (%s, %s)"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(insert, [(ids[slug], code) for slug, code in communes])
        return
    local_aids_import(path=SEED_FILE)
    if _seed_rows is None:
        aids = list(LocalAid.objects.order_by("pk").values())
        for fields in aids:
            del fields["id"], fields["updated_at"]
        communes = list(
            LocalAidCommune.objects.order_by("pk").values_list("aid__slug", "commune_code")
        )
        _seed_rows = aids, communes
