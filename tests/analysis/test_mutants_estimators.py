"""The estimators on inputs their fast paths must not get wrong: plain
lists with None, integer arrays, values of 0 and 2 (not 0/1), a domain
whose weights add up to exactly 1, calibration cells with nobody."""

import numpy as np
import pytest

from nonrecours.analysis.estimators import difference, mean, means_by_domain
from nonrecours.analysis.raking import Margin, rake

# One margin: stratum a weighs 100 over three answers, b 200 over one.
RAKING = rake({"s": np.array(["a", "a", "a", "b"])}, [Margin("s", {"a": 100, "b": 200})])
FIRST = np.array([True, True, False, False])
SECOND = np.array([False, True, True, True])


def test_a_difference_takes_a_plain_list_with_none_outside_the_base() -> None:
    with_none = difference(RAKING, [1.0, None, 0.0, 1.0], FIRST, SECOND)  # type: ignore[list-item]
    with_nan = difference(RAKING, np.array([1.0, np.nan, 0.0, 1.0]), FIRST, SECOND)
    assert (with_none.estimate, with_none.se) == (with_nan.estimate, with_nan.se)
    # First: answer 1 alone; second: 0 (weight 100/3) and 1 (200), 6/7.
    assert with_none.estimate == pytest.approx(1 - 6 / 7, rel=1e-12)


def test_means_by_domain_take_a_plain_list_or_integers() -> None:
    with_none = means_by_domain(RAKING, [1.0, None, 0.0, 1.0])  # type: ignore[list-item]
    with_nan = means_by_domain(RAKING, np.array([1.0, np.nan, 0.0, 1.0]))
    assert with_none == with_nan
    assert with_none[0].n == 3
    assert with_none[0].estimate == pytest.approx((100 / 3 + 200) / (200 / 3 + 200), rel=1e-12)
    integers = means_by_domain(RAKING, np.array([1, 0, 0, 1]))
    floats = means_by_domain(RAKING, np.array([1.0, 0.0, 0.0, 1.0]))
    assert integers == floats


def test_values_of_zero_and_two_are_not_taken_for_0_1_answers() -> None:
    """y² = y holds for 0 and 1 only: with 0 and 2 the spread is 4 times
    that of 0 and 1, the standard error twice."""
    values = np.array([2.0, 0.0, 0.0, 2.0])
    (fast,) = means_by_domain(RAKING, values)
    single = mean(RAKING, values)
    assert fast.estimate == pytest.approx(single.estimate, rel=1e-12)
    assert fast.se == pytest.approx(single.se, rel=1e-9)
    (halved,) = means_by_domain(RAKING, values / 2)
    assert fast.se == pytest.approx(2 * halved.se, rel=1e-9)
    assert fast.se > 0


def test_a_domain_whose_weights_add_up_to_one_has_a_figure() -> None:
    """A population of 1 over two answers (weights 0.5 and 0.5)."""
    raking = rake({"s": np.array(["a", "a"])}, [Margin("s", {"a": 1})])
    (got,) = means_by_domain(raking, np.array([1.0, 0.0]))
    assert (got.estimate, got.n) == (0.5, 2)
    assert got.se == pytest.approx(0.5, rel=1e-12)
