"""Door-to-door collection: when the person declines the call-back, the
agent saves the answer with an explicit « Enregistrer la réponse », never
with a « Continuer » that would save it at once."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions
from nonrecours.surveys.enums import Channel
from tests.browser.conftest import PHONE, fill_current_page, log_in, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALL_BACK = "Souhaitez-vous qu'un·e professionnel·le vous recontacte"


def test_declining_the_call_back_asks_to_save_explicitly(live_server, arras, make_member, browser):
    today = timezone.localdate()
    campaign = actions.campaign_create(
        territory=arras, slug="porte-a-porte", name="Baromètre",
        starts_on=today, ends_on=today + datetime.timedelta(days=30),
        channels=[Channel.DOOR_TO_DOOR],
    )  # fmt: skip
    agent = make_member(arras, Role.FIELD_AGENT)
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server.url, agent.username)
    page.goto(live_server.url + "/collecte/porte-a-porte/")
    form = page.locator("#collecte-formulaire")
    button = form.locator("button[type=submit]")
    for _ in range(12):
        if form.get_by_text(CALL_BACK).count():
            break
        fill_current_page(page)
        step = form.locator(".eyebrow")
        before = step.inner_text()
        button.click()
        expect(step).not_to_have_text(before)
    else:
        raise AssertionError("pas de question sur le rappel")
    expect(button).to_have_text("Continuer")  # nothing ticked yet: the number may follow
    form.get_by_label("Non").check()
    expect(button).to_have_text("Enregistrer la réponse")
    form.get_by_label("Oui").check()
    expect(button).to_have_text("Continuer")
    form.get_by_label("Non").check()
    expect(button).to_have_text("Enregistrer la réponse")
    # The status already said « Aucune réponse en attente » before: wait for
    # the server to have stored the answer, which the page sends once saved.
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        button.click()
    assert sent.value.status == 201, sent.value.text()
    expect(page.locator("#annonce")).to_contain_text("Réponse enregistrée sur l'appareil")
    expect(page.locator("#etat-envoi")).to_have_text("Aucune réponse en attente d'envoi")
    context.close()
    stored = campaign.responses.get()
    assert stored.answers["consentement_recontact"] == "non"
    assert "contact_telephone" not in stored.answers
