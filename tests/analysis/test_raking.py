import numpy as np
import pytest

from nonrecours.analysis.raking import Coded, Margin, RakingError, rake

SAMPLES = {
    "strate": np.array(["a", "a", "b", "b", "b", "c"]),
    "sexe": np.array(["f", "h", "f", "f", "h", "h"]),
}
MARGINS = [Margin("strate", {"a": 300, "b": 500, "c": 200}), Margin("sexe", {"f": 520, "h": 480})]


def test_weights_reach_every_margin_and_report_diagnostics():
    result = rake(SAMPLES, MARGINS)
    assert result.converged
    for margin in MARGINS:
        for category, total in margin.totals.items():
            got = result.weights[SAMPLES[margin.variable] == category].sum()
            assert got == pytest.approx(total, rel=1e-9)
    assert result.kish_deff >= 1
    assert result.effective_n == pytest.approx(6 / result.kish_deff)
    low, high = result.weight_range
    assert 0 < low <= high
    np.testing.assert_allclose(result.g, result.weights)  # initial weights are 1


@pytest.mark.parametrize(
    ("margins", "message"),
    [
        ([Margin("strate", {"a": 300, "b": 500, "c": 200}),
          Margin("sexe", {"f": 500, "h": 480})],
         "Les marges ne décrivent pas la même population : « strate » totalise 1\u202f000 "
         "et « sexe » 980."),
        ([Margin("strate", {"a": 300, "b": 500, "c": 150, "d": 50}),
          Margin("sexe", {"f": 520, "h": 480})],
         "« strate » : la modalité « d » (population 50) n'a aucun répondant ; "
         "regroupez-la avec une autre."),
        ([Margin("strate", {"a": 300, "b": 700}), Margin("sexe", {"f": 520, "h": 480})],
         "« strate » : modalité(s) absente(s) des marges : c."),
        ([Margin("age", {"jeune": 1000})], "La variable de calage « age » manque aux réponses."),
        ([], "Aucune marge de calage n'est donnée."),
    ],
)  # fmt: skip
def test_bad_margins_are_clear_errors_not_silent_fixes(margins, message):
    with pytest.raises(RakingError) as error:
        rake(SAMPLES, margins)
    assert str(error.value) == message


def test_initial_weights_must_be_positive():
    with pytest.raises(RakingError, match="poids initiaux doivent être positifs"):
        rake(SAMPLES, MARGINS, [1, 1, 0, 1, 1, 1])


def _fixture_samples():
    from tests.analysis.test_against_r import load

    _, samples, margins, weights, _, _ = load("strates")
    return samples, margins, weights


def _assert_bounded_raking_solution(result, samples, margins, lower, upper):
    """The bounded raking solution is the unique g = clip(exp(xβ), L, U)
    meeting the margins (R's grake reaches it by Newton; on this data set
    R's grake does not converge with bounds, hence these conditions)."""
    for margin in margins:
        for category, total in margin.totals.items():
            got = result.weights[samples[margin.variable] == category].sum()
            assert got == pytest.approx(total, rel=1e-9)
    scale = margins[0].total / result.initial.sum()
    g = result.g / scale
    assert g.min() >= lower * (1 - 1e-9) and g.max() <= upper * (1 + 1e-9)
    inside = (g > lower * (1 + 1e-9)) & (g < upper * (1 - 1e-9))
    assert result.bounded == int((~inside).sum()) > 0
    # log g of the respondents inside their bounds is additive in the
    # categories: it lies in the span of the calibration variables.
    columns = [
        (samples[m.variable] == category).astype(float) for m in margins for category in m.totals
    ]
    x = np.column_stack(columns)
    beta, *_ = np.linalg.lstsq(x[inside], np.log(g[inside]), rcond=None)
    np.testing.assert_allclose(x[inside] @ beta, np.log(g[inside]), atol=1e-8)
    # ... and those on a bound are where exp(xβ) would cross it.
    free = np.exp(x @ beta)
    assert np.all(free[g >= upper * (1 - 1e-9)] >= upper * (1 - 1e-6))
    assert np.all(free[g <= lower * (1 + 1e-9)] <= lower * (1 + 1e-6))


def test_bounded_raking_keeps_factors_within_bounds_and_meets_margins():
    samples, margins, weights = _fixture_samples()
    free = rake(samples, margins, weights)
    scale = margins[0].total / free.initial.sum()
    assert (free.g / scale).max() > 1.8  # the bound below binds
    result = rake(samples, margins, weights, bounds=(0.2, 1.7), tolerance=1e-12)
    assert result.converged
    _assert_bounded_raking_solution(result, samples, margins, 0.2, 1.7)


def test_bounds_that_cannot_be_met_are_an_error_not_a_silent_fix():
    samples, margins, weights = _fixture_samples()
    with pytest.raises(RakingError, match="ne peut pas respecter les bornes"):
        rake(samples, margins, weights, bounds=(0.5, 1.5))


def test_cap_trims_weights_to_a_multiple_of_the_mean_and_keeps_margins():
    samples, margins, weights = _fixture_samples()
    free = rake(samples, margins, weights)
    assert free.weights.max() / free.weights.mean() > 2.5
    result = rake(samples, margins, weights, cap=2.0, tolerance=1e-12)
    assert result.weights.max() / result.weights.mean() <= 2.0 + 1e-9
    assert result.bounded > 0
    for margin in margins:
        for category, total in margin.totals.items():
            got = result.weights[samples[margin.variable] == category].sum()
            assert got == pytest.approx(total, rel=1e-9)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bounds": (1.2, 3)}, "Bornes de calage invalides"),
        ({"bounds": (0.5, 0.9)}, "Bornes de calage invalides"),
        ({"cap": 0.8}, "Plafond des poids invalide"),
        # A NaN fails every comparison: it was taken for a calibration that
        # « cannot meet the bounds… nan% ».
        ({"cap": float("nan")}, "Plafond des poids invalide \\(nan\\)"),
        ({"cap": float("inf")}, "Plafond des poids invalide \\(inf\\)"),
        ({"bounds": (float("nan"), 3)}, "Bornes de calage invalides \\(nan ; 3\\)"),
        ({"bounds": (0.3, float("inf"))}, "Bornes de calage invalides \\(0.3 ; inf\\)"),
        ({"bounds": (0.3, float("nan")), "cap": 3}, "Bornes de calage invalides"),
    ],
)
def test_invalid_bounds_are_explained(options, message):
    with pytest.raises(RakingError, match=message):
        rake(SAMPLES, MARGINS, **options)


def test_bounded_raking_converges_whenever_the_bounds_can_be_met():
    """Problems feasible by construction (weights within the bounds that meet
    the margins exist), many with one-respondent categories whose target sits
    near a bound: each must converge, never be called infeasible."""
    for seed in range(60):
        rng = np.random.default_rng(seed)
        n, sizes = int(rng.integers(15, 80)), (int(rng.integers(2, 9)), int(rng.integers(2, 6)))
        samples = {
            f"v{k}": rng.choice(size, size=n, p=rng.dirichlet(np.ones(size) * 0.7)).astype(str)
            for k, size in enumerate(sizes)
        }
        low, high = 0.5, 2.0
        feasible = np.clip(rng.uniform(low, high, n) * np.exp(rng.normal(0, 0.6, n)), low, high)
        margins = [
            Margin(
                variable,
                {
                    str(c): float(feasible[values == str(c)].sum())
                    for c in range(size)
                    if (values == str(c)).any()
                },
            )
            for (variable, values), size in zip(samples.items(), sizes, strict=True)
        ]
        scale = margins[0].total / n
        result = rake(samples, margins, bounds=(low / scale, high / scale), tolerance=1e-10)
        assert result.converged, seed
        assert result.g.min() >= low * (1 - 1e-9) and result.g.max() <= high * (1 + 1e-9), seed
        for margin in margins:
            for category, total in margin.totals.items():
                got = result.weights[samples[margin.variable] == category].sum()
                assert got == pytest.approx(total, rel=1e-8), seed


def test_infeasible_bounds_name_the_category():
    samples, margins, weights = _fixture_samples()
    with pytest.raises(RakingError, match=r"« (strate|sexe_age) » = « \w+ » \(population"):
        rake(samples, margins, weights, bounds=(0.5, 1.5))


def test_coded_categories_give_the_same_weights():
    """A dictionary-encoded column (labels + codes) as a file read gives it."""
    coded = {}
    for name, values in SAMPLES.items():
        labels, codes = np.unique(values, return_inverse=True)
        coded[name] = Coded(labels.tolist(), codes)
    np.testing.assert_array_equal(rake(coded, MARGINS).weights, rake(SAMPLES, MARGINS).weights)
    unknown = {**coded, "sexe": Coded(["f", "x"], np.array([0, 1, 0, 0, 1, 1]))}
    with pytest.raises(
        RakingError, match="« sexe » : modalité\\(s\\) absente\\(s\\) des marges : x"
    ):
        rake(unknown, MARGINS)
