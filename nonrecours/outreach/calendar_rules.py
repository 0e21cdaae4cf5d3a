"""The rules of the bus's calendar, written once: the solver and the greedy
baseline ask ``slot_faults`` where a stop may go, and ``check_calendar``
checks any calendar against every rule — the solved one, or one the team
moved by hand (no Django).

A visit breaks a rule when it is:

- of a stop, on a half-day or by a vehicle the problem does not know;
- outside the calendar's weeks, on a day the bus does not work, on a
  holiday;
- on a half-day too short for the round trip from the depot and the time on
  site;
- at a stop that needs a partner, on a day that partner is not on board;
- on the same half-day and vehicle as another visit (the bus parks in one
  place per half-day);
- the second visit of a stop on a day (the bus comes once a day at most);
- beyond ``max_visits_per_week`` visits of a stop in a week.

A stop breaks its frequency when N consecutive weeks of the calendar (N =
``every_weeks``) hold none of its visits; a longer gap is one violation
(not one per window of N weeks it contains).
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from nonrecours.french import date_text, french_list, plural, sentence
from nonrecours.outreach.planning import (
    HalfDay,
    PlannedStop,
    PlanningError,
    PlanningRules,
    Rule,
    Violation,
    Visit,
    day_text,
    duration_text,
    weekday_name,
    weekdays_text,
)
from nonrecours.outreach.travel import TravelTimes

Slot = tuple[datetime.date, HalfDay]

# Travel times are estimates in fractional minutes: half a minute of slack
# keeps a rounding error from refusing a half-day that fits.
FIT_TOLERANCE_MINUTES = 0.5


def validate_problem(
    stops: Sequence[PlannedStop], rules: PlanningRules, travel: TravelTimes
) -> None:
    """Raises PlanningError (French) when two stops share a key, a stop has
    no travel time, or a partner is required of a stop that is not given."""
    problems = []
    counts = Counter(stop.key for stop in stops)
    problems += [f"deux étapes ont l'identifiant « {key} »" for key, n in counts.items() if n > 1]
    problems += [
        f"pas de temps de trajet pour « {s.name} »" for s in stops if not travel.has(s.key)
    ]
    problems += [
        f"l'étape « {key} », qui demande un partenaire, n'est pas dans la liste des étapes"
        for key in rules.stops_needing_partner
        if key not in counts
    ]
    if problems:
        raise PlanningError(f"Calendrier : {'; '.join(problems)}.", problems=problems)


def fits(stop: PlannedStop, half_day: HalfDay, travel: TravelTimes) -> bool:
    """Whether the round trip from the depot and the time on site fit in
    ``half_day``."""
    needed = travel.round_trip(stop.key) + stop.service_minutes
    return needed <= half_day.minutes + FIT_TOLERANCE_MINUTES


def slot_faults(
    stop: PlannedStop,
    day: datetime.date,
    half_day: HalfDay,
    rules: PlanningRules,
    travel: TravelTimes,
) -> list[Rule]:
    """The rules a visit of ``stop`` on ``day`` at ``half_day`` breaks by
    itself (whatever else the calendar holds): OUTSIDE_CALENDAR,
    NON_WORKING_DAY, HOLIDAY, TOO_SHORT, PARTNER_ABSENT; [] when it may go."""
    faults = []
    if rules.week_of(day) is None:
        faults.append(Rule.OUTSIDE_CALENDAR)
    elif day.weekday() not in rules.weekdays:
        faults.append(Rule.NON_WORKING_DAY)
    elif day in rules.holidays:
        faults.append(Rule.HOLIDAY)
    if not fits(stop, half_day, travel):
        faults.append(Rule.TOO_SHORT)
    partner = rules.stops_needing_partner.get(stop.key)
    if partner is not None and partner not in rules.partner_days.get(day.weekday(), ()):
        faults.append(Rule.PARTNER_ABSENT)
    return faults


def open_slots(
    stops: Sequence[PlannedStop], rules: PlanningRules, travel: TravelTimes
) -> dict[str, list[Slot]]:
    """Stop key → the (day, half-day) of the calendar, in time order, where
    the stop may go by itself (``slot_faults`` finds nothing)."""
    slots = [(day, half) for day in rules.working_days() for half in rules.half_days]
    return {
        stop.key: [(d, h) for d, h in slots if not slot_faults(stop, d, h, rules, travel)]
        for stop in stops
    }


def frequency_gaps(visited_weeks: Iterable[int], every_weeks: int, weeks: int) -> list[range]:
    """The longest runs of consecutive weeks of the calendar (0 … ``weeks``
    − 1) without a visit, each at least ``every_weeks`` long: the gaps that
    break a frequency of one visit every ``every_weeks`` weeks."""
    visited = set(visited_weeks)
    gaps, start = [], 0
    for week in range(weeks + 1):
        if week == weeks or week in visited:
            if week - start >= every_weeks:
                gaps.append(range(start, week))
            start = week + 1
    return gaps


def _slot_message(
    rule: Rule,
    stop: PlannedStop,
    visit: Visit,
    half_day: HalfDay,
    rules: PlanningRules,
    minutes: float,
) -> str:
    when = f"{day_text(visit.day)} ({visit.half_day})"
    if rule is Rule.OUTSIDE_CALENDAR:
        period = rules.period_text()
        return f"{stop.name} : visite le {date_text(visit.day)}, hors du calendrier ({period})"
    if rule is Rule.NON_WORKING_DAY:
        return f"{stop.name} : visite le {day_text(visit.day)}, jour où le bus ne circule pas"
    if rule is Rule.HOLIDAY:
        return f"{stop.name} : visite le {date_text(visit.day)}, jour férié"
    if rule is Rule.TOO_SHORT:
        return (
            f"{stop.name}, {when} : le trajet aller-retour depuis le dépôt "
            f"({duration_text(minutes)}) et le temps sur place "
            f"({duration_text(stop.service_minutes)}) dépassent la demi-journée "
            f"({duration_text(half_day.minutes)})"
        )
    partner = rules.stops_needing_partner[stop.key]
    present = weekdays_text(rules.partner_weekdays(partner))
    return (
        f"{stop.name}, {when} : {partner}, partenaire demandé pour cette étape, "
        f"n'est pas à bord le {weekday_name(visit.day.weekday())} (à bord : {present})"
    )


def _visit_violations(
    visit: Visit,
    stops: dict[str, PlannedStop],
    rules: PlanningRules,
    travel: TravelTimes,
) -> list[Violation]:
    """The violations of one visit taken alone."""
    stop = stops.get(visit.stop_key)
    if stop is None:
        message = (
            f"Visite du {date_text(visit.day)} ({visit.half_day}) : "
            f"étape inconnue « {visit.stop_key} »"
        )
        return [Violation(Rule.UNKNOWN_STOP, visit.stop_key, visit.day, sentence(message))]
    found = []
    if not 1 <= visit.vehicle <= rules.vehicles:
        message = (
            f"{stop.name}, {date_text(visit.day)} ({visit.half_day}) : véhicule {visit.vehicle} "
            f"inconnu (le calendrier en compte {rules.vehicles})"
        )
        found.append(Violation(Rule.UNKNOWN_VEHICLE, stop.key, visit.day, sentence(message)))
    half_day = rules.half_day(visit.half_day)
    if half_day is None:
        labels = french_list([h.label for h in rules.half_days])
        message = (
            f"{stop.name}, {date_text(visit.day)} : demi-journée inconnue « {visit.half_day} » "
            f"(demi-journées du calendrier : {labels})"
        )
        found.append(Violation(Rule.UNKNOWN_HALF_DAY, stop.key, visit.day, sentence(message)))
        return found
    minutes = travel.round_trip(stop.key)
    for rule in slot_faults(stop, visit.day, half_day, rules, travel):
        message = _slot_message(rule, stop, visit, half_day, rules, minutes)
        found.append(Violation(rule, stop.key, visit.day, sentence(message)))
    return found


def _double_bookings(visits: Sequence[Visit], stops: dict[str, PlannedStop]) -> list[Violation]:
    """A visit on the half-day and vehicle of an earlier one."""
    first: dict[tuple[datetime.date, str, int], Visit] = {}
    found = []
    for visit in visits:
        if visit.stop_key not in stops:
            continue
        slot = (visit.day, visit.half_day, visit.vehicle)
        earlier = first.setdefault(slot, visit)
        if earlier is visit:
            continue
        message = (
            f"{day_text(visit.day)} ({visit.half_day}), véhicule {visit.vehicle} : "
            f"{stops[earlier.stop_key].name} et {stops[visit.stop_key].name} en même temps ; "
            f"un véhicule ne stationne qu'à un endroit par demi-journée"
        )
        found.append(Violation(Rule.DOUBLE_BOOKING, visit.stop_key, visit.day, sentence(message)))
    return found


def _stop_violations(
    stop: PlannedStop, days: list[datetime.date], rules: PlanningRules
) -> list[Violation]:
    """Same-day, weekly and frequency violations of one stop's visits
    (``days``: the days of its visits inside the calendar)."""
    found = []
    for day, count in sorted(Counter(days).items()):
        if count > 1:
            message = (
                f"{stop.name} : {count} visites le {date_text(day)} ; "
                f"le bus vient au plus une fois par jour à une étape"
            )
            found.append(Violation(Rule.SAME_DAY, stop.key, day, sentence(message)))
    weekly = Counter(rules.week_of(day) for day in days)
    limit = rules.max_visits_per_week
    for week, count in sorted((w, n) for w, n in weekly.items() if w is not None):
        if limit is not None and count > limit:
            monday = rules.week_start(week)
            message = (
                f"{stop.name} : {count} visites la semaine du {date_text(monday)}, "
                f"au plus {limit} {plural(limit, 'permise')}"
            )
            found.append(Violation(Rule.WEEKLY_LIMIT, stop.key, monday, sentence(message)))
    if stop.every_weeks is not None:
        visited = (w for w in weekly if w is not None)
        for gap in frequency_gaps(visited, stop.every_weeks, rules.weeks):
            found.append(frequency_violation(stop, stop.every_weeks, gap, rules))
    return found


def frequency_text(every_weeks: int) -> str:
    """« chaque semaine », « toutes les 4 semaines »."""
    return "chaque semaine" if every_weeks == 1 else f"toutes les {every_weeks} semaines"


def frequency_violation(
    stop: PlannedStop, every_weeks: int, gap: range, rules: PlanningRules
) -> Violation:
    """The violation of ``stop``'s frequency (one visit every
    ``every_weeks`` weeks) by ``gap`` (weeks without a visit, from
    ``frequency_gaps``)."""
    first = rules.week_start(gap.start)
    wanted = f"une visite est demandée {frequency_text(every_weeks)}"
    if len(gap) == 1:
        text = f"{stop.name} : aucune visite la semaine du {date_text(first)}, alors qu'{wanted}"
    else:
        last = rules.week_start(gap.stop - 1) + datetime.timedelta(days=6)
        text = (
            f"{stop.name} : aucune visite pendant {len(gap)} semaines, du {date_text(first)} "
            f"au {date_text(last)}, alors qu'{wanted}"
        )
    return Violation(Rule.FREQUENCY, stop.key, first, sentence(text))


def check_calendar(
    visits: Iterable[Visit],
    stops: Sequence[PlannedStop],
    rules: PlanningRules,
    travel: TravelTimes,
) -> list[Violation]:
    """Every rule ``visits`` break (see the module's docstring), [] when
    none: first each visit's own faults in the order of ``visits``, then the
    double bookings, then per stop (in the order of ``stops``) its same-day,
    weekly and frequency faults. Each message is French, names the stop and
    the day (« 1er mai 2026 »).

    Raises PlanningError when the problem itself is wrong
    (``validate_problem``)."""
    validate_problem(stops, rules, travel)
    visits = list(visits)
    by_key = {stop.key: stop for stop in stops}
    found = [v for visit in visits for v in _visit_violations(visit, by_key, rules, travel)]
    found += _double_bookings(visits, by_key)
    days: defaultdict[str, list[datetime.date]] = defaultdict(list)
    for visit in visits:
        if visit.stop_key in by_key and rules.week_of(visit.day) is not None:
            days[visit.stop_key].append(visit.day)
    for stop in stops:
        found += _stop_violations(stop, days[stop.key], rules)
    return found
