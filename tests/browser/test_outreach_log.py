"""The bus's activity log offline, in a real Chromium with the network cut:
persons noted without network, kept across a reload, sent exactly once
when it comes back; a person the server refuses comes back with the
reason."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.outreach import imports
from nonrecours.outreach.models import BusVisitor
from tests.browser.conftest import (
    DESKTOP,
    log_in,
    new_context,
    queue_and_send,
    screenshot,
    serious_violations,
)
from tests.outreach.test_activity import make_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parent.parent / "outreach" / "fixtures"
PHONE_360 = {"width": 360, "height": 740}

QUEUED = """() => new Promise((resolve) => {
    const open = indexedDB.open("nonrecours-journal", 1);
    open.onsuccess = () => {
        const all = open.result.transaction("outbox").objectStore("outbox").getAll();
        all.onsuccess = () => resolve(all.result);
    };
})"""


def test_persons_wait_offline_and_are_sent_exactly_once(live_server, arras, make_member, browser):
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")
    visit = make_visit(arras, insee_code="62041")
    agent = make_member(arras, Role.FIELD_AGENT, first_name="Sam", last_name="Bus")
    context = new_context(browser, viewport=PHONE_360, device_scale_factor=2, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server.url, agent.username)
    page.goto(live_server.url + "/aller-vers/journal/")
    expect(page.locator("h1")).to_have_text("Journal du bus")
    assert serious_violations(page) == []
    screenshot(page, "journal-bus-liste-telephone")
    page.get_by_role("link", name="Mairie de Arras").click()
    expect(page.locator("#etat-reseau")).to_have_text("En ligne")
    expect(page.locator("#etat-journal")).to_have_text("Aucune personne notée pour ce passage.")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert serious_violations(page) == []

    context.set_offline(True)
    expect(page.locator("#etat-reseau")).to_contain_text("Hors ligne")
    form = page.locator("#journal-personne")
    # Nothing chosen: the phone says what is missing, before any sending.
    form.get_by_role("button", name="Enregistrer la personne").click()
    expect(page.locator("#personne-erreurs")).to_contain_text("3 réponses à corriger")
    expect(page.locator("#personne-erreurs")).to_contain_text("Thèmes : cochez au moins un thème.")
    screenshot(page, "journal-bus-erreurs-telephone")

    form.get_by_label("Oui").check()
    form.get_by_label("Commune où elle habite").select_option(label="Arras")
    form.get_by_label("Quartier prioritaire (facultatif)").select_option(label="Arras Ouest")
    form.get_by_label("Tranche d'âge (facultatif)").select_option(label="25 à 34 ans")
    form.get_by_label("CAF (prestations familiales").check()
    form.get_by_label("Numérique (compte en ligne").check()
    form.get_by_label("Simulations faites").fill("2")
    form.get_by_label("Orientations envoyées").fill("1")
    form.get_by_role("button", name="Enregistrer la personne").click()
    expect(page.locator("#annonce")).to_contain_text("Personne enregistrée sur l'appareil")
    expect(page.get_by_label("Oui")).not_to_be_checked()  # ready for the next one

    form.get_by_label("Non").check()
    form.get_by_label("Commune où elle habite").select_option(label="Hors du territoire")
    expect(page.locator("#qpv-champ")).to_be_hidden()  # no QPV outside the territory
    form.get_by_label("Retraite").check()
    form.get_by_role("button", name="Enregistrer la personne").click()
    expect(page.locator("#etat-journal")).to_have_text(
        "2 personnes notées, dont 2 en attente d'envoi."
    )
    page.locator("#arrived_at").fill("09:05")
    page.get_by_role("button", name="Enregistrer les heures").click()
    expect(page.locator("#etat-journal")).to_contain_text("heures de présence en attente d'envoi")
    screenshot(page, "journal-bus-hors-ligne-telephone")
    assert BusVisitor.objects.count() == 0

    page.reload()  # offline: the service worker serves the app
    expect(page.locator("h1")).to_contain_text("Mairie de Arras")
    expect(page.locator("#etat-journal")).to_contain_text(
        "2 personnes notées, dont 2 en attente d'envoi"
    )
    expect(page.locator("#arrived_at")).to_have_value("09:05")
    queued = page.evaluate(QUEUED)
    persons = [item for item in queued if item["kind"] == "person"]
    assert len(persons) == 2

    context.set_offline(False)
    expect(page.locator("#etat-journal")).to_have_text("2 personnes notées, toutes envoyées.")
    stored = BusVisitor.objects.order_by("recorded_at")
    assert {v.idempotency_key for v in stored} == {p["idempotency_key"] for p in persons}
    first, second = stored
    assert (first.first_contact, first.commune.name, first.priority_area.code) == (
        True, "Arras", "QN06201M",
    )  # fmt: skip
    assert (first.themes, first.simulations, first.referrals) == (["caf", "numerique"], 2, 1)
    assert (second.first_contact, second.commune, second.themes) == (False, None, ["retraite"])
    assert all(v.recorded_by == agent and v.visit == visit for v in stored)
    visit.refresh_from_db()
    assert visit.arrived_at == datetime.time(9, 5)

    # The queue replayed twice (a lost acknowledgement): still two persons.
    for _ in range(2):
        queue_and_send(page, "nonrecours-journal", 1, persons)
        expect(page.locator("#etat-journal")).to_have_text("2 personnes notées, toutes envoyées.")
    assert BusVisitor.objects.count() == 2

    # A person the server refuses comes back with its reason, and can be
    # taken up again.
    # (the queue is in the order of the keys, drawn at random)
    came_first = next(item for item in persons if item["person"]["first_contact"])
    bad = {
        **came_first,
        "idempotency_key": "refusee-1",
        "person": {**came_first["person"], "commune": "75056", "priority_area": ""},
    }
    queue_and_send(page, "nonrecours-journal", 1, [bad])
    expect(page.locator("#refusees")).to_contain_text(
        "Commune de résidence : « 75056 » n'est pas une commune du territoire."
    )
    screenshot(page, "journal-bus-refusee-telephone")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Reprendre et corriger").click()
    expect(page.locator("#refusees-bloc")).to_be_hidden()
    expect(page.get_by_label("Oui")).to_be_checked()
    form.get_by_label("Commune où elle habite").select_option(label="Achicourt")
    form.get_by_role("button", name="Enregistrer la personne").click()
    expect(page.locator("#etat-journal")).to_have_text("3 personnes notées, toutes envoyées.")
    assert BusVisitor.objects.get(idempotency_key="refusee-1").commune.name == "Achicourt"
    context.close()
    assert BusVisitor.objects.count() == 3


def test_the_log_on_a_desktop(live_server, arras, make_member, browser):
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")
    visit = make_visit(arras, insee_code="62041")
    lead = make_member(arras, Role.PROJECT_LEAD)
    context = new_context(browser, viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server.url, lead.username)
    page.goto(f"{live_server.url}/aller-vers/journal/{visit.pk}/")
    expect(page.locator("#etat-reseau")).to_have_text("En ligne")
    assert serious_violations(page) == []
    screenshot(page, "journal-bus-bureau")
    context.close()
