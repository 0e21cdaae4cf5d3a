"""Real headless Chromium (Debian's `chromium`) driven by Playwright, with
the axe-core accessibility engine."""

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium introuvable : lancez `make test`, qui installe le paquet Debian.")
    return path


NOTHING_BUSY = "() => !document.querySelector('[aria-busy=\"true\"]')"


@pytest.fixture(autouse=True)
def pages_are_read_once_drawn(monkeypatch) -> None:
    """Every click, `goto` and `reload` returns only once the page it leads
    to has loaded and drawn what its scripts draw.

    Playwright's click waits for a navigation it starts to commit, not for
    the new document to be parsed: a read that does not retry
    (`count()`, `all_inner_texts()`, `is_visible()`, an axe audit, a
    screenshot) could then see a half-parsed page, which happened on CI
    (a table's last cells not there yet). Waiting for the `load` event of
    the current document costs nothing when the click did not navigate.

    A region a script draws after reading the device's storage (the
    door-to-door questionnaire) is `aria-busy="true"` until drawn; the test
    waits for it too. On CI a test filled the still-empty questionnaire,
    then clicked « Continuer » on the page drawn just after: nothing was
    answered and it stayed on step 1.
    """
    from playwright.sync_api import Locator, Page

    def drawn(page) -> None:
        page.wait_for_load_state("load")
        page.wait_for_function(NOTHING_BUSY)

    click, goto, reload = Locator.click, Page.goto, Page.reload

    def click_and_wait(self, *args, **kwargs) -> None:
        click(self, *args, **kwargs)
        drawn(self.page)

    def goto_and_wait(self, *args, **kwargs):
        response = goto(self, *args, **kwargs)
        drawn(self)
        return response

    def reload_and_wait(self, *args, **kwargs):
        response = reload(self, *args, **kwargs)
        drawn(self)
        return response

    monkeypatch.setattr(Locator, "click", click_and_wait)
    monkeypatch.setattr(Page, "goto", goto_and_wait)
    monkeypatch.setattr(Page, "reload", reload_and_wait)


QUEUE_AND_SEND = """async ([database, version, items, sent]) => {
    const request = (r) => new Promise((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
    });
    const db = await request(indexedDB.open(database, version));
    try {
        await new Promise((resolve, reject) => {
            const tx = db.transaction("outbox", "readwrite");
            items.forEach((item) => tx.objectStore("outbox").put(item));
            tx.oncomplete = resolve;
            tx.onerror = () => reject(tx.error);
        });
        // Settles after a sending that saw these items (outbox.js).
        const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), 30000));
        if (await Promise.race([window.nonrecoursSync(), timeout]) === "timeout") return false;
        const left = await request(db.transaction("outbox").objectStore("outbox").getAllKeys());
        const kept = items.filter((item) => left.includes(item.idempotency_key)).length;
        return sent ? kept === 0 : kept === items.length;
    } finally {
        db.close();
    }
}"""


def queue_and_send(page, database: str, version: int, items: list[dict], *, sent=True) -> None:
    """Put `items` in the outbox of an offline app, as a phone replaying
    its queue would, and have the page send them.

    Returns once a sending that saw them has ended (the page's sending runs
    again when asked during one). With `sent` (this agent's items), checks
    that the server answered for every one of them: accepted, they left the
    queue; refused, they moved to « rejected ». Without it (another agent's
    items), the page must leave them where they are.
    """
    assert page.evaluate(QUEUE_AND_SEND, [database, version, items, sent]), (
        "la boîte d'envoi n'est pas dans l'état attendu après l'envoi"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # calls made by the test itself are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    # Playwright gives each launch a new, empty profile of its own.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_context(browser, **options):
    """A new browser context whose page clock reads the same time as Django.

    When the test (or `--clock-offset-days`) moved Python's clock, the pages'
    JavaScript clock (`Date`) starts from that same moment and ticks from it;
    otherwise the answers dated by the page would not be those of the server.
    Cookies are unaffected: Django sends Max-Age, which Chromium counts on
    its own clock.
    """
    context = browser.new_context(**options)
    if time_machine.escape_hatch.is_travelling():
        context.clock.install(time=time.time())
    return context


@pytest.fixture
def phone_page(browser):
    context = new_context(browser, viewport=PHONE, device_scale_factor=2, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser):
    context = new_context(browser, viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def log_in(page, base: str, username: str) -> None:
    """Sign in through the login page as ``username`` (factories.PASSWORD)."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    page.goto(base + "/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def fill_current_page(page) -> None:
    """Answer every question shown on the door-to-door questionnaire
    (`#collecte-formulaire`): first choice, a commune, a phone number."""
    for fieldset in page.locator("#collecte-formulaire fieldset.choices").all():
        fieldset.locator("input").first.check()
    for select in page.locator("#collecte-formulaire select").all():
        select.select_option(index=2)
    for phone in page.locator("#collecte-formulaire input[type=tel]").all():
        phone.fill("06 12 34 56 78")


def assert_error_state_is_reachable(page, *, described: bool = False) -> None:
    """After a refused submit: « Erreur — » in the title, the summary has
    the focus, each of its links leads to a field (input, select,
    textarea), no problem `unseen_problems` finds; ``described``: each field
    in error also says so through aria-describedby, and the first link
    takes the focus to its field."""
    import re

    from playwright.sync_api import expect

    # The new page may still be loading, and `autofocus` acts at its first
    # rendering: wait for both, never longer than expect's timeout.
    expect(page).to_have_title(re.compile("^Erreur — "))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.locator("a[href^='#']")
    assert links.count() > 0
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        target = page.locator(f"[id='{href[1:]}']")
        expect(target).to_have_count(1)
        assert target.evaluate("e => e.matches('input, select, textarea')"), href
        if described:
            ids = target.evaluate(
                "e => (e.closest('fieldset[aria-describedby]') || e)"
                ".getAttribute('aria-describedby') || ''"
            )
            errors = [i for i in ids.split() if re.search("(_error|-erreur)$", i)]
            assert errors, f"{href} : aucune erreur dans aria-describedby ({ids!r})"
            expect(page.locator(f"[id='{errors[0]}']")).to_contain_text("Erreur")
    assert unseen_problems(page) == []
    if described:
        links.first.click()
        assert page.evaluate("document.activeElement.matches('input, select, textarea')")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}) : {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ] + unseen_problems(page)


# What axe does not report as serious, checked on every audited page state
# (issue 13, item 8): references to ids that do not exist, two landmarks of
# one role with one name, and a page wider than a small phone.
DANGLING_REFERENCES = """() => {
  const problems = [];
  const visible = (el) => !el.closest("[hidden], template");
  for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      if (!visible(el)) continue;
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (document.getElementById(id)) continue;
        const where = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
        problems.push(`${attr}="${id}" sur <${where}> : aucun élément n'a cet id`);
      }
    }
  }
  for (const a of document.querySelectorAll('a[href^="#"]')) {
    const target = decodeURIComponent(a.getAttribute("href").slice(1));
    if (target && document.getElementById(target)) continue;
    const text = a.textContent.trim().slice(0, 60);
    problems.push(`lien « ${text} » vers « #${target} » : cible absente`);
  }
  return problems;
}"""

DUPLICATE_LANDMARKS = """() => {
  const name = (el) => {
    if (el.hasAttribute("aria-labelledby")) {
      return el.getAttribute("aria-labelledby").split(/\\s+/).map((id) => {
        const ref = document.getElementById(id);
        return ref ? ref.textContent : "";
      }).join(" ").replace(/\\s+/g, " ").trim();
    }
    return (el.getAttribute("aria-label") || "").trim();
  };
  const implicit = {
    NAV: "navigation", MAIN: "main", ASIDE: "complementary", SECTION: "region", FORM: "form",
  };
  const seen = new Map();
  const problems = [];
  const candidates = "nav, main, aside, section, form, header, footer, [role]";
  for (const el of document.querySelectorAll(candidates)) {
    if (el.closest("[hidden], template")) continue;
    let role = el.getAttribute("role") || implicit[el.tagName];
    if (!role && (el.tagName === "HEADER" || el.tagName === "FOOTER")) {
      if (el.parentElement.closest("article, aside, main, nav, section")) continue;
      role = el.tagName === "HEADER" ? "banner" : "contentinfo";
    }
    const landmarks = [
      "banner", "complementary", "contentinfo", "form", "main", "navigation", "region", "search",
    ];
    if (!landmarks.includes(role)) continue;
    const label = name(el);
    if ((role === "region" || role === "form") && !label) continue;  // no name: no landmark
    const key = `${role} « ${label} »`;
    if (seen.has(key)) problems.push(`deux repères ${key}`);
    seen.set(key, true);
  }
  return problems;
}"""


# The innermost elements whose right edge passes the screen's, to say
# where a page too wide must be fixed.
WIDEST = """(width) => {
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const out = [];
  const passes = (el) => el.getBoundingClientRect().right + window.scrollX > width + 0.5;
  for (const el of document.body.querySelectorAll("*")) {
    const right = el.getBoundingClientRect().right + window.scrollX;
    if (!passes(el) || [...el.children].some(passes)) continue;
    out.push(`${describe(el)} (${Math.round(right)} px)`);
    if (out.length === 5) break;
  }
  return out;
}"""


def unseen_problems(page) -> list[str]:
    """French descriptions of what is wrong on the page, beyond axe: each
    aria-describedby / aria-labelledby / aria-controls and each in-page link
    must point to an existing id; no two landmarks of the same role may
    share a name; at 320 and 390 CSS px wide the page must not scroll
    sideways (the message names the elements that pass the screen's edge).
    The viewport is put back as it was."""
    problems = list(page.evaluate(DANGLING_REFERENCES))
    problems += page.evaluate(DUPLICATE_LANDMARKS)
    viewport = page.viewport_size
    try:
        for width in (320, 390):
            page.set_viewport_size({"width": width, "height": viewport["height"]})
            if (measured := page_width(page)) > width:
                culprits = ", ".join(page.evaluate(WIDEST, width))
                problems.append(
                    f"{measured} px de large sur un écran de {width} px : {page.url}"
                    f" (dépassent : {culprits})"
                )
    finally:
        page.set_viewport_size(viewport)
    return problems


def page_width(page) -> int:
    """The document's width in CSS pixels once the page is laid out with its
    stylesheet and fonts: measured right after a click, before the "load"
    event, a table is still as wide as its content (1,002 px seen in CI)."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return int(page.evaluate("document.documentElement.scrollWidth"))
