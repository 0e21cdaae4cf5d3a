"""Which OpenFisca variables may change when the previous months of each
benefit fed back change (the fixed point of rights.fixedpoint.settle).

A new pass recomputes only the variables that read a benefit whose previous
months moved (everything else — incomes, taxes of year N-2, household
composition… — keeps its value): about 150 of the 2,200 values a
household's first pass computes, fewer when only the prime d'activité
moved, none of the benefits when the benefits that moved are read by none. The list comes from
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
    "# des prestations réinjectées (point fixe de rights.engine), chacune suivie des\n"
    "# prestations réinjectées qu'elle lit. Fichier produit par\n"
    "# nonrecours.rights.dependencies.write_dependents() ; ne pas modifier à la main.\n"
)
# Months at which the reference cases are traced again: formulas change
# with the date (prime d'activité from October 2024, for one).
TRACED_MONTHS = ("2024-03", "2024-11", "2025-06", "2026-03", "2026-11", "2027-02")


Dependents = dict[str, frozenset[str]]  # variable → feedback variables it reads


@cache
def feedback_dependents() -> Dependents | None:
    """Each variable a new pass may have to recompute → the feedback
    variables it reads (directly or not, at any period; a feedback variable
    reads itself), or None (recompute everything) when the file is absent."""
    if not DEPENDENTS_FILE.exists():
        return None
    dependents: dict[str, frozenset[str]] = {}
    for line in DEPENDENTS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, *reads = line.split()
            dependents[name] = frozenset(reads)
    return dependents


def to_recompute(dependents: Dependents, moved: Iterable[str]) -> frozenset[str]:
    """The variables that read one of the feedback variables `moved`."""
    moved = set(moved)
    return frozenset(name for name, reads in dependents.items() if reads & moved)


def _dependents(trees: Iterable[Any], feedback: set[str]) -> dict[str, set[str]]:
    """Each variable that reads, directly or not, a feedback variable (at
    any period) → those feedback variables; a feedback variable reads
    itself."""
    children: dict[str, set[str]] = {}
    for tree in trees:
        stack = [tree]
        while stack:
            node = stack.pop()
            children.setdefault(node.name, set()).update(c.name for c in node.children)
            stack.extend(node.children)
    reads: dict[str, set[str]] = {name: {name} for name in feedback}
    changed = True
    while changed:  # a fixed point over the name graph (it may have cycles)
        changed = False
        for name, children_of in children.items():
            found = set().union(*(reads[c] for c in children_of if c in reads))
            if found - reads.get(name, set()):
                reads.setdefault(name, set()).update(found)
                changed = True
    return reads


def trace_dependents() -> dict[str, list[str]]:
    """The dependents found by tracing the reference cases at each of
    TRACED_MONTHS (about a minute): variable → the feedback variables it
    reads, sorted."""
    from unittest import mock

    from openfisca_core.simulation_builder import SimulationBuilder

    from nonrecours.rights import engine, fixedpoint, past, reference

    simulations: list[Any] = []
    build = SimulationBuilder.build

    def traced_build(self: Any, system: Any) -> Any:
        simulation = build(self, system)
        simulation.trace = True
        simulations.append(simulation)
        return simulation

    situations = [case.situation for case in reference.all_cases()]
    feedback = set(past.FEEDBACK_FAMILY) | set(past.FEEDBACK_PERSON)
    found: dict[str, set[str]] = {}
    with (
        mock.patch.object(SimulationBuilder, "build", traced_build),
        mock.patch.object(fixedpoint, "forget_computed", fixedpoint.forget_everything),
    ):
        for month in TRACED_MONTHS:
            moved = [dataclasses.replace(s, month=month) for s in situations]
            engine.simulate(moved)
            for simulation in simulations:
                for name, reads in _dependents(simulation.tracer.trees, feedback).items():
                    found.setdefault(name, set()).update(reads)
            simulations.clear()
    return {name: sorted(found[name]) for name in sorted(found)}


def dependents_text(dependents: dict[str, list[str]]) -> str:
    return HEADER + "".join(f"{name} {' '.join(reads)}\n" for name, reads in dependents.items())


def write_dependents() -> None:
    """Trace again and write DEPENDENTS_FILE."""
    DEPENDENTS_FILE.write_text(dependents_text(trace_dependents()), encoding="utf-8")
    feedback_dependents.cache_clear()
