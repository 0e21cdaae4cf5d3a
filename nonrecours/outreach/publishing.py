"""Publishing the bus's calendar to residents (issue 15, part 3; ADR 023).

A published calendar (``BusCalendar.published_at``) is written into the
directory as one structure « Bus multiservice — <territoire> » with one
offer (data·inclusion « service ») per stop, at the stop's place, whose
``horaires_accueil`` are the OpenStreetMap hours of its visits: weekday of
month rules (``Tu[1,3] 09:00-12:30``) when the visits follow them, dated
days otherwise, within the calendar's period; a cancelled or moved visit is
a dated rule with its comment (« 2026 Dec 08 off "Passage du mardi 8
décembre 2026 matin annulé" »), which the directory shows as a change
wherever the offer appears (directory.hours.dated_changes). The directory
never imports outreach: it reads its own rows.

The public pages, the iCalendar feeds and the posters read the saved rows
of the published calendars (`public_season`)."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.directory.actions import directory_offers_remove
from nonrecours.directory.imports import directory_import
from nonrecours.directory.queries import ACCESS_THEME
from nonrecours.errors import UserError
from nonrecours.french import date_text, of, with_article
from nonrecours.outreach.calendar import french_holidays
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, Stop
from nonrecours.outreach.posters import (
    WHAT_THE_BUS_DOES_SHORT,
    PublicVisit,
    Season,
    visits_from_rows,
)
from nonrecours.outreach.queries import Governed, calendar_last_day, governed_calendars
from nonrecours.territories.models import Territory

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
OSM_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
BUS_THEMATICS = [
    ACCESS_THEME,
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
    "numerique--acceder-a-des-services-en-ligne",
]


class PublishError(UserError):
    """A calendar that cannot be published (French, says why)."""


def calendar_holidays(calendar: BusCalendar) -> frozenset[datetime.date]:
    """The days off of a saved calendar: those of its problem
    (outreach.saved_calendars), else France's public holidays."""
    rules = calendar.problem.get("rules") if isinstance(calendar.problem, dict) else None
    given = rules.get("holidays") if isinstance(rules, dict) else None
    if isinstance(given, list):
        try:
            return frozenset(datetime.date.fromisoformat(str(day)) for day in given)
        except ValueError:
            pass
    return french_holidays(calendar.start, calendar.weeks)


# --- OpenStreetMap hours -------------------------------------------------------


def _osm_date(day: datetime.date) -> str:
    return f"{day.year} {OSM_MONTHS[day.month - 1]} {day.day:02d}"


def _nth(day: datetime.date) -> int:
    """Which of its weekday in its month ``day`` is (1 for the first)."""
    return (day.day - 1) // 7 + 1


def _spans(spans: set[tuple[datetime.time, datetime.time]]) -> str:
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in sorted(spans))


def _comment(text: str) -> str:
    """A rule's comment: one line, without the double quotes that end it."""
    return " ".join(text.replace('"', "'").split())


def change_note(visit: PublicVisit) -> str:
    """The change of a visit as its dated rule says it: its change_text and,
    when the team gave one, its reason."""
    reason = f" : {visit.change_reason}" if visit.change_reason else ""
    return _comment(f"{visit.change_text}{reason}")


def _weekday_rules(
    open_spans: dict[datetime.date, set[tuple[datetime.time, datetime.time]]],
    explained: set[datetime.date],
    start: datetime.date,
    end: datetime.date,
) -> tuple[list[str], dict[datetime.date, set[tuple[datetime.time, datetime.time]]]]:
    """The weekday-of-month rules the visits follow, and the spans they
    open by day. A (weekday, half-day) whose visits fall on the n-th
    weekdays of the month is a rule when every other such day of the period
    is explained (a change, a day off), which a dated rule then closes."""
    groups: dict[tuple[int, tuple[datetime.time, datetime.time]], set[datetime.date]] = defaultdict(
        set
    )
    for day, spans in open_spans.items():
        for span in spans:
            groups[day.weekday(), span].add(day)
    days_of_period = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    by_weekday: dict[int, dict[int, set[tuple[datetime.time, datetime.time]]]] = defaultdict(
        lambda: defaultdict(set)
    )
    for (weekday, span), days in groups.items():
        if len(days) < 2:
            continue
        nths = {_nth(day) for day in days}
        candidates = {d for d in days_of_period if d.weekday() == weekday and _nth(d) in nths}
        if candidates - days <= explained:
            for nth in nths:
                by_weekday[weekday][nth].add(span)
    rules: list[str] = []
    covered: dict[datetime.date, set[tuple[datetime.time, datetime.time]]] = defaultdict(set)
    period = f"{_osm_date(start)}-{_osm_date(end)}"
    for weekday in sorted(by_weekday):
        same: dict[frozenset[tuple[datetime.time, datetime.time]], list[int]] = defaultdict(list)
        for nth, nth_spans in sorted(by_weekday[weekday].items()):
            same[frozenset(nth_spans)].append(nth)
        every = {_nth(d) for d in days_of_period if d.weekday() == weekday}
        for shared, numbers in same.items():
            nth_text = "" if set(numbers) == every else f"[{','.join(map(str, numbers))}]"
            rules.append(f"{period} {OSM_DAYS[weekday]}{nth_text} {_spans(set(shared))}")
            for day in days_of_period:
                if day.weekday() == weekday and _nth(day) in numbers:
                    covered[day].update(shared)
    return rules, covered


def osm_hours(
    visits: Sequence[PublicVisit],
    *,
    start: datetime.date,
    end: datetime.date,
    holidays: frozenset[datetime.date] = frozenset(),
) -> str:
    """The OpenStreetMap opening_hours of one stop from its dated visits
    (cancelled and moved ones included) in the period ``start``..``end``:
    weekday-of-month rules within the period where the visits follow them
    (« 2026 Nov 30-2027 Jan 24 Tu[1,3] 09:00-12:30 », « … Tu 09:00-12:30 »
    for every week), then dated days for the visits that follow no rule and
    for the days a rule must not open, a change saying why in its comment
    (« 2026 Dec 08 off "Passage du mardi 8 décembre 2026 matin annulé" »).
    Later rules override earlier ones for their day, as the specification
    says (https://wiki.openstreetmap.org/wiki/Key:opening_hours/
    specification). "" when no visit falls in the period. Outside the
    period, only the dated days of visits moved there open."""
    open_spans: dict[datetime.date, set[tuple[datetime.time, datetime.time]]] = defaultdict(set)
    notes: dict[datetime.date, list[str]] = defaultdict(list)
    for visit in visits:
        if visit.is_moved and visit.planned_day is not None and visit.planned_day != visit.day:
            # Where the visit was announced says where it went, even when
            # the team moved it out of the period.
            if start <= visit.planned_day <= end:
                notes[visit.planned_day].append(change_note(visit))
        if visit.is_cancelled:
            if start <= visit.day <= end:
                notes[visit.day].append(change_note(visit))
            continue
        # Only a visit the team moved out of the period opens there (its own
        # dated day): the weekday rules stay within the period.
        if not (start <= visit.day <= end or visit.is_moved):
            continue
        open_spans[visit.day].add((visit.start, visit.end))
        if visit.is_moved and visit.planned_day is not None:
            notes[visit.day].append(_comment(f"passage déplacé du {visit.planned_text}"))
    in_period = {day: spans for day, spans in open_spans.items() if start <= day <= end}
    rules, covered = _weekday_rules(in_period, set(notes) | set(holidays), start, end)
    for day in sorted(set(open_spans) | set(covered) | set(notes)):
        wanted = open_spans.get(day, set())
        if wanted == covered.get(day, set()) and day not in notes:
            continue
        rule = f"{_osm_date(day)} {_spans(wanted) if wanted else 'off'}"
        if notes.get(day):
            rule += f' "{" / ".join(dict.fromkeys(notes[day]))}"'
        rules.append(rule)
    return "; ".join(rules)


# --- The season residents see ---------------------------------------------------


def published_calendars(territory: Territory, *, today: datetime.date) -> list[Governed]:
    """The territory's published calendars whose last day (a visit moved
    beyond their weeks included) is not over by ``today``, each with the
    days it governs (outreach.queries.governed_calendars), by start."""
    return sorted(
        (g for g in governed_calendars(territory) if g.last_day >= today),
        key=lambda g: (g.calendar.start, g.calendar.pk),
    )


def _governed_visits(entry: Governed) -> list[PublicVisit]:
    """The visits of a published calendar on the days it governs."""
    return [v for v in visits_from_rows([entry.calendar]) if entry.governs(v.day)]


def public_season(territory: Territory, *, today: datetime.date) -> Season | None:
    """What residents are shown of the bus: the visits of the published
    calendars not over by ``today``, each on the days it governs (changes
    included), None when there is none. Only published calendars are
    public."""
    governed = published_calendars(territory, today=today)
    if not governed:
        return None
    visits = sorted(
        (v for entry in governed for v in _governed_visits(entry)),
        key=lambda v: (v.day, v.start, v.vehicle),
    )
    return Season(
        name=territory.name,
        siren=territory.siren,
        start=min(g.calendar.start for g in governed),
        end=max(g.last_day for g in governed),
        visits=tuple(visits),
    )


# --- Writing to the directory ---------------------------------------------------


def bus_structure_id(territory: Territory) -> str:
    """The data·inclusion identifier of the territory's bus."""
    return f"nonrecours--bus-{territory.siren}"


def bus_offer_id(territory: Territory, stop: Stop) -> str:
    """The data·inclusion identifier of the bus's offer at a stop."""
    return f"{bus_structure_id(territory)}--arret-{stop.pk}"


def _offer_record(
    territory: Territory, stop: Stop, hours: str, today: datetime.date
) -> dict[str, Any]:
    commune = stop.commune
    return {
        "source": "nonrecours",
        "structure_id": bus_structure_id(territory),
        "id": bus_offer_id(territory, stop),
        "nom": f"Bus multiservice — {stop.name}"[:150],
        "description": (
            f"Le bus multiservice {of(with_article(territory.name))} stationne à cet arrêt "
            f"({stop.name}, {commune.name}) certaines demi-journées : "
            f"{WHAT_THE_BUS_DOES_SHORT}. Gratuit, ouvert à toutes et à tous. Les dates de passage "
            "et leurs changements sont dans les horaires."
        ),
        "date_maj": today.isoformat(),
        "type": "accompagnement",
        "thematiques": BUS_THEMATICS,
        "frais": "gratuit",
        "publics": ["tous-publics"],
        "modes_accueil": ["en-presentiel"],
        "zone_eligibilite": [territory.siren],
        "adresse": stop.address or stop.name,
        "commune": commune.name,
        "code_insee": commune.insee_code,
        "latitude": stop.latitude,
        "longitude": stop.longitude,
        "horaires_accueil": hours,
    }


@dataclass
class PublishReport:
    """What a publication wrote: ``offers`` written (one per stop with
    visits), ``removed`` (stops no longer visited), ``replaced``: the names
    of the published calendars whose period it overlapped."""

    calendar: BusCalendar | None = None
    offers: int = 0
    removed: int = 0
    replaced: list[str] = field(default_factory=list)

    def summary(self) -> str:
        replaced = (
            f" ; prend la suite de {', '.join(f'« {name} »' for name in self.replaced)} "
            "sur ses semaines à venir"
            if self.replaced
            else ""
        )
        return (
            f"Calendrier publié : {self.offers} arrêt(s) dans l'annuaire, {self.removed} "
            f"retiré(s){replaced}."
        )


@transaction.atomic
def bus_directory_refresh(
    *, territory: Territory, today: datetime.date | None = None
) -> PublishReport:
    """Write the directory entries of the territory's bus from its published
    calendars not over by ``today``: the structure, an offer per stop with
    its OpenStreetMap hours (osm_hours), and the offers of stops no longer
    visited deleted. Called by calendar_publish, and to be called after a
    visit of a published calendar is moved or cancelled. Idempotent: the
    same calendars give the same entries, never a duplicate. All or
    nothing; raises DirectoryImportError (French) if the directory refuses
    an entry."""
    today = today or timezone.localdate()
    per_stop: dict[int, list[str]] = defaultdict(list)
    for entry in published_calendars(territory, today=today):
        holidays = calendar_holidays(entry.calendar)
        rows = visits_from_rows([entry.calendar])
        # Each stretch of days the calendar governs has its own hours: its
        # weekday rules never open a day a later calendar took over.
        for first, last in entry.segments():
            visits_of: dict[int, list[PublicVisit]] = defaultdict(list)
            for visit in rows:
                if visit.stop_id is not None and first <= visit.day <= last:
                    visits_of[visit.stop_id].append(visit)
                elif (
                    visit.stop_id is not None
                    and visit.is_moved
                    and visit.planned_day
                    and (first <= visit.planned_day <= last)
                ):
                    visits_of[visit.stop_id].append(visit)  # its announced day closes here
            for stop_id, visits in visits_of.items():
                hours = osm_hours(visits, start=first, end=last, holidays=holidays)
                if hours:
                    per_stop[stop_id].append(hours)
    stops = Stop.objects.filter(pk__in=per_stop).select_related("commune").order_by("pk")
    offers = [_offer_record(territory, s, "; ".join(per_stop[s.pk]), today) for s in stops]
    report = PublishReport(offers=len(offers))
    if offers:
        structure = {
            "source": "nonrecours",
            "id": bus_structure_id(territory),
            "nom": f"Bus multiservice — {territory.name}"[:150],
            "description": (
                f"Le bus multiservice {of(with_article(territory.name))} vient dans les "
                f"communes et les quartiers : {WHAT_THE_BUS_DOES_SHORT}. Ses arrêts et leurs "
                "dates sont ses offres."
            ),
            "date_maj": today.isoformat(),
        }
        directory_import(
            records=[structure, *offers], territory=territory, source_name="calendrier du bus"
        )
    report.removed = directory_offers_remove(
        structure_id=bus_structure_id(territory), keep={o["id"] for o in offers}
    )
    return report


@transaction.atomic
def calendar_publish(
    *, calendar: BusCalendar, user: User | None, today: datetime.date | None = None
) -> PublishReport:
    """Publish a saved calendar to residents: it becomes public
    (``published_at``, kept from its first publication), takes over from
    the published calendars of its territory the days of its own weeks not
    yet gone (outreach.queries.governed_calendars: they keep the others),
    and the directory's entries of the bus are
    rewritten (bus_directory_refresh). Publishing again updates, never
    duplicates. ``user``: who publishes (the team; None from a command).
    Raises PublishError (French) for a demonstration calendar, a calendar
    over by ``today`` or without any visit left; nothing is changed then."""
    today = today or timezone.localdate()
    calendar = BusCalendar.objects.select_for_update().get(pk=calendar.pk)
    if calendar.is_synthetic:
        # Fictitious visits in the directory and on posters would send
        # residents to a bus that does not come.
        raise PublishError(
            f"« {calendar.name} » est un calendrier de démonstration (fictif) : il ne se publie "
            "pas. Calculez un calendrier réel pour le publier."
        )
    end = calendar_last_day(calendar)
    if end < today:
        raise PublishError(
            f"Calendrier « {calendar.name} » terminé le {date_text(end)} : rien à publier."
        )
    if not calendar.visits.exclude(status=VisitStatus.CANCELLED).exists():
        raise PublishError(
            f"Calendrier « {calendar.name} » : aucun passage (tous annulés) : rien à publier."
        )
    # An earlier calendar over the same weeks keeps its days already gone
    # and those before this one's start; this one governs the rest
    # (outreach.queries.governed_calendars).
    replaced = [
        g.calendar
        for g in governed_calendars(calendar.territory)
        if g.calendar.pk != calendar.pk
        and calendar.start <= g.last_day
        and g.calendar.start <= end
        and g.last_day >= today
    ]
    if calendar.published_at is None:
        calendar.published_at = timezone.now()
        calendar.save(update_fields=["published_at"])
    report = bus_directory_refresh(territory=calendar.territory, today=today)
    report.calendar = calendar
    report.replaced = [c.name for c in replaced]
    return report
