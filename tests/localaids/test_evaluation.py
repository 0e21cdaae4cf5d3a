"""Review fixes of the evaluation: the CROUS grant's échelon, benefits that
count as received, the household's resources, plurals and the links of an
aid (http and https only)."""

import pytest
from django.template.loader import render_to_string

from nonrecours.localaids.evaluation import crous_level, evaluate, monthly_resources
from nonrecours.localaids.models import LocalAid
from nonrecours.localaids.queries import local_aids_for
from nonrecours.localaids.rules import Verdict, parse_conditions
from nonrecours.rights.catalogue import benefit
from nonrecours.rights.engine import BenefitResult, SimulationResult
from tests.localaids.conftest import TODAY, claimant, situation


def outcome(conditions: dict, case, found=None, uncertain=()):
    parsed, problems = parse_conditions(conditions)
    assert problems == []
    return evaluate(parsed, case, found, uncertain=uncertain)


# --- 1. « boursier, échelon N au moins »: the CROUS grant found ---------

STUDENT = claimant("2005-01-01", "etudiant", scolarite="enseignement_superieur")


@pytest.mark.parametrize(
    ("monthly", "level"),
    [(145.4, 0), (216.3, 1), (382.8, 3), (633.5, 7), (382.5, 3), (300.0, None)],
)
def test_crous_level_read_from_the_amount_with_the_scale_of_the_month(monthly, level):
    # Arrêté du 13 avril 2023 : échelon 0 bis 145,40 €, 1 216,30 €, 3 382,80 €, 7 633,50 €.
    assert crous_level(monthly, "2026-11") == level


@pytest.mark.parametrize(
    ("monthly", "expected", "reason"),
    [
        (382.8, Verdict.YES, "boursier·e du CROUS (échelon 3) (vous)"),
        (458.7, Verdict.YES, "boursier·e du CROUS (échelon 4) (vous)"),
        (
            307.1,
            Verdict.NO,
            "bourse du CROUS à l'échelon 2, il faut l'échelon 3 au moins (vous)",
        ),
        (
            145.4,
            Verdict.NO,
            "bourse du CROUS à l'échelon 0 bis, il faut l'échelon 3 au moins (vous)",
        ),
    ],
)
def test_scholarship_level_from_the_crous_grant_found(monthly, expected, reason):
    result = outcome(
        {"boursier": {"echelon_min": 3}}, situation(STUDENT), {"bourse_crous": monthly}
    )
    assert result.verdict == expected
    assert reason in result.met + result.failed


def test_scholarship_stays_to_check_when_the_crous_grant_is_not_known():
    case = situation(STUDENT)
    level_3 = {"boursier": {"echelon_min": 3}}
    assert outcome(level_3, case, {}).verdict == Verdict.UNKNOWN  # not found
    assert outcome(level_3, case, None).verdict == Verdict.UNKNOWN  # not simulated
    not_computable = outcome(level_3, case, {}, uncertain={"bourse_crous"})
    assert not_computable.verdict == Verdict.UNKNOWN
    # An amount off the scale: a grant, échelon unknown.
    off_scale = outcome(level_3, case, {"bourse_crous": 300.0})
    assert off_scale.unknown == ("bourse du CROUS trouvée par le simulateur, échelon à vérifier",)
    assert outcome({"boursier": True}, case, {"bourse_crous": 300.0}).verdict == Verdict.YES


def test_seed_crous_meals_for_a_student_at_echelon_3(seeded):
    # The case rights/cases/bourse-crous-echelon-3.yaml: 382,80 € a month.
    case = situation(STUDENT, commune="59350")
    found = SimulationResult(
        case, (BenefitResult(benefit("bourse_crous"), "eligible", monthly=382.8),)
    )
    (meals,) = [
        r for r in local_aids_for(case, found, today=TODAY) if r.slug == "hdf-crous-100-repas"
    ]
    assert "boursier·e du CROUS (échelon 3) (vous)" in meals.outcome.met
    assert meals.outcome.failed == ()
    lower = SimulationResult(
        case, (BenefitResult(benefit("bourse_crous"), "eligible", monthly=216.3),)
    )
    (meals,) = [
        r for r in local_aids_for(case, lower, today=TODAY) if r.slug == "hdf-crous-100-repas"
    ]
    assert meals.status == "not_eligible"


# --- 2. « prestations »: what counts as received --------------------------


def test_benefit_declared_as_zero_is_not_received():
    case = situation(claimant("1990-01-01"), prestations_percues={"rsa": 0})
    assert outcome({"prestations": ["rsa"]}, case, {}).verdict == Verdict.NO
    assert outcome({"prestations": ["rsa"]}, case, None).verdict == Verdict.UNKNOWN


def test_benefit_not_computable_or_ranging_from_zero_is_to_check():
    case = situation(claimant("1990-01-01"))
    result = outcome({"prestations": ["rsa"]}, case, {"rsa": 0.0}, uncertain={"rsa"})
    assert result.verdict == Verdict.UNKNOWN
    assert result.unknown == (
        "bénéficiaire : Revenu de solidarité active (RSA) (le simulateur n'a pas pu conclure)",
    )
    # Another benefit of the list found for sure is enough.
    both = outcome({"prestations": ["rsa", "css"]}, case, {"css": 0.0}, uncertain={"rsa"})
    assert both.verdict == Verdict.YES


def test_national_results_ranges_and_not_computable_make_the_aid_to_check(seeded):
    LocalAid.objects.filter(slug="pas-de-calais-permis-citoyen").update(
        conditions={"prestations": ["rsa"]}
    )
    case = situation(claimant("1980-01-01", "chomeur"))
    rsa = benefit("rsa")

    def status(*results: BenefitResult) -> str:
        (aid,) = [
            r
            for r in local_aids_for(case, SimulationResult(case, results), today=TODAY)
            if r.slug == "pas-de-calais-permis-citoyen"
        ]
        return aid.status

    assert status(BenefitResult(rsa, "eligible", monthly=0.0, low=0.0, high=300.0)) == "to_check"
    assert status(BenefitResult(rsa, "eligible", monthly=50.0, low=50.0, high=300.0)) == "eligible"
    stale = BenefitResult(rsa, "not_computable", reason="barème non à jour")
    assert status(stale) == "to_check"
    assert status(BenefitResult(rsa, "not_eligible", monthly=0.0)) == "not_eligible"


# --- 3. The household's monthly resources ---------------------------------


def test_pension_paid_comes_off_the_resources():
    case = situation(
        claimant(
            "1980-01-01",
            ressources={"salaire_net": 1500, "pension_alimentaire_versee": 300},
        )
    )
    assert monthly_resources(case) == 1200.0
    ceiling = {"ressources": {"revenus_mensuels_max": 1300}}
    assert outcome(ceiling, case, {}).verdict == Verdict.YES


@pytest.mark.parametrize(
    ("key", "turnover", "profit"),
    [
        ("ca_micro_vente", 2000, 580.0),  # 71 % allowance (CGI art. 50-0)
        ("ca_micro_services", 2000, 1000.0),  # 50 % (CGI art. 50-0)
        ("ca_micro_liberal", 2000, 1320.0),  # 34 % (CGI art. 102 ter)
        ("ca_micro_liberal", 30, 30 - 305 / 12),  # at least 305 € a year
        ("ca_micro_vente", 10, 0.0),  # never below 0
    ],
)
def test_micro_entreprise_counts_for_its_profit(key, turnover, profit):
    case = situation(claimant("1980-01-01", "independant", ressources={key: turnover}))
    assert monthly_resources(case) == pytest.approx(profit)


def test_resources_never_below_zero():
    case = situation(claimant("1980-01-01", ressources={"pension_alimentaire_versee": 300}))
    assert monthly_resources(case) == 0.0


def test_self_employed_is_independant():
    assert (
        outcome(
            {"activite": ["independant"]}, situation(claimant("1980-01-01", "independant"))
        ).verdict
        == Verdict.YES
    )


# --- 4. Plurals -------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "children", "text"),
    [
        (1, 0, "au moins 1 enfant à charge (0 déclaré)"),
        (2, 1, "au moins 2 enfants à charge (1 déclaré)"),
        (1, 2, "au moins 1 enfant à charge (2 déclarés)"),
    ],
)
def test_children_condition_in_good_french(wanted, children, text):
    kids = [{"role": "enfant", "naissance": f"201{n}-01-01"} for n in range(children)]
    result = outcome({"famille": {"enfants_min": wanted}}, situation(claimant("1980-01-01"), *kids))
    assert text in result.met + result.failed
    assert "(s)" not in " ".join(result.met + result.failed)


# --- 5. Links: http and https only ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "ftp://exemple.fr/aide",
    ],
)
def test_an_address_that_is_not_http_is_never_a_link(seeded, url):
    # Written in the database without validation (a hand edit, a raw update).
    LocalAid.objects.filter(slug="hdf-aide-permis-conduire").update(apply_url=url, source_url=url)
    case = situation(claimant("2004-03-01", "chomeur"))
    results = local_aids_for(case, None, today=TODAY)
    (aid,) = [r for r in results if r.slug == "hdf-aide-permis-conduire"]
    assert (aid.apply_url, aid.source_url) == ("", "")
    html = render_to_string("localaids/_results.html", {"local_aids": results})
    assert url.strip() not in html
    assert "javascript:" not in html.lower()
    # Without its source link, the aid still says when it was checked.
    assert "Vérifiée le" in html


def test_http_and_https_addresses_stay_links(seeded):
    LocalAid.objects.filter(slug="hdf-aide-permis-conduire").update(
        apply_url="http://exemple.fr/demarche", source_url="https://exemple.fr/source"
    )
    case = situation(claimant("2004-03-01", "chomeur"))
    results = local_aids_for(case, None, today=TODAY)
    html = render_to_string("localaids/_results.html", {"local_aids": results})
    assert 'href="http://exemple.fr/demarche"' in html
    assert 'href="https://exemple.fr/source"' in html
