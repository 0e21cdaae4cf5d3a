"""The rules of the bus the team sets (outreach.bus_settings): depot, days,
half-days, partners on board, and each stop's preferred days and partner;
the calendar follows them."""

import datetime

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.outreach.bus_settings import (
    BusSettingsError,
    bus_rules,
    bus_settings_save,
    rules_text,
)
from nonrecours.outreach.calendar import territory_calendar
from nonrecours.outreach.enums import StopKind
from nonrecours.outreach.models import BusSettings, Stop
from nonrecours.outreach.planning import DEFAULT_HALF_DAYS
from nonrecours.outreach.saved_calendars import calendar_save, problem_from_data
from nonrecours.outreach.stops import stop_update, stops_prefill

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 4, 27)
T = datetime.time


def town_hall(territory, insee_code):
    stops_prefill(territory=territory)
    return Stop.objects.get(
        territory=territory, kind=StopKind.TOWN_HALL, commune__insee_code=insee_code
    )


def save(territory, **changes):
    values = {
        "depot_id": "", "weekdays": [1, 3], "morning": (T(8, 30), T(12, 0)),
        "afternoon": (T(13, 0), T(16, 0)), "partner_days": {3: "MSA"}, "user": None,
        **changes,
    }  # fmt: skip
    return bus_settings_save(territory=territory, **values)


def test_defaults_without_settings(arras):
    rules = bus_rules(arras)
    assert rules.weekdays == frozenset(range(5)) and rules.half_days == DEFAULT_HALF_DAYS
    assert rules.depot is None and dict(rules.partner_days) == {}
    assert rules_text(rules).endswith(
        "départ : mairie de la ville-centre ; aucun partenaire à bord"
    )


def test_the_calendar_follows_the_team_s_rules(arras):
    depot = town_hall(arras, "62004")  # Achicourt
    save(arras, depot_id=str(depot.pk))
    agny = town_hall(arras, "62013")
    stop_update(
        stop=agny, name=agny.name, address="", latitude=agny.latitude, longitude=agny.longitude,
        service_minutes=90, is_active=True, partner="msa",  # « MSA » in the settings
    )  # fmt: skip
    arras_hall = town_hall(arras, "62041")  # Arras: visited in every calendar
    stop_update(
        stop=arras_hall, name=arras_hall.name, address="", latitude=arras_hall.latitude,
        longitude=arras_hall.longitude, service_minutes=90, is_active=True, preferred_weekdays=[1],
    )  # fmt: skip

    # A few stops: the solver proves its optimum at once, preferences included.
    Stop.objects.filter(territory=arras).exclude(
        commune__insee_code__in=["62004", "62013", "62041", "62065", "62099"]
    ).update(is_active=False)
    planned = territory_calendar(
        arras, start=MONDAY, weeks=4, small_every_weeks=None, time_limit_seconds=10
    )
    assert planned.calendar.status == "optimal"

    rules = planned.rules
    assert rules.depot == (depot.latitude, depot.longitude)
    assert rules.weekdays == frozenset({1, 3})
    assert [(h.label, h.start, h.end) for h in rules.half_days] == [
        ("matin", T(8, 30), T(12, 0)), ("après-midi", T(13, 0), T(16, 0)),
    ]  # fmt: skip
    assert dict(rules.stops_needing_partner) == {"62013": "MSA"}
    assert {v.day.weekday() for v in planned.calendar.visits} <= {1, 3}
    assert {v.day.weekday() for v in planned.calendar.visits if v.stop_key == "62013"} == {3}
    arras_hall_days = {
        v.day.weekday()
        for v in planned.calendar.visits
        if v.stop_key == arras_hall.commune.insee_code
    }
    assert arras_hall_days == {1}  # its preferred Tuesday
    saved = calendar_save(planned=planned, name="Règles", user=None)
    _, saved_rules, _ = problem_from_data(saved.problem)
    assert saved_rules == rules  # kept with the calendar


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weekdays": []}, "weekdays"),
        ({"morning": (T(9, 0), T(9, 30))}, "morning_end"),
        ({"afternoon": (T(11, 0), T(16, 0))}, "afternoon_start"),
        ({"depot_id": "999999"}, "depot"),
        ({"depot_id": "²"}, "depot"),
        ({"partner_days": {2: "A, B, C, D, E, F"}}, "partners_2"),
        ({"partner_days": {2: "x" * 61}}, "partners_2"),
        ({"morning": (T(5, 0), T(8, 0))}, "morning_start"),
        ({"afternoon": (T(13, 0), T(23, 0))}, "afternoon_end"),
    ],
)
def test_wrong_settings_are_refused_on_their_field(arras, changes, field):
    save(arras)
    before = BusSettings.objects.get().weekdays
    with pytest.raises(BusSettingsError) as refused:
        save(arras, **changes)
    assert field in [p.field for p in refused.value.problem_list()]
    assert BusSettings.objects.get().weekdays == before


def test_the_team_sets_the_rules_on_its_page(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("outreach_bus_settings", args=[arras.siren])
    assert "Jours de circulation" in client.get(url).text
    data = {
        "depot": "", "weekdays": ["0", "2", "4"], "morning_start": "09:00",
        "morning_end": "12:00", "afternoon_start": "13:30", "afternoon_end": "16:30",
        "partners_1": "CAF, MSA",
    }  # fmt: skip
    wrong = client.post(url, {**data, "afternoon_start": "11:00"})
    done = client.post(url, data)
    assert wrong.status_code == 422 and "avant la fin du matin" in wrong.text
    assert done.status_code == 302
    rules = bus_rules(arras)
    assert rules.weekdays == frozenset({0, 2, 4}) and dict(rules.partner_days) == {
        1: ("CAF", "MSA")
    }
    page = client.get(reverse("outreach_calendars", args=[arras.siren])).text
    assert "CAF le mardi ; MSA le mardi" in page
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(url).status_code == 403


def test_seconds_are_dropped(arras):
    save(arras, morning=(T(9, 0, 30), T(12, 0, 59)))
    rules = bus_rules(arras)
    assert (rules.half_days[0].start, rules.half_days[0].end) == (T(9, 0), T(12, 0))


def test_the_depot_cannot_be_taken_off_the_calendars(arras):
    from nonrecours.outreach.stops import StopError

    depot = town_hall(arras, "62004")
    save(arras, depot_id=str(depot.pk))
    with pytest.raises(StopError) as refused:
        stop_update(
            stop=depot, name=depot.name, address="", latitude=depot.latitude,
            longitude=depot.longitude, service_minutes=120, is_active=False,
        )  # fmt: skip
    assert [p.field for p in refused.value.problem_list()] == ["is_active"]
    depot.refresh_from_db()
    assert depot.is_active


def test_rules_where_no_stop_fits_are_said_not_saved_as_an_empty_calendar(arras):
    from nonrecours.outreach.planning import PlanningError

    save(arras, morning=(T(6, 0), T(7, 0)), afternoon=(T(7, 0), T(8, 0)))
    with pytest.raises(PlanningError, match="Aucun passage possible"):
        territory_calendar(
            arras, start=MONDAY, weeks=4, small_every_weeks=None, time_limit_seconds=5
        )
