"""Each kind of condition, evaluated on situations (pure Python)."""

import pytest

from nonrecours.localaids.evaluation import evaluate, family_quotient
from nonrecours.localaids.rules import Verdict, parse_conditions
from tests.localaids.conftest import claimant, situation


def verdict(conditions: dict, case, found=None) -> Verdict:
    parsed, problems = parse_conditions(conditions)
    assert problems == []
    return evaluate(parsed, case, found).verdict


def test_no_condition_is_yes():
    assert verdict({}, situation(claimant("1990-01-01"))) == Verdict.YES


@pytest.mark.parametrize(
    ("born", "expected"),
    [("2008-11-01", Verdict.YES), ("1996-12-01", Verdict.YES), ("1996-11-01", Verdict.NO)],
)
def test_age_bounds_are_inclusive_on_the_first_day_of_the_month(born, expected):
    # On 1 November 2026: 18 years old, 29 (30 in December), 30 years old.
    assert verdict({"age": {"min": 18, "max": 29}}, situation(claimant(born))) == expected


def test_person_conditions_may_be_met_by_a_child_of_the_household():
    case = situation(
        claimant("1980-01-01"),
        {"role": "enfant", "naissance": "2009-05-01", "scolarite": "lycee"},
    )
    conditions, _ = parse_conditions({"age": {"min": 16, "max": 25}, "activite": ["lyceen"]})
    outcome = evaluate(conditions, case, None)
    assert outcome.verdict == Verdict.YES
    assert "votre enfant de 17 ans" in " ".join(outcome.met)


def test_failed_reasons_speak_of_the_claimant():
    outcome = evaluate(
        parse_conditions({"age": {"max": 25}})[0], situation(claimant("1980-01-01")), None
    )
    assert outcome.verdict == Verdict.NO
    assert outcome.failed == ("âge : 25 ans au plus (vous, 46 ans)",)


@pytest.mark.parametrize(
    ("activity", "wanted", "expected"),
    [
        ("chomeur", "demandeur_emploi", Verdict.YES),
        ("salarie", "demandeur_emploi", Verdict.NO),
        ("etudiant", "etudiant", Verdict.YES),
        ("salarie", "apprenti", Verdict.UNKNOWN),  # an apprentice declares a salary
        ("retraite", "apprenti", Verdict.NO),
        ("chomeur", "stagiaire", Verdict.UNKNOWN),
    ],
)
def test_activity(activity, wanted, expected):
    assert verdict({"activite": [wanted]}, situation(claimant("2000-01-01", activity))) == expected


def test_disability_rate():
    rated = situation(claimant("1990-01-01", taux_incapacite=0.8))
    assert verdict({"taux_incapacite_min": 0.5}, rated) == Verdict.YES
    assert verdict({"taux_incapacite_min": 0.5}, situation(claimant("1990-01-01"))) == Verdict.NO


def test_scholarship_is_unknown_unless_the_simulator_found_a_school_grant():
    student = situation(claimant("2004-01-01", "etudiant"))
    assert verdict({"boursier": True}, student) == Verdict.UNKNOWN
    pupil = situation(
        claimant("1980-01-01"),
        {"role": "enfant", "naissance": "2012-01-01", "scolarite": "college"},
    )
    assert verdict({"boursier": True}, pupil, {"bourse_college": 40.0}) == Verdict.YES
    assert verdict({"boursier": True}, pupil, {}) == Verdict.UNKNOWN


def test_family_quotient_caf_parts():
    # 1 800 € a month, two parents and three children: 2 + 0.5 + 0.5 + 1 = 4 parts.
    case = situation(
        claimant("1985-01-01", ressources={"salaire_net": 1800}),
        {"role": "conjoint", "naissance": "1985-01-01"},
        *[{"role": "enfant", "naissance": f"201{n}-01-01"} for n in range(3)],
    )
    quotient, exact = family_quotient(case, {"af": 200.0})
    assert (quotient, exact) == (500.0, False)
    assert (
        verdict({"ressources": {"quotient_familial_max": 500}}, case, {"af": 200.0}) == Verdict.YES
    )
    assert (
        verdict({"ressources": {"quotient_familial_max": 499}}, case, {"af": 200.0}) == Verdict.NO
    )


def test_family_quotient_uses_the_tax_income_when_given():
    case = situation(claimant("1985-01-01"), revenu_fiscal_reference=24000)
    assert family_quotient(case, {}) == (1000.0, True)


def test_resources_ceilings_alone_or_as_a_couple():
    ceiling = {"ressources": {"revenus_mensuels_max": {"personne_seule": 1000, "couple": 1500}}}
    alone = situation(claimant("1985-01-01", ressources={"salaire_net": 1200}))
    couple = situation(
        claimant("1985-01-01", ressources={"salaire_net": 1200}),
        {"role": "conjoint", "naissance": "1985-01-01"},
    )
    assert verdict(ceiling, alone) == Verdict.NO
    assert verdict(ceiling, couple) == Verdict.YES
    tax = {"ressources": {"revenu_fiscal_reference_max": 20000}}
    assert (
        verdict(tax, situation(claimant("1985-01-01"), revenu_fiscal_reference=20001)) == Verdict.NO
    )


def test_family_conditions():
    single = situation(claimant("1990-01-01"), {"role": "enfant", "naissance": "2025-01-01"})
    assert verdict({"famille": {"parent_isole": True}}, single) == Verdict.YES
    assert verdict({"famille": {"enfant_de_moins_de": 3}}, single) == Verdict.YES
    assert verdict({"famille": {"enfants_min": 2}}, single) == Verdict.NO
    assert (
        verdict({"famille": {"parent_isole": True}}, situation(claimant("1990-01-01")))
        == Verdict.NO
    )


def test_housing():
    case = situation(claimant("1990-01-01"))  # locataire_hlm
    assert verdict({"logement": ["locataire_hlm", "locataire_vide"]}, case) == Verdict.YES
    assert verdict({"logement": ["proprietaire"]}, case) == Verdict.NO


def test_national_benefit_found_or_received():
    case = situation(claimant("1990-01-01"))
    assert verdict({"prestations": ["rsa"]}, case, {"rsa": 500.0}) == Verdict.YES
    assert verdict({"prestations": ["rsa"]}, case, {}) == Verdict.NO
    assert verdict({"prestations": ["rsa"]}, case, None) == Verdict.UNKNOWN
    receiving = situation(claimant("1990-01-01"), prestations_percues={"rsa": 500})
    assert verdict({"prestations": ["rsa"]}, receiving, {}) == Verdict.YES


def test_texts_to_check_make_the_aid_unknown():
    outcome = evaluate(
        parse_conditions({"a_verifier": ["Avoir le code."]})[0],
        situation(claimant("1990-01-01")),
        {},
    )
    assert (outcome.verdict, outcome.unknown) == (Verdict.UNKNOWN, ("Avoir le code.",))


@pytest.mark.parametrize(
    ("conditions", "problem"),
    [
        ({"age": {"min": 30, "max": 18}}, "conditions, age : min (30) plus grand que max (18)"),
        ({"age": {"min": "vingt"}}, "conditions, age, min : un nombre entier est attendu"),
        ({"activite": ["astronaute"]}, "conditions, activite : « astronaute » inconnu"),
        ({"logement": ["chateau"]}, "conditions, logement : « chateau » inconnu"),
        ({"prestations": ["aide_magique"]}, "conditions, prestations : « aide_magique » inconnu"),
        (
            {"ressources": {"plafond": 3}},
            "conditions, ressources : plafond(s) inconnu(s) : plafond",
        ),
        ({"famille": {"enfants_min": -1}}, "conditions, famille, enfants_min : -1"),
        ({"taux_incapacite_min": 80}, "conditions, taux_incapacite_min : attendu un taux"),
        ({"couleur": "bleu"}, "conditions : condition(s) inconnue(s) : couleur"),
    ],
)
def test_condition_problems_are_located(conditions, problem):
    _, problems = parse_conditions(conditions)
    assert any(p.startswith(problem) for p in problems), problems
