"""Saved calendars (outreach.saved_calendars): a solved calendar kept in
the database, visits moved or cancelled by hand, the rules checked again."""

import datetime
from pathlib import Path

import pytest

from nonrecours.outreach import imports
from nonrecours.outreach.calendar import territory_calendar
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit
from nonrecours.outreach.planning import Rule
from nonrecours.outreach.saved_calendars import (
    SavedCalendarError,
    VisitChangeRefused,
    calendar_save,
    problem_data,
    problem_from_data,
    saved_calendar,
    visit_cancel,
    visit_move,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_before_the_calendar():
    """Today: the Monday before the calendar (its days are to come)."""
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 4, 20, 8, tzinfo=datetime.UTC), tick=False):
        yield


FIXTURES = Path(__file__).parent / "fixtures"
MONDAY = datetime.date(2026, 4, 27)  # 1, 8 and 14 May 2026 are holidays


@pytest.fixture
def planned(arras):
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")
    return territory_calendar(
        arras, start=MONDAY, weeks=4, small_every_weeks=None, time_limit_seconds=3
    )


@pytest.fixture
def saved(planned):
    return calendar_save(planned=planned, name="  Printemps   2026 ", user=None)


def test_a_saved_calendar_keeps_its_visits_and_problem(planned, saved):
    assert saved.name == "Printemps 2026"
    assert (saved.start, saved.weeks, saved.vehicles) == (MONDAY, 4, 1)
    rows = list(BusVisit.objects.filter(calendar=saved))
    assert len(rows) == len(planned.calendar.visits) > 0
    assert {(v.stop_key, v.day, v.half_day) for v in rows} == {
        (v.stop_key, v.day, v.half_day) for v in planned.calendar.visits
    }
    assert all(v.status == VisitStatus.PLANNED for v in rows)
    # The stop rows are the territory's: a QPV visit is at its QPV's stop.
    qpv = next(v for v in rows if v.stop_key == "QN06201M")
    assert qpv.stop.priority_area.code == "QN06201M"
    stops, rules, travel = problem_from_data(saved.problem)
    assert stops == planned.stops
    assert rules == planned.rules
    assert rules.holidays == planned.rules.holidays and rules.half_days == planned.rules.half_days
    assert dict(travel.outbound) == dict(planned.travel.outbound)
    assert travel.source == planned.travel.source
    state = saved_calendar(saved)
    assert state.violations == planned.calendar.violations == ()
    assert set(state.explanations) == {s.key for s in planned.stops}


def test_the_problem_round_trips_with_partners(planned):
    from dataclasses import replace

    rules = replace(
        planned.rules,
        partner_days={1: ("CAF",), 3: ("MSA", "CAF")},
        stops_needing_partner={"62041": "CAF"},
        max_visits_per_week=None,
    )
    stops, back, _ = problem_from_data(problem_data(planned.stops, rules, planned.travel))
    assert back == rules and dict(back.partner_days) == dict(rules.partner_days)
    assert dict(back.stops_needing_partner) == {"62041": "CAF"}


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_calendar_needs_a_name(planned, name):
    with pytest.raises(SavedCalendarError):
        calendar_save(planned=planned, name=name, user=None)
    assert not BusCalendar.objects.exists()


def test_an_unreadable_saved_problem_is_a_french_error(saved):
    saved.problem = {"stops": [], "rules": {"start": "lundi"}}
    with pytest.raises(SavedCalendarError, match="illisible"):
        saved_calendar(saved)
    saved.problem = problem_data(*problem_from_data(BusCalendar.objects.get().problem))
    saved.problem["rules"]["start"] = "2026-04-28"  # a Tuesday
    with pytest.raises(SavedCalendarError, match="incohérent"):
        saved_calendar(saved)


def test_a_move_that_keeps_the_rules_is_saved(saved):
    visit = BusVisit.objects.filter(calendar=saved, stop__kind="mairie").first()
    before = (visit.day, visit.half_day)
    same_week = [
        d for d in saved_calendar(saved).rules.working_days()
        if (d - MONDAY).days // 7 == (visit.day - MONDAY).days // 7 and d != visit.day
    ]  # fmt: skip
    # The solver fills every half-day: a cancelled visit of a town hall
    # (no frequency) frees one, the same week.
    freed = (
        BusVisit.objects.filter(calendar=saved, stop__kind="mairie", day__in=same_week)
        .exclude(stop_key=visit.stop_key)
        .first()
    )
    assert visit_cancel(visit=freed, reason="Salle occupée", user=None) == []
    day, half = freed.day, freed.half_day
    violations = visit_move(
        visit=visit, day=day, half_day=half, vehicle=1, reason="marché", user=None
    )
    assert violations == []
    visit.refresh_from_db()
    assert (visit.day, visit.half_day, visit.status) == (day, half, VisitStatus.MOVED)
    assert (visit.planned_day, visit.planned_half_day) == before
    assert visit.change_reason == "marché" and visit.changed_at is not None
    assert visit.accepted_violations == []
    # Moved again: where the solver had put it is kept.
    day2, half2 = visit.planned_day, visit.planned_half_day  # back where it was
    assert visit_move(visit=visit, day=day2, half_day=half2, vehicle=1, reason="", user=None) == []
    visit.refresh_from_db()
    assert (visit.day, visit.half_day, visit.status) == (*before, VisitStatus.PLANNED)
    assert visit.planned_day is None  # back where planned: no change to show


@pytest.mark.parametrize(
    ("where", "rule"),
    [
        ("saturday", Rule.NON_WORKING_DAY),
        ("holiday", Rule.HOLIDAY),
        ("taken", Rule.DOUBLE_BOOKING),
        ("after", Rule.OUTSIDE_CALENDAR),
    ],
)
def test_a_move_that_breaks_a_rule_is_refused_then_confirmed(saved, where, rule):
    visit = BusVisit.objects.filter(calendar=saved, stop__kind="mairie").first()
    other = BusVisit.objects.filter(calendar=saved).exclude(day=visit.day).first()
    day, half = {
        "saturday": (MONDAY + datetime.timedelta(days=5), "matin"),
        "holiday": (datetime.date(2026, 5, 1), "matin"),
        "taken": (other.day, other.half_day),
        "after": (MONDAY + datetime.timedelta(weeks=5), "matin"),
    }[where]
    with pytest.raises(VisitChangeRefused) as refused:
        visit_move(visit=visit, day=day, half_day=half, vehicle=1, reason="", user=None)
    assert rule in {v.rule for v in refused.value.violations}
    assert refused.value.problems  # French sentences naming the stop and the day
    assert "confirmez" in str(refused.value)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PLANNED and visit.planned_day is None  # nothing saved

    after = visit_move(
        visit=visit, day=day, half_day=half, vehicle=1, reason="", user=None,
        accept_violations=True,
    )  # fmt: skip
    assert rule in {v.rule for v in after}
    visit.refresh_from_db()
    assert visit.accepted_violations == [v.message for v in refused.value.violations]
    assert rule in {v.rule for v in saved_calendar(saved).violations}  # shown, not hidden


def test_an_unknown_half_day_and_a_non_move_are_refused(saved):
    visit = BusVisit.objects.filter(calendar=saved).first()
    for far, message in (
        (datetime.date(1, 1, 1), "lundi 1er janvier 1 est passé"),
        (datetime.date(2026, 4, 17), "vendredi 17 avril 2026 est passé"),  # before today
        (datetime.date(9999, 12, 31), "trop loin du calendrier"),
        (MONDAY + datetime.timedelta(weeks=9), "trop loin du calendrier"),
    ):
        with pytest.raises(SavedCalendarError, match=message) as refused:
            visit_move(
                visit=visit, day=far, half_day="matin", vehicle=1, reason="", user=None,
                accept_violations=True,
            )  # fmt: skip
        assert refused.value.field == "day"
    with pytest.raises(SavedCalendarError, match="soir"):
        visit_move(visit=visit, day=visit.day, half_day="soir", vehicle=1, reason="", user=None)
    with pytest.raises(SavedCalendarError, match="déjà"):
        visit_move(
            visit=visit, day=visit.day, half_day=visit.half_day, vehicle=1, reason="", user=None
        )
    with pytest.raises(SavedCalendarError, match="trop long"):
        visit_move(
            visit=visit, day=visit.day, half_day="matin", vehicle=2, reason="x" * 301, user=None
        )


def test_a_cancelled_weekly_visit_shows_the_broken_frequency(saved):
    visit = BusVisit.objects.filter(calendar=saved, stop_key="QN06202M").order_by("day").first()
    with pytest.raises(SavedCalendarError, match="motif"):
        visit_cancel(visit=visit, reason="  ", user=None)
    violations = visit_cancel(visit=visit, reason="Bus en panne", user=None)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED and visit.change_reason == "Bus en panne"
    assert [v.rule for v in violations] == [Rule.FREQUENCY]
    assert violations[0].stop_key == "QN06202M"
    assert "aucune visite la semaine du 27 avril 2026" in violations[0].message
    state = saved_calendar(saved)
    assert visit in state.visits  # kept, so that the change is shown
    assert visit_of_key(state, visit) not in state.active()
    with pytest.raises(SavedCalendarError, match="déjà annulé"):
        visit_cancel(visit=visit, reason="encore", user=None)
    with pytest.raises(SavedCalendarError, match="annulé"):
        visit_move(visit=visit, day=MONDAY, half_day="matin", vehicle=1, reason="", user=None)


def visit_of_key(state, visit):
    from nonrecours.outreach.saved_calendars import visit_of

    return visit_of(visit)


def test_a_change_of_a_published_calendar_reaches_the_directory_at_once(saved):
    import time_machine

    from nonrecours.directory.models import Offer
    from nonrecours.outreach.publishing import bus_offer_id, calendar_publish

    with time_machine.travel(datetime.datetime(2026, 4, 27, 8, tzinfo=datetime.UTC), tick=False):
        calendar_publish(calendar=saved, user=None, today=MONDAY)
        visit = BusVisit.objects.filter(calendar=saved, stop__kind="mairie").order_by("day")[2]
        offer = Offer.objects.get(di_id=bus_offer_id(saved.territory, visit.stop))
        assert "annulé" not in offer.opening_hours
        visit_cancel(visit=visit, reason="Bus en panne", user=None)
    offer.refresh_from_db()
    assert "off" in offer.opening_hours and "annulé : Bus en panne" in offer.opening_hours
