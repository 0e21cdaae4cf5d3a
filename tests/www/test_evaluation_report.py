"""The yearly report's page: who reads it, its downloads, the entries of
the budget, partners and agreements, and French errors (never a 500)."""

from urllib.parse import quote

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.evaluation.report_models import BudgetLine, DataAgreement, ReportPartner
from tests.evaluation.report_data import FROZEN, build_year

pytestmark = pytest.mark.django_db


def url(territory, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/territoires/{territory.siren}/evaluation/rapport-annuel/" + (
        f"?{query}" if query else ""
    )


@pytest.fixture
def lead(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    return client


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def test_the_team_reads_last_year_by_default(lead, arras):
    build_year(arras)
    page = lead.get(url(arras))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rapport annuel de l'expérimentation 2025" in text
    assert "Droits ouverts par prestation" in text and "secret" in text
    assert "1\u202f000\xa0€ par droit" in text
    assert "Rapport provisoire" not in text


def test_downloads(lead, arras):
    build_year(arras)
    for kind, start in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", "\ufeffpartie".encode())):
        response = lead.get(url(arras, annee=2025, format=kind))
        assert response.status_code == 200
        assert response.content.startswith(start)
        assert f"rapport-annuel-{arras.siren}-2025.{kind}" in response["Content-Disposition"]


def test_the_current_year_is_provisional(lead, arras):
    page = lead.get(url(arras, annee=2026))
    assert page.status_code == 200
    assert "Rapport provisoire" in page.content.decode()


def test_an_unknown_format_shows_the_page(lead, arras):
    assert lead.get(url(arras, annee=2025, format="docx")).status_code == 200


@pytest.mark.parametrize(("year", "message"), [("abc", "quatre chiffres"), ("2030", "commencé")])
def test_a_bad_year_is_a_french_error_on_its_field(lead, arras, year, message):
    page = lead.get(url(arras, annee=year))
    assert page.status_code == 422
    assert message in page.content.decode()


def test_who_may_see_and_enter(client, arras, make_member):
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(url(arras)).status_code == 403
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    assert client.get(url(arras)).status_code == 403
    assert client.get("/territoires/999999999/evaluation/rapport-annuel/").status_code == 404
    client.force_login(make_member(arras, Role.ADMIN))
    assert client.get(url(arras)).status_code == 200
    client.logout()
    assert client.get(url(arras)).status_code == 302


def test_entries_are_saved_and_deleted(lead, arras):
    page = lead.post(
        url(arras, annee=2025),
        {"saisie": "budget", "budget-poste": "Bus", "budget-montant": "1 234,50"},
    )
    assert page.status_code == 302
    line = BudgetLine.objects.get()
    assert (line.year, str(line.amount)) == (2025, "1234.50")
    partner = {"saisie": "partenaire", "partenaire-nom": "CAF", "partenaire-role": ""}
    assert lead.post(url(arras, annee=2025), partner).status_code == 302
    assert lead.post(url(arras, annee=2025), {
        "saisie": "convention", "convention-partenaire": "CAF", "convention-objet": "Résultats",
        "convention-etat": "signed", "convention-signee_le": "01/02/2025",
    }).status_code == 302  # fmt: skip
    assert ReportPartner.objects.count() == DataAgreement.objects.count() == 1
    text = lead.get(url(arras, annee=2025)).content.decode()
    assert "1\u202f234,50\xa0€" in text
    lead.post(url(arras, annee=2025), {"saisie": "supprimer", "type": "budget", "id": line.pk})
    assert not BudgetLine.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"saisie": "budget", "budget-poste": "Bus", "budget-montant": "douze"}, "pas un nombre"),
        ({"saisie": "budget", "budget-poste": "Bus", "budget-montant": "-5"}, "pas entre 0"),
        ({"saisie": "budget", "budget-poste": "Bus", "budget-montant": "1,234"}, "deux déc"),
        ({"saisie": "convention", "convention-partenaire": "CAF", "convention-objet": "x",
          "convention-etat": "signed"}, "date de signature"),
        ({"saisie": "convention", "convention-partenaire": "CAF", "convention-objet": "x",
          "convention-etat": "signed", "convention-signee_le": "31/02/2025"}, "pas une date"),
    ],
)  # fmt: skip
def test_refused_entries_say_why_and_write_nothing(lead, arras, data, message):
    page = lead.post(url(arras, annee=2025), data)
    assert page.status_code == 422
    assert message in page.content.decode()
    assert not BudgetLine.objects.exists() and not DataAgreement.objects.exists()


def test_a_partner_or_a_field_agent_cannot_enter(client, arras, make_member):
    client.force_login(make_member(arras, Role.PARTNER))
    data = {"saisie": "budget", "budget-poste": "Bus", "budget-montant": "10"}
    assert client.post(url(arras, annee=2025), data).status_code == 403
    assert not BudgetLine.objects.exists()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(["budget", "partenaire", "convention", "supprimer", "", "autre"]),
    text=st.text(max_size=300),
    year=st.text(max_size=6),
)
def test_hostile_input_never_gives_an_error_page(lead, arras, kind, text, year):
    data = {"saisie": kind, "type": text[:20], "id": text[:30]}
    for name in ("budget-poste", "budget-montant", "partenaire-nom", "convention-partenaire",
                 "convention-objet", "convention-etat", "convention-signee_le",
                 "convention-fin_le"):  # fmt: skip
        data[name] = text
    before = BudgetLine.objects.count() + ReportPartner.objects.count()
    page = lead.post(url(arras, annee=quote(year)), data)
    assert page.status_code in (200, 302, 422)
    if page.status_code == 422:
        assert BudgetLine.objects.count() + ReportPartner.objects.count() == before


def test_each_delete_button_has_its_own_name_and_asks_first(lead, arras):
    """Review of issue 17: five « Supprimer la convention avec CAF »
    buttons. Each now names what it deletes (purpose, date; « n° 2 » for
    true duplicates), and opens a confirmation (no JavaScript) whose own
    button deletes."""
    from nonrecours.evaluation import report_actions

    for purpose, signed in (("Listes", "01/02/2025"), ("Listes", "01/03/2025"), ("Résultats", "")):
        report_actions.agreement_add(
            territory=arras, partner="CAF", purpose=purpose, user=None,
            status="signed" if signed else "preparing", signed_on=signed,
        )  # fmt: skip
    for _ in range(2):
        report_actions.agreement_add(
            territory=arras, partner="CAF", purpose="Listes", status="preparing", user=None
        )
    text = lead.get(url(arras, annee=2025)).content.decode()
    import re

    names = re.findall(r'<summary class="button button--small">Supprimer<span '
                       r'class="visually-hidden"> ([^<]+)</span>', text)  # fmt: skip
    assert len(names) == 5 and len(set(names)) == 5
    assert "la convention avec CAF : Listes (signée, signée le 1er février 2025)" in names
    assert "la convention avec CAF : Listes (en préparation), n° 2" in names
    assert text.count("Confirmer la suppression") == 5
    # The summary deletes nothing: only the confirmation's button posts.
    assert DataAgreement.objects.count() == 5


def test_a_long_unbroken_label_wraps(lead, arras):
    BudgetLine.objects.create(
        territory=arras, year=2025, label="x" * 200, amount=10, entered_at=FROZEN
    )
    text = lead.get(url(arras, annee=2025)).content.decode()
    assert 'class="report-entries"' in text and "report-table" in text
    from pathlib import Path

    css = Path("nonrecours/static/css/nonrecours.css").read_text()
    assert ".report-table th, .report-table td, .report-entries li" in css
    assert "overflow-wrap: anywhere" in css.split(".report-table th, .report-table td")[1][:120]
