"""The yearly report's page on a phone: the report with its charts and its
« secret » cells, a budget line refused then saved — readable, accessible
(axe), nothing wider than the screen."""

import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from tests.browser.conftest import (
    assert_error_state_is_reachable,
    log_in,
    page_width,
    screenshot,
    serious_violations,
)
from tests.evaluation.report_data import FROZEN, build_year

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(FROZEN),
]


def test_the_yearly_report_on_a_phone(live_server, arras, make_member, phone_page):
    from nonrecours.evaluation import report_actions

    build_year(arras)
    # Review of issue 17: a long unbroken text made the page 1 967 px wide.
    report_actions.budget_line_add(
        territory=arras, year=2025, label="b" * 200, amount="10", user=None
    )
    report_actions.partner_add(territory=arras, year=2025, name="Long", role="r" * 300, user=None)
    page = phone_page
    log_in(page, live_server.url, make_member(arras, Role.PROJECT_LEAD).username)
    page.goto(live_server.url + f"/territoires/{arras.siren}/evaluation/rapport-annuel/?annee=2025")
    assert page.locator("h1").inner_text() == "Rapport annuel de l'expérimentation 2025"
    expect(page.get_by_role("heading", name="Droits ouverts par prestation")).to_be_visible()
    expect(page.get_by_role("img").first).to_be_visible()
    assert page.get_by_text("secret", exact=True).count() >= 2
    assert page_width(page) <= 390
    screenshot(page, "rapport-annuel-telephone")
    assert serious_violations(page) == []

    page.get_by_label("Poste de dépense").fill("Communication")
    page.get_by_label("Montant dépensé (euros)").fill("douze mille")
    page.get_by_role("button", name="Ajouter la ligne").click()
    assert_error_state_is_reachable(page)
    assert page_width(page) <= 390
    screenshot(page, "rapport-annuel-refus-telephone")
    assert serious_violations(page) == []
    page.get_by_label("Montant dépensé (euros)").fill("12 000")
    page.get_by_role("button", name="Ajouter la ligne").click()
    expect(page.get_by_text("Communication : 12")).to_be_visible()
    # Deleting asks first; both steps are named after the line.
    page.locator("summary", has_text="Supprimer la ligne de budget « Communication »").click()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Confirmer la suppression de la ligne de budget "
                     "« Communication »").click()  # fmt: skip
    expect(page.get_by_text("Supprimé : Communication")).to_be_visible()
    assert page_width(page) <= 390
