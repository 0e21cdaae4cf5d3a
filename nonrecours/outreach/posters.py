"""What residents read of the bus's calendar: its visits as a small
dataclass (`PublicVisit`, built from a solved calendar not yet saved or from
the saved rows), the iCalendar feed of a commune (one event building for
every feed), the A4 poster of a commune and the season leaflet (PDF,
WeasyPrint, ADR 005: self-contained, nothing fetched).

A QR code or an address of a page is passed in by the caller (the web layer
knows the addresses; the domain does not import it)."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import icalendar
from django.template.loader import render_to_string

from nonrecours.directory.hours import clock_text
from nonrecours.french import sort_key
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit, Stop
from nonrecours.outreach.planning import DEFAULT_HALF_DAYS, HalfDay, day_text

if TYPE_CHECKING:
    from nonrecours.outreach.calendar import TerritoryCalendar

PARIS = ZoneInfo("Europe/Paris")
STYLE_SHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "bus.css"
# What a person can do on the bus: on the posters, the leaflet, the pages
# and the directory's description of its stops.
WHAT_THE_BUS_DOES = (
    "CAF : prestations familiales, RSA, prime d'activité, aide au logement",
    "CPAM : Assurance maladie, complémentaire santé solidaire",
    "Retraite",
    "Emploi",
    "Logement",
    "Numérique : compte en ligne, courriel, démarches sur internet",
    "Simulation de vos droits",
)
WHAT_THE_BUS_DOES_SHORT = (
    "aide aux démarches (CAF, CPAM, retraite, emploi, logement, numérique), simulation de vos "
    "droits et orientation vers les partenaires"
)


@dataclass(frozen=True)
class PublicVisit:
    """A half-day of the bus as residents read it.

    ``uid``: stable across moves (the iCalendar UID); ``stop_key``: the
    stop's key in its calendar; ``stop_id``: its Stop row (None when
    unknown); ``commune``/``insee_code``: where the stop is; ``start``/``end``:
    the half-day's hours (Paris time); ``status``: a VisitStatus value;
    ``planned_day``/``planned_half_day``: where a moved visit was;
    ``changed_at``: when it was moved or cancelled, ``change_reason`` why
    (the team's words, shown with the change)."""

    uid: str
    stop_key: str
    stop_id: int | None
    stop_name: str
    commune: str
    insee_code: str
    address: str
    latitude: float
    longitude: float
    day: datetime.date
    half_day: str
    start: datetime.time
    end: datetime.time
    vehicle: int = 1
    status: str = VisitStatus.PLANNED
    planned_day: datetime.date | None = None
    planned_half_day: str = ""
    changed_at: datetime.datetime | None = None
    change_reason: str = ""

    @property
    def is_cancelled(self) -> bool:
        return self.status == VisitStatus.CANCELLED

    @property
    def is_moved(self) -> bool:
        return self.status == VisitStatus.MOVED and self.planned_day is not None

    @property
    def day_text(self) -> str:
        """« mardi 8 décembre 2026 »."""
        return day_text(self.day)

    @property
    def hours_text(self) -> str:
        """« de 9 h à 12 h 30 » (no-break spaces)."""
        return f"de {clock_text(self.start)} à {clock_text(self.end)}"

    @property
    def planned_text(self) -> str:
        """Where a moved visit was: « mardi 8 décembre 2026 matin »."""
        if self.planned_day is None:
            return ""
        return f"{day_text(self.planned_day)} {self.planned_half_day}".strip()

    @property
    def change_text(self) -> str:
        """The change residents read (French), "" for a visit as planned:
        « Passage du mardi 8 décembre 2026 matin annulé », « Passage du
        mardi 8 décembre 2026 matin déplacé au jeudi 10 décembre 2026
        après-midi »."""
        if self.is_cancelled:
            return f"Passage du {day_text(self.day)} {self.half_day} annulé"
        if self.is_moved:
            return f"Passage du {self.planned_text} déplacé au {day_text(self.day)} {self.half_day}"
        return ""

    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.day, self.start, tzinfo=PARIS)

    def ends_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.day, self.end, tzinfo=PARIS)


@dataclass(frozen=True)
class Season:
    """The visits residents are shown, by date: ``start``/``end``, the
    first and last days of the calendars they come from; ``name``: the
    territory's name; ``siren``: its SIREN."""

    name: str
    siren: str
    start: datetime.date
    end: datetime.date
    visits: tuple[PublicVisit, ...]

    def of_commune(self, insee_code: str) -> list[PublicVisit]:
        """The visits at the stops of one commune, by date."""
        return [v for v in self.visits if v.insee_code == insee_code]

    def communes(self) -> list[tuple[str, str]]:
        """(INSEE code, name) of the communes the bus visits, by name."""
        found = {v.insee_code: v.commune for v in self.visits if v.insee_code}
        return sorted(found.items(), key=lambda item: sort_key(item[1]))

    def period_text(self) -> str:
        """« du lundi 30 novembre 2026 au dimanche 24 janvier 2027 »."""
        return f"du {day_text(self.start)} au {day_text(self.end)}"


def _time(value: Any) -> datetime.time | None:
    try:
        return datetime.time.fromisoformat(str(value))
    except ValueError:
        return None


def half_day_hours(calendar: BusCalendar, label: str) -> HalfDay:
    """The hours of a half-day of a saved calendar: the problem's own
    half-days (``problem["rules"]["half_days"]``, [label, "HH:MM", "HH:MM"]
    as outreach.saved_calendars writes them), else
    outreach.planning.DEFAULT_HALF_DAYS; a label known to neither is shown
    as the whole working day (9 h to 17 h)."""
    rules = calendar.problem.get("rules") if isinstance(calendar.problem, dict) else None
    given = rules.get("half_days") if isinstance(rules, dict) else None
    for item in given if isinstance(given, list) else []:
        if isinstance(item, list | tuple) and len(item) == 3 and item[0] == label:
            start, end = _time(item[1]), _time(item[2])
            if start is not None and end is not None and start < end:
                return HalfDay(label, start, end)
    for half_day in DEFAULT_HALF_DAYS:
        if half_day.label == label:
            return half_day
    return HalfDay(label, datetime.time(9, 0), datetime.time(17, 0))


def visits_from_rows(calendars: Iterable[BusCalendar]) -> list[PublicVisit]:
    """The visits of saved calendars (cancelled and moved ones included),
    by date, half-day and vehicle."""
    rows = (
        BusVisit.objects.filter(calendar__in=list(calendars))
        .select_related("calendar__territory", "stop__commune")
        .order_by("day", "half_day", "vehicle", "pk")
    )
    visits = []
    for row in rows:
        hours = half_day_hours(row.calendar, row.half_day)
        stop = row.stop
        visits.append(
            PublicVisit(
                uid=f"bus-{row.calendar.territory.siren}-{row.pk}@nonrecours",
                stop_key=row.stop_key,
                stop_id=stop.pk,
                stop_name=stop.name,
                commune=stop.commune.name,
                insee_code=stop.commune.insee_code,
                address=stop.address,
                latitude=stop.latitude,
                longitude=stop.longitude,
                day=row.day,
                half_day=row.half_day,
                start=hours.start,
                end=hours.end,
                vehicle=row.vehicle,
                status=row.status,
                planned_day=row.planned_day,
                planned_half_day=row.planned_half_day,
                changed_at=row.changed_at,
                change_reason=row.change_reason,
            )
        )
    return sorted(visits, key=lambda v: (v.day, v.start, v.vehicle))


def season_from_calendar(planned: "TerritoryCalendar") -> Season:
    """A solved calendar not saved (`nonrecours outreach plan`) as residents
    would read it; its stops are found among the territory's Stop rows by
    their key (a stop not found keeps the solver's name, without commune)."""
    from nonrecours.outreach.calendar import stop_key  # calendar imports this module

    rows = Stop.objects.filter(territory=planned.territory).select_related(
        "commune", "priority_area"
    )
    stop_of = {stop_key(stop): stop for stop in rows}
    planned_of = {s.key: s for s in planned.stops}
    hours = {h.label: h for h in planned.rules.half_days}
    siren = planned.territory.siren
    visits = []
    for visit in planned.calendar.visits:
        row, solved = stop_of.get(visit.stop_key), planned_of[visit.stop_key]
        half_day = hours[visit.half_day]
        visits.append(
            PublicVisit(
                uid=f"{siren}-{visit.day.isoformat()}-{visit.half_day}-{visit.vehicle}@nonrecours",
                stop_key=visit.stop_key,
                stop_id=row.pk if row is not None else None,
                stop_name=solved.name,
                commune=row.commune.name if row is not None else "",
                insee_code=row.commune.insee_code if row is not None else "",
                address=row.address if row is not None else "",
                latitude=solved.latitude,
                longitude=solved.longitude,
                day=visit.day,
                half_day=visit.half_day,
                start=half_day.start,
                end=half_day.end,
                vehicle=visit.vehicle,
            )
        )
    return Season(
        name=planned.territory.name,
        siren=siren,
        start=planned.rules.start,
        end=planned.rules.end,
        visits=tuple(visits),
    )


# --- iCalendar ---------------------------------------------------------------


def _sequence(visit: PublicVisit) -> int:
    """RFC 5545 SEQUENCE: 0 never changed; once changed, the minutes since
    1970 of the last change (grows with each change, fits the 32-bit
    integer) — a visit moved back where it was planned included: a
    SEQUENCE that went down would leave calendars on the moved copy."""
    if visit.changed_at is None:
        return 0
    return int(visit.changed_at.timestamp() // 60)


def visit_event(visit: PublicVisit, *, dtstamp: datetime.datetime) -> icalendar.Event:
    """One visit as an iCalendar event: at the half-day's hours (Paris
    time), at the stop; a cancelled visit keeps its UID with STATUS
    CANCELLED, a moved one its UID at its new time, both with a higher
    SEQUENCE so that calendars that subscribed update it."""
    event = icalendar.Event()
    event.add("uid", visit.uid)
    event.add("summary", f"Bus multiservice : {visit.stop_name}")
    event.add("dtstart", visit.starts_at())
    event.add("dtend", visit.ends_at())
    event.add("dtstamp", visit.changed_at.astimezone(UTC) if visit.changed_at else dtstamp)
    event.add("sequence", _sequence(visit))
    place = ", ".join(p for p in (visit.stop_name, visit.address, visit.commune) if p)
    event.add("location", place)
    event.add("geo", (visit.latitude, visit.longitude))
    description = f"{WHAT_THE_BUS_DOES_SHORT[0].upper()}{WHAT_THE_BUS_DOES_SHORT[1:]}. Gratuit."
    if visit.change_text:
        reason = f" : {visit.change_reason}" if visit.change_reason else ""
        description = f"{visit.change_text}{reason}. {description}"
    event.add("description", f"{description} Véhicule {visit.vehicle}.")
    event.add("status", "CANCELLED" if visit.is_cancelled else "CONFIRMED")
    return event


def visits_ics(visits: Iterable[PublicVisit], *, name: str, dtstamp: datetime.datetime) -> bytes:
    """An iCalendar file (RFC 5545) of `visits`, named `name`; `dtstamp`
    (UTC) for the visits never changed: the same visits, the same file."""
    feed = icalendar.Calendar()
    feed.add("prodid", "-//nonrecours//aller-vers//FR")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", name)
    feed.add("x-wr-timezone", "Europe/Paris")
    for visit in visits:
        feed.add_component(visit_event(visit, dtstamp=dtstamp))
    feed.add_missing_timezones()  # the VTIMEZONE of Europe/Paris (RFC 5545)
    return bytes(feed.to_ical())


def _stamp(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=UTC)


def commune_ics(season: Season, insee_code: str) -> bytes:
    """The iCalendar feed of one commune: the visits at its stops, cancelled
    and moved ones included (see visit_event)."""
    visits = season.of_commune(insee_code)
    commune = visits[0].commune if visits else insee_code
    return visits_ics(
        visits, name=f"Bus multiservice à {commune} — {season.name}", dtstamp=_stamp(season.start)
    )


def season_ics(season: Season) -> bytes:
    """The iCalendar file of every visit of the season."""
    return visits_ics(
        season.visits, name=f"Bus multiservice — {season.name}", dtstamp=_stamp(season.start)
    )


# --- PDF -----------------------------------------------------------------------


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"L'affiche est autonome : aucune ressource externe ({url}).")


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, needed only for the PDF

    html = render_to_string(template, {**context, "style": STYLE_SHEET.read_text(encoding="utf-8")})
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return pdf


def _stops(visits: Sequence[PublicVisit]) -> list[tuple[str, str]]:
    """(name, address) of the stops of `visits`, each once, in order."""
    seen: dict[str, str] = {}
    for visit in visits:
        seen.setdefault(visit.stop_name, visit.address)
    return list(seen.items())


def poster_pdf(season: Season, insee_code: str, *, qr_svg: str = "", url: str = "") -> bytes:
    """The A4 poster of one commune: the bus's dates and hours there, its
    place, what can be done on the bus, and the QR code (inline SVG) of
    `url`, the commune's page, when given. A commune the bus does not visit
    gets a poster saying so."""
    visits = season.of_commune(insee_code)
    return _pdf(
        "outreach/poster_commune.html",
        {
            "season": season,
            "commune": visits[0].commune if visits else "",
            "visits": visits,
            "stops": _stops(visits),
            "services": WHAT_THE_BUS_DOES,
            "qr_svg": qr_svg,
            "url": url,
        },
    )


def leaflet_pdf(season: Season, *, qr_svg: str = "", url: str = "") -> bytes:
    """The season leaflet: every visit of the season by date (day, hours,
    commune, place; changes said), what can be done on the bus, and the QR
    code of `url` when given."""
    by_day: dict[datetime.date, list[PublicVisit]] = {}
    for visit in season.visits:
        by_day.setdefault(visit.day, []).append(visit)
    return _pdf(
        "outreach/poster_season.html",
        {
            "season": season,
            "days": [(day_text(day), visits) for day, visits in sorted(by_day.items())],
            "services": WHAT_THE_BUS_DOES,
            "qr_svg": qr_svg,
            "url": url,
        },
    )
