"""A published wave as an anonymous visitor sees it on a phone: readable,
accessible (axe), nothing wider than the screen but the tables' own scroll
areas, the map changed without JavaScript."""

import pytest

from nonrecours.surveys import actions
from nonrecours.surveys.publication import campaign_publish
from tests.browser.conftest import page_width, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_results_on_a_phone(live_server, arras, phone_page):
    campaign, _ = actions.demo_campaign_create(territory=arras, responses=300, seed=1)
    campaign_publish(campaign=campaign, user=None)
    page = phone_page
    page.goto(live_server.url + f"/territoires/{arras.siren}/")
    page.get_by_role("link", name="Toutes les vagues publiées").click()
    assert page.locator("h1").inner_text() == "Baromètre du non-recours : vagues publiées"
    assert page_width(page) <= 390
    screenshot(page, "vagues-publiees-telephone")
    assert serious_violations(page) == []
    page.get_by_role("link", name=campaign.name).click()
    assert page.locator("h1").inner_text() == campaign.name
    assert page.locator("ul.key-figures li").count() == 16
    assert page.locator("path.map__commune").count() == 46
    assert page_width(page) <= 390
    screenshot(page, "resultats-publics-telephone")
    assert serious_violations(page) == []
    page.get_by_label("Indicateur représenté").select_option(
        label="Demande de l'aide à ses proches"
    )
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**indicateur=recours_aide_proches*")
    assert "Demande de l'aide à ses proches, par commune" in page.locator("h3").first.inner_text()
    hatched = page.locator("path.map__commune[fill='url(#masquee)']").count()
    assert hatched > 0
    page.get_by_text("Tableau des communes pour cet indicateur").click()
    screenshot(page, "resultats-publics-carte-telephone")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Méthode et limites").click()
    assert "un seul degré, avec remise" in page.locator("#methode").locator("..").inner_text()
