"""Which OpenFisca variables may change when the previous months of the
benefits fed back change (the fixed point of rights.engine._settle).

A second pass recomputes only these (everything else — incomes, taxes of
year N-2, household composition… — keeps its value): about 150 of the
2,200 values a household's first pass computes. The list comes from
OpenFisca's tracer run over the reference cases at several months of the
legislation (formulas change with the date), is kept in
rights/feedback_dependents.txt, and a test checks that (1) tracing again
gives the same list and (2) the engine gives the same amounts with and
without it on other households than the reference cases.
"""

import dataclasses
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

DEPENDENTS_FILE = Path(__file__).with_name("feedback_dependents.txt")
HEADER = (
    "# Variables OpenFisca-France qui peuvent changer quand changent les mois précédents\n"
    "# des prestations réinjectées (point fixe de rights.engine). Fichier produit par\n"
    "# nonrecours.rights.dependencies.write_dependents() ; ne pas modifier à la main.\n"
)
# Months at which the reference cases are traced again: formulas change
# with the date (prime d'activité from October 2024, for one).
TRACED_MONTHS = ("2024-03", "2024-11", "2025-06", "2026-03", "2026-11", "2027-02")


@cache
def feedback_dependents() -> frozenset[str] | None:
    """The variable names a new pass must recompute, or None (recompute
    everything) when the file is absent."""
    if not DEPENDENTS_FILE.exists():
        return None
    names = [
        line.strip()
        for line in DEPENDENTS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return frozenset(names)


def _dependents(trees: Iterable[Any], feedback: set[str]) -> set[str]:
    """Names of the variables that read, directly or not, a feedback
    variable (at any period), the feedback variables included."""
    children: dict[str, set[str]] = {}
    for tree in trees:
        stack = [tree]
        while stack:
            node = stack.pop()
            children.setdefault(node.name, set()).update(c.name for c in node.children)
            stack.extend(node.children)
    dependents = set(feedback)
    changed = True
    while changed:  # a fixed point over the name graph (it may have cycles)
        changed = False
        for name, reads in children.items():
            if name not in dependents and reads & dependents:
                dependents.add(name)
                changed = True
    return dependents


def trace_dependents() -> list[str]:
    """The dependents found by tracing the reference cases at each of
    TRACED_MONTHS (about a minute), sorted."""
    from unittest import mock

    from openfisca_core.simulation_builder import SimulationBuilder

    from nonrecours.rights import engine, reference

    simulations: list[Any] = []
    build = SimulationBuilder.build

    def traced_build(self: Any, system: Any) -> Any:
        simulation = build(self, system)
        simulation.trace = True
        simulations.append(simulation)
        return simulation

    situations = [case.situation for case in reference.all_cases()]
    feedback = set(engine.FEEDBACK_FAMILY) | set(engine.FEEDBACK_PERSON)
    names: set[str] = set()
    with (
        mock.patch.object(SimulationBuilder, "build", traced_build),
        mock.patch.object(engine, "_forget_computed", engine._forget_everything),
    ):
        for month in TRACED_MONTHS:
            moved = [dataclasses.replace(s, month=month) for s in situations]
            engine.simulate(moved)
            for simulation in simulations:
                names |= _dependents(simulation.tracer.trees, feedback)
            simulations.clear()
    return sorted(names)


def dependents_text(names: list[str]) -> str:
    return HEADER + "".join(f"{name}\n" for name in names)


def write_dependents() -> None:
    """Trace again and write DEPENDENTS_FILE."""
    DEPENDENTS_FILE.write_text(dependents_text(trace_dependents()), encoding="utf-8")
    feedback_dependents.cache_clear()
