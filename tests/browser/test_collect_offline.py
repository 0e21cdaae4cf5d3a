"""Door-to-door collection offline, in a real Chromium with the network cut."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Response
from tests.browser.conftest import (
    PHONE,
    fill_current_page,
    log_in,
    new_context,
    queue_and_send,
    screenshot,
    serious_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_one_questionnaire(page):
    step = page.locator("#collecte-formulaire .eyebrow")
    for _ in range(12):
        fill_current_page(page)
        before = step.inner_text()
        button = page.locator("#collecte-formulaire button[type=submit]")
        label = button.inner_text()
        button.click()
        if label == "Enregistrer la réponse":
            expect(page.locator("#annonce")).to_contain_text("Réponse enregistrée sur l'appareil")
            expect(step).to_have_text("Étape 1 sur 12")
            return
        expect(step).not_to_have_text(before)  # the next page is drawn
    raise AssertionError("le questionnaire ne s'est pas terminé")


def test_answers_wait_offline_and_are_sent_exactly_once(live_server, arras, make_member, browser):
    today = timezone.localdate()
    campaign = actions.campaign_create(
        territory=arras, slug="porte-a-porte", name="Baromètre 2026",
        starts_on=today, ends_on=today + datetime.timedelta(days=30),
        channels=[Channel.DOOR_TO_DOOR],
    )  # fmt: skip
    agent = make_member(arras, Role.FIELD_AGENT, first_name="Camille", last_name="Facteur")
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server.url, agent.username)
    page.goto(live_server.url + "/collecte/porte-a-porte/")
    expect(page.locator("#etat-reseau")).to_have_text("En ligne")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert serious_violations(page) == []

    # Offline from the very first visit: the app reopens, and a questionnaire
    # in progress survives a reload (or the phone killing the tab).
    context.set_offline(True)
    fill_current_page(page)
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("#titre-page")).to_have_text("Votre situation financière")
    page.reload()
    expect(page.locator("#titre-page")).to_have_text("Votre situation financière")
    expect(page.locator("#annonce")).to_contain_text("Questionnaire en cours repris")
    page.get_by_role("button", name="Étape précédente").click()
    expect(page.get_by_label("Une femme")).to_be_checked()
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("#titre-page")).to_have_text("Votre situation financière")

    expect(page.locator("#etat-reseau")).to_contain_text("Hors ligne")
    fill_one_questionnaire(page)
    fill_one_questionnaire(page)
    expect(page.locator("#etat-envoi")).to_have_text("2 réponses en attente d'envoi")
    screenshot(page, "collecte-hors-ligne-telephone")
    assert Response.objects.count() == 0

    page.reload()  # offline: the service worker serves the app
    expect(page.locator("h1")).to_contain_text("Collecte porte-à-porte")
    expect(page.locator("#etat-envoi")).to_have_text("2 réponses en attente d'envoi")
    queued = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("nonrecours-collecte", 2);
            open.onsuccess = () => {
                const all = open.result.transaction("outbox").objectStore("outbox").getAll();
                all.onsuccess = () => resolve(all.result);
            };
        })"""
    )
    assert len(queued) == 2

    context.set_offline(False)
    expect(page.locator("#etat-envoi")).to_have_text("Aucune réponse en attente d'envoi")
    assert Response.objects.count() == 2
    stored = Response.objects.order_by("pk")
    assert {r.idempotency_key for r in stored} == {q["idempotency_key"] for q in queued}
    assert all(r.agent == agent and r.channel == Channel.DOOR_TO_DOOR for r in stored)

    # The queue replayed twice (a lost acknowledgement, a second device sync):
    # still exactly one stored answer each.
    for _ in range(2):
        queue_and_send(page, "nonrecours-collecte", 2, queued)
        expect(page.locator("#etat-envoi")).to_have_text("Aucune réponse en attente d'envoi")
    assert Response.objects.count() == 2

    # Another agent's queued answer on a shared phone is never sent under
    # this agent's name.
    foreign = {**queued[0], "idempotency_key": "autre-agent-1", "user": agent.pk + 1000}
    queue_and_send(page, "nonrecours-collecte", 2, [foreign], sent=False)
    expect(page.locator("#etat-envoi")).to_contain_text("et 1 d'un·e autre enquêteur·rice")
    assert Response.objects.count() == 2

    # An answer the server refuses comes back to the agent with the reason.
    bad = {
        **queued[0],
        "idempotency_key": "refusee-1",
        "answers": {**queued[0]["answers"], "commune": "75056"},
    }
    queue_and_send(page, "nonrecours-collecte", 2, [bad])
    expect(page.locator("#refusees")).to_contain_text(
        "Commune « 75056 » inconnue dans ce territoire."
    )
    screenshot(page, "collecte-refusee-telephone")
    assert serious_violations(page) == []
    assert Response.objects.count() == 2
    context.close()
    assert campaign.responses.count() == 2


def test_an_answer_the_server_keeps_failing_comes_back_after_five_tries(
    live_server, arras, make_member, browser
):
    """A server in trouble (500) is retried; after 5 failures the answer
    moves, in one transaction, from the queue to the refused list, with the
    reason: it is then in one list only."""
    today = timezone.localdate()
    actions.campaign_create(
        territory=arras, slug="porte-a-porte", name="Baromètre",
        starts_on=today, ends_on=today + datetime.timedelta(days=30),
        channels=[Channel.DOOR_TO_DOOR],
    )  # fmt: skip
    agent = make_member(arras, Role.FIELD_AGENT)
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server.url, agent.username)
    page.goto(live_server.url + "/collecte/porte-a-porte/")
    page.route(
        "**/*",
        lambda route: (
            route.fulfill(status=500, body="panne")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    fill_one_questionnaire(page)
    for _ in range(5):
        page.evaluate("window.nonrecoursSync()")
    expect(page.locator("#refusees")).to_contain_text(
        "Le serveur refuse cette réponse (erreur 500). Contactez l'équipe du territoire."
    )
    expect(page.locator("#etat-envoi")).to_have_text("Aucune réponse en attente d'envoi")
    assert Response.objects.count() == 0
    context.close()
