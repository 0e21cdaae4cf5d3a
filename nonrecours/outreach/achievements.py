"""What each stop of the bus achieved over a period: half-days and hours of
presence, people received, first contacts, residents of a QPV, simulations,
appointments, referrals sent from the bus, the rights they opened and their
yearly amount, and what it cost (the half-day cost the team entered).

Two views of the same figures, as for the referral statistics
(referrals.statistics): the exact one, for the territory's team only
(``stop_achievements``), and the published one (``published_achievements``,
which outreach.achievement_exports writes as CSV and XLSX), where no figure
describes fewer than 11 people:
the counts of people of all the stops and of the total line go together
through the secrecy model shared with the barometer
(analysis.disclosure.protect: primary suppression under the threshold, then
secondary suppression until no hidden figure, nor any small group of people
such as « the visitors of a stop who were not first contacts », can be
computed back from the published ones). Half-days, hours and costs describe
the bus, not people: they are always published.

Rights opened and their yearly amounts are the referral statistics' own
(referrals.statistics: a referral counts once when at least one right was
opened; yearly amount = 12 × the monthly amounts of the rights opened).
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils import timezone

from nonrecours import french
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, Release, protect
from nonrecours.analysis.disclosure import Status as Secrecy
from nonrecours.errors import UserError
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, BusReferral, BusVisitor
from nonrecours.outreach.posters import half_day_hours
from nonrecours.outreach.priorities import PriorityIndex, priority_index
from nonrecours.outreach.queries import operating_visits
from nonrecours.referrals.models import Referral
from nonrecours.referrals.statistics import referral_cells
from nonrecours.referrals.statistics_items import ReferralItem, referral_items
from nonrecours.territories.models import Territory

# A stop is judged on at least three half-days of presence: one can fall on
# a rainy day, a holiday week or a day the bus came late; three make a habit.
MIN_HALF_DAYS_TO_JUDGE = 3
# Under one person an hour of presence, the staff spends most of its time
# waiting: the half-day would do more elsewhere (or on another day).
MIN_VISITORS_PER_HOUR = 1.0
# « Where the index is high »: the top quarter of the territory's communes.
TOP_SHARE = 0.25
PRESENT = (VisitStatus.PLANNED, VisitStatus.MOVED)
TOTAL_LABEL = "Ensemble des arrêts"


class AchievementsError(UserError, ValueError):
    """A period that cannot be read (French, naming the field)."""


@dataclass(frozen=True)
class StopAchievement:
    """One stop's figures over the period (or the total line: ``stop_id``
    None). Units: ``half_days`` and ``cancelled`` are visits (half-days);
    ``hours`` hours of presence; the counts are people (``visitors``,
    ``first_contacts``, ``priority_area_residents``), acts (``simulations``,
    ``appointments``) or referrals (``referrals``, ``rights_opened``: those
    with at least one right opened); ``yearly_amount`` and ``cost`` euros.
    A count None: hidden by the secrecy rule (published view only). ``cost``
    None: a half-day of the period has no cost entered."""

    label: str
    commune: str
    stop_id: int | None
    half_days: int
    cancelled: int
    hours: float
    measured_half_days: int  # whose hours were noted on site (arrival, departure)
    visitors: int | None
    first_contacts: int | None
    priority_area_residents: int | None
    simulations: int | None
    appointments: int | None
    referrals: int | None
    rights_opened: int | None
    yearly_amount: Decimal | None
    cost: Decimal | None

    @property
    def visitors_per_hour(self) -> float | None:
        """People received per hour of presence (None: hidden or no hour)."""
        if self.visitors is None or not self.hours:
            return None
        return self.visitors / self.hours

    def _share(self, count: int | None) -> float | None:
        return None if count is None or not self.visitors else count / self.visitors

    @property
    def first_contact_share(self) -> float | None:
        """First contacts ÷ people received (0 to 1)."""
        return self._share(self.first_contacts)

    @property
    def priority_area_share(self) -> float | None:
        """Residents of a QPV ÷ people received (0 to 1)."""
        return self._share(self.priority_area_residents)

    @property
    def cost_per_half_day(self) -> Decimal | None:
        """Euros per half-day of presence (the mean when calendars differ)."""
        if self.cost is None or not self.half_days:
            return None
        return self.cost / self.half_days

    @property
    def cost_per_right(self) -> Decimal | None:
        """Euros of presence per referral with a right opened (None: no
        cost, no right opened, or hidden)."""
        if self.cost is None or not self.rights_opened:
            return None
        return self.cost / self.rights_opened


@dataclass(frozen=True)
class Achievements:
    """The stops' figures from ``start`` to ``end`` (days included), counted
    up to ``until`` (``end``, or today when ``end`` is later: a half-day to
    come is not a half-day of presence). ``rows`` by stop name, ``total``
    over them. ``exact``: the team's view; otherwise the published one
    (``threshold``). ``uncosted``: names of the calendars with half-days in
    the period and no half-day cost."""

    territory: Territory
    start: datetime.date
    end: datetime.date
    until: datetime.date
    rows: tuple[StopAchievement, ...]
    total: StopAchievement
    exact: bool
    threshold: int
    synthetic: bool
    uncosted: tuple[str, ...]
    # Exact view only (empty in the published one, never exported): INSEE
    # codes of the communes with a stop of presence, and of those where
    # people received live, for achievement_suggestions.
    visited_communes: frozenset[str] = frozenset()
    resident_communes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Suggestion:
    """A change of the calendar the figures suggest: ``kind`` « repenser »
    (a stop that draws few people) or « ajouter » (a commune high in the
    index the bus does not reach); ``text`` a French sentence with figures."""

    kind: str
    place: str
    text: str


# ---------- Reading the period ----------


@dataclass
class _Visitor:
    first_contact: bool
    priority_area: bool
    simulations: int
    appointments: int


@dataclass
class _Stop:
    """What one stop gathered, before any figure is computed."""

    stop_id: int
    name: str
    commune: str
    half_days: int = 0
    cancelled: int = 0
    hours: float = 0.0
    measured: int = 0
    cost: Decimal = Decimal(0)
    uncosted: int = 0
    visitors: list[_Visitor] = field(default_factory=list)
    referrals: list[ReferralItem] = field(default_factory=list)


@dataclass
class _Period:
    territory: Territory
    start: datetime.date
    end: datetime.date
    until: datetime.date
    stops: list[_Stop]
    synthetic: bool
    uncosted: tuple[str, ...]
    visited_communes: set[str]  # INSEE codes of the stops with presence
    resident_communes: set[str]  # INSEE codes where people received live


def _hours_between(begin: datetime.time, finish: datetime.time) -> float:
    minutes = (finish.hour * 60 + finish.minute) - (begin.hour * 60 + begin.minute)
    return max(minutes, 0) / 60


def check_period(start: datetime.date, end: datetime.date) -> None:
    """Raises AchievementsError (French, field « fin ») when ``end`` is
    before ``start``."""
    if end < start:
        raise AchievementsError(
            f"La fin de la période ({french.date_text(end)}) est avant son début "
            f"({french.date_text(start)}).",
            field="fin",
        )


def quarter_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar quarter holding ``day``: (its first day, its last)."""
    first = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if first.month == 10:
        after = datetime.date(first.year + 1, 1, 1)
    else:
        after = datetime.date(first.year, first.month + 3, 1)
    return first, after - datetime.timedelta(days=1)


def quarter_text(first: datetime.date, last: datetime.date) -> str:
    """« 1er trimestre 2026 (janvier à mars) » for a quarter's bounds."""
    number = (first.month - 1) // 3 + 1
    months = f"{french.month_text(first).split()[0]} à {french.month_text(last).split()[0]}"
    return f"{number}{'er' if number == 1 else 'e'} trimestre {first.year} ({months})"


def exportable_quarters(
    start: datetime.date, end: datetime.date, *, today: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """The calendar quarters over by ``today`` that meet ``start``..``end``,
    in order: the only periods an export covers. Two exports of
    overlapping or nested periods would give back by difference the small
    counts each one hides; whole past quarters never overlap, and a
    quarter not over would be exported again, larger, once it is."""
    quarters = []
    first, last = quarter_bounds(start)
    while first <= end:
        if last < today:
            quarters.append((first, last))
        first, last = quarter_bounds(last + datetime.timedelta(days=1))
    return quarters


def check_export_period(start: datetime.date, end: datetime.date, *, today: datetime.date) -> None:
    """Raises AchievementsError (French, field « debut ») unless
    ``start``..``end`` is one calendar quarter over by ``today``
    (exportable_quarters)."""
    if (start, end) != quarter_bounds(start) or end >= today:
        raise AchievementsError(
            "Les exports portent sur un trimestre civil entier et terminé (du 1er janvier au "
            "31 mars, du 1er avril au 30 juin…) : deux exports de périodes qui se chevauchent "
            "redonneraient par différence ce que le secret statistique masque.",
            field="debut",
        )


def _period(territory: Territory, start: datetime.date, end: datetime.date) -> _Period:
    check_period(start, end)
    until = min(end, timezone.localdate())
    visits = list(
        operating_visits(territory)
        .filter(day__gte=start, day__lte=until)
        .select_related("stop", "stop__commune")
    )
    calendars = BusCalendar.objects.in_bulk({v.calendar_id for v in visits})
    stops: dict[int, _Stop] = {}
    where: dict[int, _Stop] = {}  # visit -> its stop, for visits of presence
    uncosted: set[str] = set()
    visited: set[str] = set()
    for visit in visits:
        stop = stops.setdefault(
            visit.stop_id, _Stop(visit.stop_id, visit.stop.name, visit.stop.commune.name)
        )
        if visit.status not in PRESENT:
            stop.cancelled += 1
            continue
        where[visit.pk] = stop
        visited.add(visit.stop.commune.insee_code)
        stop.half_days += 1
        if visit.arrived_at and visit.left_at and visit.left_at > visit.arrived_at:
            stop.hours += _hours_between(visit.arrived_at, visit.left_at)
            stop.measured += 1
        else:
            planned = half_day_hours(calendars[visit.calendar_id], visit.half_day)
            stop.hours += planned.minutes / 60
        cost = calendars[visit.calendar_id].half_day_cost
        if cost is None:
            stop.uncosted += 1
            uncosted.add(calendars[visit.calendar_id].name)
        else:
            stop.cost += cost
    residents: set[str] = set()
    for visit_id, first, area, insee, simulations, appointments in BusVisitor.objects.filter(
        visit_id__in=list(where)
    ).values_list(
        "visit_id", "first_contact", "priority_area_id", "commune__insee_code", "simulations",
        "appointments",
    ):  # fmt: skip
        where[visit_id].visitors.append(
            _Visitor(bool(first), area is not None, simulations, appointments)
        )
        if insee:
            residents.add(insee)
    links = dict(
        BusReferral.objects.filter(visit_id__in=list(where)).values_list("referral_id", "visit_id")
    )
    # referral_items keeps the order of the queryset it is given: by key.
    ordered = sorted(links)
    items = referral_items(territory, Referral.objects.filter(pk__in=ordered).order_by("pk"))
    for referral_id, item in zip(ordered, items, strict=True):
        where[links[referral_id]].referrals.append(item)
    return _Period(
        territory, start, end, until,
        sorted(stops.values(), key=lambda s: (french.sort_key(s.name), s.stop_id)),
        synthetic=any(c.is_synthetic for c in calendars.values()),
        uncosted=tuple(sorted(uncosted, key=french.sort_key)),
        visited_communes=visited,
        resident_communes=residents,
    )  # fmt: skip


# ---------- The figures, exact or published ----------


def _exact_row(
    label: str, commune: str, stop_id: int | None, stops: list[_Stop]
) -> StopAchievement:
    visitors = [v for s in stops for v in s.visitors]
    referrals = referral_cells(label, [r for s in stops for r in s.referrals])
    return StopAchievement(
        label=label,
        commune=commune,
        stop_id=stop_id,
        half_days=sum(s.half_days for s in stops),
        cancelled=sum(s.cancelled for s in stops),
        hours=sum(s.hours for s in stops),
        measured_half_days=sum(s.measured for s in stops),
        visitors=len(visitors),
        first_contacts=sum(v.first_contact for v in visitors),
        priority_area_residents=sum(v.priority_area for v in visitors),
        simulations=sum(v.simulations for v in visitors),
        appointments=sum(v.appointments for v in visitors),
        referrals=len(referrals.items),
        rights_opened=referrals.values["right_opened"],
        yearly_amount=referrals.amount,
        cost=None if any(s.uncosted for s in stops) else sum((s.cost for s in stops), Decimal(0)),
    )


def _hidden(
    groups: Sequence[Sequence[tuple[bool, ...]]], flags: int, threshold: int
) -> list[list[bool]]:
    """Which cells the secrecy model hides, for one population of units
    (people, or referrals) spread over the stops: ``groups[r]`` the units of
    stop r, each with ``flags`` booleans (first contact, resident of a
    QPV…). Rows: the total, then each stop; columns: every unit, then the
    units with each flag. An atom is one stop × one combination of flags;
    the total splits into the stops (a line per column), and the units
    without a flag, at a stop or in all, are watched (a count and its part
    give them back by difference)."""
    atom_of: dict[tuple[int, tuple[bool, ...]], int] = {}
    sizes: list[int] = []
    for r, units in enumerate(groups):
        for unit in units:
            atom = atom_of.setdefault((r, unit), len(atom_of))
            if atom == len(sizes):
                sizes.append(0)
            sizes[atom] += 1
    width = 1 + flags
    cells: list[list[int]] = [[] for _ in range(width * (1 + len(groups)))]
    watched: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (r, unit), atom in atom_of.items():
        for row in (0, 1 + r):
            cells[width * row].append(atom)
            for k, flag in enumerate(unit):
                if flag:
                    cells[width * row + 1 + k].append(atom)
                else:
                    watched[(row, k)].append(atom)
    lines = [(k, [width * (1 + r) + k for r in range(len(groups))]) for k in range(width)]
    release = Release(
        atom_sizes=sizes, cells=cells, lines=lines, root=0, watched=list(watched.values())
    )
    status = protect(release, threshold)
    return [
        [status[width * row + k] == Secrecy.HIDDEN for k in range(width)]
        for row in range(1 + len(groups))
    ]


def _contributors(stops: list[_Stop], counted: int) -> list[list[tuple[bool, ...]]]:
    """For a sum over people (simulations, appointments): the people it
    adds up, one unit each (an act describes its person)."""
    return [[() for v in s.visitors if (v.simulations, v.appointments)[counted] > 0] for s in stops]


def _published(
    rows: list[StopAchievement], stops: list[_Stop], threshold: int
) -> list[StopAchievement]:
    """``rows`` (the total, then each stop, exact) with the counts the
    secrecy model hides set to None: people (received, first contacts,
    residents of a QPV) in one system, referrals and those with a right
    opened in another, and each sum in its own (simulations, appointments,
    yearly amounts: their contributors are the units)."""
    people = _hidden(
        [[(v.first_contact, v.priority_area) for v in s.visitors] for s in stops], 2, threshold
    )
    referrals = _hidden(
        [[(r.part == "right_opened",) for r in s.referrals] for s in stops], 1, threshold
    )
    simulations = _hidden(_contributors(stops, 0), 0, threshold)
    appointments = _hidden(_contributors(stops, 1), 0, threshold)
    amounts = _hidden([[() for r in s.referrals if r.has_amount] for s in stops], 0, threshold)
    published = []
    for n, row in enumerate(rows):
        published.append(
            replace(
                row,
                visitors=None if people[n][0] else row.visitors,
                first_contacts=None if people[n][1] else row.first_contacts,
                priority_area_residents=None if people[n][2] else row.priority_area_residents,
                simulations=None if simulations[n][0] else row.simulations,
                appointments=None if appointments[n][0] else row.appointments,
                referrals=None if referrals[n][0] else row.referrals,
                rights_opened=None if referrals[n][1] else row.rights_opened,
                yearly_amount=None if amounts[n][0] else row.yearly_amount,
            )
        )
    return published


def _achievements(period: _Period, *, exact: bool, threshold: int) -> Achievements:
    stops = period.stops
    rows = [_exact_row(TOTAL_LABEL, "", None, stops)]
    rows += [_exact_row(s.name, s.commune, s.stop_id, [s]) for s in stops]
    if not exact:
        rows = _published(rows, stops, threshold)
    return Achievements(
        territory=period.territory,
        start=period.start,
        end=period.end,
        until=period.until,
        rows=tuple(rows[1:]),
        total=rows[0],
        exact=exact,
        threshold=threshold,
        synthetic=period.synthetic,
        uncosted=period.uncosted,
        visited_communes=frozenset(period.visited_communes if exact else ()),
        resident_communes=frozenset(period.resident_communes if exact else ()),
    )


def stop_achievements(
    territory: Territory, *, start: datetime.date, end: datetime.date
) -> Achievements:
    """The exact figures of each stop visited (or cancelled) from ``start``
    to ``end``, days included, for the territory's team only (nothing
    hidden: never for an export). Counted: the bus's visits
    (outreach.queries.operating_visits: of its published calendars —
    demonstration ones only while it has none —, or with noted activity)
    that were planned or moved (a half-day of presence), on or before
    ``end`` and today; cancelled ones apart. Hours of a visit: its departure minus its
    arrival when the staff noted both, else its half-day's planned length
    (the calendar's, by default outreach.planning.DEFAULT_HALF_DAYS:
    3 h 30). People and acts: BusVisitor of those visits; referrals:
    BusReferral of those visits, their rights opened and yearly amounts as
    referrals.statistics counts them, whenever the outcome was recorded.
    Cost: each half-day at its calendar's ``half_day_cost``. Raises
    AchievementsError (French) when ``end`` is before ``start``."""
    return _achievements(_period(territory, start, end), exact=True, threshold=DEFAULT_THRESHOLD)


def published_achievements(
    territory: Territory,
    *,
    start: datetime.date,
    end: datetime.date,
    threshold: int = DEFAULT_THRESHOLD,
) -> Achievements:
    """stop_achievements() with the secrecy rule applied (see the module's
    docstring): what may leave the team (exports, partners). Counts under
    ``threshold`` people, and those that would give a hidden one back, are
    None. Raises AchievementsError as stop_achievements."""
    period = _period(territory, start, end)
    return _achievements(period, exact=False, threshold=threshold)


# ---------- Suggestions ----------


def _hours_text(hours: float) -> str:
    return f"{french.number(hours, 1)} {'heure' if hours < 2 else 'heures'}"


def _rethink(row: StopAchievement) -> Suggestion | None:
    """A stop that drew few people over enough half-days, or None."""
    if row.visitors is None or row.half_days < MIN_HALF_DAYS_TO_JUDGE or not row.hours:
        return None
    rate = row.visitors / row.hours
    if rate >= MIN_VISITORS_PER_HOUR:
        return None
    received = french.plural(row.visitors, "personne reçue", "personnes reçues")
    return Suggestion(
        "repenser",
        row.label,
        f"« {row.label} » ({row.commune}) : {row.half_days} demi-journées de présence, "
        f"{_hours_text(row.hours)}, {french.number(row.visitors)} {received}, soit "
        f"{french.number(rate, 1)} par heure de présence (moins de "
        f"{french.short_number(MIN_VISITORS_PER_HOUR)}) : à repenser (autre jour, autre lieu, "
        "annonce en mairie) ou à retirer du calendrier.",
    )


def achievement_suggestions(
    achievements: Achievements, *, index: PriorityIndex | None = None
) -> list[Suggestion]:
    """What the exact figures suggest, in French with their figures: each
    stop with at least MIN_HALF_DAYS_TO_JUDGE half-days of presence and
    fewer than MIN_VISITORS_PER_HOUR people per hour (« repenser »), then
    each commune in the top quarter (TOP_SHARE) of the priority index
    (``index``, default outreach.priorities.priority_index of the
    territory; ties at the cut included, an index of 0 never) where no
    half-day of presence took place and no person received lives
    (« ajouter »), highest first. None for a period not begun yet. Raises
    ValueError for a published view (it needs the exact figures: it is for
    the team only)."""
    if not achievements.exact:
        raise ValueError("Les suggestions se lisent sur les chiffres exacts.")
    if achievements.until < achievements.start:
        return []
    found = [s for row in achievements.rows if (s := _rethink(row)) is not None]
    index = index or priority_index(achievements.territory)
    communes = [p for p in index.places if p.kind == "commune"]
    if not communes:
        return found
    top = math.ceil(len(communes) * TOP_SHARE)
    cut = sorted((p.score for p in communes), reverse=True)[top - 1]
    period = f"du {french.date_text(achievements.start)} au {french.date_text(achievements.until)}"
    for place in communes:
        if place.score < cut or place.score <= 0:
            continue
        if place.insee_code in achievements.visited_communes | achievements.resident_communes:
            continue
        found.append(
            Suggestion(
                "ajouter",
                place.name,
                f"« {place.name} » : indice de priorité {french.number(place.score)} (rang "
                f"{place.rank}), aucune demi-journée du bus ni aucune personne reçue "
                f"qui y habite {period} : un passage à ajouter au calendrier.",
            )
        )
    return found
