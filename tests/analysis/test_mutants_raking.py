"""rake()'s bounds and cap at their limits: a low bound of 0, bounds of
exactly 1, a cap meeting the low bound exactly; the exact French messages."""

import numpy as np
import pytest

from nonrecours.analysis.raking import Margin, RakingError, rake

SAMPLES = {
    "strate": np.array(["a", "a", "b", "b", "b", "c"]),
    "sexe": np.array(["f", "h", "f", "f", "h", "h"]),
}
MARGINS = [Margin("strate", {"a": 300, "b": 500, "c": 200}), Margin("sexe", {"f": 520, "h": 480})]


def _refusal(*args: object, **options: object) -> str:
    with pytest.raises(RakingError) as error:
        rake(SAMPLES, MARGINS, *args, **options)  # type: ignore[arg-type]
    return str(error.value)


def test_a_low_bound_of_zero_is_accepted() -> None:
    bounded = rake(SAMPLES, MARGINS, bounds=(0, 2))
    assert (bounded.converged, bounded.bounded) == (True, 0)
    np.testing.assert_allclose(bounded.weights, rake(SAMPLES, MARGINS).weights, rtol=1e-8)


@pytest.mark.parametrize(("low", "high"), [(1, 2), (0.5, 1)])
def test_bounds_must_leave_one_strictly_inside(low: float, high: float) -> None:
    assert _refusal(bounds=(low, high)) == (
        f"Bornes de calage invalides ({low} ; {high}) : il faut 0 ≤ basse < 1 < haute."
    )


def test_a_cap_exactly_at_the_low_bound_is_not_under_it() -> None:
    """Weights 1 × 5 and 5, bounds (0.5, 2), cap 1.5: the last answer's cap
    and low bound are both 50 (1.5 × 1,000 / 6 / 5 and 0.5 × 1,000 / 10).
    The cap is accepted; the margins then cannot be met, and that is said."""
    assert _refusal([1, 1, 1, 1, 1, 5], bounds=(0.5, 2), cap=1.5) == (
        "Le calage ne peut pas respecter les bornes demandées : « strate » = « c » "
        "(population 200, 1 réponse(s)) ne peut pas être atteinte dans ces bornes ; "
        "élargissez-les ou regroupez cette modalité avec une autre."
    )
    assert _refusal([1, 1, 1, 1, 1, 5.001], bounds=(0.5, 2), cap=1.5) == (
        "Le plafond des poids est plus bas que la borne basse pour certaines réponses "
        "(poids initiaux très inégaux) : relevez le plafond ou baissez la borne basse."
    )


def test_the_passes_of_the_raking_are_counted_exactly() -> None:
    """18 passes over both margins reach the default tolerance; with no pass
    allowed, nothing is reached and the gap is unknown (infinite)."""
    free = rake(SAMPLES, MARGINS)
    assert (free.converged, free.iterations) == (True, 18)
    assert free.max_gap < 1e-10
    none = rake(SAMPLES, MARGINS, max_iterations=0)
    assert (none.converged, none.iterations, none.max_gap) == (False, 0, float("inf"))
