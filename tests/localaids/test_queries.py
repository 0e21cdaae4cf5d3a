"""The local aids of a situation: the seed file for Arras, validity dates,
national results, the partial that shows them."""

import datetime

import pytest
import time_machine
from django.template.loader import render_to_string

from nonrecours.localaids.models import LocalAid
from nonrecours.localaids.queries import local_aids_for
from nonrecours.rights.catalogue import benefit
from nonrecours.rights.engine import BenefitResult, SimulationResult
from tests.localaids.conftest import TODAY, claimant, situation


def statuses(results) -> dict[str, str]:
    return {r.slug: r.status for r in results}


def national(case, **found: float) -> SimulationResult:
    return SimulationResult(
        case,
        tuple(BenefitResult(benefit(b), "eligible", monthly=amount) for b, amount in found.items()),
    )


def test_seed_young_job_seeker_in_arras(seeded):
    case = situation(claimant("2004-03-01", "chomeur", ressources={"chomage_net": 600}))
    result = statuses(local_aids_for(case, national(case), today=TODAY))
    assert result == {
        "hdf-aide-permis-conduire": "to_check",
        "msa-nord-pas-de-calais-aide-permis": "to_check",
        "caf-pas-de-calais-aide-bafa": "to_check",
        "mem-arrageois-pass-sante-jeunes": "to_check",
        "pas-de-calais-permis-citoyen": "to_check",
        "hdf-crous-100-repas": "not_eligible",
        "hdf-aide-garde-enfant": "not_eligible",
        "hdf-fonds-social-urgence-etudiants": "not_eligible",
    }


def test_seed_single_working_parent_of_a_baby_in_arras(seeded):
    case = situation(
        claimant("1990-05-01", "salarie", ressources={"salaire_net": 1400}),
        {"role": "enfant", "naissance": "2025-06-01"},
    )
    results = local_aids_for(case, national(case), today=TODAY)
    garde = next(r for r in results if r.slug == "hdf-aide-garde-enfant")
    assert garde.status == "to_check"  # met, but « à confirmer » and hours of care unknown
    assert garde.outcome.failed == ()
    assert "un enfant de moins de 3 ans" in garde.outcome.met
    assert garde.institution == "Région Hauts-de-France"
    assert garde.amount_text.startswith("30\u00a0€ par mois")
    assert statuses(results)["pas-de-calais-permis-citoyen"] == "not_eligible"  # 36 years old


def test_seed_student_outside_the_cu_has_regional_but_not_arras_aids(seeded):
    # Lille (59350): Hauts-de-France, not the CU d'Arras nor the Pas-de-Calais.
    case = situation(claimant("2005-01-01", "etudiant"), commune="59350")
    result = statuses(local_aids_for(case, national(case), today=TODAY))
    assert result["hdf-crous-100-repas"] == "to_check"  # grant level unknown
    assert result["hdf-fonds-social-urgence-etudiants"] == "to_check"
    assert "pas-de-calais-permis-citoyen" not in result
    assert "mem-arrageois-pass-sante-jeunes" not in result
    assert "msa-nord-pas-de-calais-aide-permis" in result  # Nord and Pas-de-Calais


def test_outside_the_region_or_without_commune_no_local_aid(seeded):
    assert local_aids_for(situation(claimant("2004-01-01"), commune="75056"), None) == []
    assert local_aids_for(situation(claimant("2004-01-01"), commune=""), None) == []


def test_a_confirmed_aid_whose_conditions_are_all_known_is_eligible(seeded):
    LocalAid.objects.filter(slug="hdf-fonds-social-urgence-etudiants").update(conditions={})
    case = situation(claimant("2005-01-01", "etudiant"))
    (first, *_) = local_aids_for(case, national(case), today=TODAY)
    assert (first.slug, first.status, first.status_label) == (
        "hdf-fonds-social-urgence-etudiants",
        "eligible",
        "Vous y avez probablement droit",
    )


def test_national_benefits_found_count(seeded):
    LocalAid.objects.filter(slug="pas-de-calais-permis-citoyen").update(
        conditions={"prestations": ["rsa"]}
    )
    case = situation(claimant("1980-01-01", "chomeur"))
    with_rsa = statuses(local_aids_for(case, national(case, rsa=600.0), today=TODAY))
    without = statuses(local_aids_for(case, national(case), today=TODAY))
    assert with_rsa["pas-de-calais-permis-citoyen"] == "eligible"
    assert without["pas-de-calais-permis-citoyen"] == "not_eligible"


def test_an_aid_past_its_validity_date_is_not_current(seeded):
    LocalAid.objects.filter(slug="pas-de-calais-permis-citoyen").update(
        valid_until=datetime.date(2027, 8, 31)
    )
    case = situation(claimant("2004-01-01"))
    with time_machine.travel(datetime.datetime(2027, 8, 31, 12, tzinfo=datetime.UTC), tick=False):
        assert "pas-de-calais-permis-citoyen" in statuses(local_aids_for(case, None))
    with time_machine.travel(datetime.datetime(2027, 9, 1, 12, tzinfo=datetime.UTC), tick=False):
        assert "pas-de-calais-permis-citoyen" not in statuses(local_aids_for(case, None))


def test_evaluating_a_commune_takes_one_query(seeded, django_assert_num_queries):
    case = situation(claimant("2004-01-01"))
    local_aids_for(case, None, today=TODAY)  # conditions read once per process
    with django_assert_num_queries(1):
        assert len(local_aids_for(case, None, today=TODAY)) == 8


@pytest.mark.parametrize("born", ["2004-03-01", "1990-05-01"])
def test_the_partial_shows_institution_amount_status_and_source(seeded, born):
    case = situation(claimant(born, "chomeur"), {"role": "enfant", "naissance": "2025-06-01"})
    html = render_to_string(
        "localaids/_results.html", {"local_aids": local_aids_for(case, None, today=TODAY)}
    )
    assert '<h2 id="aides-locales">Aides locales</h2>' in html
    assert "Région Hauts-de-France" in html
    assert "À vérifier" in html
    assert "conditions à confirmer par le territoire" in html
    assert 'href="https://aides.hautsdefrance.fr/' in html
    assert "Les aides locales pour lesquelles nous n'avons pas trouvé de droit" in html
    assert html.count("<details>") == 1


def test_the_partial_is_empty_without_local_aids():
    assert render_to_string("localaids/_results.html", {"local_aids": []}).strip() == ""
