"""Comparing territories on a phone: the comparison with a bundle that is
not comparable and the national reference, then a refused import —
readable, accessible (axe), nothing wider than the screen."""

import json
import re

import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.evaluation import bundles_actions
from nonrecours.evaluation.bundles_format import bundle_json, bundle_of
from nonrecours.evaluation.bundles_reference import REFERENCE_FILE
from nonrecours.surveys import actions
from nonrecours.surveys.publication import campaign_publish
from tests.browser.conftest import log_in, page_width, screenshot, serious_violations
from tests.evaluation.test_bundles import as_other_territory, encoded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_comparison_and_import_on_a_phone(live_server, arras, make_member, phone_page, tmp_path):
    campaign, _ = actions.demo_campaign_create(territory=arras, responses=300, seed=1)
    bundle = json.loads(bundle_json(bundle_of(campaign_publish(campaign=campaign, user=None))))
    other = as_other_territory(bundle)
    other["ponderation"]["variables"] = ["zone"]
    bundles_actions.bundle_import(territory=arras, data=encoded(other), filename="lens.json")
    bundles_actions.reference_import(path=REFERENCE_FILE)
    lead = make_member(arras, Role.PROJECT_LEAD)
    page = phone_page
    log_in(page, live_server.url, lead.username)
    page.goto(live_server.url + f"/territoires/{arras.siren}/comparaison/")
    assert page.locator("h1").inner_text() == "Comparer les territoires"
    expect(page.get_by_text("certaines lignes ne sont pas comparables")).to_be_visible()
    assert page_width(page) <= 390
    screenshot(page, "comparaison-territoires-telephone")
    assert serious_violations(page) == []
    page.get_by_label("Indicateur comparé").select_option(label="Tous les indicateurs")
    page.get_by_role("button", name="Comparer").click()
    page.wait_for_url("**indicateur=tous*")
    assert page.locator("caption").count() == len(bundle["indicateurs"]) + 1
    assert serious_violations(page) == []
    page.get_by_role("link", name=re.compile("^Importer le lot")).click()
    broken = tmp_path / "casse.json"
    broken.write_text('{"format": "nonrecours-lot-indicateurs", "version_format": 9}')
    page.get_by_label("Lot d'indicateurs (fichier JSON)").set_input_files(str(broken))
    page.get_by_role("button", name="Importer").click()
    expect(page).to_have_title(re.compile("^Erreur — "))
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("casse.json, version_format")
    assert page_width(page) <= 390
    screenshot(page, "import-lot-refuse-telephone")
    assert serious_violations(page) == []
