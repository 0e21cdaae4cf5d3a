"""What a wave publishes, as one system for the secrecy model.

The published tables are declared here and nowhere else: the key figures
(overall, by stratum), the communes (map and its table), and the sex and
age band tables of the whole territory — the dashboard's filters reach
exactly these cells (neither a stratum nor a commune is crossed with sex
or age: ADR 013). The secrecy model (nonrecours.analysis.disclosure.protect)
decides, on all of them together, what is hidden; the report, open data and
public pages publish the same rows.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nonrecours.analysis.disclosure import Release, Status, protect
from nonrecours.analysis.estimators import Estimate, means_by_domain
from nonrecours.analysis.files import OVERALL, ResultRow, result_rows
from nonrecours.analysis.raking import FloatArray, RakingResult
from nonrecours.surveys.weighting import NOT_GIVEN
from nonrecours.territories.enums import Stratum

STRATA = [s.value for s in Stratum]


@dataclass(frozen=True)
class Respondents:
    """What the filtered views need of each respondent, as arrays."""

    strata: NDArray[np.intp]  # index in STRATA
    communes: NDArray[np.intp]  # index in `commune_codes`
    commune_codes: tuple[str, ...]
    sexes: NDArray[np.str_]  # answer code, or NOT_GIVEN
    ages: NDArray[np.str_]
    values: dict[str, FloatArray]  # indicator -> 0/1, NaN outside its base
    ids: tuple[int, ...] = ()  # the responses' primary keys, in this order


# (name, dimensions) of every published table, the overall figure first.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OVERALL, ()),
    ("strate", ("strate",)),
    ("commune", ("commune",)),
    ("sexe", ("sexe",)),
    ("age", ("age",)),
    ("sexe_age", ("sexe", "age")),
)
KEY_TABLES = (OVERALL, "strate")
CROSSED_TABLES = tuple(name for name, _ in TABLES if name not in (OVERALL, "strate", "commune"))


@dataclass(frozen=True)
class Layout:
    """The atoms (commune × sex × age band, the finest crossing of what is
    published) and, for each declared table, each respondent's cell."""

    categories: dict[str, tuple[str, ...]]  # dimension -> its category codes
    atom_of: NDArray[np.intp]  # respondent -> atom
    atom_count: int
    # table -> (respondent -> cell code, atom -> cell code, number of cells)
    codes: dict[str, tuple[NDArray[np.intp], NDArray[np.intp], int]]

    def domain(self, table: str, code: int) -> str:
        """The cell's categories joined by "|" (OVERALL for the overall)."""
        dimensions = dict(TABLES)[table]
        if not dimensions:
            return OVERALL
        parts = []
        for dimension in reversed(dimensions):
            size = len(self.categories[dimension])
            code, position = divmod(code, size)
            parts.append(self.categories[dimension][position])
        return "|".join(reversed(parts))


def layout_of(
    respondents: "Respondents",
    stratum_of_commune: list[int],
    sexes_shown: tuple[str, ...] | None = None,
) -> Layout:
    """The atoms and the cells of each declared table for these respondents;
    `stratum_of_commune[i]` is the index in STRATA of the stratum of
    `respondents.commune_codes[i]`. Every sex and age category present is a
    category (not given included): the tables add up. With `sexes_shown`
    (those of the population's structure), the other answers ("autre") are
    counted with "not given" — the tables have one small category less.
    """
    given_sexes = respondents.sexes
    if sexes_shown is not None:
        given_sexes = np.where(np.isin(given_sexes, sexes_shown), given_sexes, NOT_GIVEN)
    sexes = tuple(sorted(set(given_sexes.tolist()) | {NOT_GIVEN}))
    ages = tuple(sorted(set(respondents.ages.tolist()) | {NOT_GIVEN}))
    categories = {
        "strate": tuple(STRATA),
        "commune": respondents.commune_codes,
        "sexe": sexes,
        "age": ages,
    }
    n_communes, n_sexes, n_ages = len(respondents.commune_codes), len(sexes), len(ages)
    sex_of = np.searchsorted(np.array(sexes), given_sexes)
    age_of = np.searchsorted(np.array(ages), respondents.ages)
    atom_of = (respondents.communes * n_sexes + sex_of) * n_ages + age_of
    atom_count = n_communes * n_sexes * n_ages
    atoms = np.arange(atom_count)
    atom_commune, rest = np.divmod(atoms, n_sexes * n_ages)
    atom_sex, atom_age = np.divmod(rest, n_ages)
    stratum_of = np.asarray(stratum_of_commune, dtype=np.intp)
    of_respondent = {
        "strate": respondents.strata,
        "commune": respondents.communes,
        "sexe": sex_of,
        "age": age_of,
    }
    of_atom = {
        "strate": stratum_of[atom_commune] if atom_count else atom_commune,
        "commune": atom_commune,
        "sexe": atom_sex,
        "age": atom_age,
    }
    codes = {}
    for name, dimensions in TABLES:
        by_respondent = np.zeros(respondents.strata.size, dtype=np.intp)
        by_atom = np.zeros(atom_count, dtype=np.intp)
        count = 1
        for dimension in dimensions:
            size = len(categories[dimension])
            by_respondent = by_respondent * size + of_respondent[dimension]
            by_atom = by_atom * size + of_atom[dimension]
            count *= size
        codes[name] = (by_respondent, by_atom, count)
    return Layout(categories, atom_of, atom_count, codes)


def _release_structure(
    layout: Layout, tables: tuple[str, ...]
) -> tuple[list[tuple[str, int]], list[list[int]], list[tuple[int, list[int]]]]:
    """The cells of the declared `tables` (as (table, code)), the atoms of
    each, and the lines: each cell of a table split along one more
    dimension (the overall by stratum, a stratum by commune, the women by
    age band…)."""
    keys: list[tuple[str, int]] = []
    cells: list[list[int]] = []
    for name in tables:
        _, by_atom, count = layout.codes[name]
        order = np.argsort(by_atom, kind="stable")
        bounds = np.searchsorted(by_atom[order], np.arange(count + 1))
        for code in range(count):
            keys.append((name, code))
            cells.append(order[bounds[code] : bounds[code + 1]].tolist())
    index = {key: i for i, key in enumerate(keys)}
    dimensions = dict(TABLES)
    lines: list[tuple[int, list[int]]] = []
    for child in tables:
        for parent in tables:
            finer, coarser = dimensions[child], dimensions[parent]
            refines = set(coarser) < set(finer) and len(finer) == len(coarser) + 1
            # A stratum splits into its communes.
            nested = parent == "strate" and child == "commune"
            nested |= parent == OVERALL and child == "commune" and "strate" not in tables
            if not (refines or nested):
                continue
            _, child_atoms, child_count = layout.codes[child]
            _, parent_atoms, _ = layout.codes[parent]
            children: dict[int, set[int]] = {}
            for atom in range(layout.atom_count):
                children.setdefault(int(parent_atoms[atom]), set()).add(int(child_atoms[atom]))
            for parent_code, child_codes in children.items():
                lines.append(
                    (index[(parent, parent_code)], [index[(child, c)] for c in sorted(child_codes)])
                )
    return keys, cells, lines


ALL_TABLES = tuple(name for name, _ in TABLES)


@dataclass(frozen=True)
class Decision:
    """The secrecy model's decision on the declared tables for one base of
    respondents: each cell as (table, code), its status (Status.*) and its
    number of respondents in the base."""

    keys: list[tuple[str, int]]
    status: list[str]
    sizes: list[int]


class ReleasePlan:
    """The declared tables of one campaign as one system (cells, atoms,
    lines), ready to decide any indicator's base; decisions are shared by
    indicators with the same base."""

    def __init__(self, layout: Layout, tables: tuple[str, ...] = ALL_TABLES) -> None:
        self.layout = layout
        self.tables = tables
        self.keys, self.cells, self.lines = _release_structure(layout, tables)
        self.root = self.keys.index((OVERALL, 0)) if OVERALL in tables else None
        self.groups = _crossed_groups(layout, self.keys) if "sexe_age" in tables else []
        # Geography is not crossed with sex or age, but differences of
        # published cells could give such a crossing: watch them all.
        geography = [
            i for i, (name, _) in enumerate(self.keys) if name in KEY_TABLES + ("commune",)
        ]
        people = [i for i, (name, _) in enumerate(self.keys) if name in CROSSED_TABLES]
        self.watched = [
            sorted(set(self.cells[g]) & set(self.cells[p])) for g in geography for p in people
        ]
        self._decided: dict[bytes, Decision] = {}

    def decide(
        self, in_base: NDArray[np.bool_], threshold: int, hidden: frozenset[int] = frozenset()
    ) -> Decision:
        """The decision for the respondents in `in_base` (boolean, one per
        respondent). Raises SecrecyError (see protect)."""
        sizes = np.bincount(self.layout.atom_of[in_base], minlength=self.layout.atom_count)
        signature = sizes.tobytes() + int(threshold).to_bytes(4, "little")
        signature += np.array(sorted(hidden), dtype=np.int64).tobytes()
        if signature not in self._decided:
            status = protect(
                Release(
                    atom_sizes=sizes.tolist(),
                    cells=self.cells,
                    lines=self.lines,
                    root=self.root,
                    groups=self.groups,
                    watched=self.watched,
                    hidden=hidden,
                ),
                threshold,
            )
            cell_sizes = [int(sizes[atoms].sum()) for atoms in self.cells]
            self._decided[signature] = Decision(self.keys, status, cell_sizes)
        return self._decided[signature]


def _crossed_groups(layout: Layout, keys: list[tuple[str, int]]) -> list[list[int]]:
    """Groups of the sex × age table whose hidden cells its margins and
    published cells can give back together: for every set of sexes S and
    of age bands A (not both whole), the rectangle S × A and the cross
    (S × not A) ∪ (not S × A)."""
    sexes, ages = len(layout.categories["sexe"]), len(layout.categories["age"])
    if sexes * ages > 64:
        return []
    index = {key: i for i, key in enumerate(keys)}
    cell = [[index[("sexe_age", s * ages + a)] for a in range(ages)] for s in range(sexes)]
    groups = []
    for sex_set in range(1, 2**sexes):
        for age_set in range(1, 2**ages):
            if sex_set == 2**sexes - 1 and age_set == 2**ages - 1:
                continue
            rectangle, cross = [], []
            for s in range(sexes):
                for a in range(ages):
                    in_s, in_a = bool(sex_set >> s & 1), bool(age_set >> a & 1)
                    if in_s and in_a:
                        rectangle.append(cell[s][a])
                    elif in_s != in_a:
                        cross.append(cell[s][a])
            groups += [rectangle, cross]
    return groups


def released_rows(
    plan: ReleasePlan,
    raking: RakingResult,
    indicator_values: dict[str, FloatArray],
    threshold: int,
) -> list[ResultRow]:
    """The rows of every declared table for every indicator, as the secrecy
    model releases them (one system per indicator, all tables together):
    a hidden row has no figure and `suppressed`; a row with n = 0 is known
    to be empty (nobody in the indicator's base there)."""
    rows: list[ResultRow] = []
    layout = plan.layout
    # Who is in a base is itself an answer (those in financial difficulty…)
    # and its counts are published with the indicator: a cell hidden for
    # everyone is hidden for a base too, even if empty, and the secondary
    # suppression protects it.
    everyone = plan.decide(np.ones(layout.atom_of.size, dtype=bool), threshold)
    hidden_for_everyone = frozenset(
        i for i, status in enumerate(everyone.status) if status == Status.HIDDEN
    )
    for indicator, values in indicator_values.items():
        in_base = ~np.isnan(values)
        forced = hidden_for_everyone if not in_base.all() else frozenset()
        decision = plan.decide(in_base, threshold, forced)
        estimates: dict[str, list[Estimate]] = {}
        for name in plan.tables:
            by_respondent, _, count = layout.codes[name]
            estimates[name] = means_by_domain(raking, values, by_respondent, count)
        rows += result_rows(
            indicator,
            [(name, layout.domain(name, code)) for name, code in decision.keys],
            [estimates[name][code] for name, code in decision.keys],
            decision.status,
        )
    return rows
