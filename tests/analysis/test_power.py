"""Answers needed and minimum detectable change (analysis.power), against
textbook values and the formula computed independently."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nonrecours.analysis.power import (
    PowerInputError,
    answers_needed,
    kish_design_effect,
    minimum_detectable_change,
)


def test_textbook_example_chow_shao_wang():
    # Chow, Shao & Wang (2008), § 4.2.4: p1 = 0.65, p2 = 0.85, α = 0.05,
    # power 80 %: n ≈ 70 per group.
    assert answers_needed(baseline=0.65, change=0.20) == 70


def test_fifty_to_sixty_percent():
    # (1.959964 + 0.841621)² × (0.25 + 0.24) / 0.01 = 384.6 → 385 per wave;
    # the design effect multiplies it (769.2 → 770).
    assert answers_needed(baseline=0.5, change=0.10) == 385
    assert answers_needed(baseline=0.5, change=0.10, deff=2.0) == 770
    assert answers_needed(baseline=0.5, change=-0.10) == 385
    # Power 90 %, α = 1 %: (2.575829 + 1.281552)² × 0.49 / 0.01 = 729.1 → 730.
    assert answers_needed(baseline=0.5, change=0.10, alpha=0.01, power=0.9) == 730


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"baseline": 0.0, "change": 0.1}, "baseline"),
        ({"baseline": 1.2, "change": 0.1}, "baseline"),
        ({"baseline": 0.5, "change": 0.0}, "change"),
        ({"baseline": 0.95, "change": 0.1}, "change"),
        ({"baseline": 0.5, "change": 0.1, "alpha": 1.0}, "alpha"),
        ({"baseline": 0.5, "change": 0.1, "power": 0.0}, "power"),
        ({"baseline": 0.5, "change": 0.1, "deff": 0.0}, "deff"),
        ({"baseline": math.nan, "change": 0.1}, "baseline"),
    ],
)
def test_refusals_name_the_input(inputs, field):
    with pytest.raises(PowerInputError) as error:
        answers_needed(**inputs)
    assert error.value.field == field
    assert str(error.value)


def test_minimum_detectable_change_inverts_the_sample_size():
    n = answers_needed(baseline=0.5, change=0.10)
    mde = minimum_detectable_change(baseline=0.5, first_n=n, second_n=n)
    assert mde is not None
    assert 0.0995 < mde <= 0.10
    # Exactly on the boundary: Δ = k √(p₁q₁/n + p₂q₂/n).
    k = 1.959964 + 0.841621
    p2 = 0.5 + mde
    assert mde == pytest.approx(k * math.sqrt((0.25 + p2 * (1 - p2)) / n), rel=1e-5)
    down = minimum_detectable_change(baseline=0.3, first_n=400, second_n=400, decrease=True)
    assert down is not None
    assert down == pytest.approx(k * math.sqrt((0.21 + (0.3 - down) * (0.7 + down)) / 400), 1e-5)
    # Two answers cannot detect anything short of 100 %.
    assert minimum_detectable_change(baseline=0.5, first_n=2, second_n=2, deff=3) is None
    with pytest.raises(PowerInputError, match="au moins 1"):
        minimum_detectable_change(baseline=0.5, first_n=0, second_n=10)


@given(
    baseline=st.floats(0.05, 0.95),
    change=st.floats(0.02, 0.3),
    deff=st.floats(1, 4),
)
def test_the_answers_needed_detect_the_change(baseline, change, deff):
    if baseline + change >= 1:
        change = -change
    n = answers_needed(baseline=baseline, change=change, deff=deff)
    mde = minimum_detectable_change(
        baseline=baseline, first_n=n, second_n=n, deff=deff, decrease=change < 0
    )
    assert mde is not None
    assert mde <= abs(change) + 1e-9


def test_kish_design_effect():
    # n Σw² / (Σw)² = 4 × 22 / 64 = 1.375 = 1 + CV² (CV² = 1.5 / 4).
    assert kish_design_effect([1, 1, 2, 4]) == pytest.approx(1.375)
    assert kish_design_effect([3, 3, 3]) == pytest.approx(1.0)
    assert math.isnan(kish_design_effect([]))
    with pytest.raises(PowerInputError):
        kish_design_effect([1, -1])
