"""The parameters of OpenFisca-France the benefits read, and at which
instants: traced on the reference cases (``trace_parameters_read``) and
kept in rights/parameters_read.txt (``nonrecours rights parameters
--regenerer`` writes it again; a test checks it has not drifted). Read by
the staleness check (rights.legislation).
"""

import datetime
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PARAMETERS_READ_FILE = Path(__file__).with_name("parameters_read.txt")

# Variables the engine computes besides each benefit's own variable.
EXTRA_VARIABLES = {
    "css": ("css_participation_forfaitaire",),
    "aide_logement": ("aide_logement_non_calculable",),
}


# --- dates -------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def month_start(month: str) -> datetime.date:
    """'2026-11' → 2026-11-01; ValueError (French) for anything else."""
    try:
        if len(month) != 7 or month[4] != "-":
            raise ValueError
        return datetime.date(int(month[:4]), int(month[5:]), 1)
    except ValueError:
        raise ValueError(f"mois « {month[:20]} » : attendu AAAA-MM, par exemple 2026-11") from None


@dataclass(frozen=True)
class ReadParameter:
    """Where a parameter is read, for any simulated month.

    Two kinds of instants, each kept at its latest: ``relative``, months
    from the simulated month (-1: the previous month, for the resources of
    the last months; 0: the month itself, or a later instant, which nobody
    can know yet and is judged at the month); ``calendar``, a month of a
    year counted from the simulated month's year ((-2, 1): January of year
    N-2, for the incomes of the tax notice; (0, 10): October of year N, for
    the ARS). None when the parameter is never read that way.
    """

    benefits: tuple[str, ...]  # benefit ids
    relative: int | None = None
    calendar: tuple[int, int] | None = None

    def instant(self, month: datetime.date) -> datetime.date:
        """The latest instant the simulation of ``month`` (its first day)
        reads the parameter at, never later than ``month``: a value that
        should exist later (the SMIC of next December, the ARS of next
        October) cannot be known when simulating ``month``."""
        instants = []
        if self.relative is not None:
            instants.append(add_months(month, self.relative))
        if self.calendar is not None:
            years, month_of_year = self.calendar
            instants.append(datetime.date(month.year + years, month_of_year, 1))
        return min(max(instants, default=month), month)

    def merged(self, other: "ReadParameter") -> "ReadParameter":
        """Both reads: the union of the benefits, the latest of each kind."""

        def latest(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else max(a, b)

        return ReadParameter(
            tuple(sorted({*self.benefits, *other.benefits})),
            latest(self.relative, other.relative),
            latest(self.calendar, other.calendar),
        )

    @property
    def text(self) -> str:
        """The third column of PARAMETERS_READ_FILE: ``-1``, ``N-2/01`` or
        both, comma-separated."""
        parts = [] if self.relative is None else [str(self.relative)]
        if self.calendar is not None:
            years, month_of_year = self.calendar
            parts.append(f"N{years:+d}/{month_of_year:02d}".replace("N+0", "N"))
        return ",".join(parts)

    @classmethod
    def parse(cls, benefits: tuple[str, ...], text: str) -> "ReadParameter":
        """The reverse of ``text``; ValueError for anything else."""
        relative: int | None = None
        calendar: tuple[int, int] | None = None
        for part in text.split(","):
            found = re.fullmatch(r"N([+-]\d+)?/(\d\d)", part)
            if found:
                month_of_year = int(found[2])
                if not 1 <= month_of_year <= 12:
                    raise ValueError(part)
                calendar = (int(found[1] or 0), month_of_year)
            else:
                relative = int(part)
        return cls(benefits, relative, calendar)


def read_at(month: datetime.date, period: Any, instant: datetime.date) -> ReadParameter:
    """How a parameter read at ``instant`` by a variable computed for
    ``period`` (an OpenFisca period) generalises to other simulated months,
    when the simulated month is ``month``: an instant on or after the month
    is the month itself; a month period read at its own start moves with
    the simulated month (the resources of the last months); any other
    instant (a calendar year, January of the previous year…) is a month of a
    year counted from the simulated month's year."""
    if instant >= month:
        return ReadParameter((), relative=0)
    start = datetime.date.fromisoformat(str(period.start))
    if str(period.unit) == "month" and instant == start:
        return ReadParameter((), relative=months_between(month, instant))
    return ReadParameter((), calendar=(instant.year - month.year, instant.month))


@cache
def parameters_read() -> dict[str, ReadParameter]:
    """The parameters the benefits read, from PARAMETERS_READ_FILE: dotted
    path → ReadParameter. Lines: ``path<TAB>id,id<TAB>instants`` (see
    ``ReadParameter.text``); ``#`` comments."""
    result: dict[str, ReadParameter] = {}
    for line in PARAMETERS_READ_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            path, ids, instants = line.split("\t")
            result[path] = ReadParameter.parse(tuple(ids.split(",")), instants)
    return result


def trace_parameters_read() -> dict[str, ReadParameter]:
    """The parameters the benefits read, found again by running the reference
    cases (rights/cases) through the engine with OpenFisca's tracer on,
    month by month: dotted path → ReadParameter (sorted benefit ids, latest
    instants read, see ``read_at``). A parameter read by a variable counts
    for every benefit whose computation needs that variable. Tax scales
    (barèmes à tranches), which OpenFisca's tracer leaves out, are recorded
    too. Takes about a minute."""
    from unittest import mock

    from openfisca_core.simulation_builder import SimulationBuilder
    from openfisca_core.taxscales import TaxScaleLike
    from openfisca_core.tracers import TracingParameterNodeAtInstant

    from nonrecours.rights import engine, reference
    from nonrecours.rights.catalogue import benefits

    simulations: list[tuple[datetime.date, Any]] = []
    simulated: list[datetime.date] = []  # the month being simulated
    build = SimulationBuilder.build
    get_traced_child = TracingParameterNodeAtInstant.get_traced_child

    def traced_build(self: Any, system: Any) -> Any:
        simulation = build(self, system)
        simulation.trace = True
        simulations.append((simulated[-1], simulation))
        return simulation

    def traced_child(self: Any, child: Any, key: Any) -> Any:
        if isinstance(child, TaxScaleLike) and isinstance(key, str):
            name = f"{self.parameter_node_at_instant._name}.{key}"
            instant = self.parameter_node_at_instant._instant_str
            self.tracer.record_parameter_access(name, instant, child)
        return get_traced_child(self, child, key)

    # One month at a time, so that each simulation knows its month (the
    # engine also computes months after it, for yearly amounts).
    by_month: dict[str, list[Any]] = {}
    for case in reference.all_cases():
        by_month.setdefault(case.situation.month, []).append(case.situation)
    with (
        mock.patch.object(SimulationBuilder, "build", traced_build),
        mock.patch.object(TracingParameterNodeAtInstant, "get_traced_child", traced_child),
    ):
        for month, situations in sorted(by_month.items()):
            simulated.append(month_start(month))
            engine.simulate(situations)

    # By (variable, period): a benefit reading last year's RSA, given as an
    # input, does not read the RSA's parameters.
    needs: dict[tuple[str, str], set[tuple[str, str]]] = {}
    reads: dict[tuple[str, str], dict[str, ReadParameter]] = {}
    roots: dict[str, set[tuple[str, str]]] = {}
    for first_day, simulation in simulations:
        for tree in simulation.tracer.trees:
            roots.setdefault(tree.name, set()).add((tree.name, str(tree.period)))
        for node in simulation.tracer.browse_trace():
            key = (node.name, str(node.period))
            needs.setdefault(key, set()).update((c.name, str(c.period)) for c in node.children)
            found = reads.setdefault(key, {})
            for parameter in node.parameters:
                instant = month_start(str(parameter.period)[:7])
                read = read_at(first_day, node.period, instant)
                previous = found.get(parameter.name)
                found[parameter.name] = read if previous is None else previous.merged(read)
    result: dict[str, ReadParameter] = {}
    for item in benefits():
        seen: set[tuple[str, str]] = set()
        todo = [
            key
            for variable in (item.variable, *EXTRA_VARIABLES.get(item.id, ()))
            for key in roots.get(variable, ())
        ]
        while todo:
            key = todo.pop()
            if key not in seen:
                seen.add(key)
                todo.extend(needs.get(key, ()))
        for key in seen:
            for name, read in reads.get(key, {}).items():
                mine = ReadParameter((item.id,), read.relative, read.calendar)
                previous = result.get(name)
                result[name] = mine if previous is None else previous.merged(mine)
    return dict(sorted(result.items()))


PARAMETERS_READ_HEADER = """\
# Paramètres d'OpenFisca-France lus par les prestations du simulateur, et les
# prestations qui les lisent (chemin<TAB>prestations<TAB>instants lus). Les
# instants lus, les plus tardifs de chaque sorte : « -1 » compte en mois depuis
# le mois simulé (0 : ce mois-là, ou plus tard) ; « N-2/01 » est un mois de
# l'année comptée depuis celle du mois simulé (janvier de l'année N-2, revenus
# de l'avis d'imposition). Fichier produit par le traceur d'OpenFisca sur les
# cas de référence (rights/cases) : ne pas l'éditer à la main, le refaire avec
# « nonrecours rights parameters --regenerer ».
"""


def parameters_read_text(read: dict[str, "ReadParameter"]) -> str:
    """The content of PARAMETERS_READ_FILE for ``read``."""
    lines = [
        f"{path}\t{','.join(item.benefits)}\t{item.text}" for path, item in sorted(read.items())
    ]
    return PARAMETERS_READ_HEADER + "\n".join(lines) + "\n"
