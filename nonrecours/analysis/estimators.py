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


class _Projection:
    """Least-squares projection on the calibration variables, done with the
    categories' indices rather than the n × p matrix: Xᵀv is a bincount and
    Xβ an indexing, so one projection costs O(n) once (XᵀW0X)⁺ is known."""

    def __init__(self, raking: RakingResult):
        self.members = raking.members
        self.offsets = np.cumsum((0, *raking.sizes))[:-1]
        self.p = int(sum(raking.sizes))
        w0 = raking.initial
        gram = np.zeros((self.p, self.p))
        for i, (mi, si) in enumerate(zip(self.members, raking.sizes, strict=True)):
            for j, (mj, sj) in enumerate(zip(self.members, raking.sizes, strict=True)):
                block = np.bincount(mi * sj + mj, weights=w0, minlength=si * sj).reshape(si, sj)
                oi, oj = self.offsets[i], self.offsets[j]
                gram[oi : oi + si, oj : oj + sj] = block
        # The margins share the intercept: the Gram matrix is singular, and
        # its pseudo-inverse gives the same residuals as R's pivoted QR.
        self.inverse = np.linalg.pinv(gram, rcond=1e-12, hermitian=True)
        self.sizes = raking.sizes

    def residuals(self, v: FloatArray, half: FloatArray) -> FloatArray:
        """v − (X√w0) β, β = argmin |v − (X√w0) β|²."""
        hv = half * v
        xtv = np.concatenate(
            [
                np.bincount(m, weights=hv, minlength=s)
                for m, s in zip(self.members, self.sizes, strict=True)
            ]
        )
        beta = self.inverse @ xtv
        fitted = np.zeros_like(v)
        for m, offset, size in zip(self.members, self.offsets, self.sizes, strict=True):
            fitted += beta[offset : offset + size][m]
        return v - half * fitted


_PROJECTIONS: dict[int, tuple[RakingResult, _Projection]] = {}


def _projection(raking: RakingResult) -> _Projection:
    cached = _PROJECTIONS.get(id(raking))
    if cached is None or cached[0] is not raking:
        _PROJECTIONS.clear()  # one analysis at a time: keep memory flat
        cached = (raking, _Projection(raking))
        _PROJECTIONS[id(raking)] = cached
    return cached[1]


def _calibrated_residuals(z: FloatArray, raking: RakingResult) -> FloatArray:
    """R survey's `qr.resid(qr(X * sqrt(w0)), z / (g sqrt(w0))) * g sqrt(w0)`."""
    half = np.sqrt(raking.initial)
    scaled = raking.g * half
    u = z / scaled
    return _projection(raking).residuals(u, half) * scaled


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
