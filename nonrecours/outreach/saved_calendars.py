"""Saved calendars of the bus: a solved calendar kept in the database
(``BusCalendar`` and its ``BusVisit`` rows), visits the team moves or
cancels by hand, and the rules checked again after each change.

A saved calendar keeps the problem it was solved from (its stops with
their priorities and frequencies, the rules, the travel times) as JSON, so
that a change months later is checked against the same rules
(``calendar_rules.check_calendar``), not against stops or weights changed
since. A change that breaks a rule the calendar kept is refused with the
broken rules (``VisitChangeRefused``) unless the team confirms it; the
rules it breaks are then kept with the visit and shown on the calendar.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.errors import UserError
from nonrecours.french import date_text
from nonrecours.outreach.calendar import TerritoryCalendar, stop_key
from nonrecours.outreach.calendar_rules import check_calendar
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.explanations import explain
from nonrecours.outreach.models import BusCalendar, BusVisit, Stop
from nonrecours.outreach.planning import (
    HalfDay,
    PlannedStop,
    PlanningError,
    PlanningRules,
    Violation,
    Visit,
    day_text,
)
from nonrecours.outreach.publishing import bus_directory_refresh
from nonrecours.outreach.travel import TravelTimes

# A name the team reads in lists (« Automne 2026 »), and a reason it can
# give for a change (« marché déplacé »).
MAX_NAME_LENGTH = 120
MAX_REASON_LENGTH = 300
# A visit moves within its calendar's weeks, or a little beyond (the rule
# « hors du calendrier » is then shown and confirmed): further is another
# season, a new calendar — and a year 1 or 9999 is a typing error.
MOVE_MARGIN = datetime.timedelta(weeks=4)


class SavedCalendarError(UserError):
    """A calendar that cannot be saved, or a change refused for what it is
    (an unknown half-day, a cancelled visit moved…). French."""


class VisitChangeRefused(UserError):
    """A change of a visit that breaks rules the calendar kept. ``violations``:
    the new broken rules (``planning.Violation``), each with its French
    message; the team may confirm the change (``accept_violations``)."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        count = len(self.violations)
        intro = (
            "Ce changement enfreint une règle"
            if count == 1
            else (f"Ce changement enfreint {count} règles")
        )
        super().__init__(
            f"{intro} du calendrier : confirmez-le pour l'enregistrer quand même.",
            problems=[v.message for v in self.violations],
        )


# ---------- The problem, as JSON ----------


def problem_data(
    stops: Sequence[PlannedStop], rules: PlanningRules, travel: TravelTimes
) -> dict[str, Any]:
    """The problem a calendar was solved from, as JSON data (dates as ISO
    text, times as « HH:MM », weekdays 0 = Monday); ``problem_from_data``
    reads it back to equal dataclasses."""
    return {
        "stops": [
            {
                "key": s.key,
                "name": s.name,
                "latitude": s.latitude,
                "longitude": s.longitude,
                "priority": s.priority,
                "kind": s.kind,
                "every_weeks": s.every_weeks,
                "preferred_weekdays": sorted(s.preferred_weekdays),
                "service_minutes": s.service_minutes,
            }
            for s in stops
        ],
        "rules": {
            "start": rules.start.isoformat(),
            "weeks": rules.weeks,
            "depot": list(rules.depot),
            "vehicles": rules.vehicles,
            "weekdays": sorted(rules.weekdays),
            "half_days": [
                [h.label, h.start.strftime("%H:%M"), h.end.strftime("%H:%M")]
                for h in rules.half_days
            ],
            "holidays": sorted(day.isoformat() for day in rules.holidays),
            "max_visits_per_week": rules.max_visits_per_week,
            "partner_days": {str(day): list(names) for day, names in rules.partner_days.items()},
            "stops_needing_partner": dict(rules.stops_needing_partner),
        },
        "travel": {
            "outbound": dict(travel.outbound),
            "inbound": dict(travel.inbound),
            "source": travel.source,
        },
    }


def problem_from_data(
    data: Mapping[str, Any],
) -> tuple[tuple[PlannedStop, ...], PlanningRules, TravelTimes]:
    """The (stops, rules, travel times) ``problem_data`` wrote. Raises
    SavedCalendarError (French) for data it did not write."""
    try:
        stops = tuple(
            PlannedStop(
                key=s["key"],
                name=s["name"],
                latitude=float(s["latitude"]),
                longitude=float(s["longitude"]),
                priority=float(s["priority"]),
                kind=s["kind"],
                every_weeks=s["every_weeks"],
                preferred_weekdays=frozenset(s["preferred_weekdays"]),
                service_minutes=int(s["service_minutes"]),
            )
            for s in data["stops"]
        )
        r = data["rules"]
        rules = PlanningRules(
            start=datetime.date.fromisoformat(r["start"]),
            weeks=int(r["weeks"]),
            depot=(float(r["depot"][0]), float(r["depot"][1])),
            vehicles=int(r["vehicles"]),
            weekdays=frozenset(r["weekdays"]),
            half_days=tuple(
                HalfDay(label, datetime.time.fromisoformat(a), datetime.time.fromisoformat(b))
                for label, a, b in r["half_days"]
            ),
            holidays=frozenset(datetime.date.fromisoformat(d) for d in r["holidays"]),
            max_visits_per_week=r["max_visits_per_week"],
            partner_days={int(day): tuple(names) for day, names in r["partner_days"].items()},
            stops_needing_partner=dict(r["stops_needing_partner"]),
        )
        t = data["travel"]
        travel = TravelTimes(
            outbound={k: float(v) for k, v in t["outbound"].items()},
            inbound={k: float(v) for k, v in t["inbound"].items()},
            source=t["source"],
        )
    except PlanningError as error:
        raise SavedCalendarError(f"Calendrier enregistré incohérent : {error}") from None
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise SavedCalendarError(
            f"Calendrier enregistré illisible (donnée « {error} ») : calculez-le à nouveau."
        ) from None
    return stops, rules, travel


# ---------- Reading a saved calendar ----------


def visit_of(row: BusVisit) -> Visit:
    """The solver's view of a saved visit (where it is now)."""
    return Visit(stop_key=row.stop_key, day=row.day, half_day=row.half_day, vehicle=row.vehicle)


@dataclass(frozen=True)
class SavedCalendar:
    """A saved calendar as the team reads it: its ``visits`` (every row,
    cancelled ones included, in time order), the problem it was solved
    from, the rules its current visits break (``violations``) and each
    stop's explanation of how often the bus comes, for the visits as they
    are now (``explanations``: stop key → French clause)."""

    calendar: BusCalendar
    visits: tuple[BusVisit, ...]
    stops: tuple[PlannedStop, ...]
    rules: PlanningRules
    travel: TravelTimes
    violations: tuple[Violation, ...]

    def active(self) -> list[Visit]:
        """The visits that take place (not cancelled), as the solver's."""
        return [visit_of(v) for v in self.visits if v.status != VisitStatus.CANCELLED]

    @cached_property
    def explanations(self) -> Mapping[str, str]:
        """Stop key → how often the bus comes and why, for the visits as
        they are now (outreach.explanations; computed when the page asks,
        not for each change checked)."""
        return explain(self.stops, self.rules, self.travel, self.active(), self.calendar.status)


def saved_calendar(calendar: BusCalendar) -> SavedCalendar:
    """The calendar with its visits, the rules they break and the
    explanations (see SavedCalendar). Raises SavedCalendarError when its
    problem cannot be read."""
    stops, rules, travel = problem_from_data(calendar.problem)
    # In time order: the half-days in the calendar's order, not by name.
    order = {h.label: n for n, h in enumerate(rules.half_days)}
    rows = tuple(
        sorted(
            calendar.visits.select_related("stop", "stop__commune"),
            key=lambda v: (v.day, order.get(v.half_day, 99), v.vehicle, v.pk),
        )
    )
    active = [visit_of(v) for v in rows if v.status != VisitStatus.CANCELLED]
    return SavedCalendar(
        calendar=calendar,
        visits=rows,
        stops=stops,
        rules=rules,
        travel=travel,
        violations=tuple(check_calendar(active, stops, rules, travel)),
    )


# ---------- Writes ----------


def calendar_save(
    *,
    planned: TerritoryCalendar,
    name: str,
    user: User | None,
    is_synthetic: bool = False,
) -> BusCalendar:
    """Save a solved calendar (``calendar.territory_calendar``) under
    ``name``: one BusCalendar with its problem, one BusVisit per visit (at
    the Stop whose ``stop_key`` it is). All or nothing. Raises
    SavedCalendarError (French) for an empty or too long name, or a visit
    whose stop no longer exists."""
    name = " ".join(name.split())
    if not name:
        raise SavedCalendarError("Donnez un nom au calendrier (par exemple « Automne 2026 »).")
    if len(name) > MAX_NAME_LENGTH:
        raise SavedCalendarError(
            f"Nom du calendrier trop long ({len(name)} caractères, {MAX_NAME_LENGTH} au plus)."
        )
    territory = planned.territory
    rows = Stop.objects.filter(territory=territory).select_related("commune", "priority_area")
    by_key = {stop_key(stop): stop for stop in rows}
    missing = sorted({v.stop_key for v in planned.calendar.visits} - set(by_key))
    if missing:
        raise SavedCalendarError(
            f"Arrêt(s) supprimé(s) depuis le calcul : {', '.join(missing)} ; calculez à nouveau."
        )
    result = planned.calendar
    with transaction.atomic():
        saved = BusCalendar.objects.create(
            territory=territory,
            name=name,
            start=planned.rules.start,
            weeks=planned.rules.weeks,
            vehicles=planned.rules.vehicles,
            problem=problem_data(planned.stops, planned.rules, planned.travel),
            status=result.status,
            objective=result.objective,
            bound=result.bound,
            gap=result.gap,
            coverage=result.coverage,
            seconds=result.seconds,
            is_synthetic=is_synthetic,
            created_by=user,
        )
        BusVisit.objects.bulk_create(
            BusVisit(
                calendar=saved,
                stop=by_key[visit.stop_key],
                stop_key=visit.stop_key,
                day=visit.day,
                half_day=visit.half_day,
                vehicle=visit.vehicle,
            )
            for visit in result.visits
        )
    return saved


def _new_violations(before: Sequence[Violation], after: Sequence[Violation]) -> list[Violation]:
    """The violations of ``after`` that ``before`` did not have (by rule,
    stop and day: a message may change its wording with its figures)."""
    known = {(v.rule, v.stop_key, v.day) for v in before}
    return [v for v in after if (v.rule, v.stop_key, v.day) not in known]


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_LENGTH:
        raise SavedCalendarError(
            f"Motif trop long ({len(reason)} caractères, {MAX_REASON_LENGTH} au plus).",
            field="reason",
        )
    return reason


def _republish(calendar: BusCalendar) -> None:
    """A published calendar's change reaches the directory at once (its
    hours and dated changes, outreach.publishing), in the change's
    transaction."""
    if calendar.published_at is not None:
        bus_directory_refresh(territory=calendar.territory)


def visit_move(
    *,
    visit: BusVisit,
    day: datetime.date,
    half_day: str,
    vehicle: int,
    reason: str,
    user: User | None,
    accept_violations: bool = False,
    today: datetime.date | None = None,
) -> list[Violation]:
    """Move ``visit`` to (``day``, ``half_day``, ``vehicle``), the rules of
    its calendar checked again on every visit. Returns the rules the
    calendar breaks after the move ([] when none).

    Raises SavedCalendarError (French) for a cancelled visit, a half-day
    the calendar does not have, a visit or a day before ``today`` (default:
    the local date), a day more than MOVE_MARGIN outside the calendar's
    weeks, or a move to where it already is;
    VisitChangeRefused when the move breaks a rule the calendar kept and
    ``accept_violations`` is False (nothing is saved). The first move keeps
    where the solver had put the visit (``planned_day``,
    ``planned_half_day``); a move back there makes it « prévu » again. A
    published calendar's directory entries follow (``_republish``)."""
    reason = _reason(reason)
    if visit.status == VisitStatus.CANCELLED:
        raise SavedCalendarError("Ce passage est annulé : il ne peut plus être déplacé.")
    current = saved_calendar(visit.calendar)
    if current.rules.half_day(half_day) is None:
        labels = ", ".join(h.label for h in current.rules.half_days)
        raise SavedCalendarError(
            f"Demi-journée « {half_day} » inconnue (attendu : {labels}).", field="half_day"
        )
    today = today or timezone.localdate()
    if visit.day < today or day < today:
        # A day gone is a fact (the visit took place, or did not: cancel it),
        # not a plan residents can act on.
        raise SavedCalendarError(
            f"Le {day_text(min(visit.day, day))} est passé : un passage ne se déplace que "
            "d'un jour à venir vers un jour à venir (annulez-le s'il n'a pas eu lieu).",
            field="day",
        )
    first, last = current.rules.start - MOVE_MARGIN, current.rules.end + MOVE_MARGIN
    if not first <= day <= last:
        raise SavedCalendarError(
            f"Le {day_text(day)} est trop loin du calendrier ({current.rules.period_text()}) : "
            f"un passage se déplace du {date_text(first)} au {date_text(last)} au plus.",
            field="day",
        )
    if (day, half_day, vehicle) == (visit.day, visit.half_day, visit.vehicle):
        raise SavedCalendarError("Le passage est déjà à cette date et à cette demi-journée.")
    moved = Visit(visit.stop_key, day, half_day, vehicle)
    others = [
        visit_of(v)
        for v in current.visits
        if v.status != VisitStatus.CANCELLED and v.pk != visit.pk
    ]
    after = check_calendar([*others, moved], current.stops, current.rules, current.travel)
    new = _new_violations(current.violations, after)
    if new and not accept_violations:
        raise VisitChangeRefused(new)
    with transaction.atomic():
        row = BusVisit.objects.select_for_update().get(pk=visit.pk)
        if row.planned_day is None:
            row.planned_day, row.planned_half_day = row.day, row.half_day
        row.day, row.half_day, row.vehicle = day, half_day, vehicle
        row.status = VisitStatus.MOVED
        if (day, half_day) == (row.planned_day, row.planned_half_day):  # back where planned
            row.status, row.planned_day, row.planned_half_day = VisitStatus.PLANNED, None, ""
        row.changed_at = timezone.now()
        row.changed_by = user
        row.change_reason = reason
        row.accepted_violations = [v.message for v in new]
        row.save()
        _republish(row.calendar)
    visit.refresh_from_db()
    return list(after)


def visit_cancel(*, visit: BusVisit, reason: str, user: User | None) -> list[Violation]:
    """Cancel ``visit`` (it stays, with its status and date of change, so
    that residents see it is cancelled). Returns the rules the calendar
    breaks without it (a frequency no longer kept is shown, not refused:
    a bus that breaks down does not wait for the team's confirmation).
    Raises SavedCalendarError (French) when it is already cancelled, or
    when a reason is missing (residents read it) or too long. A published
    calendar's directory entries follow (``_republish``)."""
    reason = _reason(reason)
    if not reason:
        raise SavedCalendarError(
            "Donnez le motif de l'annulation : il est affiché aux habitant·es.", field="reason"
        )
    if visit.status == VisitStatus.CANCELLED:
        raise SavedCalendarError(f"Le passage du {day_text(visit.day)} est déjà annulé.")
    with transaction.atomic():
        row = BusVisit.objects.select_for_update().get(pk=visit.pk)
        row.status = VisitStatus.CANCELLED
        row.changed_at = timezone.now()
        row.changed_by = user
        row.change_reason = reason
        row.save()
        _republish(row.calendar)
    visit.refresh_from_db()
    return list(saved_calendar(visit.calendar).violations)


@dataclass(frozen=True)
class GridDay:
    """A day of a calendar's week as the team reads it: ``slots`` holds, per
    half-day label (in the calendar's order), the visits there, cancelled
    ones included (a list: a double booking the team accepted shows both).
    ``off``: « férié » for a holiday, « sans circulation » for a day the bus
    does not work, "" for a working day."""

    day: datetime.date
    off: str
    slots: tuple[tuple[str, tuple[BusVisit, ...]], ...]


def calendar_weeks(state: SavedCalendar) -> list[tuple[datetime.date, list[GridDay]]]:
    """The calendar week by week: (Monday, its days), each week listing the
    days the bus works, the holidays among them, and any other day holding
    a visit (moved there by hand)."""
    rules = state.rules
    by_day: dict[tuple[datetime.date, str], list[BusVisit]] = {}
    for visit in state.visits:
        by_day.setdefault((visit.day, visit.half_day), []).append(visit)
    visit_days = {v.day for v in state.visits}
    weeks = []
    for week in range(rules.weeks):
        monday = rules.week_start(week)
        days = []
        for offset in range(7):
            day = monday + datetime.timedelta(days=offset)
            works = day.weekday() in rules.weekdays
            if not works and day not in visit_days:
                continue
            off = "férié" if day in rules.holidays else ("" if works else "sans circulation")
            slots = tuple((h.label, tuple(by_day.get((day, h.label), ()))) for h in rules.half_days)
            days.append(GridDay(day, off, slots))
        weeks.append((monday, days))
    return weeks


def visits_outside(state: SavedCalendar) -> list[BusVisit]:
    """The visits moved outside the calendar's weeks (shown apart)."""
    return [v for v in state.visits if state.rules.week_of(v.day) is None]
