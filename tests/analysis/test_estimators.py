"""The estimators on small samples worked by hand, and the one-pass
estimator (means_by_domain) against the respondent-by-respondent one
(mean, itself checked against R survey in test_against_r.py) on values
that are not 0/1 and on bases that are not everyone."""

import math

import numpy as np
import pytest

from nonrecours.analysis.estimators import (
    Z_95,
    Difference,
    Estimate,
    difference,
    difference_between_waves,
    mean,
    means_by_domain,
)
from nonrecours.analysis.raking import Margin, rake


def _sample(seed: int = 3, n: int = 120):
    rng = np.random.default_rng(seed)
    strata = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    sexes = rng.choice(["f", "h"], n)
    weights = rng.uniform(0.5, 2.0, n)
    raking = rake(
        {"strate": strata, "sexe": sexes},
        [Margin("strate", {"a": 400, "b": 350, "c": 250}), Margin("sexe", {"f": 520, "h": 480})],
        weights,
        tolerance=1e-13,
    )
    return rng, strata, raking


def test_a_weighted_mean_worked_by_hand():
    """One margin, weights 50, 50, 200: the mean of 1, 0, 1 is 250 / 300."""
    raking = rake({"s": np.array(["a", "a", "b"])}, [Margin("s", {"a": 100, "b": 200})])
    got = mean(raking, np.array([1.0, 0.0, 1.0]))
    assert got.estimate == pytest.approx(250 / 300, rel=1e-12)
    assert got.n == 3
    # Calibrated on the strata, only the spread within stratum a is left:
    # z = w (y − ȳ) / Σw, its residuals ±(50 × 0.5 / 300), n/(n−1) Σ r².
    assert got.se == pytest.approx(math.sqrt(1.5 * 2 * (25 / 300) ** 2), rel=1e-9)
    assert got.ci_low == got.estimate - Z_95 * got.se
    assert got.ci_high == got.estimate + Z_95 * got.se
    (same,) = means_by_domain(raking, np.array([1.0, 0.0, 1.0]))
    assert same.estimate == pytest.approx(got.estimate, rel=1e-12)
    assert same.se == pytest.approx(got.se, rel=1e-9)


def test_the_interval_is_the_estimate_plus_or_minus_1_96_standard_errors():
    assert Z_95 == pytest.approx(1.959963984540054, rel=1e-15)
    estimate = Estimate(estimate=0.4, se=0.05, n=100)
    assert estimate.ci_low == pytest.approx(0.4 - 0.05 * 1.959963984540054)
    assert estimate.ci_high == pytest.approx(0.4 + 0.05 * 1.959963984540054)


def test_a_difference_with_no_spread_has_no_test():
    nothing = Difference(estimate=0.1, se=0.0)
    assert math.isnan(nothing.z) and math.isnan(nothing.p_value)
    change = Difference(estimate=-0.1, se=0.05)
    assert change.z == pytest.approx(-2.0)
    assert change.p_value == pytest.approx(0.0455003, abs=1e-7)  # R: 2 * pnorm(-2)


def test_change_between_waves_adds_the_variances():
    change = difference_between_waves(Estimate(0.5, 0.03, 900), Estimate(0.4, 0.04, 800))
    assert change.estimate == pytest.approx(0.1)
    assert change.se == pytest.approx(0.05)


def test_a_single_respondent_has_no_standard_error():
    raking = rake({"s": np.array(["a"])}, [Margin("s", {"a": 10})])
    got = mean(raking, np.array([1.0]))
    assert (got.estimate, got.n) == (1.0, 1)
    assert math.isnan(got.se)
    (one,) = means_by_domain(raking, np.array([1.0]))
    assert (one.estimate, one.n) == (1.0, 1)
    assert math.isnan(one.se)


def test_an_empty_domain_or_base_gives_no_figure():
    _, strata, raking = _sample()
    values = np.ones(strata.size)
    nobody = mean(raking, values, np.zeros(strata.size, dtype=bool))
    assert nobody.n == 0 and math.isnan(nobody.estimate) and math.isnan(nobody.se)
    (empty,) = means_by_domain(raking, np.full(strata.size, np.nan))
    assert empty.n == 0 and math.isnan(empty.estimate) and math.isnan(empty.se)
    codes = np.zeros(strata.size, dtype=np.intp)
    first, second = means_by_domain(raking, values, codes, 2)
    assert first.n == strata.size and second.n == 0 and math.isnan(second.estimate)


@pytest.mark.parametrize("with_nan", [False, True])
@pytest.mark.parametrize("binary", [False, True])
def test_all_domains_at_once_match_one_domain_at_a_time(with_nan, binary):
    rng, strata, raking = _sample()
    values = rng.integers(0, 2, strata.size) if binary else rng.uniform(0, 5, strata.size)
    values = values.astype(float)
    if with_nan:
        values[rng.random(strata.size) < 0.3] = np.nan
    categories = ["a", "b", "c"]
    codes = np.array([categories.index(s) for s in strata], dtype=np.intp)
    expected = [mean(raking, values)] + [mean(raking, values, strata == c) for c in categories]
    for _ in range(2):  # the second pass reads what the first one kept
        got = means_by_domain(raking, values, codes, 3, with_overall=True)
        assert len(got) == 4
        for one, many in zip(expected, got, strict=True):
            assert many.n == one.n
            assert many.estimate == pytest.approx(one.estimate, rel=1e-12)
            assert many.se == pytest.approx(one.se, rel=1e-9)
    (overall,) = means_by_domain(raking, values)
    assert overall.estimate == pytest.approx(expected[0].estimate, rel=1e-12)
    assert overall.se == pytest.approx(expected[0].se, rel=1e-9)
    assert [e.n for e in means_by_domain(raking, values, codes, 3)] == [e.n for e in expected[1:]]


def test_partitions_of_the_same_sample_are_not_mixed_up():
    """Two partitions passed in turn (the key of what is kept per
    partition is the array itself): each gives its own figures."""
    rng, strata, raking = _sample()
    values = rng.uniform(0, 5, strata.size)
    by_stratum = np.array([["a", "b", "c"].index(s) for s in strata], dtype=np.intp)
    halves = (np.arange(strata.size) % 2).astype(np.intp)
    for codes, count in ((by_stratum, 3), (halves, 2), (by_stratum, 3), (halves, 2)):
        got = means_by_domain(raking, values, codes, count)
        for d, estimate in enumerate(got):
            single = mean(raking, values, codes == d)
            assert estimate.n == single.n
            assert estimate.estimate == pytest.approx(single.estimate, rel=1e-12)
            assert estimate.se == pytest.approx(single.se, rel=1e-9)


def test_a_difference_between_domains_is_the_difference_of_their_means():
    rng, strata, raking = _sample()
    values = rng.uniform(0, 5, strata.size)
    got = difference(raking, values, strata == "a", strata == "b")
    a, b = mean(raking, values, strata == "a"), mean(raking, values, strata == "b")
    assert got.estimate == pytest.approx(a.estimate - b.estimate, rel=1e-12)
    # Disjoint domains of one calibrated sample: close to independent.
    assert got.se == pytest.approx(math.hypot(a.se, b.se), rel=0.2)
    same = difference(raking, values, strata == "a", strata == "a")
    assert same.estimate == 0.0 and same.se == 0.0


def test_a_margin_category_with_nobody_in_it_is_carried_through():
    """A category with no population and no respondent (« d ») is one more
    column of the calibration: every estimator still gives the same
    figures as without it."""
    rng, strata, _ = _sample()
    sexes = rng.choice(["f", "h"], strata.size)
    values = rng.uniform(0, 5, strata.size)
    codes = np.array([["a", "b", "c"].index(s) for s in strata], dtype=np.intp)
    figures = []
    for extra in ({}, {"d": 0.0}):
        raking = rake(
            {"strate": strata, "sexe": sexes},
            [
                Margin("strate", {"a": 400, "b": 350, "c": 250, **extra}),
                Margin("sexe", {"f": 520, "h": 480}),
            ],
            tolerance=1e-13,
        )
        overall, a = mean(raking, values), mean(raking, values, strata == "a")
        split = means_by_domain(raking, values, codes, 3)
        gap = difference(raking, values, strata == "a", strata == "c")
        figures.append([overall.se, a.se, *(e.se for e in split), gap.se, overall.estimate])
    np.testing.assert_allclose(figures[1], figures[0], rtol=1e-9)


def test_values_and_domains_given_as_plain_lists():
    """None is outside the base as NaN is; a 0/1 domain is a mask."""
    raking = rake({"s": np.array(["a", "a", "b"])}, [Margin("s", {"a": 100, "b": 200})])
    with_none = mean(raking, [1.0, None, 1.0])  # type: ignore[list-item]
    with_nan = mean(raking, np.array([1.0, np.nan, 1.0]))
    assert (with_none.estimate, with_none.n) == (with_nan.estimate, with_nan.n) == (1.0, 2)
    as_ints = mean(raking, np.array([1.0, 0.0, 1.0]), np.array([1, 1, 0]))
    as_mask = mean(raking, np.array([1.0, 0.0, 1.0]), np.array([True, True, False]))
    assert (as_ints.estimate, as_ints.se, as_ints.n) == (as_mask.estimate, as_mask.se, 2)
    assert as_ints.estimate == 0.5


def test_two_respondents_have_a_standard_error():
    """Weights 5 and 5, answers 1 and 0: z = ±0.25, variance 2/1 × 0.125."""
    raking = rake({"s": np.array(["a", "a"])}, [Margin("s", {"a": 10})])
    got = mean(raking, np.array([1.0, 0.0]))
    assert got.estimate == 0.5
    assert got.se == pytest.approx(0.5, rel=1e-12)
    (same,) = means_by_domain(raking, np.array([1.0, 0.0]))
    assert same.se == pytest.approx(0.5, rel=1e-12)
