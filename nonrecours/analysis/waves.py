"""Comparing two waves of the barometer, and their changes between two
groups of communes (difference-in-differences). Pure numpy/stdlib, no Django.

The two waves are independent samples (two draws, two calibrations): the
variance of a difference of their estimates is the sum of their variances
(Lumley, *Complex Surveys*, Wiley 2010, § 2.2 and `svycontrast` on
independent designs; Kish, *Survey Sampling*, 1965, § 12.4). Each
estimate's standard error is the calibrated linearised one of
nonrecours.analysis.estimators (the same as R `survey`'s `svymean` after
`calibrate`). Tests are Wald z-tests, two-sided, normal approximation.

Shares are between 0 and 1; a difference of shares is a share too (0.034
is 3.4 points).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from nonrecours.analysis.estimators import Difference, Estimate, difference_between_waves

ALPHA = 0.05


def z_critical(alpha: float = ALPHA) -> float:
    """The two-sided critical value z_{1 − α/2} of the standard normal
    (1.959964 for α = 0.05). Raises ValueError unless 0 < α < 1."""
    if not 0 < alpha < 1:
        raise ValueError(f"Le seuil α doit être strictement entre 0 et 1 (reçu {alpha}).")
    return NormalDist().inv_cdf(1 - alpha / 2)


@dataclass(frozen=True)
class WaveChange:
    """One cell (an indicator in a published domain) in two waves:
    ``first`` the earlier wave's estimate, ``second`` the later one's;
    ``difference`` = second − first (share), ``se`` its standard error."""

    first: Estimate
    second: Estimate
    difference: float
    se: float
    alpha: float = ALPHA

    @property
    def z(self) -> float:
        return Difference(self.difference, self.se).z

    @property
    def p_value(self) -> float:
        """Two-sided p-value of "no change" (NaN when the SE is 0)."""
        return Difference(self.difference, self.se).p_value

    @property
    def ci_low(self) -> float:
        return self.difference - z_critical(self.alpha) * self.se

    @property
    def ci_high(self) -> float:
        return self.difference + z_critical(self.alpha) * self.se


def wave_change(first: Estimate, second: Estimate, *, alpha: float = ALPHA) -> WaveChange:
    """The change of a cell from ``first`` (earlier wave) to ``second``
    (later wave): difference and SE √(se₁² + se₂²) (independent samples,
    see the module's docstring); ``alpha`` sets the interval's level."""
    change = difference_between_waves(second, first)
    return WaveChange(first, second, change.estimate, change.se, alpha)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), in the
    order given; NaN values are left out of the family and stay NaN.

    q_(i) = min_{j ≥ i} min(1, m p_(j) / j) over the m p-values sorted
    ascending — R's ``p.adjust(p, method = "BH")``. Source: Y. Benjamini,
    Y. Hochberg, « Controlling the false discovery rate », JRSS B 57 (1995),
    289–300."""
    known = [(p, i) for i, p in enumerate(p_values) if not math.isnan(p)]
    adjusted = [math.nan] * len(p_values)
    m = len(known)
    running = 1.0
    for rank, (p, i) in reversed(list(enumerate(sorted(known), start=1))):
        running = min(running, m * p / rank)
        adjusted[i] = min(1.0, running)
    return adjusted


def reading(difference: float, p_value: float, *, alpha: float = ALPHA) -> str:
    """The change in French words: « hausse significative », « baisse
    significative » when p < α, else « pas d'écart décelable »; « — » when
    the p-value is unknown (no variance)."""
    if math.isnan(p_value):
        return "—"
    if p_value >= alpha:
        return "pas d'écart décelable"
    return "hausse significative" if difference > 0 else "baisse significative"


@dataclass(frozen=True)
class DiffInDiff:
    """(B_exposed − A_exposed) − (B_unexposed − A_unexposed) of weighted
    estimates, A the earlier wave, B the later; ``se`` its standard error
    (see difference_in_differences), ``se_four`` the square root of the sum
    of the four variances (groups taken as independent)."""

    exposed_first: Estimate
    exposed_second: Estimate
    unexposed_first: Estimate
    unexposed_second: Estimate
    estimate: float
    se: float
    se_four: float
    alpha: float = ALPHA

    @property
    def exposed_change(self) -> float:
        return self.exposed_second.estimate - self.exposed_first.estimate

    @property
    def unexposed_change(self) -> float:
        return self.unexposed_second.estimate - self.unexposed_first.estimate

    @property
    def p_value(self) -> float:
        return Difference(self.estimate, self.se).p_value

    @property
    def ci_low(self) -> float:
        return self.estimate - z_critical(self.alpha) * self.se

    @property
    def ci_high(self) -> float:
        return self.estimate + z_critical(self.alpha) * self.se


def difference_in_differences(
    *,
    exposed_first: Estimate,
    exposed_second: Estimate,
    unexposed_first: Estimate,
    unexposed_second: Estimate,
    first_gap: Difference | None = None,
    second_gap: Difference | None = None,
    alpha: float = ALPHA,
) -> DiffInDiff:
    """The difference-in-differences of four weighted estimates (shares).

    The two waves are independent samples: Var(DiD) = Var(gap_B) + Var(gap_A),
    gap = exposed − unexposed within a wave. ``first_gap``/``second_gap``:
    each wave's gap with its SE computed on the wave's calibrated sample
    (estimators.difference: it keeps the covariance the calibration induces
    between two domains of one sample, as R's svyby(covmat = TRUE) then
    svycontrast); without them, the groups are taken as independent too and
    the variance is the sum of the four variances (``se_four``, always
    given). The estimate assumes common trends: without the bus, exposed
    and unexposed communes would have changed alike. Sources: Lumley,
    *Complex Surveys* (2010) § 2.2 and 3.5; Angrist & Pischke, *Mostly
    Harmless Econometrics* (2009) § 5.2.
    """
    four = (exposed_first, exposed_second, unexposed_first, unexposed_second)
    estimate = (exposed_second.estimate - exposed_first.estimate) - (
        unexposed_second.estimate - unexposed_first.estimate
    )
    se_four = math.sqrt(sum(e.se**2 for e in four))
    se = se_four
    if first_gap is not None and second_gap is not None:
        se = math.sqrt(first_gap.se**2 + second_gap.se**2)
    return DiffInDiff(*four, estimate=estimate, se=se, se_four=se_four, alpha=alpha)
