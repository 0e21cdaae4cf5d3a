"""The rotating calendar of the multi-service bus: the problem (stops and
rules) and its result (visits, violations), as frozen dataclasses (no
Django, so that the solver is tested alone and called by the actions).

Conventions shared by every module of the calendar:

- weekdays are numbered as ``date.weekday()``: 0 = Monday … 6 = Sunday;
- weeks are numbered from 0, the week that starts on ``PlanningRules.start``
  (a Monday); a week runs Monday to Sunday;
- vehicles are numbered from 1 to ``PlanningRules.vehicles`` (as the team
  names them: « véhicule 1 »);
- durations are in minutes; travel times come from ``travel.TravelTimes``.

Every error a person can cause here is a ``PlanningError`` (a ``UserError``,
French); every text a person reads is French.
"""

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from babel.dates import format_date

from nonrecours.errors import UserError
from nonrecours.french import LOCALE, date_text, french_list, weekday_date_text

# The kinds of stop: a town hall, a QPV (quartier prioritaire de la
# politique de la ville), any other place (a market square, a school…).
STOP_KINDS = ("mairie", "qpv", "lieu")
# A calendar is planned 4 to 12 weeks ahead: less does not rotate through
# the communes, more is beyond what a team can commit to with its partners.
MIN_WEEKS = 4
MAX_WEEKS = 12


class PlanningError(UserError):
    """A stop or a rule the calendar cannot be planned with (French)."""


def weekday_name(weekday: int) -> str:
    """« lundi » … « dimanche » for 0 … 6 (CLDR fr_FR, through Babel)."""
    # 1 January 2024 was a Monday.
    day = datetime.date(2024, 1, 1) + datetime.timedelta(days=weekday)
    return format_date(day, "EEEE", locale=LOCALE)


def day_text(day: datetime.date) -> str:
    """A day with its weekday: « lundi 4 mai 2026 » (french.weekday_date_text)."""
    return weekday_date_text(day)


def duration_text(minutes: float) -> str:
    """A duration rounded to the minute: « 45 min », « 1 h », « 2 h 05 »."""
    total = max(0, round(minutes))
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest:02d}"


def weekdays_text(weekdays: frozenset[int] | set[int]) -> str:
    """« le mardi », « le mardi et le jeudi », « aucun jour » (none)."""
    if not weekdays:
        return "aucun jour"
    return french_list([f"le {weekday_name(d)}" for d in sorted(weekdays)])


@dataclass(frozen=True)
class PlannedStop:
    """A place the bus can park at for a half-day.

    ``key``: unique among the stops of a problem (the lead's model id).
    ``name``: what the team reads (« Mairie d'Agny », « QPV Saint-Michel »).
    ``latitude``, ``longitude``: WGS 84 degrees.
    ``priority``: ≥ 0, from the priority index (higher: more needed); only
    ratios between stops matter to the solver.
    ``kind``: one of ``STOP_KINDS``.
    ``every_weeks``: N when the stop must be visited at least once in every
    N consecutive weeks of the calendar (set by the team for small communes;
    1 for a QPV); None when it has no required frequency.
    ``preferred_weekdays``: days the stop would rather be visited (a market
    day), 0 = Monday; a preference, never a rule.
    ``service_minutes``: time on site, travel excluded (> 0).

    Raises PlanningError (French) for a value out of these ranges.
    """

    key: str
    name: str
    latitude: float
    longitude: float
    priority: float
    kind: str = "lieu"
    every_weeks: int | None = None
    preferred_weekdays: frozenset[int] = frozenset()
    service_minutes: int = 120

    def __post_init__(self) -> None:
        problems = []
        if not self.key:
            problems.append("son identifiant est vide")
        if not math.isfinite(self.priority) or self.priority < 0:
            problems.append(f"sa priorité ({self.priority}) doit être un nombre positif ou nul")
        if self.kind not in STOP_KINDS:
            problems.append(f"son type « {self.kind} » n'est pas {french_list(list(STOP_KINDS))}")
        if self.every_weeks is not None and self.every_weeks < 1:
            problems.append(
                f"sa fréquence « toutes les {self.every_weeks} semaines » doit être d'au moins 1"
            )
        if not self.preferred_weekdays <= set(range(7)):
            problems.append("ses jours souhaités doivent être numérotés de 0 (lundi) à 6")
        if self.service_minutes <= 0:
            problems.append("sa durée sur place doit être positive")
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            problems.append("ses coordonnées ne sont pas une latitude et une longitude")
        if problems:
            raise PlanningError(
                f"Étape « {self.name or self.key} » : {'; '.join(problems)}.", problems=problems
            )


@dataclass(frozen=True)
class HalfDay:
    """A half-day the bus works: « matin » from 9:00 to 12:30. The lunch
    break is the gap between two half-days."""

    label: str
    start: datetime.time
    end: datetime.time

    @property
    def minutes(self) -> int:
        """Its length in minutes."""
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


DEFAULT_HALF_DAYS = (
    HalfDay("matin", datetime.time(9, 0), datetime.time(12, 30)),
    HalfDay("après-midi", datetime.time(13, 30), datetime.time(17, 0)),
)


@dataclass(frozen=True)
class PlanningRules:
    """The frame of a calendar.

    ``start``: a Monday, the first day. ``weeks``: 4 to 12. ``depot``:
    (latitude, longitude) where the bus sleeps and every half-day starts and
    ends. ``vehicles``: ≥ 1. ``weekdays``: the days the bus works (0 =
    Monday). ``half_days``: in time order, not overlapping. ``holidays``:
    days off (public holidays, closures), on any weekday.
    ``max_visits_per_week``: per stop, None for no limit (1 by default: no
    use visiting a commune twice a week). ``partner_days``: weekday → the
    partners on board that day (« CAF » on Tuesdays).
    ``stops_needing_partner``: stop key → the partner it needs.

    Raises PlanningError (French) for a value out of these ranges.
    """

    start: datetime.date
    weeks: int
    depot: tuple[float, float]
    vehicles: int = 1
    weekdays: frozenset[int] = frozenset(range(5))
    half_days: tuple[HalfDay, ...] = DEFAULT_HALF_DAYS
    holidays: frozenset[datetime.date] = frozenset()
    max_visits_per_week: int | None = 1
    partner_days: Mapping[int, tuple[str, ...]] = field(default_factory=dict, hash=False)
    stops_needing_partner: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        problems = []
        if self.start.weekday() != 0:
            problems.append(f"le calendrier doit commencer un lundi, pas le {day_text(self.start)}")
        if not MIN_WEEKS <= self.weeks <= MAX_WEEKS:
            problems.append(
                f"le calendrier couvre de {MIN_WEEKS} à {MAX_WEEKS} semaines, pas {self.weeks}"
            )
        if self.vehicles < 1:
            problems.append("il faut au moins un véhicule")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            problems.append("les jours de circulation doivent être numérotés de 0 (lundi) à 6")
        labels = [h.label for h in self.half_days]
        if not labels or len(set(labels)) != len(labels):
            problems.append("il faut au moins une demi-journée, chacune avec son nom")
        if any(h.minutes <= 0 for h in self.half_days) or any(
            a.end > b.start for a, b in zip(self.half_days, self.half_days[1:], strict=False)
        ):
            problems.append("les demi-journées doivent se suivre sans se chevaucher")
        if self.max_visits_per_week is not None and self.max_visits_per_week < 1:
            problems.append("le nombre de visites par semaine doit être d'au moins 1")
        if not set(self.partner_days) <= set(range(7)):
            problems.append("les jours des partenaires doivent être numérotés de 0 (lundi) à 6")
        if problems:
            raise PlanningError(f"Calendrier : {'; '.join(problems)}.", problems=problems)

    @property
    def end(self) -> datetime.date:
        """The last day of the calendar (a Sunday)."""
        return self.start + datetime.timedelta(days=7 * self.weeks - 1)

    def week_start(self, week: int) -> datetime.date:
        """The Monday of week ``week`` (0 = the first)."""
        return self.start + datetime.timedelta(days=7 * week)

    def week_of(self, day: datetime.date) -> int | None:
        """The week of ``day`` (0 = the first), None outside the calendar."""
        week = (day - self.start).days // 7
        return week if 0 <= week < self.weeks and day >= self.start else None

    def working_days(self) -> tuple[datetime.date, ...]:
        """The days the bus works, in order: in the calendar, on one of
        ``weekdays``, not a holiday."""
        days = (self.start + datetime.timedelta(days=n) for n in range(7 * self.weeks))
        return tuple(d for d in days if d.weekday() in self.weekdays and d not in self.holidays)

    def half_day(self, label: str) -> HalfDay | None:
        """The half-day named ``label``, None when the calendar has none."""
        return next((h for h in self.half_days if h.label == label), None)

    def partner_weekdays(self, partner: str) -> frozenset[int]:
        """The weekdays ``partner`` is on board."""
        return frozenset(d for d, names in self.partner_days.items() if partner in names)

    def period_text(self) -> str:
        """« du 13 avril 2026 au 5 juillet 2026 »."""
        return f"du {date_text(self.start)} au {date_text(self.end)}"


@dataclass(frozen=True)
class Visit:
    """The bus parked at ``stop_key`` on ``day`` for ``half_day`` (a label
    of ``PlanningRules.half_days``), vehicle ``vehicle`` (1 …)."""

    stop_key: str
    day: datetime.date
    half_day: str
    vehicle: int = 1


class Rule(StrEnum):
    """The rules a calendar is checked against (English values; French
    labels in ``RULE_LABELS``)."""

    UNKNOWN_STOP = "unknown_stop"
    UNKNOWN_HALF_DAY = "unknown_half_day"
    UNKNOWN_VEHICLE = "unknown_vehicle"
    OUTSIDE_CALENDAR = "outside_calendar"
    NON_WORKING_DAY = "non_working_day"
    HOLIDAY = "holiday"
    TOO_SHORT = "too_short"
    PARTNER_ABSENT = "partner_absent"
    DOUBLE_BOOKING = "double_booking"
    SAME_DAY = "same_day"
    WEEKLY_LIMIT = "weekly_limit"
    FREQUENCY = "frequency"


RULE_LABELS = {
    Rule.UNKNOWN_STOP: "étape inconnue",
    Rule.UNKNOWN_HALF_DAY: "demi-journée inconnue",
    Rule.UNKNOWN_VEHICLE: "véhicule inconnu",
    Rule.OUTSIDE_CALENDAR: "hors du calendrier",
    Rule.NON_WORKING_DAY: "jour sans circulation",
    Rule.HOLIDAY: "jour férié",
    Rule.TOO_SHORT: "demi-journée trop courte",
    Rule.PARTNER_ABSENT: "partenaire absent",
    Rule.DOUBLE_BOOKING: "deux étapes à la fois",
    Rule.SAME_DAY: "deux visites le même jour",
    Rule.WEEKLY_LIMIT: "trop de visites dans la semaine",
    Rule.FREQUENCY: "fréquence non tenue",
}


@dataclass(frozen=True)
class Violation:
    """A rule a calendar breaks. ``rule``: a ``Rule`` value; ``stop_key``:
    the stop concerned (None when unknown); ``day``: the day concerned (the
    Monday of the first week for a weekly or frequency rule); ``message``:
    the French sentence the team reads, naming the stop and the day."""

    rule: str
    stop_key: str | None
    day: datetime.date | None
    message: str


# Calendar.status values, and what they mean for the team.
STATUS_LABELS = {
    "optimal": "optimal : aucun calendrier ne couvre mieux les besoins",
    "feasible": "bon calendrier, sans preuve qu'il est le meilleur (temps de calcul écoulé)",
    "unknown": "aucun calendrier trouvé dans le temps de calcul : calendrier glouton à la place",
    "greedy": "calendrier glouton (l'étape la plus prioritaire et la plus proche d'abord)",
}


@dataclass(frozen=True)
class Calendar:
    """A solved (or greedy) calendar.

    ``visits``: in time order (day, half-day, vehicle). ``objective``: the
    value the solver maximised, in coverage points (see
    ``solver.solve_calendar``); ``bound``: the best bound it proved (None
    for the greedy calendar); ``gap``: |bound − objective| / max(1,
    |objective|) (None likewise). ``status``: a key of ``STATUS_LABELS``.
    ``coverage``: ``solver.coverage`` of the visits. ``explanations``: stop
    key → a French sentence saying how often it is visited and why (every
    stop has one). ``violations``: ``check_calendar`` of the visits (the
    frequencies that could not be kept). ``seconds``: wall time spent.
    """

    visits: tuple[Visit, ...]
    objective: float
    bound: float | None
    gap: float | None
    status: str
    coverage: float
    explanations: Mapping[str, str] = field(hash=False)
    violations: tuple[Violation, ...] = ()
    seconds: float = 0.0
