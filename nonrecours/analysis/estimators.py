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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from nonrecours.analysis.raking import FloatArray, RakingResult

Z_95 = 1.959963984540054
T = TypeVar("T")


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
        # Equivalent mutants (strict): one size per margin.
        margins = list(zip(self.members, raking.sizes, strict=True))  # pragma: no mutate
        for i, (mi, si) in enumerate(margins):
            for j, (mj, sj) in enumerate(margins):
                block = np.bincount(mi * sj + mj, weights=w0, minlength=si * sj).reshape(si, sj)
                oi, oj = self.offsets[i], self.offsets[j]
                gram[oi : oi + si, oj : oj + sj] = block
        # The margins share the intercept: the Gram matrix is singular, and
        # its pseudo-inverse gives the same residuals as R's pivoted QR.
        # Equivalent mutants: numpy's default cutoff (about 1e-15 × p) drops the
        # same zero eigenvalues; without `hermitian`, an SVD gives the same inverse.
        self.inverse = np.linalg.pinv(gram, rcond=1e-12, hermitian=True)  # pragma: no mutate
        self.sizes = raking.sizes

    def residuals(self, v: FloatArray, half: FloatArray) -> FloatArray:
        """v − (X√w0) β, β = argmin |v − (X√w0) β|²."""
        hv = half * v
        xtv = np.concatenate(
            [
                np.bincount(m, weights=hv, minlength=s)
                for m, s in zip(self.members, self.sizes, strict=True)  # pragma: no mutate
            ]
        )
        beta = self.inverse @ xtv
        fitted = np.zeros_like(v)
        # Equivalent mutants (strict, above too): one size and offset per margin.
        margins = zip(self.members, self.offsets, self.sizes, strict=True)  # pragma: no mutate
        for m, offset, size in margins:
            fitted += beta[offset : offset + size][m]
        return v - half * fitted


# Helpers computed once per calibration, for the latest one only (one
# analysis at a time: memory stays flat).
_LATEST: dict[object, tuple[RakingResult, Any]] = {}


def _for_raking(factory: Callable[[RakingResult], T], raking: RakingResult) -> T:
    # A cache: equivalent mutants on its lookup and store only make it miss,
    # and a miss builds the same helper again.
    cached = _LATEST.get(factory)  # pragma: no mutate
    if cached is None or cached[0] is not raking:  # pragma: no mutate
        cached = (raking, factory(raking))
        _LATEST[factory] = cached  # pragma: no mutate
    helper: T = cached[1]
    return helper


def _projection(raking: RakingResult) -> _Projection:
    return _for_raking(_Projection, raking)


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
        return Estimate(estimate=math.nan, se=math.nan, n=0)
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
    # w is 0 outside the domain: the value filled in there never counts.
    y0 = np.where(inside, y, 0.0)  # pragma: no mutate
    estimate = float((w * y0).sum() / total)
    return estimate, w * (y0 - estimate) / total


def _variance(raking: RakingResult, z: FloatArray) -> float:
    residuals = _calibrated_residuals(z, raking)
    size = residuals.size
    centred = residuals - residuals.mean()
    return size / (size - 1) * float(centred @ centred) if size > 1 else math.nan


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


class _Cells:
    """Sufficient statistics by calibration cell (one category of every
    margin). The calibrated residual of respondent i is z_i − w_i f(cell_i),
    so every sum the variance needs is a sum over cells: one pass over the
    sample per indicator serves all its domains."""

    def __init__(self, raking: RakingResult):
        self.projection = _projection(raking)
        strides = np.cumprod((1, *raking.sizes[::-1]))[:-1][::-1]
        self.count = int(np.prod(raking.sizes))
        self.cell = np.zeros(raking.n, dtype=np.intp)
        # Equivalent mutants (strict, here and below): one stride per margin.
        for member, stride in zip(raking.members, strides, strict=True):  # pragma: no mutate
            self.cell += member * int(stride)
        codes = np.arange(self.count)
        self.cell_members = [
            (codes // int(stride)) % size
            for stride, size in zip(strides, raking.sizes, strict=True)  # pragma: no mutate
        ]
        w = raking.weights
        self.w = w
        self.w0 = raking.initial
        self.all_w = np.bincount(self.cell, weights=w, minlength=self.count)
        self.all_w2 = np.bincount(self.cell, weights=w * w, minlength=self.count)
        self.n = raking.n
        # Per partition: what does not depend on the values (see _full_base).
        self.full_base: dict[tuple[int, int], tuple[object, _FullBase]] = {}


@dataclass(frozen=True)
class _FullBase:
    """For values known for every respondent, the (cell, domain) key of each
    respondent, w², and the per-(cell, domain) sums that do not involve the
    values: computed once per partition, shared by all its indicators."""

    key: NDArray[np.intp]
    w2: FloatArray
    counts: FloatArray
    s_w: FloatArray
    s_w0: FloatArray
    s_w2: FloatArray


def _full_base(cells: _Cells, domains: NDArray[np.intp] | None, domain_count: int) -> _FullBase:
    # Keyed by the domains array itself (kept alive in the entry, so its id
    # is not reused): callers pass the same array for every indicator.
    # A cache: equivalent mutants on its lookup and store only make it miss,
    # and a miss computes the same sums again.
    entry = cells.full_base.get((id(domains), domain_count))  # pragma: no mutate
    if entry is not None and entry[0] is domains:  # pragma: no mutate
        return entry[1]
    codes = np.zeros(cells.n, dtype=np.intp) if domains is None else np.asarray(domains)
    key = cells.cell * domain_count + codes
    size = cells.count * domain_count
    w2 = cells.w * cells.w
    counts, s_w, s_w0, s_w2 = (
        # Equivalent mutant: astype(None) is float64 as well (here and below).
        np.bincount(key, weights=weights, minlength=size).astype(np.float64)  # pragma: no mutate
        for weights in (None, cells.w, cells.w0, w2)
    )
    fixed = _FullBase(key, w2, counts, s_w, s_w0, s_w2)
    cells.full_base[id(domains), domain_count] = (domains, fixed)  # pragma: no mutate
    return fixed


def _cells(raking: RakingResult) -> _Cells:
    return _for_raking(_Cells, raking)


def means_by_domain(
    raking: RakingResult,
    values: NDArray[np.float64],
    domains: NDArray[np.intp] | None = None,
    domain_count: int = 1,
    *,
    with_overall: bool = False,
) -> list[Estimate]:
    """`mean` for every domain of a partition at once (domain codes 0 …
    domain_count − 1; None: the whole sample), in one pass over the sample.
    With `with_overall`, the estimate on the whole sample comes first."""
    cells = _cells(raking)
    y = np.asarray(values, dtype=np.float64)
    base = ~np.isnan(y)
    size = cells.count * domain_count

    def shaped(summed: FloatArray) -> FloatArray:
        return summed.reshape(cells.count, domain_count)

    def sums(weights: FloatArray | None) -> FloatArray:
        counted = np.bincount(key, weights=weights, minlength=size)
        # Equivalent mutant: astype(None) is float64 as well.
        return shaped(counted.astype(np.float64))  # pragma: no mutate

    if base.all():
        fixed = _full_base(cells, domains, domain_count)
        key, yb, wb, w0b, w2 = fixed.key, y, cells.w, cells.w0, fixed.w2
        counts, s_w, s_w0, s_w2 = (
            shaped(s) for s in (fixed.counts, fixed.s_w, fixed.s_w0, fixed.s_w2)
        )
    else:
        codes = np.zeros(y.size, dtype=np.intp) if domains is None else np.asarray(domains)
        key = cells.cell[base] * domain_count + codes[base]
        yb, wb, w0b = y[base], cells.w[base], cells.w0[base]
        w2 = wb * wb
        counts, s_w, s_w0, s_w2 = (sums(weights) for weights in (None, wb, w0b, w2))

    # One buffer for the products (a million rows: no fresh 8 MB per sum);
    # per call, so that threads never share it.
    product = np.empty_like(yb)
    # Equivalent mutants (no `out`): a fresh array holds the same products; only
    # w²y must stay in the buffer, for the last product.
    s_wy = sums(np.multiply(wb, yb, out=product))  # pragma: no mutate
    s_w0y = sums(np.multiply(w0b, yb, out=product))  # pragma: no mutate
    s_w2y = sums(np.multiply(w2, yb, out=product))
    # For 0/1 values y² = y exactly: the last sum is the one before. Equivalent
    # mutants: a test that says "not 0/1" more often only computes that sum.
    binary = bool(np.all((yb == 0) | (yb == 1)))  # pragma: no mutate
    s_w2y2 = s_w2y if binary else sums(np.multiply(product, yb, out=product))  # pragma: no mutate
    stats = [counts, s_w, s_wy, s_w0, s_w0y, s_w2, s_w2y, s_w2y2]
    columns = [[column[:, d] for column in stats] for d in range(domain_count)]
    if with_overall:
        columns.insert(0, [column.sum(axis=1) for column in stats])
    return [_from_cell_sums(cells, *column) for column in columns]


def _from_cell_sums(
    cells: _Cells,
    counts: FloatArray,
    s_w: FloatArray,
    s_wy: FloatArray,
    s_w0: FloatArray,
    s_w0y: FloatArray,
    s_w2: FloatArray,
    s_w2y: FloatArray,
    s_w2y2: FloatArray,
) -> Estimate:
    """The estimate and its calibrated standard error from per-cell sums over
    the domain (see _Cells): r_i = z_i − w_i f(cell_i)."""
    n_d = int(counts.sum())
    total = float(s_w.sum())
    if n_d == 0 or total == 0:
        return Estimate(estimate=math.nan, se=math.nan, n=n_d)
    projection = cells.projection
    estimate = float(s_wy.sum() / total)
    a = (s_w0y - estimate * s_w0) / total
    xtv = np.concatenate(
        [
            # Equivalent mutants: every category has cells (no minlength needed),
            # one size per margin (strict).
            np.bincount(m, weights=a, minlength=s)  # pragma: no mutate
            for m, s in zip(cells.cell_members, projection.sizes, strict=True)  # pragma: no mutate
        ]
    )
    beta = projection.inverse @ xtv
    f = np.zeros(cells.count)
    members, offsets, sizes = cells.cell_members, projection.offsets, projection.sizes
    for m, offset, s in zip(members, offsets, sizes, strict=True):  # pragma: no mutate
        f += beta[offset : offset + s][m]
    sum_z2 = float((s_w2y2 - 2 * estimate * s_w2y + estimate**2 * s_w2).sum()) / total**2
    sum_zwf = float((f * (s_w2y - estimate * s_w2)).sum()) / total
    sum_w2f2 = float((f * f * cells.all_w2).sum())
    sum_r = float((f * cells.all_w).sum())  # minus that; only its square is used
    sum_r2 = sum_z2 - 2 * sum_zwf + sum_w2f2
    n = cells.n
    variance = n / (n - 1) * (sum_r2 - sum_r**2 / n) if n > 1 else math.nan
    return Estimate(estimate=estimate, se=float(np.sqrt(max(variance, 0.0))), n=n_d)
