import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune
from nonrecours.www.templatetags.map_styles import STYLES
from tests.browser.conftest import new_context, page_width, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_on_a_phone(live_server, arras, phone_page):
    phone_page.goto(live_server.url + "/")
    assert phone_page.locator("h1").inner_text() == "Communauté urbaine d'Arras"
    assert phone_page.locator("svg[role=img] path.map__commune").count() == 46
    assert phone_page.locator("table.communes tbody tr").count() == 46
    # Mobile-first: nothing wider than the screen but the tables' own scroll areas.
    assert page_width(phone_page) <= 390
    css_loaded = phone_page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert css_loaded == "rgb(0, 64, 122)"
    assert screenshot(phone_page, "accueil-telephone").stat().st_size > 10_000
    assert serious_violations(phone_page) == []


def test_home_page_on_a_desktop_with_the_strata_map(live_server, arras, desktop_page):
    desktop_page.goto(live_server.url + "/")
    desktop_page.get_by_role("link", name="Strate du baromètre").click()
    desktop_page.wait_for_url("**/?carte=strate*")
    fills = desktop_page.locator("path.map__commune").evaluate_all(
        "paths => paths.map(p => p.getAttribute('fill'))"
    )
    central_city = f"url(#{STYLES['central_city'].pattern_id})"  # colour and pattern
    assert fills.count(central_city) == 1  # one central city
    # The map itself, not the zero-sized SVG that holds its patterns.
    box = desktop_page.locator("figure.map > svg[role=img]").bounding_box()
    assert box["width"] > 600 and box["height"] > 300
    screenshot(desktop_page, "accueil-bureau-strates")
    assert serious_violations(desktop_page) == []


def test_keyboard_first_stop_is_the_skip_link(live_server, arras, desktop_page):
    desktop_page.goto(live_server.url + "/")
    desktop_page.keyboard.press("Tab")
    focused = desktop_page.evaluate("document.activeElement.textContent")
    assert focused == "Aller au contenu"
    desktop_page.keyboard.press("Enter")
    assert desktop_page.evaluate("document.activeElement.id") == "contenu"


def test_admin_changes_a_stratum_in_the_browser(live_server, arras, make_member, phone_page):
    make_member(arras, Role.ADMIN)
    phone_page.goto(live_server.url + "/connexion/")
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Identifiant").fill("personne1")
    phone_page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    phone_page.get_by_role("button", name="Se connecter").click()
    phone_page.get_by_role("link", name="Modifier les strates").click()
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Marœuil").select_option(Stratum.URBAN.value)
    phone_page.get_by_label("Seuil de densité urbaine (habitants par km²)").fill("-5")
    phone_page.get_by_role("button", name="Enregistrer").click()
    expect(phone_page.get_by_role("alert")).to_be_visible()
    expect(phone_page.get_by_label("Marœuil")).to_have_value(Stratum.URBAN.value)
    screenshot(phone_page, "strates-erreur-telephone")
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Seuil de densité urbaine (habitants par km²)").fill("300")
    phone_page.get_by_role("button", name="Enregistrer").click()
    expect(phone_page.get_by_text("Les strates ont été enregistrées.")).to_be_visible()
    assert Commune.objects.get(insee_code="62557").stratum == Stratum.URBAN


def test_other_pages_pass_the_audit_too(live_server, make_member, phone_page):
    phone_page.goto(live_server.url + "/")
    expect(phone_page.locator("h1")).to_have_text("Aucun territoire n'est encore importé")
    assert serious_violations(phone_page) == []
    from nonrecours.territories import actions

    territory = actions.territory_import(siren="200033579").territory
    for path in ["/territoires/", "/territoires/999999999/"]:
        phone_page.goto(live_server.url + path)
        assert serious_violations(phone_page) == [], path
    partner = make_member(territory, Role.PARTNER)
    phone_page.goto(live_server.url + "/connexion/")
    phone_page.get_by_label("Identifiant").fill(partner.username)
    phone_page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    phone_page.get_by_role("button", name="Se connecter").click()
    expect(phone_page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    phone_page.goto(live_server.url + "/territoires/200033579/strates/")
    expect(phone_page.locator("h1")).to_have_text("Accès refusé")
    assert serious_violations(phone_page) == []


def test_follow_up_page_passes_the_audit(live_server, arras, make_member, desktop_page):
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", "--responses", "200", stdout=StringIO())
    lead = make_member(arras, Role.PROJECT_LEAD)
    desktop_page.goto(live_server.url + "/connexion/")
    desktop_page.get_by_label("Identifiant").fill(lead.username)
    desktop_page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    desktop_page.get_by_role("button", name="Se connecter").click()
    # « Mon espace » may already be the follow-up (an open campaign, on the
    # test's date): start from the territory's page, where the link always is.
    expect(desktop_page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    desktop_page.goto(f"{live_server.url}/territoires/{arras.siren}/")
    desktop_page.get_by_role("link", name="Suivi de la collecte").click()
    expect(desktop_page.locator("h1")).to_contain_text("Suivi de la collecte")
    screenshot(desktop_page, "suivi-collecte-bureau")
    assert serious_violations(desktop_page) == []
    desktop_page.get_by_role(
        "link", name="Demandes de rappel pour faire le point sur ses droits"
    ).click()
    expect(desktop_page.locator("h1")).to_contain_text("Demandes de rappel")
    assert serious_violations(desktop_page) == []
    desktop_page.goto(live_server.url + "/campagnes/demo-2024/import/")
    assert serious_violations(desktop_page) == []


def test_team_pages_pass_the_audit(live_server, arras, make_member, phone_page):
    lead = make_member(arras, Role.PROJECT_LEAD)
    phone_page.goto(live_server.url + "/connexion/")
    phone_page.get_by_label("Identifiant").fill(lead.username)
    phone_page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    phone_page.get_by_role("button", name="Se connecter").click()
    phone_page.get_by_role("link", name="Nouvelle campagne").click()
    phone_page.get_by_role("button", name="Créer la campagne").click()
    expect(phone_page.get_by_role("alert")).to_contain_text("Le formulaire contient des erreurs")
    screenshot(phone_page, "nouvelle-campagne-erreurs-telephone")
    assert serious_violations(phone_page) == []
    phone_page.goto(live_server.url + "/territoires/200033579/questionnaire/")
    assert serious_violations(phone_page) == []


def test_dashboard_on_phone_and_desktop_passes_the_audit(live_server, arras, make_member, browser):
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", "--responses", "600", stdout=StringIO())
    partner = make_member(arras, Role.PARTNER)
    for name, viewport in (
        ("telephone", {"width": 390, "height": 844}),
        ("bureau", {"width": 1280, "height": 900}),
    ):
        context = new_context(browser, viewport=viewport, locale="fr-FR")
        page = context.new_page()
        page.goto(live_server.url + "/connexion/")
        page.get_by_label("Identifiant").fill(partner.username)
        page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
        page.get_by_role("button", name="Se connecter").click()
        page.goto(live_server.url + "/campagnes/demo-2024/tableau-de-bord/")
        expect(page.locator("h1")).to_contain_text("Résultats pondérés")
        screenshot(page, f"tableau-de-bord-{name}")
        assert serious_violations(page) == []
        page.get_by_label("Sexe").select_option(label="Une femme")
        page.get_by_label("Tranche d'âge").select_option(label="65 à 74 ans")
        page.get_by_role("button", name="Filtrer").click()
        expect(page.locator("#sous-groupe-tableau")).to_contain_text("65 à 74 ans")
        screenshot(page, f"tableau-de-bord-filtre-{name}")
        assert serious_violations(page) == []
        context.close()
