"""The aller-vers pages in a real browser: on a phone and a desktop, with
the accessibility audit."""

import pytest

from nonrecours.accounts.enums import Role
from nonrecours.directory.imports import directory_import
from nonrecours.outreach.models import PriorityWeights
from tests.browser.conftest import page_width, screenshot, serious_violations
from tests.factories import structure_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, url):
    page.goto(url + "/connexion/")
    page.get_by_label("Identifiant").fill("personne1")
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").click()


def test_a_project_lead_reads_the_index_and_changes_a_weight_on_a_phone(
    live_server, arras, make_member, phone_page
):
    make_member(arras, Role.PROJECT_LEAD)
    directory_import(
        records=[
            structure_record(
                id="nonrecours--fs", nom="France Services d'Arras", latitude=50.291,
                longitude=2.7775, reseaux_porteurs=["france-service"],
            )
        ],
        territory=arras,
    )  # fmt: skip
    _log_in(phone_page, live_server.url)
    phone_page.goto(f"{live_server.url}/territoires/{arras.siren}/")
    phone_page.get_by_role("link", name="Où aller avec le bus").click()

    assert phone_page.locator("h1").inner_text() == "Où aller avec le bus : indice de priorité"
    assert phone_page.locator("path.map__commune").count() == 46
    assert phone_page.locator("#classement ~ div tbody tr").count() == 46
    assert page_width(phone_page) <= 390
    screenshot(phone_page, "aller-vers-priorites-telephone")
    assert serious_violations(phone_page) == []

    phone_page.get_by_label("Habitants", exact=True).fill("0")
    phone_page.get_by_label("Temps de route jusqu'à un accueil").fill("11")
    phone_page.get_by_role("button", name="Enregistrer les poids").click()
    assert phone_page.locator(".error-summary").is_visible()
    assert phone_page.locator(".error-summary li").all_inner_texts() == [
        "Temps de route jusqu'à un accueil : "
        "Assurez-vous que cette valeur est inférieure ou égale à 10."
    ]
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Temps de route jusqu'à un accueil").fill("5")
    phone_page.get_by_role("button", name="Enregistrer les poids").click()
    assert phone_page.get_by_text("Poids enregistrés : le classement en tient compte.").is_visible()
    assert PriorityWeights.objects.get(territory=arras).weights["eloignement"] == 5.0
    # Far from the only counter, a commune now heads the ranking.
    first = phone_page.locator("#classement ~ div tbody tr").first.inner_text()
    assert not first.startswith("Arras") and "min de route" in first


def test_the_index_on_a_desktop(live_server, arras, make_member, desktop_page):
    make_member(arras, Role.PARTNER)
    _log_in(desktop_page, live_server.url)
    desktop_page.goto(f"{live_server.url}/territoires/{arras.siren}/aller-vers/")
    box = desktop_page.locator("figure.map > svg[role=img]").bounding_box()
    assert box["width"] > 600
    assert desktop_page.get_by_role("heading", name="Poids des facteurs").count() == 0
    screenshot(desktop_page, "aller-vers-priorites-bureau")
    assert serious_violations(desktop_page) == []


def test_the_team_adds_a_stop_on_a_phone(live_server, arras, make_member, phone_page):
    make_member(arras, Role.PROJECT_LEAD)
    _log_in(phone_page, live_server.url)
    phone_page.goto(f"{live_server.url}/territoires/{arras.siren}/aller-vers/")
    phone_page.get_by_role("link", name="Arrêts du bus").click()

    assert phone_page.locator("h1").inner_text() == "Arrêts du bus"
    assert page_width(phone_page) <= 390
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Nom du lieu").fill("Grand-Place")
    phone_page.get_by_label("Commune").select_option(label="Arras")
    phone_page.get_by_label("Latitude").fill("2,7793")
    phone_page.get_by_label("Longitude").fill("50,2928")
    phone_page.get_by_role("button", name="Ajouter l'arrêt").click()
    assert "n'est pas dans la commune d'Arras" in phone_page.locator(".error-summary").inner_text()
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Latitude").fill("50,2928")
    phone_page.get_by_label("Longitude").fill("2,7793")
    phone_page.get_by_role("button", name="Ajouter l'arrêt").click()
    assert phone_page.get_by_text("Arrêt « Grand-Place » ajouté.").is_visible()
    screenshot(phone_page, "aller-vers-arrets-telephone")


@pytest.fixture
def before_the_calendar():
    """Today: the Monday before the calendar of 27 April 2026 (its days are
    to come, as a move needs); the clock runs, for the browser's waits."""
    import datetime

    import time_machine

    with time_machine.travel(datetime.datetime(2026, 4, 20, 8, tzinfo=datetime.UTC), tick=True):
        yield


def test_the_lead_solves_a_calendar_and_moves_a_visit_on_a_phone(
    live_server, arras, make_member, phone_page, before_the_calendar
):
    from nonrecours.outreach.enums import VisitStatus
    from nonrecours.outreach.models import BusVisit

    make_member(arras, Role.PROJECT_LEAD)
    _log_in(phone_page, live_server.url)
    phone_page.goto(f"{live_server.url}/territoires/{arras.siren}/aller-vers/calendriers/")
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Nom du calendrier").fill("Printemps 2026")
    phone_page.get_by_label("Premier jour (un lundi)").fill("28/04/2026")
    phone_page.get_by_label("Nombre de semaines").fill("4")
    phone_page.get_by_role("button", name="Calculer et enregistrer").click()
    assert (
        "le mardi 28 avril 2026 n'en est pas un"
        in phone_page.locator(".error-summary").inner_text()
    )
    phone_page.get_by_label("Premier jour (un lundi)").fill("27/04/2026")
    phone_page.get_by_role("button", name="Calculer et enregistrer").click()

    assert phone_page.locator("h1").inner_text() == "Printemps 2026"
    assert phone_page.get_by_text("Semaine du 27 avril 2026").is_visible()
    assert page_width(phone_page) <= 390
    screenshot(phone_page, "aller-vers-calendrier-telephone")
    assert serious_violations(phone_page) == []

    phone_page.locator("p.visit a").first.click()
    phone_page.get_by_label("Nouveau jour").fill("02/05/2026")  # a Saturday
    phone_page.get_by_role("button", name="Déplacer").click()
    summary = phone_page.locator(".error-summary").inner_text()
    assert "enfreint" in summary and "samedi 2 mai 2026" in summary
    screenshot(phone_page, "aller-vers-passage-refuse-telephone")
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Enregistrer ce déplacement malgré les règles enfreintes").check()
    phone_page.get_by_role("button", name="Déplacer").click()
    assert phone_page.locator(".warning[role=alert]").is_visible()
    assert BusVisit.objects.filter(status=VisitStatus.MOVED).count() == 1


def test_a_calendar_on_a_desktop(live_server, arras, make_member, desktop_page):
    import datetime

    from nonrecours.outreach.calendar import territory_calendar
    from nonrecours.outreach.models import BusCalendar
    from nonrecours.outreach.saved_calendars import calendar_save

    make_member(arras, Role.PROJECT_LEAD)
    planned = territory_calendar(
        arras, start=datetime.date(2026, 4, 27), weeks=4, vehicles=2, small_every_weeks=None,
        time_limit_seconds=3,
    )  # fmt: skip
    saved = calendar_save(planned=planned, name="Deux bus", user=None)
    _log_in(desktop_page, live_server.url)
    desktop_page.goto(
        f"{live_server.url}/territoires/{arras.siren}/aller-vers/calendriers/{saved.pk}/"
    )
    assert desktop_page.locator("table.calendar-week").count() == 4
    assert "(véhicule 2)" in desktop_page.locator("table.calendar-week").first.inner_text()
    screenshot(desktop_page, "aller-vers-calendrier-bureau")
    assert serious_violations(desktop_page) == []
    assert BusCalendar.objects.count() == 1


def test_the_bus_settings_and_a_stop_on_a_phone(live_server, arras, make_member, phone_page):
    from nonrecours.outreach.bus_settings import bus_rules
    from nonrecours.outreach.models import Stop

    make_member(arras, Role.PROJECT_LEAD)
    _log_in(phone_page, live_server.url)
    phone_page.goto(f"{live_server.url}/territoires/{arras.siren}/aller-vers/reglages/")
    phone_page.get_by_label("Mercredi").first.uncheck()
    phone_page.get_by_label("Partenaires à bord le jeudi (facultatif)").fill("MSA")
    phone_page.get_by_label("Matin : fin").fill("12:00")
    phone_page.get_by_label("Après-midi : début").fill("11:00")
    phone_page.get_by_role("button", name="Enregistrer les réglages").click()
    assert "avant la fin du matin" in phone_page.locator(".error-summary").inner_text()
    assert page_width(phone_page) <= 390
    screenshot(phone_page, "aller-vers-reglages-erreur-telephone")
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Après-midi : début").fill("13:30")
    phone_page.get_by_role("button", name="Enregistrer les réglages").click()
    assert phone_page.get_by_text("Réglages du bus enregistrés").is_visible()
    assert bus_rules(arras).weekdays == frozenset({0, 1, 3, 4})

    stop = Stop.objects.filter(territory=arras, kind="mairie").order_by("name").first()
    phone_page.goto(f"{live_server.url}/territoires/{arras.siren}/aller-vers/arrets/{stop.pk}/")
    phone_page.get_by_label("Mardi").check()
    phone_page.get_by_label("Partenaire nécessaire à bord (facultatif)").fill("MSA")
    phone_page.get_by_role("button", name="Enregistrer l'arrêt").click()
    stop.refresh_from_db()
    assert (stop.preferred_weekdays, stop.partner) == ([1], "MSA")
    phone_page.goto(f"{live_server.url}/territoires/{arras.siren}/aller-vers/arrets/{stop.pk}/")
    screenshot(phone_page, "aller-vers-arret-telephone")
    assert serious_violations(phone_page) == []
