"""The rights simulator in a real browser: the resident's path on a phone,
the professional's page on a desktop, both audited with axe-core."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, serious_violations

# The simulator computes the current month: November 2026 here, inside the
# legislation OpenFisca knows.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)),
]


def test_resident_path_on_a_phone(live_server, arras, phone_page):
    page = phone_page
    page.goto(live_server.url + "/simulateur/")
    screenshot(page, "simulateur-accueil-telephone")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Commencer").click()
    expect(page.locator("h1")).to_have_text("Votre logement")
    page.get_by_label("Locataire d'un logement non meublé").check()
    page.get_by_role("button", name="Continuer").click()  # commune missing
    expect(page.get_by_role("alert")).to_contain_text("Des réponses sont à corriger")
    screenshot(page, "simulateur-erreurs-telephone")
    assert serious_violations(page) == []
    page.get_by_label("Votre commune").select_option(label="Arras")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Votre loyer")
    page.get_by_label("Loyer mensuel hors charges").fill("450")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Vous")
    page.get_by_label("Date de naissance").fill("1991-05-15")
    page.get_by_label("Demandeur·se d'emploi").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Votre foyer")
    page.get_by_label("Oui", exact=True).check()
    page.get_by_label("Nombre d'enfants à votre charge").fill("1")
    screenshot(page, "simulateur-foyer-telephone")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Votre conjoint·e")
    page.get_by_label("Date de naissance").fill("1990-02-01")
    page.get_by_label("Sans activité (au foyer, en arrêt…)").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Vos enfants")
    page.get_by_label("Date de naissance").fill("2014-09-01")
    page.get_by_label("Scolarité").select_option(label="Collège")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Vos ressources")
    page.locator("#id_ressources-demandeur-salaire_net").fill("900")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Ce que vous percevez déjà")
    page.get_by_label("Je ne le connais pas").check()
    page.get_by_role("button", name="Voir mes droits").click()
    expect(page.locator("h1")).to_have_text("Vos droits estimés")
    expect(page.get_by_role("heading", name="Prime d'activité")).to_be_visible()
    screenshot(page, "simulateur-resultats-telephone")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Conserver et obtenir un code").click()
    expect(page.get_by_role("alert")).to_contain_text("Cochez la case")
    page.get_by_label("J'accepte que cette simulation").check()
    page.get_by_role("button", name="Conserver et obtenir un code").click()
    expect(page.locator("h1")).to_have_text("Votre simulation est conservée")
    screenshot(page, "simulateur-code-telephone")
    assert serious_violations(page) == []


def test_professional_page_on_a_desktop(live_server, arras, desktop_page):
    page = desktop_page
    page.goto(live_server.url + "/simulateur/expert/")
    assert serious_violations(page) == []
    page.locator("#id_logement-commune").select_option(label="Arras")
    page.get_by_label("Hébergé·e gratuitement (famille, ami·es…)").check()
    page.locator("#id_demandeur-naissance").fill("1956-05-15")
    page.locator("#id_demandeur-activite_3").check()  # retraité·e
    page.get_by_role("button", name="Calculer").click()
    expect(
        page.get_by_role("heading", name="Allocation de solidarité aux personnes âgées (ASPA)")
    ).to_be_visible()
    screenshot(page, "simulateur-expert-bureau")
    assert serious_violations(page) == []
