"""Raking (iterative proportional fitting) of survey weights to population
margins, with the information needed for calibrated variance estimation.

Same estimator as R `survey`'s `calibrate(design, ~margins, population,
calfun = "raking")`: the raking solution is unique, so iterating
proportional fitting to a tight tolerance reaches R's Newton solution.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nonrecours import french
from nonrecours.errors import UserError

FloatArray = NDArray[np.float64]


class RakingError(UserError, ValueError):
    """Margins that cannot be used, with a French message saying why."""


@dataclass(frozen=True)
class Margin:
    """Population counts of the categories of one variable."""

    variable: str
    totals: Mapping[str, float]

    @property
    def total(self) -> float:
        return float(sum(self.totals.values()))


@dataclass(frozen=True)
class RakingResult:
    weights: FloatArray  # calibrated weights
    initial: FloatArray  # weights before calibration
    converged: bool
    iterations: int
    max_gap: float  # largest relative gap to a margin total at the end
    members: tuple[NDArray[np.intp], ...]  # category index of each row, per margin
    sizes: tuple[int, ...]  # number of categories of each margin
    bounded: int = 0  # respondents whose weight sits on a bound (bounds or cap)

    @property
    def g(self) -> FloatArray:
        """Calibration factors: calibrated / initial weights."""
        return self.weights / self.initial

    @property
    def n(self) -> int:
        return int(self.weights.size)

    @property
    def kish_deff(self) -> float:
        """Kish's design effect due to unequal weights: n Σw² / (Σw)²."""
        w = self.weights
        return float(w.size * np.sum(w * w) / np.sum(w) ** 2)

    @property
    def effective_n(self) -> float:
        return self.n / self.kish_deff

    @property
    def weight_range(self) -> tuple[float, float]:
        return float(self.weights.min()), float(self.weights.max())


@dataclass(frozen=True)
class Coded:
    """Respondents' categories as a dictionary-encoded column: the distinct
    `labels` and each respondent's index into them (`codes`, shape (n,)).
    Every label is used by some respondent. Saves comparing a million
    strings to the margins' few categories."""

    labels: Sequence[str]
    codes: NDArray[np.intp]

    def values(self) -> NDArray[np.str_]:
        """The category of each respondent, shape (n,)."""
        return np.asarray(self.labels, dtype=str)[self.codes]


Samples = Mapping[str, Sequence[str] | NDArray[Any] | Coded]


def _categories(
    samples: Samples, margins: Sequence[Margin]
) -> tuple[list[NDArray[np.intp]], list[int], FloatArray]:
    """Category index of every respondent for each margin, the number of
    categories of each margin and their population totals; checks first."""
    if not margins:
        raise RakingError("Aucune marge de calage n'est donnée.")
    totals = [m.total for m in margins]
    reference = totals[0]
    for margin, total in zip(margins, totals, strict=True):
        if abs(total - reference) > 1e-6 * max(abs(reference), 1.0):
            raise RakingError(
                f"Les marges ne décrivent pas la même population : « {margins[0].variable} » "
                f"totalise {french.number(reference)} et « {margin.variable} » "
                f"{french.number(total)}."
            )
    members: list[NDArray[np.intp]] = []
    sizes: list[int] = []
    targets: list[float] = []
    n = None
    for margin in margins:
        if margin.variable not in samples:
            raise RakingError(f"La variable de calage « {margin.variable} » manque aux réponses.")
        sample = samples[margin.variable]
        coded = sample if isinstance(sample, Coded) else None
        if coded is not None:  # match the distinct labels, then index
            values = np.asarray(coded.labels, dtype=str)
            size = coded.codes.size
        else:
            values = np.asarray(sample)
            if values.dtype.kind != "U":
                values = values.astype(str)
            size = values.size
        n = size if n is None else n
        if size != n:
            raise RakingError("Les variables de calage n'ont pas toutes le même nombre de lignes.")
        categories = list(margin.totals)
        # Codes by binary search among the few categories: no sort of the sample.
        order = np.argsort(np.array(categories))
        ordered = np.array(categories)[order]
        position = np.minimum(np.searchsorted(ordered, values), len(categories) - 1)
        known = ordered[position] == values
        if not known.all():
            unknown = sorted(set(values[~known].tolist()))
            raise RakingError(
                f"« {margin.variable} » : modalité(s) absente(s) des marges : {', '.join(unknown)}."
            )
        member = order[position].astype(np.intp)
        if coded is not None:
            member = member[coded.codes]
        counts = np.bincount(member, minlength=len(categories))
        for i, (category, total) in enumerate(margin.totals.items()):
            if total < 0:
                raise RakingError(f"« {margin.variable} » : effectif négatif pour « {category} ».")
            if total > 0 and counts[i] == 0:
                raise RakingError(
                    f"« {margin.variable} » : la modalité « {category} » (population "
                    f"{french.number(total)}) n'a aucun répondant ; regroupez-la avec une autre."
                )
            targets.append(float(total))
        members.append(member)
        sizes.append(len(categories))
    return members, sizes, np.asarray(targets)


def rake(
    samples: Samples,
    margins: Sequence[Margin],
    weights: Sequence[float] | FloatArray | None = None,
    *,
    bounds: tuple[float, float] | None = None,
    cap: float | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 10_000,
) -> RakingResult:
    """Calibrated weights whose totals match every margin.

    `samples` maps each margin variable to the respondents' categories
    (one per respondent, or Coded).
    `bounds` = (L, U) keeps every calibration factor within [L, U], the
    factor being the calibrated weight over the initial weight scaled to
    the population total (as Calmar; R's `calibrate(..., bounds = c(L, U))`
    on initial weights that add up to the population): the solution is
    g = min(U, max(L, exp(xβ))). `cap` trims: no weight above `cap` times
    the mean weight, the excess going to the others through the margins.
    Raises RakingError (French) when a category of the sample has no
    population count, a populated category has no respondent, the margins
    disagree on the population total, or the bounds cannot be met.
    """
    members, sizes, targets = _categories(samples, margins)
    n = members[0].size
    initial = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if initial.size != n or not np.all(initial > 0):
        raise RakingError("Les poids initiaux doivent être positifs, un par répondant.")
    if bounds is None and cap is None:
        w, converged, iterations, gap = _ipf(
            members, sizes, targets, initial, tolerance, max_iterations
        )
        bounded = 0
    else:
        lower, upper = _bounds(initial, targets[: sizes[0]].sum(), bounds, cap)
        _check_feasible(margins, members, sizes, targets, initial, lower, upper)
        w, converged, iterations, gap = _bounded_ipf(
            members, sizes, targets, initial, lower, upper, tolerance, min(max_iterations, 2000)
        )
        if not converged:
            raise RakingError(
                "Le calage ne peut pas respecter les bornes demandées "
                f"(écart restant aux marges : {french.percent(gap, 1)}) ; élargissez les bornes "
                "ou regroupez des modalités peu représentées."
            )
        g = w / initial
        bounded = int(np.sum((g <= lower * (1 + 1e-9)) | (g >= upper * (1 - 1e-9))))
    return RakingResult(
        weights=w,
        initial=initial,
        converged=converged,
        iterations=iterations,
        max_gap=gap,
        members=tuple(members),
        sizes=tuple(sizes),
        bounded=bounded,
    )


def _gap(
    members: Sequence[NDArray[np.intp]], sizes: Sequence[int], targets: FloatArray, w: FloatArray
) -> float:
    achieved = np.concatenate(
        [np.bincount(m, weights=w, minlength=s) for m, s in zip(members, sizes, strict=True)]
    )
    return float(np.max(np.abs(achieved - targets) / np.maximum(targets, 1.0)))


def _ipf(
    members: Sequence[NDArray[np.intp]],
    sizes: Sequence[int],
    targets: FloatArray,
    initial: FloatArray,
    tolerance: float,
    max_iterations: int,
) -> tuple[FloatArray, bool, int, float]:
    offsets = np.cumsum([0, *sizes])
    w = initial.copy()
    iterations = 0
    gap = np.inf
    while iterations < max_iterations:
        iterations += 1
        for k, member in enumerate(members):
            current = np.bincount(member, weights=w, minlength=sizes[k])
            wanted = targets[offsets[k] : offsets[k + 1]]
            ratio = np.divide(wanted, current, out=np.ones_like(wanted), where=current > 0)
            w = w * ratio[member]
        gap = _gap(members, sizes, targets, w)
        if gap < tolerance:
            return w, True, iterations, gap
    return w, False, iterations, gap


def _bounds(
    initial: FloatArray,
    total: float,
    bounds: tuple[float, float] | None,
    cap: float | None,
) -> tuple[FloatArray, FloatArray]:
    """Per-respondent bounds on g = w / w0."""
    n = initial.size
    lower = np.zeros(n)
    upper = np.full(n, np.inf)
    if bounds is not None:
        low, high = bounds
        # A NaN fails every comparison: said here, not as a calibration that
        # "cannot meet the bounds".
        if not (math.isfinite(low) and math.isfinite(high) and 0 <= low < 1 < high):
            raise RakingError(
                f"Bornes de calage invalides ({low} ; {high}) : il faut 0 ≤ basse < 1 < haute."
            )
        scale = total / float(initial.sum())
        lower[:] = low * scale
        upper[:] = high * scale
    if cap is not None:
        if not math.isfinite(cap) or cap <= 1:
            raise RakingError(
                f"Plafond des poids invalide ({cap}) : il doit dépasser 1 (fois le poids moyen)."
            )
        # After calibration the mean weight is the population over n.
        upper = np.minimum(upper, cap * total / n / initial)
        if np.any(upper < lower):
            raise RakingError(
                "Le plafond des poids est plus bas que la borne basse pour certaines réponses "
                "(poids initiaux très inégaux) : relevez le plafond ou baissez la borne basse."
            )
    return lower, upper


def _check_feasible(
    margins: Sequence[Margin],
    members: Sequence[NDArray[np.intp]],
    sizes: Sequence[int],
    targets: FloatArray,
    initial: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
) -> None:
    """Each category's total must lie between its respondents' weights all
    at the low bound and all at the high one; otherwise say which."""
    offsets = np.cumsum([0, *sizes])
    for k, (margin, member) in enumerate(zip(margins, members, strict=True)):
        least = np.bincount(member, weights=initial * lower, minlength=sizes[k])
        most = np.bincount(member, weights=initial * upper, minlength=sizes[k])
        wanted = targets[offsets[k] : offsets[k + 1]]
        for category, total, low, high in zip(margin.totals, wanted, least, most, strict=True):
            if total > high * (1 + 1e-9) or total < low * (1 - 1e-9):
                count = int(np.sum(member == list(margin.totals).index(category)))
                population = french.number(total)
                raise RakingError(
                    f"Le calage ne peut pas respecter les bornes demandées : « {margin.variable} » "
                    f"= « {category} » (population {population}, {count} réponse(s)) ne peut pas "
                    "être atteinte dans ces bornes ; élargissez-les ou regroupez cette modalité "
                    "avec une autre."
                )


def _bounded_ipf(
    members: Sequence[NDArray[np.intp]],
    sizes: Sequence[int],
    targets: FloatArray,
    initial: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    tolerance: float,
    max_iterations: int,
) -> tuple[FloatArray, bool, int, float]:
    """Raking with g = clip(exp(xβ), L, U): each pass moves one margin's
    log-factors β until its totals are met given the clipped factors of the
    others (a one-dimensional monotone equation per category, solved by
    safeguarded Newton steps whose length halves when the misfit changes
    sign). The fixed point is the bounded raking solution R's `grake`
    reaches by Newton on all β at once.

    Respondents with the same categories, initial weight and bounds share
    their factor: they are computed once (a million answers fall into a few
    hundred such cells)."""
    stacked = np.column_stack([*members, initial, lower, upper])
    cells, first, inverse, counts = np.unique(
        stacked, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)
    cell_members = [m[first] for m in members]
    w0 = initial[first]
    mass = w0 * counts  # initial weight of each cell
    low, high = lower[first], upper[first]
    offsets = np.cumsum([0, *sizes])
    betas = [np.zeros(s) for s in sizes]
    # Start from the initial weights scaled to the population.
    betas[0][:] = np.log(targets[: sizes[0]].sum() / initial.sum())
    best, best_at = np.inf, 0
    iterations = 0
    # Both set by the first pass before any use (max_iterations ≥ 1).
    gap = np.inf  # pragma: no mutate

    def linear(skip: int) -> FloatArray:
        eta = np.zeros(w0.size)
        for k, member in enumerate(cell_members):
            if k != skip:
                eta += betas[k][member]
        return eta

    g = np.ones(w0.size)  # pragma: no mutate
    while iterations < max_iterations:
        iterations += 1
        for k, member in enumerate(cell_members):
            rest = linear(k)
            wanted = targets[offsets[k] : offsets[k + 1]]
            limit = np.ones(sizes[k])
            previous = np.zeros(sizes[k])
            for _ in range(60):
                with np.errstate(over="ignore"):
                    g_free = np.exp(rest + betas[k][member])
                g = np.clip(g_free, low, high)
                current = np.bincount(member, weights=mass * g, minlength=sizes[k])
                # d(current)/dβ: only cells strictly inside their bounds move.
                inside = (g_free > low) & (g_free < high)
                slope = np.bincount(member, weights=mass * g * inside, minlength=sizes[k])
                misfit = wanted - current
                done = np.abs(misfit) <= tolerance * np.maximum(wanted, 1.0) * 1e-2
                if done.all():
                    break
                # Where every factor of a category sits on a bound, move
                # towards the target until some come off it.
                step = np.divide(misfit, slope, out=np.sign(misfit), where=slope > 0)
                sign = np.sign(misfit)
                limit = np.where(sign * previous < 0, limit / 2, limit)
                previous = sign
                step = np.where(done, 0.0, np.clip(step, -limit, limit))
                betas[k] = np.clip(betas[k] + step, -700.0, 700.0)
        with np.errstate(over="ignore"):
            g = np.clip(np.exp(linear(-1)), low, high)
        gap = _gap(cell_members, sizes, targets, mass * g)
        if gap < tolerance:
            return initial * g[inverse], True, iterations, gap
        # Infeasible bounds: the gap stops shrinking; no point in going on.
        if gap < best * (1 - 1e-3):
            best, best_at = gap, iterations
        elif iterations - best_at > 50:
            break
    del cells
    return initial * g[inverse], False, iterations, gap
