"""The waves' pages on a phone: the comparison, the difference-in-differences
and the answers-needed calculator with a refused number — readable,
accessible (axe), nothing wider than the screen."""

import datetime

import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions
from nonrecours.territories.models import Commune
from tests.browser.conftest import (
    assert_error_state_is_reachable,
    log_in,
    page_width,
    screenshot,
    serious_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_waves_pages_on_a_phone(live_server, arras, make_member, phone_page):
    actions.demo_campaign_create(territory=arras, responses=300, seed=1)
    later, _ = actions.demo_campaign_create(
        territory=arras, responses=300, seed=7, slug="demo-2025"
    )
    later.starts_on, later.ends_on = datetime.date(2025, 9, 1), datetime.date(2025, 11, 28)
    later.name = "Baromètre 2025 — démonstration"
    later.save()
    page = phone_page
    # The project lead: the difference-in-differences and the calculator
    # read the answers (partners see the comparison of published cells).
    log_in(page, live_server.url, make_member(arras, Role.PROJECT_LEAD).username)
    base = live_server.url + f"/territoires/{arras.siren}/evaluation/vagues/"
    page.goto(base + "?indicateur=non_recours_declare")
    assert page.locator("h1").inner_text() == "Comparer deux vagues du baromètre"
    expect(page.get_by_text("Vague A : Baromètre 2024")).to_be_visible()
    assert page.locator("caption").count() == 1
    assert page_width(page) <= 390
    screenshot(page, "vagues-comparaison-telephone")
    assert serious_violations(page) == []

    urban = Commune.objects.members_of(arras).filter(stratum="urban")
    query = "&".join(f"exposees={c.insee_code}" for c in urban)
    page.goto(base + f"double-difference/?a=demo-2024&b=demo-2025&{query}")
    expect(page.get_by_role("heading", name="Double différence par indicateur")).to_be_visible()
    assert page_width(page) <= 390
    screenshot(page, "vagues-double-difference-telephone")
    assert serious_violations(page) == []

    page.goto(base + "reponses-a-recueillir/")
    expect(page.get_by_role("heading", name="Objectifs de la prochaine vague")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Rural : écart à détecter (points, − pour une baisse)").fill("zéro")
    page.get_by_role("button", name="Calculer").click()
    assert_error_state_is_reachable(page)
    assert page_width(page) <= 390
    screenshot(page, "vagues-reponses-refus-telephone")
    assert serious_violations(page) == []
