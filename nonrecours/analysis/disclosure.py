"""Statistical disclosure control of published tables.

Primary suppression: a cell computed on fewer than `threshold` respondents
is not published. Secondary suppression: when a breakdown has exactly one
hidden cell beside a published total, the hidden value could be recomputed
from the total and the other cells (the population shares are public), so
the smallest other cell is hidden too.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_THRESHOLD = 11


@dataclass(frozen=True)
class Cell:
    group: str  # cells that add up to one published total (indicator × breakdown)
    n: int


def threshold_problem(threshold: object) -> str:
    """Why a disclosure threshold cannot be used, in French, or "" when it
    can: a whole number of respondents, at least 1."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        return (
            f"Seuil du secret statistique invalide ({threshold}) : il faut un nombre entier, "
            "au moins 1 répondant·e par case publiée."
        )
    return ""


def suppressed(cells: Sequence[Cell], threshold: int = DEFAULT_THRESHOLD) -> list[bool]:
    hidden = [cell.n < threshold for cell in cells]
    groups: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        groups.setdefault(cell.group, []).append(index)
    for members in groups.values():
        if len(members) < 2:
            continue
        if sum(hidden[i] for i in members) == 1:
            shown = [i for i in members if not hidden[i]]
            smallest = min(shown, key=lambda i: (cells[i].n, i))
            hidden[smallest] = True
    return hidden


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


def determined(unknowns: int, equations: Sequence[Sequence[tuple[int, float]]]) -> list[int]:
    """Which hidden cells the published figures give back exactly.

    Each equation is one published sum restricted to its hidden cells, as
    (cell, coefficient): a row adding up to its published number, a column
    adding up to the total row's cell (−1 when that margin is hidden too). A
    hidden cell is determined when every change of the hidden cells that
    keeps all the sums leaves it unchanged: its coordinate is zero in the
    whole kernel of the equations."""
    if unknowns == 0:
        return []
    matrix = np.zeros((max(len(equations), 1), unknowns))
    for line, terms in enumerate(equations):
        for cell, coefficient in terms:
            matrix[line, cell] = coefficient
    _, singular, vt = np.linalg.svd(matrix)
    tolerance = 1e-9 * max(float(singular.max(initial=0.0)), 1.0)
    rank = int((singular > tolerance).sum())
    kernel = vt[rank:]
    if kernel.shape[0] == 0:
        return list(range(unknowns))
    return [i for i in range(unknowns) if float(np.abs(kernel[:, i]).max()) < 1e-9]
