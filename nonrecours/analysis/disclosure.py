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


def suppressed_counts(counts: Sequence[int], threshold: int = DEFAULT_THRESHOLD) -> list[bool]:
    """Counts of people that add up to a published total (a row of a table of
    referrals by status): a count from 1 to threshold − 1 is hidden (0 is
    shown: it describes nobody); when that leaves exactly one hidden, the
    smallest other non-zero count is hidden too, or the total would give it."""
    hidden = [0 < count < threshold for count in counts]
    if sum(hidden) == 1:
        others = [i for i, count in enumerate(counts) if not hidden[i] and count > 0]
        if others:
            hidden[min(others, key=lambda i: (counts[i], i))] = True
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
