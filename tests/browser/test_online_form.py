import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nonrecours.surveys import actions
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Response
from tests.browser.conftest import screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_online_form_on_a_phone_with_errors_and_skip_logic(live_server, arras, phone_page):
    today = timezone.localdate()
    actions.campaign_create(
        territory=arras, slug="en-ligne", name="Baromètre", channels=[Channel.ONLINE],
        starts_on=today, ends_on=today + datetime.timedelta(days=10),
    )  # fmt: skip
    page = phone_page
    page.goto(live_server.url + "/b/en-ligne/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Commencer le questionnaire").click()
    expect(page.locator("h1")).to_have_text("Vous et votre foyer")
    page.get_by_role("button", name="Continuer").click()  # nothing answered
    expect(page.get_by_role("alert")).to_contain_text("5 réponses à corriger")
    screenshot(page, "questionnaire-erreurs-telephone")
    assert serious_violations(page) == []
    page.get_by_role(
        "link", name="Dans quelle commune habitez-vous ? — Cette question est obligatoire."
    ).click()
    assert page.evaluate("document.activeElement.id") == "id_commune"
    page.get_by_label("Dans quelle commune habitez-vous ?").select_option("62557")
    page.get_by_label("Une femme").check()
    page.get_by_label("75 ans ou plus").check()
    page.get_by_label("Seul·e", exact=True).check()
    page.get_by_label("À la retraite").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Votre situation financière")
    page.get_by_label("Ça va").check()
    screenshot(page, "questionnaire-etape-2-telephone")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Continuer").click()
    # The coping-strategies page only concerns those in difficulty: skipped.
    expect(page.locator("h1")).to_have_text("Vos démarches et les services publics")
    expect(page.locator(".eyebrow")).to_contain_text("Étape 4 sur 12")
    assert Response.objects.count() == 0
