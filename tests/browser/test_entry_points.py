"""A resident's first visit on a 390 px phone: the home page's entry points,
and the simulator's results with the nearest place to get help. Audited
with axe-core; nothing wider than the screen."""

import datetime

import pytest
from playwright.sync_api import expect

from nonrecours.directory import town_halls
from tests.browser.conftest import page_width, screenshot, serious_violations

# The simulator computes the current month: November 2026 here, inside the
# legislation OpenFisca knows.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)),
]


def test_home_entry_points_on_a_phone(live_server, arras, phone_page):
    page = phone_page
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Ce que vous pouvez faire ici")).to_be_visible()
    for name in ("Vérifier mes droits", "Trouver de l'aide près de chez moi"):
        link = page.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["y"] < 844, name  # on the first screen
    assert page_width(page) <= 390
    screenshot(page, "accueil-entrees-telephone")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Vérifier mes droits").click()
    expect(page.locator("h1")).to_have_text("À quelles aides avez-vous droit ?")


def test_simulator_results_show_the_town_hall_on_a_phone(live_server, arras, phone_page):
    town_halls.directory_prefill_town_halls(territory=arras)
    page = phone_page
    page.goto(live_server.url + "/simulateur/etapes/")
    page.get_by_label("Votre commune").select_option(label="Arras")
    page.get_by_label("Locataire d'un logement non meublé").check()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Loyer mensuel hors charges").fill("450")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Date de naissance").fill("1991-05-15")
    page.get_by_label("Demandeur·se d'emploi").check()
    page.get_by_role("button", name="Continuer").click()
    page.locator("#id_foyer-en_couple_0").check()  # « Non »
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Continuer").click()  # no resources
    page.get_by_label("Je ne le connais pas").check()
    page.get_by_role("button", name="Voir mes droits").click()
    expect(page.locator("h1")).to_have_text("Vos droits estimés")
    section = page.locator("section.help-places")
    expect(section.get_by_role("heading", name="Se faire aider près de chez vous")).to_be_visible()
    expect(section).to_contain_text("Votre mairie peut vous aider")
    expect(section).to_contain_text("Horaires : ")
    assert page_width(page) <= 390
    section.scroll_into_view_if_needed()
    screenshot(page, "simulateur-resultats-mairie-telephone")
    assert serious_violations(page) == []
