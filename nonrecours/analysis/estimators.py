"""Weighted means and proportions with standard errors by linearization
that take the calibration into account.

Same estimator as R `survey`: `svymean` on a design built with
`svydesign(ids = ~1, weights = ~w)` then `calibrate(..., calfun = "raking")`,
and `svyby`/`subset` for domains. The influence values of the estimator
are projected on the calibration variables (weighted least-squares
residuals, with the initial weights) before the with-replacement variance
of a one-stage design: V = n/(n-1) Σ (z_i - z̄)².
"""

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nonrecours.analysis.raking import FloatArray, RakingResult

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    estimate: float
    se: float
    n: int  # respondents in the domain (and the base)

    @property
    def ci_low(self) -> float:
        return self.estimate - Z_95 * self.se

    @property
    def ci_high(self) -> float:
        return self.estimate + Z_95 * self.se


def _calibrated_residuals(z: FloatArray, raking: RakingResult) -> FloatArray:
    """R survey's `qr.resid(qr(X * sqrt(w0)), z / (g sqrt(w0))) * g sqrt(w0)`."""
    half = np.sqrt(raking.initial)
    scaled = raking.g * half
    model = raking.design * half[:, None]
    u = z / scaled
    beta, *_ = np.linalg.lstsq(model, u, rcond=None)
    return (u - model @ beta) * scaled


def mean(
    raking: RakingResult,
    values: NDArray[np.float64],
    domain: NDArray[np.bool_] | None = None,
) -> Estimate:
    """Weighted mean of `values` over the domain. NaN values are outside the
    domain (an indicator's base). A proportion is the mean of a 0/1 variable."""
    y = np.asarray(values, dtype=np.float64)
    inside = ~np.isnan(y)
    if domain is not None:
        inside &= np.asarray(domain, dtype=bool)
    n = int(inside.sum())
    if n == 0:
        return Estimate(estimate=float("nan"), se=float("nan"), n=0)
    estimate, z = _influence(raking, y, domain)
    variance = _variance(raking, z)
    return Estimate(estimate=estimate, se=float(np.sqrt(max(variance, 0.0))), n=n)


@dataclass(frozen=True)
class Difference:
    estimate: float  # first minus second
    se: float

    @property
    def z(self) -> float:
        return self.estimate / self.se if self.se > 0 else float("nan")

    @property
    def p_value(self) -> float:
        """Two-sided p-value of "no difference" (normal approximation)."""
        return float(math.erfc(abs(self.z) / math.sqrt(2))) if self.se > 0 else float("nan")


def _influence(
    raking: RakingResult, values: NDArray[np.float64], domain: NDArray[np.bool_] | None
) -> tuple[float, FloatArray]:
    y = np.asarray(values, dtype=np.float64)
    inside = ~np.isnan(y)
    if domain is not None:
        inside &= np.asarray(domain, dtype=bool)
    w = np.where(inside, raking.weights, 0.0)
    total = w.sum()
    y0 = np.where(inside, y, 0.0)
    estimate = float((w * y0).sum() / total)
    return estimate, w * (y0 - estimate) / total


def _variance(raking: RakingResult, z: FloatArray) -> float:
    residuals = _calibrated_residuals(z, raking)
    size = residuals.size
    centred = residuals - residuals.mean()
    return size / (size - 1) * float(centred @ centred) if size > 1 else float("nan")


def difference(
    raking: RakingResult,
    values: NDArray[np.float64],
    first: NDArray[np.bool_],
    second: NDArray[np.bool_],
) -> Difference:
    """Difference between the means of two domains of the same sample (e.g.
    Arras and the rural communes), with the covariance the calibration
    induces between them (R: svyby(..., covmat = TRUE) then svycontrast)."""
    a, za = _influence(raking, values, first)
    b, zb = _influence(raking, values, second)
    variance = _variance(raking, za - zb)
    return Difference(estimate=a - b, se=float(np.sqrt(max(variance, 0.0))))


def difference_between_waves(later: Estimate, earlier: Estimate) -> Difference:
    """Change from one wave to the next: independent samples, variances add."""
    return Difference(
        estimate=later.estimate - earlier.estimate,
        se=float(np.sqrt(later.se**2 + earlier.se**2)),
    )
