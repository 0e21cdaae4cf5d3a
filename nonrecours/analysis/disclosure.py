"""Statistical disclosure control of published tables.

Primary suppression: a cell computed on fewer than `threshold` respondents
is not published. Secondary suppression: when a breakdown has exactly one
hidden cell beside a published total, the hidden value could be recomputed
from the total and the other cells (the population shares are public), so
the smallest other cell is hidden too.
"""

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 11


@dataclass(frozen=True)
class Cell:
    group: str  # cells that add up to one published total (indicator × breakdown)
    n: int


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
