"""The bus's published calendar in a real browser, without login: the
territory's page, a commune's page and the directory's offer of a stop, on
a phone and a desktop, with the accessibility audit."""

import datetime

import pytest
import time_machine

from nonrecours.directory.hours import PARIS
from nonrecours.directory.models import Offer
from nonrecours.outreach import publishing
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit, Stop
from nonrecours.outreach.stops import stops_prefill
from tests.browser.conftest import page_width, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY = datetime.date(2026, 11, 30)
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)


@pytest.fixture
def published(arras):
    """A published calendar of Arras: Agny on the 1st and 3rd Tuesdays
    (the one of 15 December cancelled), Achicourt and Arras on Thursdays."""
    stops_prefill(territory=arras)
    calendar = BusCalendar.objects.create(
        territory=arras, name="Hiver 2026", start=MONDAY, weeks=8, problem={},
        status="optimal", objective=0, coverage=0,
    )  # fmt: skip
    plan = {
        "62013": ["2026-12-01", "2026-12-15", "2027-01-05", "2027-01-19"],
        "62004": ["2026-12-03", "2026-12-17"],
        "62041": ["2026-12-10", "2027-01-07"],
    }
    for code, days in plan.items():
        stop = Stop.objects.get(territory=arras, kind="mairie", commune__insee_code=code)
        for day in days:
            BusVisit.objects.create(
                calendar=calendar, stop=stop, stop_key=code,
                day=datetime.date.fromisoformat(day), half_day="matin",
            )  # fmt: skip
    BusVisit.objects.filter(calendar=calendar, day=datetime.date(2026, 12, 15)).update(
        status=VisitStatus.CANCELLED, changed_at=NOW, change_reason="panne du bus"
    )
    publishing.calendar_publish(calendar=calendar, user=None, today=MONDAY)
    return calendar


def test_a_resident_reads_the_bus_calendar_on_a_phone(live_server, published, phone_page):
    siren = published.territory.siren
    with time_machine.travel(NOW, tick=True):
        phone_page.goto(f"{live_server.url}/bus/{siren}/")
        assert phone_page.locator("h1").inner_text() == "Le bus multiservice"
        changes = phone_page.locator(".bus-change").all_inner_texts()
        assert any(
            "Passage du mardi 15 décembre 2026 matin annulé : panne du bus" in c for c in changes
        )
        assert page_width(phone_page) <= 390
        screenshot(phone_page, "bus-public-telephone")
        assert serious_violations(phone_page) == []

        phone_page.get_by_role("link", name="Agny").first.click()
        assert phone_page.locator("h1").inner_text() == "Le bus multiservice à Agny"
        assert phone_page.locator(".bus-visit--cancelled").count() == 1
        assert phone_page.locator(".bus-visit--past").count() == 1  # 1 December
        screenshot(phone_page, "bus-public-commune-telephone")
        assert serious_violations(phone_page) == []

        offer = Offer.objects.get(insee_code="62013", structure__di_id=f"nonrecours--bus-{siren}")
        phone_page.goto(f"{live_server.url}/annuaire/offres/{offer.pk}/")
        assert phone_page.get_by_text("Changements annoncés").is_visible()
        screenshot(phone_page, "bus-annuaire-offre-telephone")
        assert serious_violations(phone_page) == []


def test_the_bus_calendar_on_a_desktop(live_server, published, desktop_page):
    siren = published.territory.siren
    with time_machine.travel(NOW, tick=True):
        desktop_page.goto(f"{live_server.url}/bus/{siren}/")
        assert desktop_page.locator("#bus-prochains ~ ul li").count() == 6
        screenshot(desktop_page, "bus-public-bureau")
        assert serious_violations(desktop_page) == []
        desktop_page.goto(f"{live_server.url}/bus/{siren}/62041/")
        assert desktop_page.get_by_role("link", name="Affiche à imprimer (PDF)").is_visible()
        screenshot(desktop_page, "bus-public-commune-bureau")
        assert serious_violations(desktop_page) == []
