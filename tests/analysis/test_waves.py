"""Wave comparison and difference-in-differences (analysis.waves), checked
against values computed by hand from the formulas (R is not needed)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nonrecours.analysis.estimators import Difference, Estimate
from nonrecours.analysis.waves import (
    benjamini_hochberg,
    difference_in_differences,
    reading,
    wave_change,
    z_critical,
)


def _two_sided(z: float) -> float:
    # 2 (1 − Φ(|z|)), written independently of the module (erfc).
    return 2 * (1 - 0.5 * (1 + math.erf(abs(z) / math.sqrt(2))))


def test_wave_change_adds_the_variances_of_independent_waves():
    change = wave_change(Estimate(0.30, 0.02, 500), Estimate(0.36, 0.015, 600))
    assert change.difference == pytest.approx(0.06)
    assert change.se == pytest.approx(0.025)  # √(0.02² + 0.015²)
    assert change.z == pytest.approx(2.4)
    assert change.p_value == pytest.approx(0.016395, abs=1e-6)
    assert change.p_value == pytest.approx(_two_sided(2.4))
    assert change.ci_low == pytest.approx(0.06 - 1.959964 * 0.025, abs=1e-6)
    assert change.ci_high == pytest.approx(0.109, abs=1e-3)
    assert reading(change.difference, change.p_value) == "hausse significative"


def test_alpha_changes_the_interval():
    change = wave_change(Estimate(0.30, 0.02, 500), Estimate(0.36, 0.015, 600), alpha=0.10)
    assert change.ci_low == pytest.approx(0.06 - 1.644854 * 0.025, abs=1e-6)
    assert z_critical(0.01) == pytest.approx(2.575829, abs=1e-6)
    with pytest.raises(ValueError, match="strictement entre 0 et 1"):
        z_critical(0)


def test_readings():
    assert reading(-0.05, 0.001) == "baisse significative"
    assert reading(0.05, 0.2) == "pas d'écart décelable"
    assert reading(0.05, 0.049) == "hausse significative"
    assert reading(0.05, 0.049, alpha=0.01) == "pas d'écart décelable"
    assert reading(0.0, math.nan) == "—"


def test_benjamini_hochberg_as_r_p_adjust():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # R: p.adjust(c(0.5, 0.001, 0.9, 0.02, 0.2), "BH")
    #    = 0.625 0.005 0.900 0.050 0.333…
    assert benjamini_hochberg([0.5, 0.001, 0.9, 0.02, 0.2]) == pytest.approx(
        [0.625, 0.005, 0.9, 0.05, 1 / 3]
    )
    adjusted = benjamini_hochberg([math.nan, 0.04, 0.01])
    assert math.isnan(adjusted[0])
    assert adjusted[1:] == pytest.approx([0.04, 0.02])
    assert benjamini_hochberg([]) == []


@given(st.lists(st.floats(0, 1), max_size=30))
def test_adjusted_p_values_are_never_below_raw_and_at_most_one(p_values):
    adjusted = benjamini_hochberg(p_values)
    for raw, q in zip(p_values, adjusted, strict=True):
        assert raw - 1e-12 <= q <= 1.0


def test_difference_in_differences_with_and_without_the_gaps():
    did = difference_in_differences(
        exposed_first=Estimate(0.40, 0.03, 300),
        exposed_second=Estimate(0.30, 0.03, 320),
        unexposed_first=Estimate(0.42, 0.02, 700),
        unexposed_second=Estimate(0.40, 0.02, 680),
    )
    assert did.estimate == pytest.approx(-0.08)
    assert did.exposed_change == pytest.approx(-0.10)
    assert did.unexposed_change == pytest.approx(-0.02)
    assert did.se == pytest.approx(math.sqrt(0.0026))
    assert did.se_four == pytest.approx(0.050990, abs=1e-6)
    assert did.p_value == pytest.approx(_two_sided(0.08 / math.sqrt(0.0026)))
    with_gaps = difference_in_differences(
        exposed_first=Estimate(0.40, 0.03, 300),
        exposed_second=Estimate(0.30, 0.03, 320),
        unexposed_first=Estimate(0.42, 0.02, 700),
        unexposed_second=Estimate(0.40, 0.02, 680),
        first_gap=Difference(-0.02, 0.035),
        second_gap=Difference(-0.10, 0.03),
    )
    assert with_gaps.estimate == pytest.approx(-0.08)
    assert with_gaps.se == pytest.approx(math.sqrt(0.035**2 + 0.03**2))
    assert with_gaps.se_four == pytest.approx(did.se_four)
    assert with_gaps.ci_low == pytest.approx(-0.08 - 1.959964 * with_gaps.se, abs=1e-6)
