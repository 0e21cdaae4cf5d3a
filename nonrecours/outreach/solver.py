"""The bus's rotating calendar, solved with OR-Tools CP-SAT; the greedy
baseline it is measured against; the coverage both are compared on (no
Django).

Coverage: a stop s of priority p_s visited n_s times in the calendar is
worth p_s × Σ_{k=1..n_s} w_k(s), where w_k(s) = 1 for the first t_s visits
(its target: ⌊weeks ÷ every_weeks⌋, at least 1; 1 for a stop without a
required frequency) and EXTRA_VISIT_RATIO^(k − t_s) beyond: returns
diminish once the stop is visited as often as it needs, so the bus spreads
over the territory instead of coming back to the same high-priority places.
Only visits inside the calendar's weeks count.
"""

import datetime
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from nonrecours.outreach.calendar_rules import check_calendar, open_slots, validate_problem
from nonrecours.outreach.explanations import explain
from nonrecours.outreach.planning import (
    Calendar,
    PlannedStop,
    PlanningRules,
    Visit,
)
from nonrecours.outreach.travel import TravelTimes

# Weight of the k-th visit beyond a stop's target relative to the one
# before: the 2nd visit of a stop without frequency is worth half the 1st.
EXTRA_VISIT_RATIO = 0.5
# CP-SAT works on integers: coverage points × SCALE, rounded.
SCALE = 10_000
# Share of the time limit the first phase (the frequencies) may take.
FREQUENCY_PHASE_SHARE = 1 / 3
RANDOM_SEED = 20260413
DEFAULT_TIME_LIMIT_SECONDS = 20.0

_STATUSES = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
}

VarKey = tuple[str, datetime.date, str, int]  # stop key, day, half-day label, vehicle


def target_visits(stop: PlannedStop, weeks: int) -> int:
    """How many visits of ``stop`` count in full in a calendar of ``weeks``
    weeks: ⌊weeks ÷ every_weeks⌋ (the fewest that keep its frequency), at
    least 1; 1 without a required frequency."""
    if stop.every_weeks is None:
        return 1
    return max(1, weeks // stop.every_weeks)


def visit_weight(k: int, target: int) -> float:
    """The worth of the k-th visit (k ≥ 1) of a stop, in units of its
    priority: 1 up to ``target``, then EXTRA_VISIT_RATIO^(k − target)."""
    return 1.0 if k <= target else EXTRA_VISIT_RATIO ** (k - target)


def coverage(
    calendar: Calendar | Iterable[Visit], stops: Sequence[PlannedStop], rules: PlanningRules
) -> float:
    """Σ_s priority_s × Σ_{k=1..n_s} visit_weight(k, target_visits(s))
    over ``stops``, n_s counting the visits of s inside the calendar's weeks
    (see the module's docstring), in coverage points. A visit of a stop not
    in ``stops`` counts nothing."""
    visits = calendar.visits if isinstance(calendar, Calendar) else tuple(calendar)
    counts: dict[str, int] = {}
    for visit in visits:
        if rules.week_of(visit.day) is not None:
            counts[visit.stop_key] = counts.get(visit.stop_key, 0) + 1
    total = 0.0
    for stop in stops:
        target = target_visits(stop, rules.weeks)
        total += stop.priority * sum(
            visit_weight(k, target) for k in range(1, counts.get(stop.key, 0) + 1)
        )
    return total


def _sorted_visits(visits: Iterable[Visit], rules: PlanningRules) -> tuple[Visit, ...]:
    order = {h.label: i for i, h in enumerate(rules.half_days)}
    return tuple(sorted(visits, key=lambda v: (v.day, order.get(v.half_day, 0), v.vehicle)))


def _greedy_visits(
    stops: Sequence[PlannedStop], rules: PlanningRules, travel: TravelTimes
) -> list[Visit]:
    """See ``greedy_calendar``."""
    opened = {key: set(slots) for key, slots in open_slots(stops, rules, travel).items()}
    score = {s.key: s.priority / (1 + travel.outbound[s.key] / 60) for s in stops}
    visited_weeks: dict[str, set[int]] = {s.key: set() for s in stops}
    visits = []
    for day in rules.working_days():
        week = (day - rules.start).days // 7  # a working day is in the calendar
        for half_day in rules.half_days:
            for vehicle in range(1, rules.vehicles + 1):
                candidates = [
                    s
                    for s in stops
                    if (day, half_day) in opened[s.key] and week not in visited_weeks[s.key]
                ]
                if not candidates:
                    break
                best = max(candidates, key=lambda s: score[s.key])
                visits.append(Visit(best.key, day, half_day.label, vehicle))
                visited_weeks[best.key].add(week)
    return visits


def greedy_calendar(
    stops: Sequence[PlannedStop], rules: PlanningRules, travel: TravelTimes
) -> Calendar:
    """The baseline: « the nearest high-priority stop first ». For each
    half-day in time order and each vehicle, among the stops that may go
    there (``slot_faults``) and are not visited yet that week, the one with
    the highest priority ÷ (1 + outbound minutes ÷ 60); ties go to the
    first in ``stops``. A stop is never visited twice in a week; a half-day
    with no such stop stays empty. It ignores frequencies: its violations
    say which it misses. ``objective`` is its coverage; ``bound`` and
    ``gap`` are None. Raises PlanningError as ``check_calendar``."""
    started = time.perf_counter()
    validate_problem(stops, rules, travel)
    visits = _sorted_visits(_greedy_visits(stops, rules, travel), rules)
    value = coverage(visits, stops, rules)
    violations = tuple(check_calendar(visits, stops, rules, travel))
    return Calendar(
        visits=visits,
        objective=value,
        bound=None,
        gap=None,
        status="greedy",
        coverage=value,
        explanations=explain(stops, rules, travel, visits, "greedy"),
        violations=violations,
        seconds=time.perf_counter() - started,
    )


@dataclass
class _Model:
    """The CP-SAT model and its variables, by meaning."""

    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    visit: dict[VarKey, cp_model.IntVar] = field(default_factory=dict)
    # stop key → at_least[k - 1]: « visited at least k times ».
    at_least: dict[str, list[cp_model.IntVar]] = field(default_factory=dict)
    # (stop key, first week of a window) → « the window has no visit ».
    missed: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    # (coefficient × SCALE, « at least k visits »): the coverage.
    coverage: list[tuple[int, cp_model.IntVar]] = field(default_factory=list)
    # The visits on one of their stop's preferred weekdays.
    liked: list[cp_model.IntVar] = field(default_factory=list)


def _visit_variables(
    m: _Model, stops: Sequence[PlannedStop], rules: PlanningRules, travel: TravelTimes
) -> None:
    """One Boolean per open (stop, day, half-day, vehicle)."""
    opened = open_slots(stops, rules, travel)
    for stop in stops:
        for day, half_day in opened[stop.key]:
            for vehicle in range(1, rules.vehicles + 1):
                var = m.model.new_bool_var(f"x_{stop.key}_{day}_{half_day.label}_{vehicle}")
                m.visit[(stop.key, day, half_day.label, vehicle)] = var
                if day.weekday() in stop.preferred_weekdays:
                    m.liked.append(var)


def _slot_constraints(m: _Model, rules: PlanningRules) -> None:
    """At most one stop per half-day and vehicle; vehicle v + 1 is used
    only when vehicle v is (the vehicles are interchangeable)."""
    by_slot: dict[tuple[datetime.date, str, int], list[cp_model.IntVar]] = {}
    for (_, day, label, vehicle), var in m.visit.items():
        by_slot.setdefault((day, label, vehicle), []).append(var)
    for variables in by_slot.values():
        m.model.add_at_most_one(variables)
    for (day, label, vehicle), variables in by_slot.items():
        following = by_slot.get((day, label, vehicle + 1))
        if following:
            m.model.add(sum(variables) >= sum(following))


def _stop_constraints(m: _Model, stops: Sequence[PlannedStop], rules: PlanningRules) -> None:
    """Per stop: one visit a day at most, ``max_visits_per_week`` a week,
    the count of its visits (``at_least``, with the diminishing worth of
    each) and the windows of its frequency (missed: penalised below)."""
    per_day: dict[str, dict[datetime.date, list[cp_model.IntVar]]] = {s.key: {} for s in stops}
    for (key, day, _, _), var in m.visit.items():
        per_day[key].setdefault(day, []).append(var)
    cap = rules.max_visits_per_week
    for stop in stops:
        weekly: list[list[cp_model.IntVar]] = [[] for _ in range(rules.weeks)]
        days_open = [0] * rules.weeks
        for day, variables in per_day[stop.key].items():
            if len(variables) > 1:
                m.model.add_at_most_one(variables)
            week = rules.week_of(day) or 0
            weekly[week].extend(variables)
            days_open[week] += 1
        if cap is not None:
            for variables, days in zip(weekly, days_open, strict=True):
                if days > cap:
                    m.model.add(sum(variables) <= cap)
        most = sum(min(days, cap if cap is not None else days) for days in days_open)
        _count_variables(m, stop, weekly, most, rules)
        if stop.every_weeks is not None:
            for first in range(rules.weeks - stop.every_weeks + 1):
                window = [v for w in weekly[first : first + stop.every_weeks] for v in w]
                missed = m.model.new_bool_var(f"missed_{stop.key}_{first}")
                m.model.add(sum(window) + missed >= 1)
                m.missed[(stop.key, first)] = missed


def _count_variables(
    m: _Model,
    stop: PlannedStop,
    weekly: list[list[cp_model.IntVar]],
    most: int,
    rules: PlanningRules,
) -> None:
    """``at_least`` of ``stop`` (``most``: the visits it can have at most)
    tied to its visits, and their worth in the objective."""
    target = target_visits(stop, rules.weeks)
    steps = [m.model.new_bool_var(f"n_{stop.key}_{k}") for k in range(1, most + 1)]
    for earlier, later in zip(steps, steps[1:], strict=False):
        m.model.add_implication(later, earlier)
    m.model.add(sum(steps) == sum(v for w in weekly for v in w))
    m.at_least[stop.key] = steps
    for k, step in enumerate(steps, start=1):
        coefficient = round(SCALE * stop.priority * visit_weight(k, target))
        if coefficient:
            m.coverage.append((coefficient, step))


def _maximise_coverage(m: _Model, rules: PlanningRules) -> int:
    """Sets the objective: coverage first, then the visits on a preferred
    weekday. Returns the factor T of the coverage terms (the objective is
    in units of 1 ÷ (T × SCALE) coverage points)."""
    # One visit at most per (day, half-day, vehicle): the preferred-day
    # visits of any calendar stay below T.
    factor = 1 + len(rules.working_days()) * len(rules.half_days) * rules.vehicles
    m.model.maximize(
        cp_model.LinearExpr.weighted_sum(
            [v for _, v in m.coverage] + m.liked,
            [factor * c for c, _ in m.coverage] + [1] * len(m.liked),
        )
    )
    return factor


def _hint(
    m: _Model, visits: Sequence[Visit], stops: Sequence[PlannedStop], rules: PlanningRules
) -> None:
    """``visits`` (a calendar that keeps the hard constraints: the greedy
    one, or phase 1's) as the solver's first solution, complete: visits,
    counts, missed windows."""
    chosen = {(v.stop_key, v.day, v.half_day, v.vehicle) for v in visits}
    for key, var in m.visit.items():
        m.model.add_hint(var, key in chosen)
    for stop in stops:
        count = sum(1 for c in chosen if c[0] == stop.key)
        for k, step in enumerate(m.at_least[stop.key], start=1):
            m.model.add_hint(step, k <= count)
        if stop.every_weeks is None:
            continue
        weeks = {rules.week_of(c[1]) for c in chosen if c[0] == stop.key}
        for first in range(rules.weeks - stop.every_weeks + 1):
            span = range(first, first + stop.every_weeks)
            m.model.add_hint(m.missed[(stop.key, first)], not any(w in span for w in weeks))


def _solver(seconds: float, workers: int | None) -> cp_model.CpSolver:
    """CP-SAT with the LP relaxation at its fullest (linearization level 2,
    « max_lp » instead of « default_lp » in the portfolio): at level 1 the
    at-most-one constraints of the half-days stay out of the relaxation and
    the bound stays far above the optimum (27 % on the benchmark, where
    level 2 proves the optimum in a few seconds)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = workers or min(8, os.cpu_count() or 1)
    solver.parameters.random_seed = RANDOM_SEED
    solver.parameters.linearization_level = 2
    solver.parameters.extra_subsolvers.append("max_lp")
    solver.parameters.ignore_subsolvers.append("default_lp")
    return solver


def _chosen(m: _Model, solver: cp_model.CpSolver) -> list[Visit]:
    return [Visit(*key) for key, var in m.visit.items() if solver.boolean_value(var)]


def _keep_frequencies(
    m: _Model,
    start: Sequence[Visit],
    stops: Sequence[PlannedStop],
    rules: PlanningRules,
    seconds: float,
    workers: int | None,
) -> tuple[list[Visit], bool]:
    """Phase 1: the fewest missed windows, from ``start``; that number
    becomes a constraint of the model. Returns the calendar found and
    whether the number is proven the fewest."""
    if not m.missed:
        return list(start), True
    m.model.minimize(sum(m.missed.values()))
    _hint(m, start, stops, rules)
    solver = _solver(seconds, workers)
    result = solver.solve(m.model)
    m.model.clear_hints()  # type: ignore[no-untyped-call]  # (not annotated in ortools)
    if result not in _STATUSES:  # the hint is a solution: this does not happen
        return list(start), False
    m.model.add(sum(m.missed.values()) <= round(solver.objective_value))
    return _chosen(m, solver), result == cp_model.OPTIMAL


def solve_calendar(
    stops: Sequence[PlannedStop],
    rules: PlanningRules,
    travel: TravelTimes,
    *,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
    workers: int | None = None,
) -> Calendar:
    """The calendar that covers the stops best, by CP-SAT.

    Variables: a visit of stop s on (day, half-day, vehicle), only where s
    may go (``slot_faults``: a working day of the calendar, not a holiday,
    its partner on board, round trip + time on site within the half-day).
    Hard constraints: at most one stop per half-day and vehicle; at most
    one visit of a stop a day and ``max_visits_per_week`` a week.
    Frequencies: a stop with ``every_weeks = N`` has a visit in every N
    consecutive weeks — a hard constraint when it can be kept; otherwise
    the fewest windows are missed, and each gap is a Violation.

    Objective, lexicographic, in two phases that share the time limit:
    (1) the fewest windows of a frequency missed (at most a third of the
    time; none missed is usually proven at once); (2) under that number,
    the greatest ``coverage`` (module docstring: Σ_s p_s × Σ_{k ≤ n_s}
    visit_weight(k, t_s), coefficients rounded to 1/SCALE), then the most
    visits on a preferred weekday. Travel time enters through the half-day
    fit; in the objective it would only part calendars of exactly equal
    coverage (a stop's round trip is the same every day), so it is left
    out. ``objective`` and ``bound`` are phase 2's, in coverage points
    (preferred days add less than one unit of rounding).

    The greedy calendar starts phase 1, whose result starts phase 2: the
    result is never worse than the greedy calendar on missed windows, nor
    on coverage when the greedy calendar misses none. ``time_limit_seconds``:
    wall-clock limit; ``workers``: CP-SAT's threads (default: the cores, up
    to 8). The seed is fixed: with ``workers=1`` and searches that end
    before the limit (status « optimal »), every run gives the same result.

    Returns a Calendar with gap = |bound − objective| / max(1,
    |objective|); status « optimal » when both phases are proven,
    « feasible » otherwise, « unknown » (the greedy visits) when phase 2
    found nothing. Raises PlanningError as ``check_calendar``.
    """
    started = time.perf_counter()
    validate_problem(stops, rules, travel)
    greedy = _greedy_visits(stops, rules, travel)
    m = _Model()
    _visit_variables(m, stops, rules, travel)
    _slot_constraints(m, rules)
    _stop_constraints(m, stops, rules)
    share = time_limit_seconds * FREQUENCY_PHASE_SHARE
    first, proven = _keep_frequencies(m, greedy, stops, rules, share, workers)
    factor = _maximise_coverage(m, rules)
    _hint(m, first, stops, rules)
    solver = _solver(time_limit_seconds - (time.perf_counter() - started), workers)
    result = solver.solve(m.model)
    status = _STATUSES.get(result, "unknown")
    bound: float | None = None
    gap: float | None = None
    if status == "unknown":
        visits = _sorted_visits(greedy, rules)
        objective = coverage(visits, stops, rules)
    else:
        status = status if proven else "feasible"
        visits = _sorted_visits(_chosen(m, solver), rules)
        objective = solver.objective_value / (factor * SCALE)
        bound = solver.best_objective_bound / (factor * SCALE)
        gap = abs(bound - objective) / max(1.0, abs(objective))
    violations = tuple(check_calendar(visits, stops, rules, travel))
    return Calendar(
        visits=visits,
        objective=objective,
        bound=bound,
        gap=gap,
        status=status,
        coverage=coverage(visits, stops, rules),
        explanations=explain(stops, rules, travel, visits, status),
        violations=violations,
        seconds=time.perf_counter() - started,
    )
