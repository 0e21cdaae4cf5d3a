"""The situation's rules seen from the simulator's one-page form: a rule the
situation applies is said on the field, before any results page."""

import datetime

import pytest

from nonrecours.rights.situation_parse import parse_situation
from nonrecours.www.rights import path

NOVEMBER_15 = datetime.datetime(2026, 11, 15, 10, 0, tzinfo=datetime.UTC)
pytestmark = pytest.mark.time_machine(NOVEMBER_15)

EXPERT = {
    "logement-commune": "62041",
    "logement-statut": "loge_gratuitement",
    "demandeur-activite": "inactif",
}


def expert(birth: str) -> tuple[dict | None, dict]:
    forms = path.expert_forms({**EXPERT, "demandeur-naissance": birth}, None, "2026-11")
    forms["housing"].fields["commune"].choices = [("62041", "Arras")]
    return path.situation_from_expert(forms, "2026-11"), forms


@pytest.mark.parametrize("birth", ["2010-11-02", "2010-11-15", "2011-01-01"])
def test_a_claimant_under_16_on_the_first_of_the_month_is_told_on_the_field(birth):
    # 16 on the 2nd or the 15th of November: still 15 on November 1st, the
    # day the situation counts ages on; it was refused on the results page.
    situation, forms = expert(birth)
    assert situation is None
    assert forms["claimant"].errors["naissance"] == [
        "Une personne adulte du foyer a au moins 16 ans ; un enfant se déclare à l'étape "
        "des enfants."
    ]


def test_a_claimant_16_on_the_first_of_the_month_is_simulated():
    situation, _ = expert("2010-11-01")
    assert situation is not None
    assert parse_situation(situation).persons[0].birth_date == datetime.date(2010, 11, 1)
