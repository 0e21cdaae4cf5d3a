"""The directory's search in a real browser, on a phone, audited with axe-core."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import page_width, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_town_halls_on_a_phone(live_server, arras, phone_page):
    from io import StringIO

    from nonrecours.directory import imports as directory_imports
    from tests.directory.test_directory import OFFER, STRUCTURE

    call_command("directory", "mairies", arras.siren, stdout=StringIO())
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    page = phone_page
    page.goto(live_server.url + "/annuaire/")
    assert serious_violations(page) == []
    page.get_by_label("Commune de la personne").select_option(label="Arras")
    page.get_by_role("button", name="Chercher").click()
    # the town hall (a structure without offer) and the CCAS's offer
    expect(page.locator("#resultats")).to_have_text("2 résultats")
    expect(page.get_by_role("link", name="Mairie d'Arras")).to_be_visible()
    expect(page.locator(".hit__hours").first).to_contain_text("fermé les jours fériés")
    screenshot(page, "annuaire-recherche-telephone")
    assert serious_violations(page) == []
    assert page_width(page) <= 390  # nothing wider
    page.get_by_role("link", name="Accompagnement à l'accès aux droits").click()
    expect(page.locator("h1")).to_have_text("Accompagnement à l'accès aux droits")
    assert serious_violations(page) == []
