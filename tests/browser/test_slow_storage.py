"""The offline apps when the phone's storage (IndexedDB) is slow or refused.

The door-to-door questionnaire and the bus log draw what they read from
the device: a questionnaire in progress, hours noted offline. On a slow
phone that answer comes late; nothing the agent already typed may be
drawn over, and a browser that refuses storage (some private windows)
still shows the form, with a French explanation.

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
from tests.browser.conftest import new_context
from tests.browser.test_collect_offline import fill_current_page
from tests.browser.test_outreach_log import log_in
from tests.outreach.test_activity import make_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

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

REFUSED = "Ce navigateur refuse de garder des données sur l'appareil"


def collect_page(live_server, arras, make_member, browser, script):
    today = timezone.localdate()
    actions.campaign_create(
        territory=arras, slug="porte-a-porte", name="Baromètre",
        starts_on=today, ends_on=today + datetime.timedelta(days=30),
        channels=[Channel.DOOR_TO_DOOR],
    )  # fmt: skip
    agent = make_member(arras, Role.FIELD_AGENT)
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    context.add_init_script(script)
    page = context.new_page()
    log_in(page, live_server.url, agent)
    page.main_frame.goto(live_server.url + "/collecte/porte-a-porte/")
    return context, page


def test_the_questionnaire_is_busy_until_drawn_on_a_slow_phone(
    live_server, arras, make_member, browser
):
    context, page = collect_page(live_server, arras, make_member, browser, SLOW_STORAGE)
    form = page.locator("#collecte-formulaire")
    # Loaded, the draft not read yet: nothing to type in, and said busy.
    assert form.get_attribute("aria-busy") == "true"
    assert form.locator("input, select, button").count() == 0
    page.evaluate("releaseStorage()")
    expect(form).not_to_have_attribute("aria-busy", "true")
    expect(form.locator(".eyebrow")).to_have_text("Étape 1 sur 12")
    fill_current_page(page)
    form.get_by_role("button", name="Continuer").click()
    expect(form.locator(".eyebrow")).to_have_text("Étape 2 sur 12")
    context.close()


def test_the_questionnaire_shows_even_when_storage_is_refused(
    live_server, arras, make_member, browser
):
    context, page = collect_page(live_server, arras, make_member, browser, REFUSED_STORAGE)
    form = page.locator("#collecte-formulaire")
    expect(form.locator(".eyebrow")).to_have_text("Étape 1 sur 12")
    expect(form).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#annonce")).to_contain_text(REFUSED)
    context.close()


def test_hours_typed_on_a_slow_phone_are_not_drawn_over(live_server, arras, make_member, browser):
    visit = make_visit(arras, insee_code="62041")
    agent = make_member(arras, Role.FIELD_AGENT)
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    context.add_init_script(SLOW_STORAGE)
    page = context.new_page()
    log_in(page, live_server.url, agent)
    page.main_frame.goto(f"{live_server.url}/aller-vers/journal/{visit.pk}/")
    arrived = page.locator("#arrived_at")
    # The hours are shown once drawn from the device; typed then, they stay.
    expect(arrived).to_be_hidden()
    page.evaluate("releaseStorage()")
    arrived.fill("07:45")
    expect(page.locator("#etat-journal")).to_have_text("Aucune personne notée pour ce passage.")
    expect(arrived).to_have_value("07:45")
    context.close()


def test_the_bus_log_shows_even_when_storage_is_refused(live_server, arras, make_member, browser):
    visit = make_visit(arras, insee_code="62041")
    agent = make_member(arras, Role.FIELD_AGENT)
    context = new_context(browser, viewport=PHONE, locale="fr-FR")
    context.add_init_script(REFUSED_STORAGE)
    page = context.new_page()
    log_in(page, live_server.url, agent)
    page.goto(f"{live_server.url}/aller-vers/journal/{visit.pk}/")
    expect(page.locator("#arrived_at")).to_be_visible()
    expect(page.locator("#annonce")).to_contain_text(REFUSED)
    context.close()
