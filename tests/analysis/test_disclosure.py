"""The secrecy rule through its public functions only (threshold_problem,
merged_rows, protect): exact hidden cells on small releases whose answer
can be worked by hand, and the exact French messages a user reads.

Cells are written as lists of atoms; `_line` builds the usual shape: the
overall figure (cell 0, root) split into one cell per category."""

import numpy as np
import pytest

from nonrecours.analysis.disclosure import (
    DEFAULT_THRESHOLD,
    Release,
    SecrecyError,
    Status,
    merged_rows,
    protect,
    publishable,
    threshold_problem,
)

P, H, E = Status.PUBLISHED, Status.HIDDEN, Status.EMPTY


def _line(*sizes: int, **options) -> Release:
    """The overall figure and one cell per category (one atom each)."""
    atoms = list(range(len(sizes)))
    cells = [atoms] + [[a] for a in atoms]
    return Release(sizes, cells, lines=[(0, list(range(1, len(cells))))], root=0, **options)


def test_the_default_threshold_is_eleven_respondents():
    assert DEFAULT_THRESHOLD == 11
    assert protect(_line(10, 40)) == [P, H, H]
    assert protect(_line(11, 40)) == [P, P, P]


@pytest.mark.parametrize("threshold", [0, -3, True, False, 2.0, "11", None])
def test_an_unusable_threshold_is_refused_in_french(threshold):
    message = (
        f"Seuil du secret statistique invalide ({threshold}) : il faut un nombre entier, "
        "au moins 1 répondant·e par case publiée."
    )
    assert threshold_problem(threshold) == message
    with pytest.raises(ValueError) as error:
        protect(_line(5, 40), threshold)  # type: ignore[arg-type]
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("threshold", "status"),
    [(1, [P, P, P]), (11, [P, H, H]), (np.int64(11), [P, H, H]), (46, [H, H, H])],
)
def test_a_whole_threshold_of_at_least_one_is_usable(threshold, status):
    assert threshold_problem(int(threshold)) == ""
    assert protect(_line(5, 40), threshold) == status


def test_the_frequency_rule_publishes_from_the_threshold_on():
    assert [publishable(n) for n in (0, 1, 10, 11, 12)] == [False, False, False, True, True]
    assert [publishable(n, 3) for n in (2, 3)] == [False, True]


def test_the_threshold_is_a_strict_lower_bound():
    """A cell of exactly `threshold` respondents is published."""
    assert protect(_line(10, 40), 10) == [P, P, P]
    assert protect(_line(9, 40), 10) == [P, H, H]
    assert protect(_line(1, 40), 1) == [P, P, P]


def test_a_breakdown_in_two_categories_gets_secondary_suppression():
    """Sex, or a yes/no question: the overall less the large category
    gives the small one, so the large one is hidden too (issue 14)."""
    assert protect(_line(5, 40)) == [P, H, H]
    assert protect(_line(40, 5)) == [P, H, H]
    # Without the overall figure, nothing gives the small cell back.
    assert protect(Release([5, 40], [[0], [1]])) == [H, P]


def test_secondary_suppression_hides_the_smallest_other_cell():
    assert protect(_line(5, 30, 40)) == [P, H, H, P]
    assert protect(_line(5, 40, 30)) == [P, H, P, H]
    # Equal sizes: the first one.
    assert protect(_line(5, 30, 30)) == [P, H, H, P]


def test_small_cells_hidden_together_must_not_be_small_together():
    """Two hidden cells of one line, 3 + 4 < 11: the overall less the
    published ones gives their sum; a third one is hidden."""
    assert protect(_line(3, 4, 30, 40)) == [P, H, H, H, P]
    # 6 + 5 = 11: together they are not small, nothing more is hidden.
    assert protect(_line(6, 5, 30, 40)) == [P, H, H, P, P]


def test_secondary_suppression_prefers_the_finest_cell():
    """Strata A = {0, 1} and B = {2, 3}, communes 0 to 3: commune 0 (5)
    is A less commune 1; commune 1 (one atom) is hidden, not stratum A."""
    cells = [[0, 1, 2, 3], [0, 1], [2, 3], [0], [1], [2], [3]]
    lines = [(0, [1, 2]), (0, [3, 4, 5, 6]), (1, [3, 4]), (2, [5, 6])]
    status = protect(Release([5, 30, 40, 50], cells, lines=lines, root=0))
    assert status == [P, P, P, H, H, P, P]


def test_a_cell_with_nobody_is_empty_and_protects_nothing():
    assert protect(_line(0, 40)) == [P, E, P]
    assert protect(_line(0, 5, 40)) == [P, E, H, H]
    assert protect(Release([0, 0], [[0, 1], [0]])) == [E, E]


def test_everything_small_is_all_hidden():
    assert protect(_line(3, 4)) == [H, H, H]


def test_cells_hidden_elsewhere_stay_hidden_and_are_protected():
    hidden = frozenset({1})
    assert protect(_line(20, 40, hidden=hidden)) == [P, H, H]
    # An empty cell hidden elsewhere stays hidden, and needs no protection.
    assert protect(_line(0, 40, hidden=hidden)) == [P, H, P]


def test_the_rest_of_the_overall_beside_a_published_cell_is_protected():
    """Only one category is shown: the overall less it gives the 5 others
    (two atoms, neither given back alone, so only this rule sees it)."""
    cells = [[0, 1, 2], [0]]
    assert protect(Release([45, 3, 2], cells, root=0, search_unions=False)) == [P, H]
    assert protect(Release([45, 3, 2], cells, search_unions=False)) == [P, P]
    # The search of unions of atoms finds it too.
    assert protect(Release([45, 3, 2], cells)) == [P, H]


def test_a_watched_crossing_is_protected():
    """Everyone, the men, commune 0, commune 1 (men only): the men less
    commune 1 gives the 3 men of commune 0, a crossing no table shows."""
    cells = [[0, 1, 2, 3, 4], [0, 1, 2, 3], [0, 1, 4], [2, 3]]
    sizes = [2, 1, 20, 20, 30]
    assert protect(Release(sizes, cells, search_unions=False)) == [P, P, P, P]
    watched = Release(sizes, cells, search_unions=False, watched=[[0, 1]])
    assert protect(watched) == [P, H, P, P]
    assert protect(Release(sizes, cells)) == [P, H, P, P]
    # Large enough, or empty: nothing to protect.
    assert protect(Release([6, 5, 20, 20, 30], cells, search_unions=False, watched=[[0, 1]])) == [
        P,
        P,
        P,
        P,
    ]


def test_a_group_of_hidden_cells_is_protected_together():
    """Cells 1 and 2 (3 and 4 respondents) hidden in a group: their sum
    is the overall less cell 3, so cell 3 is hidden too."""
    cells = [[0, 1, 2], [0], [1], [2]]
    sizes = [3, 4, 30]
    assert protect(Release(sizes, cells, groups=[[1, 2]], search_unions=False)) == [P, H, H, H]
    assert protect(Release(sizes, cells, search_unions=False)) == [P, H, H, P]


def test_a_finest_crossing_given_back_is_hidden():
    """Atom 0 (4 people) is commune X less its women: hidden."""
    cells = [[0, 1], [1]]
    assert protect(Release([4, 30], cells, search_unions=False)) == [P, H]


def test_released_cells_stay_published_or_the_release_is_refused():
    with pytest.raises(SecrecyError) as error:
        protect(_line(5, 40, released=frozenset({0, 2})))
    assert str(error.value) == (
        "Les chiffres déjà publiés redonnent une case protégée (case 1) : "
        "rien ne peut plus la masquer."
    )
    with pytest.raises(SecrecyError) as error:
        protect(_line(5, 40, released=frozenset({1})))
    assert str(error.value) == (
        "Une case déjà publiée compte moins de 11 répondant·es : elle ne peut plus être protégée."
    )
    with pytest.raises(SecrecyError, match="moins de 7 répondant·es"):
        protect(_line(5, 40, released=frozenset({1})), 7)
    # The released overall stays; the other cell is hidden instead.
    assert protect(_line(5, 40, released=frozenset({0}))) == [P, H, H]
    assert protect(_line(5, 40, released=frozenset({2}))) == [H, H, P]


@pytest.mark.parametrize(
    ("sizes", "threshold", "merged"),
    [
        ([], 11, []),
        ([12, 11], 11, [False, False]),
        ([3, 4, 5, 20], 11, [True, True, True, False]),
        # 3 + 4 = 7 stays small: the smallest other row (12) joins.
        ([3, 4, 20, 12], 11, [True, True, False, True]),
        ([11, 10], 11, [True, True]),
        ([2, 2], 11, [True, True]),
        # Equal sizes: the first row joins.
        ([5, 20, 20], 11, [True, True, False]),
        ([0, 20], 11, [True, False]),
        ([3, 4], 3, [False, False]),
        ([3, 4], 4, [True, True]),
        # One person alone is pooled with the smallest other row.
        ([1, 20, 30], 11, [True, True, False]),
        # The threshold given is the one used (12 is under 20, not under 11).
        ([12, 30, 40], 20, [True, True, False]),
    ],
)
def test_small_rows_are_pooled_until_the_pool_is_not_small(sizes, threshold, merged):
    assert merged_rows(sizes, threshold) == merged


def test_rows_are_pooled_under_the_default_threshold():
    assert merged_rows([10, 30]) == [True, True]
    assert merged_rows([11, 30]) == [False, False]
