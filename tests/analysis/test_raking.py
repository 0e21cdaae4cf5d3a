import numpy as np
import pytest

from nonrecours.analysis.raking import Margin, RakingError, rake

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
