"""Statistical disclosure control of everything one release publishes.

One engine for the barometer, the potential non-take-up, the plain-file
analysis and the referrals statistics (ADR 013): `protect` decides, on all
the published cells together, which are hidden — primary suppression under
the threshold, then secondary suppression until no protected set is given
back exactly by the published ones (linear algebra on the published sums).
`merged_rows` pools the small rows of a table into « Autres » beforehand.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nonrecours.errors import UserError

DEFAULT_THRESHOLD = 11


def threshold_problem(threshold: object) -> str:
    """Why a disclosure threshold cannot be used, in French, or "" when it
    can: a whole number of respondents, at least 1."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        return (
            f"Seuil du secret statistique invalide ({threshold}) : il faut un nombre entier, "
            "au moins 1 répondant·e par case publiée."
        )
    return ""


def publishable(count: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """The frequency rule: whether a figure on `count` respondents (people,
    referrals) may be published on its own, that is `count` ≥ `threshold`.
    Whether it is published in the end is `protect`'s decision on the
    whole release (secondary suppression)."""
    return count >= threshold


def merged_rows(sizes: Sequence[int], threshold: int = DEFAULT_THRESHOLD) -> list[bool]:
    """Which rows of a table go into one « other » row: those under the
    threshold, and, while that row would itself be under it, the smallest of
    the others. The table's total stays the sum of what is published."""
    merged = [not publishable(size, threshold) for size in sizes]
    # Equivalent mutants: `merged` is built from `sizes`, same length.
    pooled = sum(size for size, m in zip(sizes, merged, strict=True) if m)  # pragma: no mutate
    while pooled > 0 and not publishable(pooled, threshold):
        shown = [i for i, m in enumerate(merged) if not m]
        if not shown:
            break
        smallest = min(shown, key=lambda i: (sizes[i], i))
        merged[smallest] = True
        # Equivalent mutants (=, -=): a shown row has ≥ threshold, so the loop ends anyway.
        pooled += sizes[smallest]  # pragma: no mutate
    return merged


# ---------------------------------------------------------------------------
# The secrecy model of everything one release publishes.
#
# Attacker model (docs/adr/013-secret-statistique.md): the reader knows every
# published figure of the release and the weighted total of every cell (the
# weights are calibrated on public populations), so a published share is a
# published weighted sum, and sums add up: a cell is given away when its sum
# is a linear combination of published sums. Cells are unions of "atoms",
# the finest crossing of everything published (for the barometer: commune ×
# sex × age band); an atom with no respondent in the base is known to be
# empty, so it neither protects nor needs protecting.


class SecrecyError(UserError, ValueError):
    """Figures already released give a protected cell away; nothing can be
    hidden now to protect it (French message)."""


class Status:
    PUBLISHED = "publiee"
    HIDDEN = "masquee"
    EMPTY = "vide"  # no respondent in the base: known to be empty


@dataclass(frozen=True)
class Release:
    """What a release may publish about one indicator.

    `atom_sizes[a]`: respondents in the indicator's base in atom a.
    `cells[c]`: the atoms cell c adds up (a cell of a published table).
    `lines`: (parent, children): the children partition the parent, as a
    table's row adds up to its margin; used for the rule that hidden cells
    of one line must not be small together.
    `root`: the cell of everyone (the overall figure), or None.
    `released`: cells already released elsewhere (a previous publication of
    the same wave): they stay published and cannot be hidden now.
    """

    atom_sizes: Sequence[int]
    cells: Sequence[Sequence[int]]
    lines: Sequence[tuple[int, Sequence[int]]] = ()
    root: int | None = None
    released: frozenset[int] = frozenset()
    # Groups of cells whose hidden cells, together, are also protected when
    # they have 1 to threshold − 1 respondents (for a crossed table with its
    # margins: rectangles, crosses, whole rows and columns).
    groups: Sequence[Sequence[int]] = ()
    # Sets of atoms that are not published cells but that differences of
    # published cells could give (a commune's men, when the commune and the
    # men are published): protected when they have 1 to threshold − 1
    # respondents.
    watched: Sequence[Sequence[int]] = ()
    # Cells hidden whatever their size (decided elsewhere: a cell hidden for
    # everyone stays hidden for a sub-population); empty ones stay hidden.
    hidden: frozenset[int] = frozenset()
    # Whether every union of atoms under the threshold is searched (see
    # _small_unions); off where atoms are about one per person (referrals:
    # the search would be combinatorial), and only the named sets above are
    # then protected.
    search_unions: bool = True


def protect(release: Release, threshold: int = DEFAULT_THRESHOLD) -> list[str]:
    """The status of each cell (Status.*): EMPTY with no respondent, HIDDEN
    under `threshold` respondents or in `release.hidden`, then secondary
    suppression until no protected set is given back exactly by the
    published cells (it lies in their span: Gram matrix, pseudo-inverse).

    Protected sets, each when it has 1 to threshold − 1 respondents unless
    said: every hidden, non-empty cell (whatever its size); every atom; the
    hidden cells of a line, or of one of `groups`, together; each of
    `watched`; the rest of `root` beside a published cell; and, when none of
    these is given away, every other union of atoms (found by
    `_small_unions`, which bounds its search). Each round hides,
    for each set given away, a published cell without which it can no
    longer be computed (or, when it is given away along several routes, one
    that takes part), the finest first (fewest atoms), then the smallest.

    Raises ValueError (French) for an unusable threshold; SecrecyError when
    a released cell is under the threshold or `released` cells alone give a
    set away.

    Source: Hundepool et al., *Statistical Disclosure Control* (Wiley, 2012),
    ch. 4 (frequency rule, secondary suppression, linked tables)."""
    problem = threshold_problem(int(threshold) if isinstance(threshold, np.integer) else threshold)
    if problem:
        raise ValueError(problem)
    threshold = int(threshold)
    # Equivalent mutants: whole counts are 64-bit integers without the dtype too.
    sizes = np.asarray(release.atom_sizes, dtype=np.int64)  # pragma: no mutate
    system = _System(release.cells, sizes)
    weights, n = system.weights, system.cell_sizes
    status = [
        Status.EMPTY
        if size == 0
        else Status.PUBLISHED
        if publishable(size, threshold)
        else Status.HIDDEN
        for size in n
    ]
    for c in release.hidden:
        status[c] = Status.HIDDEN
    for c in release.released:
        if status[c] == Status.HIDDEN:
            raise SecrecyError(
                f"Une case déjà publiée compte moins de {threshold} répondant·es : "
                "elle ne peut plus être protégée."
            )
    # Secondary suppression hides the finest cells first (a table's margins
    # are worth more than its inner cells), then the smallest.
    fineness = system.fineness
    small_atoms = np.flatnonzero(weights < threshold)
    watched = []
    for atoms in release.watched:
        columns = system.columns_of(atoms)
        if 0 < weights[columns].sum() < threshold:
            watched.append(("croisement non publié", _Set.of_atoms(columns)))
    released = np.array([c in release.released for c in range(len(status))])
    while True:
        # Equivalent mutants (dtype): cell numbers are integers, and an empty
        # array returns before any use.
        shown = np.array(
            [c for c, s in enumerate(status) if s == Status.PUBLISHED],
            dtype=int,  # pragma: no mutate
        )
        if shown.size == 0:
            return status
        span = _Span(system, shown)
        protected = _protected_sets(release, n, status, shown.tolist(), threshold, watched)
        for a in small_atoms[span.atoms_held(small_atoms)]:
            protected.append((f"croisement le plus fin {a}", _Set.of_atoms(np.array([a]))))
        coefficients, given_away = span.follows([s for _, s in protected])
        if given_away.size == 0 and not release.search_unions:
            return status
        if given_away.size == 0:
            # The named sets are safe; the last word is the search of every
            # union of atoms under the threshold that the published cells
            # give back (a stratum minus a commune plus another line…).
            protected = [
                ("union de croisements fins", _Set.of_atoms(np.flatnonzero(v), v[v != 0]))
                for v in _small_unions(span.dense_rows(), weights, threshold)
            ]
            coefficients, given_away = span.follows([s for _, s in protected])
            if given_away.size == 0:
                return status
        names = [name for name, _ in protected]
        chosen: set[int] = set()  # positions in `shown`
        for k in given_away:
            # Equivalent mutant (>=): no coefficient is exactly the tolerance.
            taking_part = np.flatnonzero(np.abs(coefficients[:, k]) > 1e-9)  # pragma: no mutate
            if any(span.coloop[j] for j in taking_part if j in chosen):
                continue  # a cell hidden in this round already frees it
            candidates = [j for j in taking_part if not released[shown[j]]]
            if not candidates:
                raise SecrecyError(
                    f"Les chiffres déjà publiés redonnent une case protégée ({names[k]}) : "
                    "rien ne peut plus la masquer."
                )
            # A cell that every way of computing the set needs frees it
            # alone; when none does (the set is given away along several
            # routes), hide one taking part and the next round goes on.
            freeing = [j for j in candidates if span.coloop[j]]
            pool = freeing or candidates
            chosen.add(int(min(pool, key=lambda j: (fineness[shown[j]], n[shown[j]], shown[j]))))
        for j in chosen:
            status[shown[j]] = Status.HIDDEN


class _System:
    """The cells over the occupied atoms, kept sparse: for each occupied
    atom, the cells it is in (a padded array); the Gram matrix of all the
    cells (cells × cells: how many occupied atoms two cells share) is built
    from it, so nothing is ever cells × atoms (20,000 referrals are about
    20,000 atoms)."""

    def __init__(self, cells: Sequence[Sequence[int]], sizes: NDArray[np.int64]) -> None:
        occupied = np.flatnonzero(sizes > 0)
        # Equivalent mutants: any negative value marks an empty atom (columns_of
        # keeps those ≥ 0); astype(None) is float64 as well.
        self.column = np.full(sizes.size, -1)  # pragma: no mutate
        self.column[occupied] = np.arange(occupied.size)
        self.weights = sizes[occupied].astype(float)  # pragma: no mutate
        self.cell_count = len(cells)
        pairs_cell, pairs_atom = [], []
        for c, atoms in enumerate(cells):
            columns = np.unique(self.columns_of(atoms))
            pairs_cell.append(np.full(columns.size, c))
            pairs_atom.append(columns)
        cell_of = np.concatenate(pairs_cell) if pairs_cell else np.zeros(0, dtype=int)
        atom_of = np.concatenate(pairs_atom) if pairs_atom else np.zeros(0, dtype=int)
        # Equivalent mutant (no minlength): only published cells' fineness is
        # read, and they hold occupied atoms.
        self.fineness = np.bincount(cell_of, minlength=self.cell_count)  # pragma: no mutate
        counted = np.bincount(cell_of, weights=self.weights[atom_of], minlength=self.cell_count)
        self.cell_sizes = counted.astype(float)  # pragma: no mutate (astype(None): float64 too)
        # Cells of each atom, padded with -1. Equivalent mutants: the order of an
        # atom's cells in its row (every use sums over them), a shorter `degree`
        # (atoms in no cell are at the end), one more column of padding.
        order = np.argsort(atom_of, kind="stable")  # pragma: no mutate
        degree = np.bincount(atom_of, minlength=occupied.size)  # pragma: no mutate
        width = int(degree.max(initial=0))  # pragma: no mutate
        self.cells_of = np.full((occupied.size, width), -1)
        starts = np.cumsum(degree) - degree
        rank = np.arange(order.size) - np.repeat(starts, degree)
        self.cells_of[atom_of[order], rank] = cell_of[order]
        left = np.repeat(self.cells_of, width, axis=1)
        right = np.tile(self.cells_of, (1, width))
        both = (left >= 0) & (right >= 0)
        self.gram = (
            np.bincount(left[both] * self.cell_count + right[both], minlength=self.cell_count**2)
            .reshape(self.cell_count, self.cell_count)
            .astype(float)  # pragma: no mutate (astype(None) is float64 as well)
        )

    def columns_of(self, atoms: Sequence[int]) -> NDArray[np.intp]:
        """The occupied atoms among `atoms`, as columns."""
        columns = self.column[np.asarray(atoms, dtype=np.intp)]
        return columns[columns >= 0]

    def image(self, atoms: NDArray[np.intp], values: NDArray[np.float64]) -> NDArray[np.float64]:
        """For a vector over the atoms (its nonzero `values` at `atoms`), its
        sum in each cell (cells)."""
        cells = self.cells_of[atoms]
        mask = cells >= 0
        spread = np.broadcast_to(values[:, None], cells.shape)[mask]
        sums = np.bincount(cells[mask], weights=spread, minlength=self.cell_count)
        return sums.astype(float)  # pragma: no mutate (astype(None) is float64 as well)


@dataclass(frozen=True)
class _Set:
    """A protected set: a combination of cells (`cells`, one coefficient per
    cell) or, when `cells` is None, a vector over the occupied atoms
    (`values` at `atoms`)."""

    cells: NDArray[np.float64] | None
    atoms: NDArray[np.intp]
    values: NDArray[np.float64]

    @classmethod
    def of_cells(cls, count: int, plus: Sequence[int], minus: Sequence[int] = ()) -> "_Set":
        combination = np.zeros(count)
        # Equivalent mutants: a set is given back or not whatever its scale and
        # its published cells' signs; atoms/values are unused for a set of cells.
        np.add.at(combination, np.asarray(plus, dtype=np.intp), 1.0)  # pragma: no mutate
        np.add.at(combination, np.asarray(minus, dtype=np.intp), -1.0)  # pragma: no mutate
        return cls(combination, np.zeros(0, dtype=np.intp), np.zeros(0))  # pragma: no mutate

    @classmethod
    def of_atoms(cls, atoms: NDArray[np.intp], values: NDArray[np.float64] | None = None) -> "_Set":
        return cls(None, atoms, np.ones(atoms.size) if values is None else values)


class _Span:
    """The span of the published cells `shown`, worked through their Gram
    matrix (shown × shown) rather than their rows over the atoms."""

    def __init__(self, system: _System, shown: NDArray[np.intp]) -> None:
        self.system = system
        self.shown = shown
        # Last: padding (-1 indexes it). Equivalent mutants: a longer array or
        # another negative value (uses keep positions ≥ 0).
        self.position = np.full(system.cell_count + 1, -1)  # pragma: no mutate
        self.position[shown] = np.arange(shown.size)
        gram = system.gram[np.ix_(shown, shown)]
        values, vectors = np.linalg.eigh(gram)
        # Equivalent mutants: the floor of the relative tolerance (initial None
        # or 1.0, a floor of 2.0): the eigenvalues of a Gram matrix of counts are
        # zero up to rounding, or far above it.
        scale = max(float(values.max(initial=0.0)), 1.0)  # pragma: no mutate
        keep = values > 1e-9 * scale
        # Pseudo-inverse of the Gram matrix.
        self.inverse = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
        # The other eigenvectors are the dependencies between the rows; a
        # row in none of them (a coloop) is not the sum of others: without
        # it the span loses a dimension, and every vector whose combination
        # uses it (the coefficient is then the same in all combinations)
        # no longer follows.
        dependencies = vectors[:, ~keep]
        self.coloop: NDArray[np.bool_] = np.abs(dependencies).max(axis=1, initial=0.0) < 1e-7

    def follows(self, sets: Sequence[_Set]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """The coefficients of the published cells that give each set back
        (shown × sets) and the positions of the sets they give back exactly:
        those whose distance to the span (‖v‖² − bᵀG⁺b, b the set's sums
        over the shown cells) is zero."""
        sums = np.empty((self.shown.size, len(sets)))
        norms = np.empty(len(sets))
        by_cells = [k for k, vector in enumerate(sets) if vector.cells is not None]
        if by_cells:
            combinations = np.array([sets[k].cells for k in by_cells]).T  # cells × sets
            through = self.system.gram @ combinations
            sums[:, by_cells] = through[self.shown]
            # Equivalent mutants: einsum takes capitals as labels too.
            norms[by_cells] = np.einsum("ij,ij->j", combinations, through)  # pragma: no mutate
        for k, vector in enumerate(sets):
            if vector.cells is None:
                sums[:, k] = self.system.image(vector.atoms, vector.values)[self.shown]
                norms[k] = vector.values @ vector.values
        coefficients = self.inverse @ sums
        given = np.einsum("ij,ij->j", sums, coefficients)  # pragma: no mutate (capitals)
        distance = norms - given
        return coefficients, np.flatnonzero(distance < 1e-7 * np.maximum(1.0, norms))

    def atoms_held(self, atoms: NDArray[np.intp]) -> NDArray[np.bool_]:
        """For each of `atoms`, whether its own value follows from the shown
        cells (its distance to their span, 1 − bᵀG⁺b, is zero)."""
        at = self.position[self.system.cells_of[atoms]]  # -1 for padding too
        mask = at >= 0
        at = np.where(mask, at, 0)
        pairs = self.inverse[at[:, :, None], at[:, None, :]]
        diagonal = (pairs * (mask[:, :, None] & mask[:, None, :])).sum(axis=(1, 2))
        # A first sieve: follows() computes the same distance for each atom kept
        # here and decides. Equivalent mutants: a looser test (<=, < 1.0000001)
        # only keeps more atoms for follows() to turn down.
        held: NDArray[np.bool_] = np.abs(1.0 - diagonal) < 1e-7  # pragma: no mutate
        return held

    def dense_rows(self) -> NDArray[np.float64]:
        """The shown cells as 0/1 rows over the occupied atoms."""
        rows = np.zeros((self.shown.size, self.system.weights.size))
        at = self.position[self.system.cells_of]
        atom, slot = np.nonzero(at >= 0)
        # Equivalent mutant (2.0): the search's echelon form divides each row by
        # its pivot, so the rows' scale does not matter.
        rows[at[atom, slot], atom] = 1.0  # pragma: no mutate
        return rows


def _protected_sets(
    release: Release,
    n: NDArray[np.float64],
    status: list[str],
    shown: list[int],
    threshold: int,
    watched: list[tuple[str, _Set]],
) -> list[tuple[str, _Set]]:
    count = len(status)
    sets: list[tuple[str, _Set]] = [
        (f"case {c}", _Set.of_cells(count, [c]))
        for c, s in enumerate(status)
        if s == Status.HIDDEN and n[c] > 0
    ]
    for group in [*(children for _, children in release.lines), *release.groups]:
        hidden = [c for c in group if status[c] == Status.HIDDEN]
        if len(hidden) > 1 and 0 < sum(n[c] for c in hidden) < threshold:
            sets.append(("union de cases masquées", _Set.of_cells(count, hidden)))
    sets.extend(watched)
    if release.root is not None and status[release.root] == Status.PUBLISHED:
        total = n[release.root]
        for c in shown:
            if 0 < total - n[c] < threshold:
                sets.append((f"reste de la case {c}", _Set.of_cells(count, [release.root], [c])))
    return sets


# Past this many subsets tried in one block, the search gives up on proving
# the block safe and protects it as a whole (it hides one more cell).
UNION_SEARCH_BUDGET = 100_000


def _small_unions(
    rows: NDArray[np.float64], weights: NDArray[np.float64], threshold: int
) -> list[NDArray[np.float64]]:
    """Unions of atoms with 1 to threshold − 1 respondents whose sum the
    published `rows` (cells × occupied atoms) give back, at most one per
    independent block; [] when there is none.

    Such a union holds only atoms under the threshold, and lies in the rows'
    span: so it lies in W, the published combinations that are zero on every
    atom at or over the threshold. W has a basis in reduced echelon form
    (pivots on the largest atoms first); a vector of W is the sum of the
    basis vectors of its pivots, and a union's pivots add up to fewer than
    `threshold` respondents, which bounds the search. Blocks of the basis
    with disjoint atoms are searched apart (a union splits along them).
    A block whose search passes UNION_SEARCH_BUDGET subsets is returned
    whole (one basis vector): it is protected, not proved safe."""
    small = np.flatnonzero(weights < threshold)
    if small.size == 0:
        return []
    big = np.flatnonzero(weights >= threshold)
    combinations = np.eye(rows.shape[0])
    if big.size:
        # The combinations of the rows that are zero on every large atom:
        # the kernel of their Gram matrix there (rows × rows, small, never
        # atoms × atoms).
        on_big = rows[:, big]
        values, vectors = np.linalg.eigh(on_big @ on_big.T)
        # Equivalent mutants: the tolerance's floor, as in _Span.
        scale = max(float(values.max(initial=0.0)), 1.0)  # pragma: no mutate
        combinations = vectors[:, values <= 1e-9 * scale]
    if combinations.shape[1] == 0:
        return []
    atoms = small[np.argsort(-weights[small], kind="stable")]
    basis, pivots = _echelon(combinations.T @ rows[:, atoms])
    sizes = weights[atoms]
    found = []
    for block in _blocks(basis):
        # A block's vectors come in pivot order: largest atoms first.
        # Only the block's own atoms (the others are 0 in all its vectors).
        columns = np.flatnonzero(np.any(basis[block] != 0, axis=0))
        position = {int(c): k for k, c in enumerate(columns)}
        union = _search_block(
            # Equivalent mutants (dtype): a list of ints is an intp array already.
            basis[np.ix_(np.asarray(block, dtype=np.intp), columns)],  # pragma: no mutate
            [position[pivots[i]] for i in block],
            sizes[columns],
            threshold,
        )
        if union is not None:
            vector = np.zeros(weights.size)
            vector[atoms[columns]] = union
            found.append(vector)
    return found


def _echelon(matrix: NDArray[np.float64]) -> tuple[NDArray[np.float64], list[int]]:
    """The reduced row echelon form of `matrix` (rows spanning the same
    space, each 1 on its pivot column and 0 on the others' pivots) and the
    pivot columns, taken left to right (Gauss–Jordan, partial pivoting)."""
    rows = matrix.copy()
    # Equivalent mutants: the tolerance's floor (initial None or 1.0, a floor of
    # 2.0); `rows` is never empty here.
    scale = max(float(np.abs(rows).max(initial=0.0)), 1.0)  # pragma: no mutate
    tolerance = 1e-9 * scale
    pivots: list[int] = []
    for column in range(rows.shape[1]):
        r = len(pivots)
        if r == rows.shape[0]:
            break
        best = r + int(np.argmax(np.abs(rows[r:, column])))
        if abs(rows[best, column]) < tolerance:
            continue
        rows[[r, best]] = rows[[best, r]]
        rows[r] /= rows[r, column]
        others = np.abs(rows[:, column]) > 0
        others[r] = False
        rows[others] -= np.outer(rows[others, column], rows[r])
        pivots.append(column)
    basis = rows[: len(pivots)]
    basis[np.abs(basis) < 1e-9] = 0.0
    return basis, pivots


def _blocks(basis: NDArray[np.float64]) -> list[list[int]]:
    """The basis vectors grouped by shared atoms (connected components)."""
    parent = list(range(len(basis)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_owner: dict[int, int] = {}
    for i, vector in enumerate(basis):
        for atom in np.flatnonzero(vector).tolist():
            if atom in first_owner:
                parent[root(i)] = root(first_owner[atom])
            else:
                first_owner[atom] = i
    blocks: dict[int, list[int]] = {}
    for i in range(basis.shape[0]):
        blocks.setdefault(root(i), []).append(i)
    return list(blocks.values())


def _search_block(
    vectors: NDArray[np.float64],
    pivots: list[int],
    sizes: NDArray[np.float64],
    threshold: int,
) -> NDArray[np.float64] | None:
    """A 0/1 sum of some of a block's basis `vectors` (over the block's
    atoms; `pivots[k]`: the column of vector k's pivot, largest first) with
    1 to threshold − 1 respondents, or None; the first basis vector when
    the budget runs out (see _small_unions)."""
    tried = 0
    stack: list[tuple[int, NDArray[np.float64], float]] = [(0, np.zeros(vectors.shape[1]), 0.0)]
    while stack:
        start, total, pivot_sizes = stack.pop()
        for t in range(start, len(pivots)):
            with_pivot = pivot_sizes + sizes[pivots[t]]
            if with_pivot >= threshold:
                continue
            tried += 1
            if tried > UNION_SEARCH_BUDGET:
                first: NDArray[np.float64] = vectors[0]
                return first
            candidate = total + vectors[t]
            zero, one = np.abs(candidate) < 1e-7, np.abs(candidate - 1.0) < 1e-7
            if np.all(zero | one) and 0 < sizes[one].sum() < threshold:
                # Equivalent mutant: astype(None) is float64 as well.
                union: NDArray[np.float64] = one.astype(float)  # pragma: no mutate
                return union
            stack.append((t + 1, candidate, with_pivot))
    return None
