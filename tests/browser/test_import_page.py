"""The import page on a phone: options, a refusal and a summary, readable
and accessible (axe), nothing wider than the screen."""

import datetime
from pathlib import Path

import pytest

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions
from nonrecours.surveys.enums import Channel
from tests.browser.conftest import page_width, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases" / "2026-11-30"


def test_import_page_refuses_then_summarises_on_a_phone(
    live_server, arras, make_member, phone_page
):
    make_member(arras, Role.PROJECT_LEAD)
    actions.campaign_create(
        territory=arras, slug="terrain", name="Terrain", starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 11, 30), channels=[Channel.IMPORT],
    )  # fmt: skip
    page = phone_page
    page.goto(live_server.url + "/connexion/")
    page.get_by_label("Identifiant").fill("personne1")
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + "/campagnes/terrain/import/")
    assert serious_violations(page) == []
    page.get_by_label("LimeSurvey (CSV, codes de réponse)").check()
    page.set_input_files("input[name=file]", str(CASES / "10a-limesurvey-anonymised-survey-A.csv"))
    page.get_by_role("button", name="Importer").click()
    assert (
        "indiquez l'identifiant de l'enquête LimeSurvey"
        in page.locator(".error-summary").inner_text()
    )
    assert serious_violations(page) == []
    page.get_by_label("Identifiant de l'enquête LimeSurvey (facultatif)").fill("111111")
    page.set_input_files("input[name=file]", str(CASES / "10a-limesurvey-anonymised-survey-A.csv"))
    page.get_by_role("button", name="Importer").click()
    page.goto(live_server.url + "/campagnes/terrain/import/")
    page.get_by_label("KoboToolbox ou ODK Central (CSV ou XLSX, valeurs et en-têtes XML)").check()
    page.set_input_files("input[name=file]", str(CASES / "02-kobo-validation-status.csv"))
    page.get_by_role("button", name="Importer").click()
    text = page.locator(".messages").inner_text()
    assert "1 réponse ajoutée" in text and "ligne 3 (non approuvée)" in text
    assert page_width(page) <= 390
    screenshot(page, "import-bilan-telephone")
    assert serious_violations(page) == []
