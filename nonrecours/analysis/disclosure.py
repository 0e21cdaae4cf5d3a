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


def merged_rows(sizes: Sequence[int], threshold: int = DEFAULT_THRESHOLD) -> list[bool]:
    """Which rows of a table go into one « other » row: those under the
    threshold, and, while that row would itself be under it, the smallest of
    the others. The table's total stays the sum of what is published."""
    merged = [size < threshold for size in sizes]
    pooled = sum(size for size, m in zip(sizes, merged, strict=True) if m)
    while 0 < pooled < threshold:
        shown = [i for i, m in enumerate(merged) if not m]
        if not shown:
            break
        smallest = min(shown, key=lambda i: (sizes[i], i))
        merged[smallest] = True
        pooled += sizes[smallest]
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


class SecrecyError(ValueError):
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


def protect(release: Release, threshold: int = DEFAULT_THRESHOLD) -> list[str]:
    """The status of each cell (Status.*): EMPTY with no respondent, HIDDEN
    under `threshold` respondents or in `release.hidden`, then secondary
    suppression until no protected set is given back exactly by the
    published cells (it lies in their span: Gram matrix, pseudo-inverse).

    Protected sets, each when it has 1 to threshold − 1 respondents unless
    said: every hidden, non-empty cell (whatever its size); every atom; the
    hidden cells of a line, or of one of `groups`, together; each of
    `watched`; the rest of `root` beside a published cell. Each round hides,
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
    sizes = np.asarray(release.atom_sizes, dtype=np.int64)
    occupied = np.flatnonzero(sizes > 0)
    column = np.full(sizes.size, -1)
    column[occupied] = np.arange(occupied.size)

    def indicator(atoms: Sequence[int]) -> NDArray[np.float64]:
        """A set of atoms as 0/1 over the occupied atoms."""
        vector = np.zeros(occupied.size)
        columns = column[np.asarray(atoms, dtype=np.intp)]
        vector[columns[columns >= 0]] = 1.0
        return vector

    matrix = np.array([indicator(atoms) for atoms in release.cells]).reshape(
        len(release.cells), occupied.size
    )
    weights = sizes[occupied].astype(float)
    n = matrix @ weights
    status = [
        Status.EMPTY if size == 0 else Status.HIDDEN if size < threshold else Status.PUBLISHED
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
    fineness = (matrix > 0).sum(axis=1)
    small_atoms = np.flatnonzero(weights < threshold)
    watched = [
        ("croisement non publié", vector)
        for vector in map(indicator, release.watched)
        if 0 < vector @ weights < threshold
    ]
    released = np.array([c in release.released for c in range(len(status))])
    while True:
        shown = np.array([c for c, s in enumerate(status) if s == Status.PUBLISHED], dtype=int)
        if shown.size == 0:
            return status
        span = _Span(matrix[shown])
        protected = _protected_sets(release, matrix, n, status, shown.tolist(), threshold, watched)
        names = [name for name, _ in protected]
        vectors = [v for _, v in protected]
        for a in small_atoms[span.atoms_held()[small_atoms]]:
            unit = np.zeros(matrix.shape[1])
            unit[a] = 1.0
            names.append(f"croisement le plus fin {a}")
            vectors.append(unit)
        if not vectors:
            return status
        stacked = np.array(vectors)
        coefficients = span.inverse @ (span.rows @ stacked.T)  # published cell × set
        residual = np.abs(stacked.T - span.rows.T @ coefficients).max(axis=0)
        given_away = np.flatnonzero(residual < 1e-7 * np.maximum(1.0, np.abs(stacked).max(axis=1)))
        if given_away.size == 0:
            return status
        chosen: set[int] = set()  # positions in `shown`
        for k in given_away:
            taking_part = np.flatnonzero(np.abs(coefficients[:, k]) > 1e-9)
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


class _Span:
    """The span of some published cells (rows over the occupied atoms),
    through their Gram matrix (cells × cells, small) rather than the rows."""

    def __init__(self, rows: NDArray[np.float64]) -> None:
        self.rows = rows
        gram = rows @ rows.T
        values, vectors = np.linalg.eigh(gram)
        keep = values > 1e-9 * max(float(values.max(initial=0.0)), 1.0)
        # Pseudo-inverse of the Gram matrix.
        self.inverse = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
        # The other eigenvectors are the dependencies between the rows; a
        # row in none of them (a coloop) is not the sum of others: without
        # it the span loses a dimension, and every vector whose combination
        # uses it (the coefficient is then the same in all combinations)
        # no longer follows.
        dependencies = vectors[:, ~keep]
        self.coloop: NDArray[np.bool_] = np.abs(dependencies).max(axis=1, initial=0.0) < 1e-7

    def atoms_held(self) -> NDArray[np.bool_]:
        """For each atom, whether its own value follows from the rows (the
        diagonal of the projection on the rows' span is 1)."""
        diagonal = np.einsum("ij,ij->j", self.inverse @ self.rows, self.rows)
        held: NDArray[np.bool_] = np.abs(diagonal - 1.0) < 1e-7
        return held


def _protected_sets(
    release: Release,
    matrix: NDArray[np.float64],
    n: NDArray[np.float64],
    status: list[str],
    shown: list[int],
    threshold: int,
    watched: list[tuple[str, NDArray[np.float64]]],
) -> list[tuple[str, NDArray[np.float64]]]:
    sets: list[tuple[str, NDArray[np.float64]]] = [
        (f"case {c}", matrix[c]) for c, s in enumerate(status) if s == Status.HIDDEN and n[c] > 0
    ]
    for group in [*(children for _, children in release.lines), *release.groups]:
        hidden = [c for c in group if status[c] == Status.HIDDEN]
        if len(hidden) > 1 and 0 < sum(n[c] for c in hidden) < threshold:
            sets.append(("union de cases masquées", matrix[hidden].sum(axis=0)))
    for name, vector in watched:
        sets.append((name, vector))
    if release.root is not None and status[release.root] == Status.PUBLISHED:
        total = n[release.root]
        for c in shown:
            if 0 < total - n[c] < threshold:
                sets.append((f"reste de la case {c}", matrix[release.root] - matrix[c]))
    return sets
