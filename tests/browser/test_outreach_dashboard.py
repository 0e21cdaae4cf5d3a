"""The bus's dashboard in a real browser: on a phone and a desktop, with
the accessibility audit and screenshots."""

import datetime

import pytest

from nonrecours.accounts.enums import Role
from nonrecours.outreach.enums import StopKind, VisitStatus
from nonrecours.outreach.models import BusCalendar
from nonrecours.referrals.enums import OutcomeKind
from tests.browser.conftest import page_width, screenshot, serious_violations
from tests.outreach.test_achievements import Bus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)),
]
QUERY = "?debut=2026-03-01&fin=2026-05-31"


def _log_in(page, url):
    page.goto(url + "/connexion/")
    page.get_by_label("Identifiant").fill("personne1")
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").click()


def _activity(territory) -> None:
    """Four stops over spring 2026: a busy QPV, a market, a quiet town
    hall (three half-days, two people), one cancelled visit."""
    bus = Bus(territory)
    opened = OutcomeKind.RIGHT_OPENED
    plan = [
        ("Quartier Saint-Michel", "Arras", StopKind.PLACE, 4, 9),
        ("Place du marché", "Achicourt", StopKind.PLACE, 3, 5),
        ("Mairie de Wailly", "Wailly", StopKind.TOWN_HALL, 3, 0),
        ("Mairie de Dainville", "Dainville", StopKind.TOWN_HALL, 1, 0),
    ]
    for index, (name, commune, kind, visits, people) in enumerate(plan):
        stop = bus.stop(name, commune, kind)
        for week in range(visits):
            day = datetime.date(2026, 3, 2 + index) + datetime.timedelta(weeks=week)
            visit = bus.visit(stop, day, hours=((9, 15), (12, 0)) if week == 0 else None)
            for n in range(people):
                bus.visitor(visit, first=n % 3 != 0, simulations=n % 2, appointments=n % 4 == 0)
            if people:
                bus.referral(visit, outcomes=[(opened, "rsa", "480")])
        if not people:
            bus.visitor(visit)
    bus.visit(stop, datetime.date(2026, 4, 20), status=VisitStatus.CANCELLED)


def test_the_team_reads_the_dashboard_and_sets_the_cost_on_a_phone(
    live_server, arras, make_member, phone_page
):
    make_member(arras, Role.PROJECT_LEAD)
    _activity(arras)
    _log_in(phone_page, live_server.url)
    phone_page.goto(f"{live_server.url}/territoires/{arras.siren}/aller-vers/bilan/{QUERY}")

    assert phone_page.locator("h1").inner_text() == "Bilan du bus par arrêt"
    assert phone_page.locator("table.achievements tbody tr").count() == 5
    assert phone_page.get_by_text("À repenser :").count() == 1
    assert page_width(phone_page) <= 390
    screenshot(phone_page, "aller-vers-bilan-telephone")
    assert serious_violations(phone_page) == []

    phone_page.get_by_label("Coût d'une demi-journée (euros)").fill("-20")
    phone_page.get_by_role("button", name="Enregistrer le coût").click()
    assert phone_page.locator(".error-summary li").all_inner_texts() == [
        "Coût d'une demi-journée : « -20 » n'est pas entre 0 et 100\u202f000\u00a0€."
    ]
    screenshot(phone_page, "aller-vers-bilan-telephone-erreur")
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Coût d'une demi-journée (euros)").fill("520")
    phone_page.get_by_role("button", name="Enregistrer le coût").click()
    assert phone_page.get_by_text("Coût d'une demi-journée enregistré").is_visible()
    assert str(BusCalendar.objects.get().half_day_cost) == "520.00"

    phone_page.get_by_role("link", name="Vue publiée (celle des exports)").click()
    assert phone_page.locator("abbr[title='secret statistique']").count() > 0
    screenshot(phone_page, "aller-vers-bilan-telephone-vue-publiee")
    assert serious_violations(phone_page) == []


def test_the_dashboard_on_a_desktop(live_server, arras, make_member, desktop_page):
    make_member(arras, Role.PROJECT_LEAD)
    _activity(arras)
    _log_in(desktop_page, live_server.url)
    desktop_page.goto(f"{live_server.url}/territoires/{arras.siren}/aller-vers/bilan/{QUERY}")

    assert desktop_page.locator("table.achievements thead th").count() == 14
    screenshot(desktop_page, "aller-vers-bilan-bureau")
    assert serious_violations(desktop_page) == []
    desktop_page.goto(
        f"{live_server.url}/territoires/{arras.siren}/aller-vers/bilan/?debut=2026-05-31&fin=2026-03-01"
    )
    assert desktop_page.locator(".error-summary").is_visible()
    screenshot(desktop_page, "aller-vers-bilan-bureau-erreur")
    assert serious_violations(desktop_page) == []
