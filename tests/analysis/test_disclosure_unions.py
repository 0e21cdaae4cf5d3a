"""The search of small unions of hidden atoms (disclosure.protect, last
word): hand-made releases where published cells give back, by difference,
a group of atoms under the threshold that no named rule watches; and the
exact French name of each protected set in the refusal message."""

import pytest

from nonrecours.analysis.disclosure import Release, Status, protect
from tests.analysis.refusals import given_back, refusal

P, H = Status.PUBLISHED, Status.HIDDEN


def test_a_union_given_back_by_difference_hides_the_finest_cell() -> None:
    """Commune X (3 + 4 + 20) less its women (20) gives the 7 others: the
    finest of the two cells is hidden."""
    cells = [[0, 1, 2], [2]]
    assert protect(Release([3, 4, 20], cells)) == [P, H]
    # Only the search of unions sees it.
    assert protect(Release([3, 4, 20], cells, search_unions=False)) == [P, P]


@pytest.mark.parametrize(
    ("sizes", "threshold", "status"),
    [
        ([5, 5, 20], 11, [P, H]),
        # 11 respondents together: not small.
        ([5, 6, 20], 11, [P, P]),
        ([5, 6, 20], 12, [P, H]),
        ([1, 1, 20], 11, [P, H]),
    ],
)
def test_a_union_is_protected_under_the_threshold_only(
    sizes: list[int], threshold: int, status: list[str]
) -> None:
    assert protect(Release(sizes, [[0, 1, 2], [2]]), threshold) == status


@pytest.mark.parametrize("large", [11, 20])
def test_a_cell_alone_gives_back_no_union(large: int) -> None:
    """One cell with a large atom (even of exactly the threshold) gives
    back nothing smaller than itself."""
    assert protect(Release([3, 4, large], [[0, 1, 2]])) == [P]


def test_a_union_of_atoms_at_the_threshold_is_not_small() -> None:
    """Atoms of 11 each, a cell less another: the 11 of atom 0 is not
    small, nor is the union."""
    assert protect(Release([11, 11, 20], [[0, 1, 2], [1, 2]])) == [P, P]


def test_a_union_needing_two_basis_vectors_is_found() -> None:
    """Everyone of X (4 + 3 + 2 + 20) less the 20 gives 9; two cells
    sharing a large atom give atom 0 less atom 1. Only the 9 together are
    a union (atom 0 and atom 1 are not given back alone)."""
    sizes = [4, 3, 2, 20, 20]
    cells = [[0, 1, 2, 3], [3], [0, 4], [1, 4]]
    assert protect(Release(sizes, cells)) == [P, H, P, P]
    assert protect(Release(sizes, cells, search_unions=False)) == [P, P, P, P]


def test_independent_unions_are_each_hidden() -> None:
    """Two communes, each with a union given back by difference: both are
    protected."""
    sizes = [3, 4, 20, 2, 5, 30]
    cells = [[0, 1, 2], [2], [3, 4, 5], [5]]
    assert protect(Release(sizes, cells)) == [P, H, P, H]


def test_a_union_given_back_by_released_cells_is_refused() -> None:
    release = Release([3, 4, 20], [[0, 1, 2], [2]], released=frozenset({0, 1}))
    assert refusal(release) == given_back("union de croisements fins")


def test_each_protected_set_is_named_in_therefusal() -> None:
    # Hidden cells of a group, given back by the released overall and cell 3.
    cells = [[0, 1, 2], [0], [1], [2]]
    grouped = Release(
        [3, 4, 30], cells, groups=[[1, 2]], released=frozenset({0, 3}), search_unions=False
    )
    assert refusal(grouped) == given_back("union de cases masquées")
    # The men less commune 1 give the 3 men of commune 0.
    cells = [[0, 1, 2, 3, 4], [0, 1, 2, 3], [0, 1, 4], [2, 3]]
    watched = Release(
        [2, 1, 20, 20, 30],
        cells,
        watched=[[0, 1]],
        released=frozenset({0, 1, 2, 3}),
        search_unions=False,
    )
    assert refusal(watched) == given_back("croisement non publié")
    # The overall less a category.
    rest = Release(
        [45, 3, 2], [[0, 1, 2], [0]], root=0, released=frozenset({0, 1}), search_unions=False
    )
    assert refusal(rest) == given_back("reste de la case 1")
    finest = Release([4, 30], [[0, 1], [1]], released=frozenset({0, 1}), search_unions=False)
    assert refusal(finest) == given_back("croisement le plus fin 0")


def test_a_release_without_cells_publishes_nothing() -> None:
    assert protect(Release([5, 0], [])) == []
    assert protect(Release([], [])) == []
