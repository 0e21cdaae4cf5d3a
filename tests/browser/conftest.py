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
    ]


def page_width(page) -> int:
    """The document's width in CSS pixels once the page is laid out with its
    stylesheet and fonts: measured right after a click, before the "load"
    event, a table is still as wide as its content (1,002 px seen in CI)."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return int(page.evaluate("document.documentElement.scrollWidth"))
