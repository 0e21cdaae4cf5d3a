"""Amounts as they will be paid (issue 13): incomes of the right year,
benefits found counted by the others (fixed point over the previous
months), ranges when the tax notice is missing, and the inputs that change
amounts. Month 2026-03: every scale read is known then."""

from typing import Any

import pytest

from nonrecours.rights.engine import SimulationResult, simulate
from nonrecours.rights.situation import SituationError
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.rights.summary import describe

MONTH = "2026-03"


def run(data: dict[str, Any], **options: Any) -> SimulationResult:
    base = {"mois": MONTH, "commune": "62041", "logement": {"statut": "loge_gratuitement"}}
    (result,) = simulate([parse_situation({**base, **data})], **options)
    return result


def notice(rfr: float, year: int = 2024) -> dict[str, Any]:
    return {"avis_imposition": [{"revenus": year, "revenu_fiscal_reference": rfr}]}


COUPLE_TWO_CHILDREN = [
    {"role": "demandeur", "naissance": "1985-01-01", "activite": "chomeur"},
    {"role": "conjoint", "naissance": "1986-01-01", "activite": "chomeur"},
    {"role": "enfant", "naissance": "2018-02-01", "scolarite": "primaire"},
    {"role": "enfant", "naissance": "2014-02-01", "scolarite": "college"},
]


def test_family_benefits_read_the_tax_notice_of_year_n_2_not_todays_income():
    # No income today, 110 000 € two years ago: the allocations familiales
    # are modulated (a quarter: 8 % of the BMAF instead of 32 %; BMAF of
    # April 2025, 474,37 € → 37,95 € and 151,80 €), no ARS (CAF, ceilings
    # on the incomes of 2024; code de la sécurité sociale, art. D521-1).
    rich_before = run({"personnes": COUPLE_TWO_CHILDREN, **notice(110_000)})
    poor_before = run({"personnes": COUPLE_TWO_CHILDREN, **notice(0)})
    assert rich_before.by_id("af").monthly == pytest.approx(37.95, abs=0.01)
    assert poor_before.by_id("af").monthly == pytest.approx(151.80, abs=0.01)
    assert not rich_before.by_id("ars").eligible and poor_before.by_id("ars").eligible


def test_an_unknown_tax_notice_gives_a_range_and_says_which_notice():
    result = run({"personnes": COUPLE_TWO_CHILDREN})
    af = result.by_id("af")
    # The amount shown assumes the incomes of 2024 equal today's (none),
    # and says so; the range goes from a high income to none.
    assert af.monthly == pytest.approx(151.80, abs=0.01)
    assert af.is_range and af.low == pytest.approx(37.95, abs=0.01)
    assert af.high == pytest.approx(151.80, abs=0.01)
    assert "revenu fiscal de référence 2024" in af.depends_on
    assert "avis d'imposition 2025" in af.depends_on
    assert "si vos revenus de 2024 étaient ceux d'aujourd'hui" in af.reason
    assert result.total_low is not None and result.total_high is not None
    assert result.total_low < result.total_high
    assert result.total_low <= result.total_monthly <= result.total_high
    # The RSA counts the allocations familiales: its amount follows them.
    assert result.by_id("rsa").is_range


def test_screening_assumes_stable_incomes_instead_of_ranges():
    result = run({"personnes": COUPLE_TWO_CHILDREN}, ranges=False)
    assert not any(b.is_range for b in result.benefits)
    assert result.by_id("af").monthly == pytest.approx(151.80, abs=0.01)


def test_the_cej_is_not_summed_with_the_rsa_once_the_rsa_is_paid():
    young_parent = [
        {"role": "demandeur", "naissance": "2004-01-01", "activite": "chomeur"},
        {"role": "enfant", "naissance": "2024-06-01"},
    ]
    result = run({"personnes": young_parent, **notice(0)})
    assert result.by_id("rsa").eligible
    cej = result.by_id("cej")
    assert not cej.eligible and cej.first_months and cej.first_months > 0
    assert "premiers mois" in cej.reason
    assert result.total_monthly == pytest.approx(sum(b.monthly or 0 for b in result.found))


def test_the_aah_found_puts_the_css_in_the_paying_band_and_replaces_the_rsa():
    result = run(
        {
            "personnes": [
                {"role": "demandeur", "naissance": "1980-01-01", "activite": "inactif",
                 "taux_incapacite": 0.8},
            ],
            **notice(0),
        }
    )  # fmt: skip
    assert result.by_id("aah").eligible
    assert not result.by_id("rsa").eligible and result.by_id("rsa").first_months
    css = result.by_id("css")
    # Participation for a person aged 30 to 49: 14 € a month (code de la
    # sécurité sociale, art. D861-3; ameli.fr).
    assert css.eligible and css.participation == pytest.approx(14.0)


def test_a_prime_d_activite_reduced_by_new_benefits_is_in_the_total_with_its_first_months():
    result = run(
        {
            "logement": {"statut": "locataire_hlm", "loyer": 400},
            "personnes": [
                {"role": "demandeur", "naissance": "1990-01-01", "activite": "salarie",
                 "ressources": {"salaire_net": 1200}},
                {"role": "enfant", "naissance": "2019-06-01", "scolarite": "primaire"},
            ],
            **notice(13_000),
        }
    )  # fmt: skip
    ppa = result.by_id("prime_activite")
    assert ppa.eligible and ppa.first_months and ppa.first_months > ppa.monthly
    assert "premiers mois" in ppa.reason and "ce montant change" in ppa.reason
    # The benefits that will count, named inside the sentence in lower case.
    assert "aide au logement (APL, ALF ou ALS)" in ppa.reason
    assert "allocation de soutien familial (ASF)" in ppa.reason
    assert result.total_monthly == pytest.approx(sum(b.monthly or 0 for b in result.found))
    assert result.total_first_months and result.total_first_months > result.total_monthly


def test_the_rsa_majore_already_counts_paje_and_asf_no_note_no_change():
    result = run(
        {
            "personnes": [
                {"role": "demandeur", "naissance": "1995-01-01", "activite": "chomeur"},
                {"role": "enfant", "naissance": "2025-06-01"},
            ],
            **notice(0),
        }
    )  # fmt: skip
    rsa = result.by_id("rsa")
    assert rsa.eligible and rsa.first_months is None
    assert "à revoir" not in rsa.reason


def _with(child_extra: dict[str, Any]) -> SimulationResult:
    return run(
        {
            "personnes": [
                {"role": "demandeur", "naissance": "1985-01-01", "activite": "salarie",
                 "ressources": {"salaire_net": 2000}},
                {"role": "conjoint", "naissance": "1985-01-01", "activite": "salarie",
                 "ressources": {"salaire_net": 2000}},
                {"role": "enfant", "naissance": "2016-02-01", "scolarite": "primaire",
                 **child_extra},
                {"role": "enfant", "naissance": "2014-02-01", "scolarite": "college",
                 **child_extra},
            ],
            **notice(43_000),
        }
    )  # fmt: skip


def test_shared_custody_halves_the_allocations_familiales():
    # Code de la sécurité sociale, art. R521-2 (partage des allocations).
    full = _with({}).by_id("af").monthly
    shared = _with({"garde_alternee": True}).by_id("af").monthly
    assert full and shared == pytest.approx(full / 2, abs=0.01)


def test_rsdae_opens_the_aah_between_50_and_79_percent():
    person = {"role": "demandeur", "naissance": "1980-01-01", "activite": "inactif",
              "taux_incapacite": 0.6}  # fmt: skip
    without = run({"personnes": [person], **notice(0)})
    with_rsdae = run({"personnes": [{**person, "rsdae": True}], **notice(0)})
    assert not without.by_id("aah").eligible
    assert with_rsdae.by_id("aah").eligible


def test_housing_inputs_flat_share_and_relative_landlord():
    person = [{"role": "demandeur", "naissance": "1990-01-01", "activite": "chomeur"}]

    def housing_aid(**extra: Any) -> float:
        housing = {"statut": "locataire_vide", "loyer": 300, **extra}
        return (
            run({"logement": housing, "personnes": person, **notice(0)})
            .by_id("aide_logement")
            .monthly
            or 0.0
        )

    alone = housing_aid()
    assert 0 < housing_aid(colocation=True) < alone
    assert housing_aid(bailleur_parent=True) == 0


def test_savings_and_received_benefits_lower_the_rsa():
    person = [{"role": "demandeur", "naissance": "1990-01-01", "activite": "chomeur"}]
    base = run({"personnes": person, **notice(0)}).by_id("rsa").monthly or 0
    savings = run({"personnes": person, "epargne": 20_000, **notice(0)}).by_id("rsa").monthly
    ass = run({"personnes": person, "prestations_percues": {"ass": 500}, **notice(0)})
    assert savings is not None and 0 < savings < base
    assert (ass.by_id("rsa").monthly or 0) < base


def test_pregnancy_opens_the_rsa_majore_for_a_woman_alone():
    person = {"role": "demandeur", "naissance": "1995-01-01", "activite": "chomeur"}
    alone = run({"personnes": [person], **notice(0)}).by_id("rsa").monthly or 0
    pregnant = run({"personnes": [{**person, "enceinte": True}], **notice(0)})
    assert (pregnant.by_id("rsa").monthly or 0) > alone


def test_self_employed_turnover_counts_for_the_prime_d_activite():
    person = {"role": "demandeur", "naissance": "1990-01-01", "activite": "independant",
              "ressources": {"ca_micro_services": 1000}}  # fmt: skip
    result = run({"personnes": [person], **notice(6_000)})
    assert result.by_id("prime_activite").eligible


def test_twelve_month_resources_feed_the_housing_aid_and_three_month_the_rsa():
    # The RSA reads the last 3 months (code de l'action sociale et des
    # familles, art. R262-7); the housing aid the last 12 (code de la
    # construction et de l'habitation, art. R822-4). Once the RSA is paid,
    # the housing aid takes the resources as nil (art. R822-9): a worker
    # not eligible to the RSA shows the 12 months.
    jobless = {"role": "demandeur", "naissance": "1990-01-01", "activite": "chomeur"}
    worked = {**jobless, "ressources_12_mois": {"salaire_net": 900}}
    rsa = [run({"personnes": [p], **notice(0)}).by_id("rsa").monthly for p in (jobless, worked)]
    assert rsa[0] and rsa[0] == rsa[1]
    worker = {"role": "demandeur", "naissance": "1990-01-01", "activite": "salarie",
              "ressources": {"salaire_net": 1000}}  # fmt: skip
    housing = {"statut": "locataire_vide", "loyer": 600}
    steady = run({"logement": housing, "personnes": [worker], **notice(14_000)})
    earned_more = run(
        {"logement": housing,
         "personnes": [{**worker, "ressources_12_mois": {"salaire_net": 1300}}],
         **notice(14_000)}
    )  # fmt: skip
    assert (earned_more.by_id("aide_logement").monthly or 0) < (
        steady.by_id("aide_logement").monthly or 0
    )


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"avis_imposition": [{"revenus": 2030, "revenu_fiscal_reference": 1}]},
         "avis_imposition 1, revenus"),
        ({"avis_imposition": {"2024": 1}}, "avis_imposition : attendu une liste"),
        ({"epargne": -5}, "epargne"),
        ({"logement": {"statut": "proprietaire", "colocation": True}}, "colocation"),
        ({"logement": {"statut": "locataire_vide", "loyer": 300, "piscine": 1}},
         "champ(s) inconnu(s) : piscine"),
    ],
)  # fmt: skip
def test_new_inputs_are_checked_with_their_place(data: dict[str, Any], where: str) -> None:
    base = {
        "mois": MONTH,
        "commune": "62041",
        "logement": {"statut": "loge_gratuitement"},
        "personnes": [{"role": "demandeur", "naissance": "1990-01-01"}],
    }
    with pytest.raises(SituationError) as error:
        parse_situation({**base, **data})
    assert any(where in problem for problem in error.value.problems), error.value.problems


@pytest.mark.parametrize(
    ("person", "where"),
    [
        ({"taux_incapacite": 0.9, "rsdae": True}, "rsdae"),
        ({"garde_alternee": True}, "garde_alternee"),
        ({"etudes": {"revenus_parents": 1}}, "etudes : ne concerne"),
        ({"activite": "etudiant", "etudes": {"enfants_a_charge_parents": 1,
          "enfants_etudiants_parents": 2}}, "enfants_etudiants_parents"),
        ({"enceinte": "peut-être"}, "enceinte"),
    ],
)  # fmt: skip
def test_new_person_inputs_are_checked(person: dict[str, Any], where: str) -> None:
    data = {
        "mois": MONTH,
        "personnes": [{"role": "demandeur", "naissance": "1990-01-01", **person}],
    }
    with pytest.raises(SituationError) as error:
        parse_situation(data)
    assert any(where in problem for problem in error.value.problems), error.value.problems


def test_the_summary_restates_every_input():
    situation = parse_situation(
        {
            "mois": MONTH,
            "commune": "62041",
            "logement": {"statut": "locataire_vide", "loyer": 450, "colocation": True},
            "personnes": [
                {"role": "demandeur", "naissance": "1990-01-01", "activite": "salarie",
                 "ressources": {"salaire_net": 900}},
                {"role": "enfant", "naissance": "2016-01-01", "garde_alternee": True},
            ],
            "epargne": 1500,
            "prestations_percues": {"ass": 100},
            **notice(9000),
        }
    )  # fmt: skip
    text = "\n".join(describe(situation))
    for expected in ("36 ans, salarié·e", "salaire net 900", "garde alternée", "colocation",
                     "loyer hors charges 450", "avis d'imposition 2025", "9\u202f000",
                     "Épargne : 1\u202f500", "ASS 100"):  # fmt: skip
        assert expected in text, expected


def test_students_in_a_batch_with_other_households_and_a_partner():
    # The parents' children are held on the student's famille: one value
    # per household, whatever the persons around (regression: a student
    # with a partner, next to a family of four).
    student_couple = parse_situation(
        {
            "mois": MONTH,
            "commune": "62041",
            "logement": {"statut": "locataire_meuble", "loyer": 500},
            "personnes": [
                {"role": "demandeur", "naissance": "2005-02-01", "activite": "etudiant",
                 "scolarite": "enseignement_superieur",
                 "etudes": {"rattache_foyer_parents": True, "revenus_parents": 20000,
                            "enfants_a_charge_parents": 2, "distance_domicile_familial": 40}},
                {"role": "conjoint", "naissance": "1999-07-01", "activite": "salarie",
                 "ressources": {"salaire_net": 900}},
            ],
            **notice(0),
        }
    )  # fmt: skip
    family = parse_situation(
        {"mois": MONTH, "commune": "62041", "logement": {"statut": "loge_gratuitement"},
         "personnes": COUPLE_TWO_CHILDREN, **notice(0)}
    )  # fmt: skip
    together = simulate([family, student_couple, family])
    alone = simulate([student_couple])
    assert together[1].by_id("bourse_crous").monthly == alone[0].by_id("bourse_crous").monthly
    assert alone[0].by_id("bourse_crous").eligible
    assert together[0].by_id("af").monthly == together[2].by_id("af").monthly


def test_twelve_month_average_below_a_quarter_of_the_three_month_one_is_refused():
    with pytest.raises(SituationError) as error:
        parse_situation(
            {"mois": MONTH, "personnes": [
                {"role": "demandeur", "naissance": "1990-01-01", "activite": "salarie",
                 "ressources": {"salaire_net": 2000},
                 "ressources_12_mois": {"salaire_net": 100}}]}
        )  # fmt: skip
    assert any("au moins 500 €" in p and "ressources_12_mois, salaire_net" in p
               for p in error.value.problems)  # fmt: skip


def _amounts(result: SimulationResult) -> dict[str, float | None]:
    return {b.benefit.id: b.monthly for b in result.benefits if b.status == "eligible"}


def test_a_child_born_during_the_month_counts_as_one_born_on_its_first_day():
    """A single parent whose baby was born on the 17th of the month simulated
    gets the amounts of a baby born on the 1st (OpenFisca-France takes ages
    on the month's first day: given as is, a later birth made the ASF
    vanish and changed the RSA and the housing aid)."""
    parent = {"role": "demandeur", "naissance": "1990-01-01", "activite": "inactif"}
    tenant = {"logement": {"statut": "locataire_vide", "loyer": 500}}

    def with_baby(born: str) -> dict[str, float | None]:
        return _amounts(
            run({**tenant, "personnes": [parent, {"role": "enfant", "naissance": born}]})
        )

    on_the_17th = with_baby(f"{MONTH}-17")

    assert on_the_17th == with_baby(f"{MONTH}-01")
    assert {"asf", "paje_base", "rsa", "aide_logement"} <= set(on_the_17th)
