"""The offline apps when the phone's storage (IndexedDB) is slow or refused.

The door-to-door questionnaire and the bus log draw what they read from
the device: a questionnaire in progress, hours noted offline. On a slow
phone that answer comes late; nothing the agent already typed may be
drawn over. A browser that refuses storage (some private windows) cannot
keep anything: the page says so in French instead of a form that would
lose what is typed; storage failing at the moment of saving leaves the
answers on screen, with a message.

`page.main_frame.goto` is Playwright's own navigation: unlike `page.goto`
(see `pages_are_read_once_drawn`), it does not wait for the page to be
drawn, so these tests act as fast as an agent would; the storage answers
only when the test lets it.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions
from nonrecours.surveys.enums import Channel
from tests.browser.conftest import (
    PHONE,
    fill_current_page,
    log_in,
    new_context,
    screenshot,
    serious_violations,
)
from tests.outreach.test_activity import make_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# IndexedDB answers nothing until the test calls `releaseStorage()`, as on
# a loaded phone; then every opening goes through.
SLOW_STORAGE = """(() => {
  const open = IDBFactory.prototype.open;
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  window.releaseStorage = () => release();
  IDBFactory.prototype.open = function (name, version) {
    const factory = this;
    const late = { result: undefined, error: null };
    released.then(() => {
      const real = open.call(factory, name, version);
      for (const event of ["upgradeneeded", "success", "error"]) {
        real["on" + event] = (e) => {
          if (event === "error") late.error = real.error; else late.result = real.result;
          if (late["on" + event]) late["on" + event](e);
        };
      }
    });
    return late;
  };
})();"""

REFUSED_STORAGE = """IDBFactory.prototype.open = function () {
  throw new DOMException("refusé", "InvalidStateError");
};"""

# The device full from now on: every write aborts its transaction, as a
# browser does on QuotaExceededError (no exception from put() itself).
STORAGE_FULL = """() => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    const request = put.apply(this, args);
    const tx = this.transaction;
    request.addEventListener("success", () => tx.abort());  // fails at commit
    return request;
  };
}"""

REFUSED = "Ce navigateur ne peut pas garder de données sur l'appareil"
CANNOT_STORE = "Enregistrement impossible sur cet appareil"


def campaign_page(live_server, arras, make_member, browser, script=None):
    today = timezone.localdate()
    actions.campaign_create(
        territory=arras, slug="porte-a-porte", name="Baromètre",
        starts_on=today, ends_on=today + datetime.timedelta(days=30),
        channels=[Channel.DOOR_TO_DOOR],
    )  # fmt: skip
    agent = make_member(arras, Role.FIELD_AGENT)
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    if script:
        context.add_init_script(script)
    page = context.new_page()
    log_in(page, live_server.url, agent.username)
    page.main_frame.goto(live_server.url + "/collecte/porte-a-porte/")
    return context, page


def log_page(live_server, arras, make_member, browser, script=None):
    visit = make_visit(arras, insee_code="62041")
    agent = make_member(arras, Role.FIELD_AGENT)
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    if script:
        context.add_init_script(script)
    page = context.new_page()
    log_in(page, live_server.url, agent.username)
    page.main_frame.goto(f"{live_server.url}/aller-vers/journal/{visit.pk}/")
    return context, page


def test_the_questionnaire_is_busy_until_drawn_on_a_slow_phone(
    live_server, arras, make_member, browser
):
    context, page = campaign_page(live_server, arras, make_member, browser, SLOW_STORAGE)
    form = page.locator("#collecte-formulaire")
    # Loaded, the draft not read yet: nothing to type in, and said busy.
    assert form.get_attribute("aria-busy") == "true"
    assert form.locator("input, select, button").count() == 0
    expect(form).to_have_text("Lecture du questionnaire sur l'appareil…")
    page.evaluate("releaseStorage()")
    expect(form).not_to_have_attribute("aria-busy", "true")
    expect(form.locator(".eyebrow")).to_have_text("Étape 1 sur 12")
    fill_current_page(page)
    form.get_by_role("button", name="Continuer").click()
    expect(form.locator(".eyebrow")).to_have_text("Étape 2 sur 12")
    context.close()


def test_refused_storage_says_the_questionnaire_cannot_work_here(
    live_server, arras, make_member, browser
):
    context, page = campaign_page(live_server, arras, make_member, browser, REFUSED_STORAGE)
    refused = page.locator("#stockage-refuse")
    expect(refused).to_contain_text(REFUSED)
    expect(refused.get_by_role("link", name="questionnaire en ligne")).to_have_attribute(
        "href", "/b/porte-a-porte/"
    )
    expect(page.locator("#collecte-formulaire")).to_be_hidden()
    expect(page.locator("#etat-reseau")).to_have_text(CANNOT_STORE)
    assert serious_violations(page) == []
    screenshot(page, "collecte-stockage-refuse-telephone")
    context.close()


# Puts a draft of the agent's questionnaire on the phone, and, when
# `queued`, an answer with the same key in the outbox.
PUT_DRAFT = """([draft, queued]) => new Promise((resolve) => {
    const config = JSON.parse(document.getElementById("collecte-config").textContent);
    const open = indexedDB.open("nonrecours-collecte", 2);
    open.onsuccess = () => {
        const tx = open.result.transaction(["drafts", "outbox"], "readwrite");
        tx.objectStore("drafts").put({
            ...draft, id: `${config.user_id}:${config.campaign}`,
            started_at: new Date().toISOString(),
        });
        if (queued) {
            tx.objectStore("outbox").put({
                idempotency_key: draft.key, user: config.user_id + 1000, answers: draft.answers,
            });
        }
        tx.oncomplete = () => { open.result.close(); resolve(); };
    };
})"""


def test_a_draft_the_questionnaire_no_longer_fits_keeps_its_answers(
    live_server, arras, make_member, browser
):
    context, page = campaign_page(live_server, arras, make_member, browser)
    expect(page.locator("#collecte-formulaire .eyebrow")).to_have_text("Étape 1 sur 12")
    # A draft left on the phone by an older, longer questionnaire.
    old = {"key": "ancien", "page": 40, "answers": {"sexe": "femme", "question_disparue": "oui"}}
    page.evaluate(PUT_DRAFT, [old, False])
    page.reload()
    expect(page.locator("#collecte-formulaire .eyebrow")).to_have_text("Étape 1 sur 12")
    expect(page.locator("#annonce")).to_have_text(
        "Le questionnaire a changé depuis la dernière saisie : il reprend à la première étape, "
        "avec les réponses déjà données."
    )
    expect(page.get_by_label("Une femme")).to_be_checked()
    context.close()


def test_a_draft_already_queued_is_not_taken_up_again(live_server, arras, make_member, browser):
    context, page = campaign_page(live_server, arras, make_member, browser)
    expect(page.locator("#collecte-formulaire .eyebrow")).to_have_text("Étape 1 sur 12")
    sent = {"key": "deja-en-attente", "page": 1, "answers": {"sexe": "femme"}}
    page.evaluate(PUT_DRAFT, [sent, True])
    page.reload()
    expect(page.locator("#collecte-formulaire .eyebrow")).to_have_text("Étape 1 sur 12")
    expect(page.get_by_label("Une femme")).not_to_be_checked()
    expect(page.locator("#annonce")).not_to_contain_text("repris")
    context.close()


def test_a_tab_left_behind_by_an_upgrade_asks_to_be_reloaded(
    live_server, arras, make_member, browser
):
    context, page = campaign_page(live_server, arras, make_member, browser)
    form = page.locator("#collecte-formulaire")
    expect(form.locator(".eyebrow")).to_have_text("Étape 1 sur 12")
    # Another tab opens a newer version of the app's database.
    page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("nonrecours-collecte", 3);
            open.onsuccess = () => { open.result.close(); resolve(); };
        })"""
    )
    newer = "Une version plus récente de l'application est ouverte dans un autre onglet"
    expect(page.locator("#annonce")).to_contain_text(newer)
    fill_current_page(page)
    form.get_by_role("button", name="Continuer").click()
    expect(form.locator(".eyebrow")).to_have_text("Étape 2 sur 12")
    expect(page.locator("#annonce")).to_contain_text(newer)  # not « stockage plein »
    context.close()


def test_a_full_phone_keeps_the_answers_on_screen(live_server, arras, make_member, browser):
    context, page = campaign_page(live_server, arras, make_member, browser)
    form = page.locator("#collecte-formulaire")
    expect(form.locator(".eyebrow")).to_have_text("Étape 1 sur 12")
    page.evaluate(STORAGE_FULL)
    fill_current_page(page)
    form.get_by_role("button", name="Continuer").click()
    expect(page.locator("#annonce")).to_contain_text(
        "Les réponses n'ont pas pu être gardées sur l'appareil"
    )
    expect(form.locator(".eyebrow")).to_have_text("Étape 2 sur 12")  # still answerable
    page.get_by_role("button", name="Étape précédente").click()
    expect(page.get_by_label("Une femme")).to_be_checked()
    context.close()


def test_hours_typed_on_a_slow_phone_are_not_drawn_over(live_server, arras, make_member, browser):
    context, page = log_page(live_server, arras, make_member, browser, SLOW_STORAGE)
    arrived = page.locator("#arrived_at")
    # The hours are shown once drawn from the device; typed then, they stay.
    expect(arrived).to_be_hidden()
    expect(page.locator("#journal-personne")).to_be_hidden()
    page.evaluate("releaseStorage()")
    arrived.fill("07:45")
    expect(page.locator("#etat-journal")).to_have_text("Aucune personne notée pour ce passage.")
    expect(arrived).to_have_value("07:45")
    context.close()


def test_refused_storage_says_the_bus_log_cannot_work_here(
    live_server, arras, make_member, browser
):
    context, page = log_page(live_server, arras, make_member, browser, REFUSED_STORAGE)
    expect(page.locator("#stockage-refuse")).to_contain_text(REFUSED)
    expect(page.locator("#journal-personne")).to_be_hidden()
    expect(page.locator("#journal-presence")).to_be_hidden()
    expect(page.locator("#etat-reseau")).to_have_text(CANNOT_STORE)
    assert serious_violations(page) == []
    screenshot(page, "journal-bus-stockage-refuse-telephone")
    context.close()


def test_a_full_phone_keeps_the_person_in_the_form(live_server, arras, make_member, browser):
    context, page = log_page(live_server, arras, make_member, browser)
    form = page.locator("#journal-personne")
    expect(form).to_be_visible()
    page.evaluate(STORAGE_FULL)
    form.get_by_label("Oui").check()
    form.get_by_label("Commune où elle habite").select_option(label="Arras")
    form.get_by_label("Retraite").check()
    form.get_by_role("button", name="Enregistrer la personne").click()
    expect(page.locator("#annonce")).to_contain_text("L'appareil n'a pas pu garder ce qui est noté")
    expect(form.get_by_label("Oui")).to_be_checked()
    expect(form.get_by_label("Retraite")).to_be_checked()
    context.close()
