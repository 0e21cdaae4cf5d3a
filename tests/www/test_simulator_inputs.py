"""The simulator's questions that apply only to some situations: each one is
asked only when it applies and ends in the situation format (checked by
parse_situation); the tax notice is asked by its year; the one-page mode
takes every field and ignores a person's block left empty."""

import datetime
import html as html_lib
import re

import pytest
from django.core import signing
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.rights.situation_parse import parse_situation
from nonrecours.www.rights import path
from nonrecours.www.rights.views import SALT

NOVEMBER_2026 = datetime.datetime(2026, 11, 15, 10, 0, tzinfo=datetime.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOVEMBER_2026)]

OWNER = {"logement-commune": "62041", "logement-statut": "proprietaire"}
CLAIMANT = {"demandeur-naissance": "1991-05-15", "demandeur-activite": "chomeur"}
SINGLE = {"foyer-en_couple": "non", "foyer-enfants": "0"}
UNKNOWN_NOTICE = {"percues-avis_inconnu": "on"}


def text(html: str) -> str:
    return html_lib.unescape(html)


def title(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html).group(1)


def token(html: str, name: str = "etat") -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def walk(client, screens):
    """Go through the path: `screens` is a list of (expected title, POST
    data); each screen must be the expected one before it is answered."""
    html = client.get(reverse("rights_step")).text
    response = None
    for expected, data in screens:
        assert title(text(html)) == expected, f"attendu « {expected} », vu « {title(html)} »"
        response = client.post(
            reverse("rights_step"), {"etat": token(html), "action": "suivant", **data}
        )
        html = response.text
    return response


def situation_of(response) -> dict:
    """The situation behind a results page (its signed token), checked."""
    assert response.status_code == 200, text(response.text)[-3000:]
    situation = signing.loads(token(response.text, "situation"), salt=SALT)["situation"]
    parse_situation(situation)  # the format accepts it
    return situation


def field_error(html: str, field_id: str) -> str:
    """The error shown on the field itself (not only in the summary)."""
    match = re.search(rf'<p class="field-error" id="{field_id}_error">(.*?)</p>', html, re.S)
    return text(re.sub(r"<[^>]+>", "", match.group(1))) if match else ""


# --- The tax notice, by its year ---------------------------------------------


@pytest.mark.parametrize(
    ("moment", "notice", "incomes"),
    [
        (NOVEMBER_2026, 2025, 2024),
        (datetime.datetime(2027, 2, 10, 10, 0, tzinfo=datetime.UTC), 2026, 2025),
    ],
)
def test_the_tax_notice_asked_follows_the_simulated_month(
    client, arras, time_machine, moment, notice, incomes
):
    time_machine.move_to(moment)
    screens = [("Votre logement", OWNER), ("Vous", CLAIMANT), ("Votre foyer", SINGLE)]
    page = text(walk(client, [*screens, ("Vos ressources", {})]).text)
    label = (
        f"Revenu fiscal de référence de votre avis d'imposition {notice} "
        f"(sur les revenus {incomes})"
    )
    assert label in page
    assert f"(sur les revenus {incomes})</label>" in page  # not « (facultatif) »: one answer needed
    assert "Vos références" in page and "forcément votre dernier avis" in page
    assert "Je ne le connais pas" in page
    other = 2025 if notice == 2026 else 2026
    assert f"avis d'imposition {other}" not in page
    done = walk(
        client,
        [*screens, ("Vos ressources", {}),
         ("Ce que vous percevez déjà", {"percues-revenu_fiscal_reference": "14200"})],
    )  # fmt: skip
    situation = situation_of(done)
    assert situation["mois"] == moment.strftime("%Y-%m")
    assert situation["avis_imposition"] == [
        {"revenus": incomes, "revenu_fiscal_reference": 14200.0}
    ]
    assert parse_situation(situation).tax_income_n2 == 14200.0


def test_a_tax_notice_not_known_is_not_sent_and_one_answer_is_needed(client, arras):
    screens = [("Votre logement", OWNER), ("Vous", CLAIMANT), ("Votre foyer", SINGLE),
               ("Vos ressources", {})]  # fmt: skip
    neither = walk(client, [*screens, ("Ce que vous percevez déjà", {})])
    assert neither.status_code == 422
    assert "ou cochez « Je ne le connais pas »" in field_error(
        neither.text, "id_percues-revenu_fiscal_reference"
    )
    both = walk(
        client,
        [*screens, ("Ce que vous percevez déjà",
                    {"percues-revenu_fiscal_reference": "100", **UNKNOWN_NOTICE})],
    )  # fmt: skip
    assert both.status_code == 422
    assert "videz le montant" in field_error(both.text, "id_percues-revenu_fiscal_reference")
    unknown = situation_of(walk(client, [*screens, ("Ce que vous percevez déjà", UNKNOWN_NOTICE)]))
    assert "avis_imposition" not in unknown and "revenu_fiscal_reference" not in unknown
    assert parse_situation(unknown).tax_income_n2 is None


def test_a_tax_notice_asked_at_the_start_keeps_its_year_across_new_year(
    client, arras, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 12, 31, 22, 50, tzinfo=datetime.UTC))
    html = walk(client, [("Votre logement", OWNER), ("Vous", CLAIMANT)]).text
    # 00:20 in Paris: the next year
    time_machine.move_to(datetime.datetime(2026, 12, 31, 23, 20, tzinfo=datetime.UTC))
    page = client.post(reverse("rights_step"), {"etat": token(html), "action": "suivant", **SINGLE})
    page = client.post(reverse("rights_step"), {"etat": token(page.text), "action": "suivant"})
    assert "avis d'imposition 2025 (sur les revenus 2024)" in text(page.text)
    done = client.post(
        reverse("rights_step"),
        {"etat": token(page.text), "action": "suivant", "percues-revenu_fiscal_reference": "9000"},
    )
    situation = signing.loads(token(done.text, "situation"), salt=SALT)["situation"]
    assert situation["mois"] == "2026-12"  # the month the person started in
    assert parse_situation(situation).tax_income_n2 == 9000.0


# --- Questions that apply only to some -----------------------------------------


def test_a_tenant_is_asked_rent_flat_share_and_landlord_an_owner_is_not(client, arras):
    owner = walk(client, [("Votre logement", OWNER)])
    assert title(text(owner.text)) == "Vous"
    assert "colocation" not in owner.text
    tenant = {"logement-commune": "62041", "logement-statut": "locataire_meuble"}
    rent_page = walk(client, [("Votre logement", tenant)])
    page = text(rent_page.text)
    assert title(page) == "Votre loyer"
    assert "Loyer mensuel hors charges" in page
    assert "sans les charges : eau, chauffage collectif, entretien…" in page.lower()
    assert "c'est ce montant que la CAF retient" in page
    assert "Vivez-vous en colocation ?" in page and "l'un de vos parents ou enfants" in page
    refused = walk(client, [("Votre logement", tenant), ("Votre loyer", {"logement-loyer": "0"})])
    assert refused.status_code == 422
    assert "Indiquez le loyer mensuel hors charges" in field_error(
        refused.text, "id_logement-loyer"
    )
    situation = situation_of(
        walk(
            client,
            [
                ("Votre logement", tenant),
                (
                    "Votre loyer",
                    {
                        "logement-loyer": "380",
                        "logement-colocation": "oui",
                        "logement-bailleur_parent": "non",
                    },
                ),
                ("Vous", CLAIMANT),
                ("Votre foyer", SINGLE),
                ("Vos ressources", {}),
                ("Ce que vous percevez déjà", UNKNOWN_NOTICE),
            ],
        )  # fmt: skip
    )
    assert situation["logement"] == {
        "statut": "locataire_meuble", "loyer": 380.0, "colocation": True,
        "bailleur_parent": False,
    }  # fmt: skip


def test_a_student_is_asked_the_crous_criteria_only_a_student(client, arras):
    worker = walk(client, [("Votre logement", OWNER),
                           ("Vous", {**CLAIMANT, "demandeur-activite": "salarie"})])  # fmt: skip
    assert title(text(worker.text)) == "Votre foyer"
    student = {"demandeur-naissance": "2005-09-01", "demandeur-activite": "etudiant"}
    page = walk(client, [("Votre logement", OWNER), ("Vous", student)])
    assert title(text(page.text)) == "Vos études"
    assert "Rattaché·e au foyer fiscal des parents ?" in text(page.text)
    assert "Revenu brut global des parents, en 2024" in text(page.text)
    assert "restriction substantielle" not in text(page.text)
    too_many = walk(
        client,
        [("Votre logement", OWNER), ("Vous", student),
         ("Vos études", {"demandeur-rattache_foyer_parents": "oui",
                         "demandeur-enfants_a_charge_parents": "1",
                         "demandeur-enfants_etudiants_parents": "2"})],
    )  # fmt: skip
    assert too_many.status_code == 422
    assert "pas plus que d'enfants à charge" in field_error(
        too_many.text, "id_demandeur-enfants_etudiants_parents"
    )
    unanswered = walk(client, [("Votre logement", OWNER), ("Vous", student), ("Vos études", {})])
    assert "Ce champ est obligatoire" in field_error(
        unanswered.text, "id_demandeur-rattache_foyer_parents"
    )
    situation = situation_of(
        walk(
            client,
            [
                ("Votre logement", OWNER),
                ("Vous", student),
                (
                    "Vos études",
                    {
                        "demandeur-rattache_foyer_parents": "non",
                        "demandeur-revenus_parents": "31000",
                        "demandeur-enfants_a_charge_parents": "3",
                        "demandeur-enfants_etudiants_parents": "2",
                        "demandeur-distance_domicile_familial": "120",
                    },
                ),
                ("Votre foyer", SINGLE),
                ("Vos ressources", {}),
                ("Ce que vous percevez déjà", UNKNOWN_NOTICE),
            ],
        )  # fmt: skip
    )
    assert situation["personnes"][0]["etudes"] == {
        "rattache_foyer_parents": False, "revenus_parents": 31000.0,
        "enfants_a_charge_parents": 3, "enfants_etudiants_parents": 2,
        "distance_domicile_familial": 120,
    }  # fmt: skip
    assert parse_situation(situation).persons[0].studies.parents_children == 3


def test_rsdae_is_asked_for_a_rate_of_50_to_79_only(client, arras):
    for rate, asked in (("0.8", False), ("", False), ("0.5", True)):
        page = walk(
            client, [("Votre logement", OWNER), ("Vous", {**CLAIMANT, "demandeur-handicap": rate})]
        )
        assert ("restriction substantielle et durable" in text(page.text)) is asked, rate
        assert (title(text(page.text)) == "Votre handicap") is asked, rate
    situation = situation_of(
        walk(
            client,
            [
                ("Votre logement", OWNER),
                ("Vous", {**CLAIMANT, "demandeur-handicap": "0.5"}),
                ("Votre handicap", {"demandeur-rsdae": "oui"}),
                ("Votre foyer", SINGLE),
                ("Vos ressources", {}),
                ("Ce que vous percevez déjà", UNKNOWN_NOTICE),
            ],
        )  # fmt: skip
    )
    claimant = situation["personnes"][0]
    assert claimant["taux_incapacite"] == 0.5 and claimant["rsdae"] is True
    assert "etudes" not in claimant


def test_a_student_partner_with_a_rate_of_50_to_79_gets_one_screen_for_both(client, arras):
    partner = {"conjoint-naissance": "2003-01-10", "conjoint-activite": "etudiant",
               "conjoint-handicap": "0.5"}  # fmt: skip
    page = walk(
        client,
        [("Votre logement", OWNER), ("Vous", CLAIMANT),
         ("Votre foyer", {"foyer-en_couple": "oui", "foyer-enfants": "0"}),
         ("Votre conjoint·e", partner)],
    )  # fmt: skip
    assert title(text(page.text)) == "Les études et le handicap de votre conjoint·e"
    assert "restriction substantielle" in text(page.text) and "Rattaché·e" in text(page.text)


def test_a_single_parent_says_which_child_is_in_shared_custody(client, arras):
    children = {"foyer-en_couple": "non", "foyer-enfants": "2"}
    page = walk(client, [("Votre logement", OWNER), ("Vous", CLAIMANT), ("Votre foyer", children)])
    assert title(text(page.text)) == "Vos enfants"
    assert text(page.text).count("En garde alternée ?") == 2
    situation = situation_of(
        walk(
            client,
            [
                ("Votre logement", OWNER),
                ("Vous", CLAIMANT),
                ("Votre foyer", children),
                (
                    "Vos enfants",
                    {
                        "enfant0-naissance": "2015-04-01",
                        "enfant0-scolarite": "college",
                        "enfant0-garde_alternee": "oui",
                        "enfant1-naissance": "2019-09-01",
                        "enfant1-scolarite": "primaire",
                        "enfant1-garde_alternee": "non",
                        "enfant1-handicap": "0.8",
                    },
                ),
                ("Vos ressources", {}),
                ("Ce que vous percevez déjà", UNKNOWN_NOTICE),
            ],
        )  # fmt: skip
    )
    first, second = situation["personnes"][1:]
    assert first["garde_alternee"] is True and second["garde_alternee"] is False
    assert second["taux_incapacite"] == 0.8
    assert [p.shared_custody for p in parse_situation(situation).children] == [True, False]


def test_pregnancy_is_asked_once_and_set_on_the_right_adult(client, arras):
    single_partner = walk(
        client,
        [("Votre logement", OWNER), ("Vous", CLAIMANT),
         ("Votre foyer", {**SINGLE, "foyer-grossesse": "conjoint"})],
    )  # fmt: skip
    assert single_partner.status_code == 422
    assert "ne pas vivre en couple" in field_error(single_partner.text, "id_foyer-grossesse")
    couple = {"foyer-en_couple": "oui", "foyer-enfants": "0", "foyer-grossesse": "conjoint"}
    partner = {"conjoint-naissance": "1993-03-03", "conjoint-activite": "salarie"}
    situation = situation_of(
        walk(
            client,
            [
                ("Votre logement", OWNER),
                ("Vous", CLAIMANT),
                ("Votre foyer", couple),
                ("Votre conjoint·e", partner),
                ("Vos ressources", {}),
                ("Ce que vous percevez déjà", UNKNOWN_NOTICE),
            ],
        )  # fmt: skip
    )
    claimant, spouse = situation["personnes"]
    assert spouse["enceinte"] is True and "enceinte" not in claimant
    assert [p.pregnant for p in parse_situation(situation).adults] == [False, True]


def test_turnover_is_asked_of_the_self_employed_and_12_months_when_incomes_changed(client, arras):
    worker = walk(client, [("Votre logement", OWNER), ("Vous", CLAIMANT), ("Votre foyer", SINGLE)])
    assert "Chiffre d'affaires" not in text(worker.text)
    assert "Pension alimentaire versée" in text(worker.text)
    assert "Revenus du patrimoine" in text(worker.text) and "Épargne du foyer" in text(worker.text)
    self_employed = {**CLAIMANT, "demandeur-activite": "independant"}
    screens = [("Votre logement", OWNER), ("Vous", self_employed), ("Votre foyer", SINGLE)]
    page = walk(client, screens)
    assert "Chiffre d'affaires : prestations de services" in text(page.text)
    resources = {
        "ressources-demandeur-ca_micro_services": "1500",
        "ressources-demandeur-pension_alimentaire_versee": "120",
        "ressources-demandeur-revenus_capital": "15",
        "menage-revenus_changes": "oui",
        "menage-epargne": "2300",
    }
    received = {**UNKNOWN_NOTICE, "percues-ass": "540", "percues-aeeh": "149.3",
                "percues-pch": "80"}  # fmt: skip
    situation = situation_of(
        walk(
            client,
            [
                *screens,
                ("Vos ressources", resources),
                ("Vos ressources sur 12 mois", {"ressources12-demandeur-ca_micro_services": "900"}),
                ("Ce que vous percevez déjà", received),
            ],
        )  # fmt: skip
    )
    claimant = situation["personnes"][0]
    assert claimant["activite"] == "independant"
    assert claimant["ressources"] == {
        "ca_micro_services": 1500.0, "pension_alimentaire_versee": 120.0, "revenus_capital": 15.0
    }  # fmt: skip
    assert claimant["ressources_12_mois"] == {"ca_micro_services": 900.0}
    assert situation["epargne"] == 2300.0
    assert situation["prestations_percues"] == {"ass": 540.0, "aeeh": 149.3, "pch": 80.0}
    unchanged = walk(client, [*screens, ("Vos ressources", {"menage-revenus_changes": "non"})])
    assert title(text(unchanged.text)) == "Ce que vous percevez déjà"


def test_going_back_and_changing_an_answer_drops_the_questions_that_no_longer_apply(client, arras):
    student = {"demandeur-naissance": "2005-09-01", "demandeur-activite": "etudiant"}
    page = walk(client, [("Votre logement", OWNER), ("Vous", student)])
    back = client.post(reverse("rights_step"), {"etat": token(page.text), "action": "precedent"})
    assert title(text(back.text)) == "Vous"
    worker = client.post(
        reverse("rights_step"), {"etat": token(back.text), "action": "suivant", **CLAIMANT}
    )
    assert title(text(worker.text)) == "Votre foyer"
    assert "étape 3 sur 6" in worker.text


# --- The professional's one-page mode -----------------------------------------

EXPERT = {
    "logement-commune": "62041", "logement-statut": "loge_gratuitement",
    "demandeur-naissance": "1986-05-15", "demandeur-activite": "inactif",
}  # fmt: skip
# What a browser sends for the blocks left empty: the preselected « Non »,
# the first schooling, the default counts of the studies.
BROWSER_DEFAULTS = {
    "logement-colocation": "non", "logement-bailleur_parent": "non",
    "demandeur-enceinte": "non", "demandeur-rsdae": "non",
    "demandeur-rattache_foyer_parents": "non", "demandeur-enfants_a_charge_parents": "1",
    "demandeur-enfants_etudiants_parents": "1", "demandeur-distance_domicile_familial": "0",
    "conjoint-handicap": "", "conjoint-enceinte": "non", "conjoint-rsdae": "non",
    "conjoint-rattache_foyer_parents": "non", "conjoint-enfants_a_charge_parents": "1",
    "conjoint-enfants_etudiants_parents": "1", "conjoint-distance_domicile_familial": "0",
    **{f"enfant{i}-scolarite": "aucune" for i in range(8)},
    **{f"enfant{i}-handicap": "" for i in range(8)},
    **{f"enfant{i}-garde_alternee": "non" for i in range(8)},
}  # fmt: skip


def test_expert_mode_with_empty_partner_and_children_blocks_shows_no_error(client, arras):
    for data in (EXPERT, {**BROWSER_DEFAULTS, **EXPERT}):
        response = client.post(reverse("rights_expert"), data)
        assert response.status_code == 200
        assert "Ce champ est obligatoire" not in response.text
        assert 'class="field-error"' not in response.text
        assert "Vous avez probablement droit à" in text(response.text)  # the results, below
        situation = situation_of(response)
        assert [p["role"] for p in situation["personnes"]] == ["demandeur"]


def test_expert_mode_a_partly_filled_child_or_partner_is_a_located_error(client, arras):
    child = client.post(
        reverse("rights_expert"),
        {**BROWSER_DEFAULTS, **EXPERT, "enfant1-scolarite": "college"},
    )
    assert child.status_code == 422
    page = text(child.text)
    assert "Enfant 2, Date de naissance : À remplir, car le bloc « Enfant 2 » est commencé" in page
    assert "Enfant 1," not in page  # the empty block before it is no error
    assert "Conjoint·e," not in page
    partner = client.post(
        reverse("rights_expert"),
        {**BROWSER_DEFAULTS, **EXPERT, "conjoint-activite": "salarie"},
    )
    assert partner.status_code == 422
    assert "Conjoint·e, Date de naissance : À remplir, car le bloc « Conjoint·e »" in text(
        partner.text
    )
    assert "Enfant 1," not in text(partner.text)


def test_expert_mode_checks_on_the_field_that_an_answer_applies(client, arras):
    response = client.post(
        reverse("rights_expert"),
        {**EXPERT, "logement-colocation": "oui", "demandeur-rsdae": "oui",
         "demandeur-revenus_parents": "20000"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Ne concerne qu'un·e locataire" in field_error(response.text, "id_logement-colocation")
    assert "50 à 79 %" in field_error(response.text, "id_demandeur-rsdae")
    assert "personne étudiante" in field_error(response.text, "id_demandeur-revenus_parents")
    tenant = client.post(
        reverse("rights_expert"),
        {**EXPERT, "logement-statut": "locataire_hlm", "logement-loyer": "0"},
    )
    assert "Indiquez le loyer mensuel hors charges" in field_error(tenant.text, "id_logement-loyer")


FULL_EXPERT = {
    **BROWSER_DEFAULTS,
    "logement-commune": "62041", "logement-statut": "locataire_vide", "logement-loyer": "520",
    "logement-colocation": "oui",
    "demandeur-naissance": "2004-02-01", "demandeur-activite": "etudiant",
    "demandeur-handicap": "0.5", "demandeur-rsdae": "oui",
    "demandeur-rattache_foyer_parents": "oui", "demandeur-revenus_parents": "28000",
    "demandeur-enfants_a_charge_parents": "2", "demandeur-distance_domicile_familial": "40",
    "ressources-demandeur-salaire_net": "300",
    "ressources12-demandeur-salaire_net": "150",
    "conjoint-naissance": "1999-07-01", "conjoint-activite": "independant",
    "conjoint-enceinte": "oui",
    "ressources-conjoint-ca_micro_vente": "2000", "ressources-conjoint-revenus_capital": "12",
    "enfant0-naissance": "2021-05-01", "enfant0-scolarite": "maternelle",
    "enfant0-garde_alternee": "oui",
    "menage-epargne": "800",
    "percues-revenu_fiscal_reference": "11000",
    "percues-ass": "20", "percues-pch": "30", "percues-aeeh": "40",
}  # fmt: skip


def expert_situation(data: dict, month: str = "2026-11") -> dict | None:
    """The one-page mode's situation for `data`, without the engine."""
    forms = path.expert_forms(data, None, month)
    forms["housing"].fields["commune"].choices = [("62041", "Arras")]
    return path.situation_from_expert(forms, month)


def test_expert_mode_takes_every_field_of_the_format():
    situation = expert_situation(FULL_EXPERT)
    parse_situation(situation)
    claimant, partner, child = situation["personnes"]
    assert situation["logement"] == {
        "statut": "locataire_vide", "loyer": 520.0, "colocation": True, "bailleur_parent": False
    }  # fmt: skip
    assert claimant["rsdae"] is True and claimant["etudes"]["rattache_foyer_parents"] is True
    assert claimant["etudes"]["revenus_parents"] == 28000.0
    assert claimant["ressources_12_mois"] == {"salaire_net": 150.0}
    assert "ressources_12_mois" not in partner  # left empty: same as the 3 months
    assert partner["enceinte"] is True and partner["ressources"]["ca_micro_vente"] == 2000.0
    assert child["garde_alternee"] is True
    assert situation["epargne"] == 800.0
    assert situation["avis_imposition"] == [{"revenus": 2024, "revenu_fiscal_reference": 11000.0}]
    assert situation["prestations_percues"] == {"ass": 20.0, "aeeh": 40.0, "pch": 30.0}


def test_a_kept_situation_comes_back_whole_in_the_one_page_mode():
    first = expert_situation(FULL_EXPERT)
    assert first is not None
    assert expert_situation(path.expert_initial(first, "2026-11")) == first
    # A year later the notice on 2024 is no longer the one read: not shown.
    later = path.expert_initial(first, "2027-11")
    assert "percues-revenu_fiscal_reference" not in later
    legacy = path.expert_initial({"mois": "2026-11", "revenu_fiscal_reference": 5}, "2026-11")
    assert legacy["percues-revenu_fiscal_reference"] == 5


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(sorted(FULL_EXPERT)),
    value=st.one_of(st.text(max_size=30), st.sampled_from(["-1", "1e9", "NaN", "oui", "0", ""])),
)
def test_expert_mode_never_breaks_on_hostile_values(client, arras, field, value):
    # A single student (the partner's and the child's fields start a block).
    alone = {k: v for k, v in FULL_EXPERT.items() if not k.startswith(("conjoint", "enfant"))}
    alone = {k: v for k, v in alone.items() if not k.startswith("ressources-conjoint")}
    response = client.post(reverse("rights_expert"), {**alone, field: value})
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        situation_of(response)


def test_a_student_in_the_resident_path_sees_the_crous_grant_and_a_missing_parents_income(
    client, arras
):
    # Review of issue 13: the path sets no school level for an adult, and
    # a blank parents' income became 0 € (the highest grant).
    student = {"demandeur-naissance": "2005-09-01", "demandeur-activite": "etudiant"}

    def results(studies: dict[str, str]) -> str:
        page = walk(
            client,
            [("Votre logement", OWNER), ("Vous", student), ("Vos études", studies),
             ("Votre foyer", SINGLE), ("Vos ressources", {}),
             ("Ce que vous percevez déjà", {"percues-revenu_fiscal_reference": "0"})],
        )  # fmt: skip
        assert page.status_code == 200, text(page.text)[-2000:]
        words = text(re.sub(r"<[^>]+>", " ", page.text))
        return " ".join(words.replace("\u202f", " ").replace("\xa0", " ").split())

    known = results({"demandeur-rattache_foyer_parents": "oui",
                     "demandeur-revenus_parents": "20000",
                     "demandeur-enfants_a_charge_parents": "2",
                     "demandeur-enfants_etudiants_parents": "1",
                     "demandeur-distance_domicile_familial": "40"})  # fmt: skip
    found = known.split("Vous avez probablement droit")[1].split("près de chez vous")[0]
    assert "Bourse sur critères sociaux (CROUS) 3 828 € par an" in found
    unknown = results({"demandeur-rattache_foyer_parents": "oui",
                       "demandeur-enfants_a_charge_parents": "2",
                       "demandeur-enfants_etudiants_parents": "1"})  # fmt: skip
    assert "revenus des parents à indiquer" in unknown
    assert "633,50" not in unknown


def test_a_baby_born_this_month_before_today_gets_the_results(client, arras):
    """The form takes a birth up to today (the 15th): a baby born on the 10th
    of the month simulated used to pass the form and get a 422 page from the
    situation's rule."""
    response = walk(
        client,
        [
            ("Votre logement", OWNER),
            ("Vous", CLAIMANT),
            ("Votre foyer", {"foyer-en_couple": "non", "foyer-enfants": "1"}),
            ("Vos enfants", {"enfant0-naissance": "2026-11-10", "enfant0-scolarite": "aucune"}),
            ("Vos ressources", {}),
            ("Ce que vous percevez déjà", UNKNOWN_NOTICE),
        ],
    )
    situation = situation_of(response)
    assert situation["personnes"][1]["naissance"] == "2026-11-10"
    assert "Allocation de base de la PAJE" in text(response.text)
