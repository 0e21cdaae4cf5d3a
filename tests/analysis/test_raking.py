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


def test_design_effect_and_effective_size_are_exact():
    """Weights 50, 50, 200: Kish's deff = n Σw² / (Σw)² = 3 × 45,000 / 90,000."""
    result = rake({"s": np.array(["a", "a", "b"])}, [Margin("s", {"a": 100, "b": 200})])
    np.testing.assert_allclose(result.weights, [50.0, 50.0, 200.0])
    assert result.kish_deff == pytest.approx(1.5, rel=1e-12)
    assert result.effective_n == pytest.approx(2.0, rel=1e-12)
    assert result.weight_range == (50.0, 200.0)
    assert result.n == 3
    assert (result.converged, result.bounded) == (True, 0)
    np.testing.assert_allclose(result.g, [50.0, 50.0, 200.0])


def test_initial_weights_scale_the_calibration_factors():
    result = rake(
        {"s": np.array(["a", "a", "b"])}, [Margin("s", {"a": 100, "b": 200})], [1.0, 3.0, 4.0]
    )
    np.testing.assert_allclose(result.weights, [25.0, 75.0, 200.0])
    np.testing.assert_allclose(result.g, [25.0, 25.0, 50.0])
    np.testing.assert_allclose(result.initial, [1.0, 3.0, 4.0])


@pytest.mark.parametrize("total", [-100.0, -1e-9])
def test_a_negative_population_total_is_refused(total):
    margins = [
        Margin("strate", {"a": total, "b": 500 - total, "c": 500}),
        Margin("sexe", {"f": 520, "h": 480}),
    ]
    with pytest.raises(RakingError) as error:
        rake(SAMPLES, margins)
    assert str(error.value) == "« strate » : effectif négatif pour « a »."


def test_a_category_with_no_population_and_no_respondent_is_accepted():
    margins = [Margin("strate", {"a": 300, "b": 500, "c": 200, "d": 0}), MARGINS[1]]
    result = rake(SAMPLES, margins)
    assert result.converged
    assert result.sizes == (4, 2)
    np.testing.assert_allclose(result.weights, rake(SAMPLES, MARGINS).weights)


def test_margins_may_differ_by_rounding_only():
    """A millionth of the total is rounding; more is another population."""
    close = [MARGINS[0], Margin("sexe", {"f": 520, "h": 480.0009})]
    assert rake(SAMPLES, close, max_iterations=100).max_gap < 1e-6  # accepted
    far = [MARGINS[0], Margin("sexe", {"f": 520, "h": 480.0011})]
    with pytest.raises(RakingError, match="ne décrivent pas la même population"):
        rake(SAMPLES, far)


def test_rows_of_different_lengths_are_refused():
    samples = {"strate": SAMPLES["strate"], "sexe": SAMPLES["sexe"][:5]}
    with pytest.raises(RakingError) as error:
        rake(samples, MARGINS)
    assert str(error.value) == "Les variables de calage n'ont pas toutes le même nombre de lignes."


@pytest.mark.parametrize("weights", [[1, 1, 1, 1, 1], [1, 1, -2, 1, 1, 1], [1, 1, np.nan, 1, 1, 1]])
def test_initial_weights_one_positive_number_per_respondent(weights):
    with pytest.raises(RakingError) as error:
        rake(SAMPLES, MARGINS, weights)
    assert str(error.value) == "Les poids initiaux doivent être positifs, un par répondant."


# Two respondents, (a, f) and (b, h): a = 600 and f = 400 cannot both hold.
CONTRADICTORY = {"strate": np.array(["a", "b"]), "sexe": np.array(["f", "h"])}
CONTRADICTORY_MARGINS = [
    Margin("strate", {"a": 600, "b": 400}),
    Margin("sexe", {"f": 400, "h": 600}),
]


def test_raking_that_cannot_converge_says_so():
    result = rake(CONTRADICTORY, CONTRADICTORY_MARGINS, max_iterations=50)
    assert not result.converged
    assert result.iterations == 50
    assert result.max_gap == pytest.approx(0.5)


def test_bounded_raking_that_does_not_converge_is_an_error():
    """Each category can be met within the bounds, not all together: the
    bounded raking runs, stops, and says so (issue 14: never run before)."""
    with pytest.raises(RakingError) as error:
        rake(CONTRADICTORY, CONTRADICTORY_MARGINS, bounds=(0.1, 10))
    assert str(error.value) == (
        "Le calage ne peut pas respecter les bornes demandées (écart restant aux marges : "
        "50,0\u00a0%) ; élargissez les bornes ou regroupez des modalités peu représentées."
    )
    with pytest.raises(RakingError, match="écart restant aux marges : 50,0\u00a0%"):
        rake(CONTRADICTORY, CONTRADICTORY_MARGINS, cap=5)


def test_bounds_and_cap_are_explained_exactly():
    with pytest.raises(RakingError) as error:
        rake(SAMPLES, MARGINS, bounds=(1.2, 3))
    assert str(error.value) == (
        "Bornes de calage invalides (1.2 ; 3) : il faut 0 ≤ basse < 1 < haute."
    )
    with pytest.raises(RakingError) as error:
        rake(SAMPLES, MARGINS, cap=1)
    assert str(error.value) == (
        "Plafond des poids invalide (1) : il doit dépasser 1 (fois le poids moyen)."
    )
    # A cap under the low bound for some answers (very unequal weights).
    with pytest.raises(RakingError) as error:
        rake(SAMPLES, MARGINS, [1, 1, 1, 1, 1, 100], bounds=(0.9, 2), cap=1.5)
    assert str(error.value) == (
        "Le plafond des poids est plus bas que la borne basse pour certaines réponses "
        "(poids initiaux très inégaux) : relevez le plafond ou baissez la borne basse."
    )


def test_coded_values_give_each_respondent_their_category():
    coded = Coded(["a", "b"], np.array([1, 0, 1]))
    assert coded.values().tolist() == ["b", "a", "b"]


@pytest.mark.parametrize(
    ("margin", "message"),
    [
        # Every unknown category is listed.
        (Margin("strate", {"a": 300, "b": 700}), "« strate » : modalité(s) absente(s) des "
         "marges : c, d."),
        # A single person in the population still needs a respondent.
        (Margin("strate", {"a": 300, "b": 500, "c": 199, "d": 0, "e": 1}),
         "« strate » : la modalité « e » (population 1) n'a aucun répondant ; "
         "regroupez-la avec une autre."),
        # Thousands are written the French way (narrow no-break space).
        (Margin("strate", {"a": 300, "b": 500, "c": 200, "d": 0, "e": 1500}),
         "« strate » : la modalité « e » (population 1\u202f500) n'a aucun répondant ; "
         "regroupez-la avec une autre."),
    ],
)  # fmt: skip
def test_categories_are_checked_one_by_one(margin, message):
    samples = {"strate": np.array(["a", "a", "b", "b", "b", "c", "d"])}
    if "d" in margin.totals:
        samples = {"strate": SAMPLES["strate"]}
    with pytest.raises(RakingError) as error:
        rake(samples, [margin])
    assert str(error.value) == message


def test_categories_may_be_numbers():
    """Category codes read as numbers match the margins' text keys."""
    samples = {"strate": np.array([1, 1, 2, 2, 2, 3]), "sexe": SAMPLES["sexe"]}
    margins = [Margin("strate", {"1": 300, "2": 500, "3": 200}), MARGINS[1]]
    np.testing.assert_allclose(
        rake(samples, margins).weights, rake(SAMPLES, MARGINS).weights, rtol=1e-12
    )


def test_bounded_raking_reports_its_passes_and_the_weights_on_a_bound():
    """Exact counts on the reference data: passes over the margins, and
    respondents whose factor sits on a bound (or the cap)."""
    samples, margins, weights = _fixture_samples()
    bounded = rake(samples, margins, weights, bounds=(0.2, 1.7), tolerance=1e-12)
    assert (bounded.converged, bounded.iterations, bounded.bounded) == (True, 9, 19)
    capped = rake(samples, margins, weights, cap=2.0, tolerance=1e-12)
    assert (capped.converged, capped.iterations, capped.bounded) == (True, 7, 44)
    loose = rake(SAMPLES, MARGINS, bounds=(0.5, 1.5))
    assert (loose.converged, loose.iterations, loose.bounded) == (True, 18, 0)
    np.testing.assert_allclose(loose.weights, rake(SAMPLES, MARGINS).weights, rtol=1e-8)


@pytest.mark.parametrize(
    ("samples", "margins", "bounds", "where"),
    [
        # Above: 1 respondent cannot weigh 200 when factors stop at 1.1.
        (SAMPLES, MARGINS, (0.5, 1.1), "« strate » = « c » (population 200, 1 réponse(s))"),
        # Below: 2 respondents weigh at least 2 × 0.95 × 1,000 / 6 > 300.
        (SAMPLES, MARGINS, (0.95, 3), "« strate » = « a » (population 300, 2 réponse(s))"),
        ({"s": np.array(["a", "a", "a", "b"])}, [Margin("s", {"a": 600, "b": 1500})], (0.1, 1.5),
         "« s » = « b » (population 1\u202f500, 1 réponse(s))"),
    ],
)  # fmt: skip
def test_infeasible_bounds_name_the_category_exactly(samples, margins, bounds, where):
    with pytest.raises(RakingError) as error:
        rake(samples, margins, bounds=bounds)
    assert str(error.value) == (
        f"Le calage ne peut pas respecter les bornes demandées : {where} ne peut pas être "
        "atteinte dans ces bornes ; élargissez-les ou regroupez cette modalité avec une autre."
    )
    # Wider bounds: the raking runs.
    assert rake(SAMPLES, MARGINS, bounds=(0.5, 1.25)).converged
