"""The bus's calendar by CP-SAT, on instances whose optimum is known by
hand, and against the greedy baseline."""

import datetime
import random

import pytest

from nonrecours.outreach.calendar_rules import check_calendar
from nonrecours.outreach.planning import PlannedStop, PlanningRules, Rule, Visit
from nonrecours.outreach.solver import (
    coverage,
    greedy_calendar,
    solve_calendar,
    target_visits,
    visit_weight,
)
from nonrecours.outreach.travel import TravelTimes, estimated_travel

NB = "\u00a0"
MONDAY = datetime.date(2026, 4, 13)
DEPOT = (50.29, 2.78)


def stop(key, priority, **fields):
    fields.setdefault("service_minutes", 120)
    return PlannedStop(key, f"Étape {key}", 50.29, 2.78, priority, **fields)


def minutes(stops, each=10):
    return TravelTimes({s.key: each for s in stops}, {s.key: each for s in stops})


def mondays_off(*weeks):
    return frozenset(MONDAY + datetime.timedelta(weeks=w) for w in weeks)


def solve(stops, rules, travel=None):
    travel = travel or minutes(stops)
    calendar = solve_calendar(stops, rules, travel, time_limit_seconds=10, workers=1)
    assert calendar.status == "optimal"
    return calendar


def test_two_half_days_go_to_the_two_highest_priorities():
    # One working day (Mondays only, three of them off): two half-days.
    rules = PlanningRules(
        start=MONDAY, weeks=4, depot=DEPOT, weekdays=frozenset({0}), holidays=mondays_off(1, 2, 3)
    )
    stops = [stop("a", 0.9), stop("b", 0.5), stop("c", 0.1)]
    calendar = solve(stops, rules)
    assert sorted(v.stop_key for v in calendar.visits) == ["a", "b"]
    assert {v.day for v in calendar.visits} == {MONDAY}
    assert calendar.coverage == pytest.approx(1.4)
    assert calendar.objective == pytest.approx(1.4) and calendar.gap == pytest.approx(0)
    assert calendar.explanations["c"] == (
        f"non visitée{NB}: priorité 0,10, la plus basse des 3 étapes{NB}; les 2 demi-journées "
        "où elle pouvait aller sont prises par des étapes plus prioritaires ou à visiter plus "
        "souvent"
    )
    assert calendar.explanations["a"] == (
        "visitée 1 fois en 4 semaines (priorité 0,90, la plus haute des 3 étapes)"
    )


def test_weekly_qpv_is_there_every_week_before_higher_priorities():
    # Mondays only: 8 half-days; three stops of priority 0.9 could fill them.
    rules = PlanningRules(start=MONDAY, weeks=4, depot=DEPOT, weekdays=frozenset({0}))
    stops = [stop("qpv", 0.01, kind="qpv", every_weeks=1)] + [stop(k, 0.9) for k in "abc"]
    calendar = solve(stops, rules)
    weeks = sorted(rules.week_of(v.day) for v in calendar.visits if v.stop_key == "qpv")
    assert weeks == [0, 1, 2, 3]
    assert calendar.violations == ()
    assert calendar.explanations["qpv"] == (
        "visitée 4 fois en 4 semaines (chaque semaine, comme demandé)"
    )


def test_holidays_and_days_off_are_never_used():
    holidays = frozenset({datetime.date(2026, 5, 1), datetime.date(2026, 4, 14)})
    rules = PlanningRules(start=MONDAY, weeks=4, depot=DEPOT, holidays=holidays)
    stops = [stop(k, 0.2 + i / 10) for i, k in enumerate("abcdefgh")]
    calendar = solve(stops, rules)
    assert calendar.visits
    assert all(v.day not in holidays and v.day.weekday() < 5 for v in calendar.visits)


def test_infeasible_frequency_is_a_violation_not_an_error():
    # One half-day a week for two weekly QPV: the higher priority gets it.
    rules = PlanningRules(
        start=MONDAY,
        weeks=4,
        depot=DEPOT,
        weekdays=frozenset({0}),
        half_days=PlanningRules.__dataclass_fields__["half_days"].default[:1],
    )
    stops = [stop("nord", 0.8, every_weeks=1), stop("sud", 0.2, every_weeks=1)]
    calendar = solve(stops, rules)
    assert [v.stop_key for v in calendar.visits] == ["nord"] * 4
    [violation] = calendar.violations
    assert (violation.rule, violation.stop_key) == (Rule.FREQUENCY, "sud")
    assert violation.message == (
        f"Étape sud{NB}: aucune visite pendant 4 semaines, du 13 avril 2026 au 10 mai 2026, "
        "alors qu'une visite est demandée chaque semaine."
    )
    assert calendar.explanations["sud"] == (
        f"non visitée (une visite est demandée chaque semaine){NB}: priorité 0,20, la plus "
        f"basse des 2 étapes{NB}; les 4 demi-journées où elle pouvait aller sont prises par des "
        "étapes plus prioritaires ou à visiter plus souvent"
    )


def test_partner_days_and_preferred_days_are_followed():
    rules = PlanningRules(
        start=MONDAY,
        weeks=4,
        depot=DEPOT,
        partner_days={1: ("CAF",)},
        stops_needing_partner={"caf": "CAF"},
    )
    stops = [stop("caf", 0.5), stop("mercredi", 0.5, preferred_weekdays=frozenset({2}))]
    calendar = solve(stops, rules)
    days = {
        key: {v.day.weekday() for v in calendar.visits if v.stop_key == key}
        for key in ("caf", "mercredi")
    }
    assert days == {"caf": {1}, "mercredi": {2}}
    assert calendar.explanations["mercredi"].endswith(
        f"{NB}; 4 sur 4 un jour souhaité (le mercredi)"
    )


def test_stop_too_far_for_a_half_day_is_never_visited_and_told_why():
    rules = PlanningRules(start=MONDAY, weeks=4, depot=DEPOT)
    stops = [stop("loin", 0.9, service_minutes=180), stop("près", 0.1)]
    travel = TravelTimes({"loin": 30, "près": 5}, {"loin": 30, "près": 5})
    calendar = solve(stops, rules, travel)
    assert {v.stop_key for v in calendar.visits} == {"près"}
    assert calendar.explanations["loin"] == (
        f"non visitée{NB}: le trajet aller-retour (1 h) et le temps sur place (3 h) dépassent "
        "chaque demi-journée (3 h 30 au plus)"
    )


def test_two_vehicles_share_a_half_day_vehicle_one_first():
    rules = PlanningRules(
        start=MONDAY,
        weeks=4,
        depot=DEPOT,
        vehicles=2,
        weekdays=frozenset({0}),
        holidays=mondays_off(1, 2, 3),
        half_days=PlanningRules.__dataclass_fields__["half_days"].default[:1],
    )
    calendar = solve([stop("a", 0.9), stop("b", 0.8), stop("c", 0.1)], rules)
    assert sorted((v.vehicle, v.stop_key) for v in calendar.visits) in (
        [(1, "a"), (2, "b")],
        [(1, "b"), (2, "a")],
    )


def test_coverage_counts_visits_with_diminishing_returns_beyond_the_target():
    rules = PlanningRules(start=MONDAY, weeks=4, depot=DEPOT)
    plain, fortnightly = stop("a", 0.5), stop("b", 0.4, every_weeks=2)
    assert target_visits(plain, 4) == 1 and target_visits(fortnightly, 4) == 2
    assert [visit_weight(k, 1) for k in (1, 2, 3)] == [1, 0.5, 0.25]
    days = [MONDAY + datetime.timedelta(weeks=w) for w in range(3)]
    outside = MONDAY + datetime.timedelta(weeks=5)
    visits = [Visit(key, day, "matin") for key in "ab" for day in days + [outside]]
    assert coverage(visits, [plain, fortnightly], rules) == pytest.approx(
        0.5 * (1 + 0.5 + 0.25) + 0.4 * (1 + 1 + 0.5)
    )


def random_instance(seed, frequencies):
    rng = random.Random(seed)  # noqa: S311 (a reproducible draw, not a secret)
    stops = [
        PlannedStop(
            f"s{i}",
            f"Étape {i}",
            50.29 + rng.uniform(-0.1, 0.1),
            2.78 + rng.uniform(-0.15, 0.15),
            round(rng.random(), 2),
            every_weeks=rng.choice([None, None, 4]) if frequencies else None,
            preferred_weekdays=frozenset({rng.randrange(5)}) if rng.random() < 0.3 else frozenset(),
            service_minutes=150,
        )
        for i in range(14)
    ]
    rules = PlanningRules(
        start=MONDAY,
        weeks=4,
        depot=DEPOT,
        weekdays=frozenset({0, 2, 4}),
        holidays=frozenset({datetime.date(2026, 5, 1)}),
    )
    return stops, rules, estimated_travel(stops, DEPOT)


def test_solver_beats_or_equals_greedy_on_a_random_instance():
    stops, rules, travel = random_instance(seed=7, frequencies=False)
    solved = solve(stops, rules, travel)
    greedy = greedy_calendar(stops, rules, travel)
    assert greedy.status == "greedy" and greedy.bound is None
    assert coverage(solved, stops, rules) >= coverage(greedy, stops, rules)
    assert solved.coverage > greedy.coverage  # greedy comes back to the same stops


def test_solved_calendar_passes_every_rule_and_is_reproducible():
    stops, rules, travel = random_instance(seed=11, frequencies=True)
    first = solve(stops, rules, travel)
    assert check_calendar(first.visits, stops, rules, travel) == []
    assert first.violations == ()
    assert set(first.explanations) == {s.key for s in stops}
    assert solve(stops, rules, travel).visits == first.visits


def test_greedy_takes_the_nearest_high_priority_stop_first():
    rules = PlanningRules(start=MONDAY, weeks=4, depot=DEPOT)
    # 0.6 ÷ (1 + 10/60) ≈ 0.51 beats 0.9 ÷ (1 + 60/60) = 0.45.
    stops = [stop("loin", 0.9, service_minutes=60), stop("près", 0.6, service_minutes=60)]
    travel = TravelTimes({"loin": 60, "près": 10}, {"loin": 60, "près": 10})
    greedy = greedy_calendar(stops, rules, travel)
    next_monday = MONDAY + datetime.timedelta(weeks=1)
    # Never twice in a week: the rest of the week stays empty.
    assert greedy.visits[:3] == (
        Visit("près", MONDAY, "matin", 1),
        Visit("loin", MONDAY, "après-midi", 1),
        Visit("près", next_monday, "matin", 1),
    )
    assert len(greedy.visits) == 8
