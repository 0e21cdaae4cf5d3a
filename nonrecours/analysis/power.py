"""How many answers a wave needs to detect a change, and the smallest
change a number of answers can detect (minimum detectable effect). Pure
stdlib/numpy, no Django.

The test is the one the wave comparison makes (analysis.waves): two
independent samples, a Wald z-test on the difference of two weighted
shares, each share's variance p(1 − p)/n inflated by the design effect.
For a baseline share p₁, a change Δ (p₂ = p₁ + Δ), a two-sided level α and
a power 1 − β, the answers needed in each wave are

    n = deff · (z_{1−α/2} + z_{1−β})² · (p₁(1 − p₁) + p₂(1 − p₂)) / Δ²

rounded up (Chow, Shao & Wang, *Sample Size Calculations in Clinical
Research*, 2nd ed. 2008, § 4.2, with unequal variances; the design
effect multiplies the simple random sample's size: Kish, *Survey
Sampling*, 1965, § 8.2). The design effect of unequal weights is Kish's
1 + CV² = n Σw² / (Σw)² (Kish, « Weighting for unequal Pi », Journal of
Official Statistics 8, 1992, 183–200).
"""

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from nonrecours.errors import UserError


class PowerInputError(UserError, ValueError):
    """Inputs the calculator cannot use (French message naming the input)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _check(*, alpha: float, power: float, deff: float) -> None:
    if not (0 < alpha < 1) or math.isnan(alpha):
        raise PowerInputError(
            f"Le seuil α doit être strictement entre 0 et 1 (reçu {alpha}).", "alpha"
        )
    if not (0 < power < 1) or math.isnan(power):
        raise PowerInputError(
            f"La puissance doit être strictement entre 0 et 1 (reçu {power}).", "power"
        )
    if not (1e-6 <= deff <= 1e6) or math.isnan(deff):
        raise PowerInputError(
            f"L'effet de plan doit être un nombre positif (reçu {deff}) ; 1 pour un "
            "échantillon aléatoire simple.",
            "deff",
        )


def _check_share(value: float, what: str, field: str) -> None:
    if math.isnan(value) or not 0 < value < 1:
        raise PowerInputError(
            f"{what} doit être strictement entre 0 et 100 % (reçu {100 * value:g} %).", field
        )


def _z_sum(alpha: float, power: float) -> float:
    normal = NormalDist()
    return normal.inv_cdf(1 - alpha / 2) + normal.inv_cdf(power)


def answers_needed(
    *, baseline: float, change: float, alpha: float = 0.05, power: float = 0.8, deff: float = 1.0
) -> int:
    """Answers needed in each of two waves (independent samples, equal
    sizes) to detect ``change`` (a share: 0.05 is 5 points, either sign)
    from ``baseline`` (a share, 0 < p < 1) with a two-sided test at level
    ``alpha`` and probability ``power``, under design effect ``deff``: the
    formula of the module's docstring, rounded up.

    Raises PowerInputError (French, with the input at fault: "baseline",
    "change", "alpha", "power", "deff") when a share is outside (0, 1),
    the change is 0 or leads outside (0, 1), or α, power or deff is out of
    range."""
    _check(alpha=alpha, power=power, deff=deff)
    _check_share(baseline, "La part de départ", "baseline")
    if change == 0 or math.isnan(change):
        raise PowerInputError("L'écart à détecter ne peut pas être nul.", "change")
    target = baseline + change
    if not 0 < target < 1:
        raise PowerInputError(
            f"Un écart de {100 * change:+g} points depuis {100 * baseline:g} % sort de 0 à "
            "100 % : choisissez un écart plus petit.",
            "change",
        )
    variance = baseline * (1 - baseline) + target * (1 - target)
    n = deff * _z_sum(alpha, power) ** 2 * variance / change**2
    # A float a hair above an integer (from rounding) must not add an answer.
    return math.ceil(n - 1e-9)


def minimum_detectable_change(
    *,
    baseline: float,
    first_n: float,
    second_n: float,
    alpha: float = 0.05,
    power: float = 0.8,
    deff: float = 1.0,
    decrease: bool = False,
) -> float | None:
    """The smallest change Δ > 0 (a share) from ``baseline`` that ``first_n``
    answers in the earlier wave and ``second_n`` in the later one detect
    with the module's test (level ``alpha``, ``power``, ``deff``): the root
    of Δ = (z_{1−α/2} + z_{1−β}) √(deff (p₁q₁/n₁ + p₂q₂/n₂)), p₂ = p₁ ± Δ
    (a decrease with ``decrease``), found by bisection to 1e-10.

    Returns None when no change up to 0 or 100 % is detectable with these
    numbers. Raises PowerInputError as answers_needed, and for a number of
    answers below 1."""
    _check(alpha=alpha, power=power, deff=deff)
    _check_share(baseline, "La part de départ", "baseline")
    for value, field in ((first_n, "first_n"), (second_n, "second_n")):
        if math.isnan(value) or value < 1:
            raise PowerInputError(
                f"Le nombre de réponses doit être au moins 1 (reçu {value:g}).", field
            )
    k = _z_sum(alpha, power)
    sign = -1.0 if decrease else 1.0
    room = baseline if decrease else 1 - baseline

    def gap(delta: float) -> float:
        target = baseline + sign * delta
        variance = baseline * (1 - baseline) / first_n + target * (1 - target) / second_n
        return delta - k * math.sqrt(deff * variance)

    # gap is convex with gap(0) < 0: it crosses 0 once, upwards, if at all.
    if gap(room) < 0:
        return None
    low, high = 0.0, room
    while high - low > 1e-10:
        middle = (low + high) / 2
        if gap(middle) < 0:
            low = middle
        else:
            high = middle
    return high


def kish_design_effect(weights: Sequence[float] | np.ndarray) -> float:
    """Kish's design effect of unequal weights, n Σw² / (Σw)² = 1 + CV²
    (CV with the population variance); NaN for no weight. Raises
    PowerInputError for a negative weight or a zero total."""
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0:
        return math.nan
    if (w < 0).any() or not np.isfinite(w).all():
        raise PowerInputError("Les poids doivent être des nombres positifs.", "weights")
    total = float(w.sum())
    if total == 0:
        raise PowerInputError("La somme des poids est nulle.", "weights")
    return float(w.size * float(w @ w) / total**2)
