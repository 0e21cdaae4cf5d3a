import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from tests.browser.conftest import page_width, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_opens_the_register_from_the_territory(
    live_server, arras, make_member, phone_page
):
    make_member(arras, Role.ADMIN)
    phone_page.goto(live_server.url + "/connexion/")
    phone_page.get_by_label("Identifiant").fill("personne1")
    phone_page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    phone_page.get_by_role("button", name="Se connecter").click()
    phone_page.get_by_role("link", name="Registre des traitements de données personnelles").click()
    expect(phone_page.locator("h1")).to_have_text(
        "Registre des traitements de données personnelles"
    )
    expect(phone_page.locator("section.card h2").first).to_be_visible()
    assert page_width(phone_page) <= 390
    screenshot(phone_page, "registre-des-traitements-telephone")
    assert serious_violations(phone_page) == []
    with phone_page.expect_download() as download:
        phone_page.get_by_role("link", name="Télécharger le registre (CSV)").click()
    assert download.value.suggested_filename == "registre-des-traitements.csv"
