"""protect() on small hand-made releases that pin its edges: protected sets
of exactly one respondent (named in the refusal), hidden empty cells, a
finest crossing whatever the cells' order, several sets given away in one
round, and the budget of the search of unions (UNION_SEARCH_BUDGET)."""

import pytest

from nonrecours.analysis import disclosure
from nonrecours.analysis.disclosure import Release, Status, protect
from tests.analysis.refusals import given_back, refusal

P, H = Status.PUBLISHED, Status.HIDDEN


def test_a_hidden_cell_of_one_respondent_is_named_in_therefusal() -> None:
    """The released overall less the released other category gives the
    hidden cell of 1: it is protected as a cell (named before its atom)."""
    release = Release(
        [1, 40], [[0, 1], [0], [1]], lines=[(0, [1, 2])], root=0, released=frozenset({0, 2})
    )
    assert refusal(release) == given_back("case 1")


def test_the_rest_of_the_overall_of_one_respondent_is_protected() -> None:
    """45 of 46 shown beside the overall: the one left is the rest of the
    overall (named before its atom)."""
    release = Release(
        [45, 1], [[0, 1], [0]], root=0, released=frozenset({0, 1}), search_unions=False
    )
    assert refusal(release) == given_back("reste de la case 1")


def test_a_watched_crossing_of_one_respondent_is_protected() -> None:
    """The crossing watched holds atom 0 (1 respondent) and an empty atom:
    protected, and named before the atom."""
    release = Release(
        [1, 0, 30],
        [[0, 1, 2], [2]],
        watched=[[0, 1]],
        released=frozenset({0, 1}),
        search_unions=False,
    )
    assert refusal(release) == given_back("croisement non publié")


def test_empty_cells_hidden_together_protect_nothing() -> None:
    """Two cells hidden elsewhere, both empty: nobody to protect in them,
    together either; the rest stays published."""
    release = Release(
        [0, 0, 40],
        [[0, 1, 2], [0], [1], [2]],
        lines=[(0, [1, 2, 3])],
        root=0,
        hidden=frozenset({1, 2}),
    )
    assert protect(release) == [P, H, H, P]


def test_a_finest_crossing_is_found_whatever_the_order_of_the_cells() -> None:
    """Atom 0 (4 people) is commune X less its women, the women listed
    first: the finest cell, the women, is hidden."""
    assert protect(Release([4, 30], [[1], [0, 1]], search_unions=False)) == [H, P]


def test_every_set_given_away_in_a_round_gets_its_own_cell() -> None:
    """Several sets are given away in the first round; a set freed by a
    cell already chosen is skipped, the next ones still get theirs in the
    same round (cell 3, 11 respondents alone, is hidden in it)."""
    cells = [[0, 1, 2, 3, 4], [0, 1, 3, 4], [0, 2, 4], [0], [0, 4], [0, 2, 3, 4]]
    release = Release([11, 1, 4, 3, 3], cells, root=0, search_unions=False)
    assert protect(release) == [P, H, H, H, H, H]


# Three cells sharing a large atom: their differences give atom 0 less
# atom 1 and atom 1 less atom 2, never a union of atoms (no 0/1 sum). The
# search tries the two basis vectors (pivots of 6 and 5 respondents); both
# together, 6 + 5 = 11, reach the threshold and are not tried.
_CHAIN = Release([6, 5, 3, 20], [[0, 3], [1, 3], [2, 3]])


def test_a_search_within_its_budget_proves_the_release_safe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(disclosure, "UNION_SEARCH_BUDGET", 2)
    assert protect(_CHAIN) == [P, P, P]


def test_a_search_past_its_budget_protects_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second subset passes a budget of 1: the block is protected as a
    whole (its first basis vector), one cell is hidden."""
    monkeypatch.setattr(disclosure, "UNION_SEARCH_BUDGET", 1)
    assert protect(_CHAIN) == [P, P, H]


def test_the_default_budget_is_a_hundred_thousand_subsets() -> None:
    assert disclosure.UNION_SEARCH_BUDGET == 100_000
    assert protect(_CHAIN) == [P, P, P]


def test_every_set_given_away_in_a_round_gets_its_own_cell_even_after_a_freed_one() -> None:
    """Without the overall as root: the same rule on one-respondent atoms,
    where cell 3 (atom 0 alone, 11) is hidden in the first round too."""
    cells = [[0, 1, 2, 3, 4], [0, 1, 4], [0, 2, 4], [0], [0, 4], [0, 2, 3, 4]]
    release = Release([11, 1, 1, 1, 1], cells, search_unions=False)
    assert protect(release) == [P, H, H, H, H, H]


@pytest.mark.parametrize(
    ("sizes", "cells", "threshold", "status"),
    [
        # X (atoms 0 to 3) less Y (atoms 0 and 3) gives atoms 1 and 2: 2
        # respondents; Y, the finest, is hidden.
        ([2, 1, 1, 9], [[0, 1, 2, 3], [0, 3]], 11, [P, H]),
        # C (atoms 0, 3, 4) less A (atom 0) gives atoms 3 and 4: 4
        # respondents; A, the finest, is hidden.
        ([12, 3, 5, 1, 3], [[0], [1, 2, 4], [0, 3, 4]], 11, [H, P, P]),
        # X less Y gives atoms 0 and 1: 10 respondents, one under the
        # threshold, both of them pivots of the search.
        ([4, 6, 1, 1, 10], [[0, 1, 3, 4], [3, 4], [0, 2, 4]], 11, [P, H, P]),
        # Atom 0 holds exactly the threshold: it is large, the search looks
        # among the others. B less C plus A gives atoms 2 and 3 (7).
        ([11, 5, 1, 6], [[1, 3], [0, 2], [0, 1]], 11, [H, P, P]),
        # Threshold 5: the fourth cell less the second gives atoms 1 and 2
        # (2); found among five cells only by pivoting on the largest entry.
        ([5, 1, 1, 5, 5], [[0, 1, 2, 4], [4], [1, 3, 4], [1, 2, 4], [0, 1, 3]], 5, [P, H, P, H, P]),
    ],
)
def test_a_union_given_back_by_differences_is_found(
    sizes: list[int], cells: list[list[int]], threshold: int, status: list[str]
) -> None:
    assert protect(Release(sizes, cells), threshold) == status
    # No named rule sees these unions: only the search does.
    assert protect(Release(sizes, cells, search_unions=False), threshold) == [P] * len(cells)


@pytest.mark.parametrize(
    ("sizes", "cells", "status"),
    [
        # The search goes on past a subset that reaches the threshold: a
        # later, smaller basis vector still completes a union.
        (
            [1, 4, 8, 12, 6, 10, 4, 5, 10, 1],
            [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 4], [7, 8], [1, 2], [0, 8], [2, 6, 9]]
            + [[0, 1, 4, 5], [5, 9]],
            [P, P, H, P, P, P, P, P],
        ),
        # Blocks of the basis with no atom in common are searched apart,
        # each giving its union in the same round.
        (
            [5, 1, 6, 2, 4, 1, 1, 12, 3],
            [[0, 3, 4, 6], [1, 2, 5, 7, 8], [2, 3, 5, 8], [7], [1, 4, 7]],
            [P, P, P, H, H],
        ),
        # Atoms of one size keep their order (a stable sort): the same union
        # is found first on every machine.
        (
            [1, 2, 1, 1, 8, 1, 2, 4, 2, 4],
            [[1, 3, 7, 9], [0, 2, 4, 5], [3, 6, 7, 9], [0, 1, 2, 4, 5, 8]],
            [P, H, P, P],
        ),
    ],
)
def test_the_search_of_unions_on_larger_releases(
    sizes: list[int], cells: list[list[int]], status: list[str]
) -> None:
    assert protect(Release(sizes, cells)) == status
    assert protect(Release(sizes, cells, search_unions=False)) == [P] * len(cells)
