"""Raking (iterative proportional fitting) of survey weights to population
margins, with the information needed for calibrated variance estimation.

Same estimator as R `survey`'s `calibrate(design, ~margins, population,
calfun = "raking")`: the raking solution is unique, so iterating
proportional fitting to a tight tolerance reaches R's Newton solution.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class RakingError(ValueError):
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


Samples = Mapping[str, Sequence[str] | NDArray[Any]]


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
                f"totalise {reference:,.0f} et « {margin.variable} » {total:,.0f}.".replace(
                    ",", "\u202f"
                )
            )
    members: list[NDArray[np.intp]] = []
    sizes: list[int] = []
    targets: list[float] = []
    n = None
    for margin in margins:
        if margin.variable not in samples:
            raise RakingError(f"La variable de calage « {margin.variable} » manque aux réponses.")
        values = np.asarray(samples[margin.variable])
        if values.dtype.kind != "U":
            values = values.astype(str)
        n = values.size if n is None else n
        if values.size != n:
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
        counts = np.bincount(member, minlength=len(categories))
        for i, (category, total) in enumerate(margin.totals.items()):
            if total < 0:
                raise RakingError(f"« {margin.variable} » : effectif négatif pour « {category} ».")
            if total > 0 and counts[i] == 0:
                raise RakingError(
                    f"« {margin.variable} » : la modalité « {category} » (population "
                    f"{total:,.0f}) n'a aucun répondant ; regroupez-la avec une autre.".replace(
                        ",", "\u202f"
                    )
                )
            targets.append(float(total))
        members.append(member)
        sizes.append(len(categories))
    return members, sizes, np.asarray(targets)


def rake(
    samples: Samples,
    margins: Sequence[Margin],
    weights: Sequence[float] | None = None,
    *,
    tolerance: float = 1e-10,
    max_iterations: int = 10_000,
) -> RakingResult:
    """Calibrated weights whose totals match every margin.

    `samples` maps each margin variable to the respondents' categories.
    Raises RakingError (French) when a category of the sample has no
    population count, a populated category has no respondent, or the
    margins disagree on the population total.
    """
    members, sizes, targets = _categories(samples, margins)
    n = members[0].size
    initial = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if initial.size != n or not np.all(initial > 0):
        raise RakingError("Les poids initiaux doivent être positifs, un par répondant.")
    offsets = np.cumsum([0, *sizes])
    w = initial.copy()
    converged = False
    iterations = 0
    gap = np.inf
    while iterations < max_iterations:
        iterations += 1
        for k, member in enumerate(members):
            current = np.bincount(member, weights=w, minlength=sizes[k])
            wanted = targets[offsets[k] : offsets[k + 1]]
            ratio = np.divide(wanted, current, out=np.ones_like(wanted), where=current > 0)
            w = w * ratio[member]
        achieved = np.concatenate(
            [np.bincount(m, weights=w, minlength=s) for m, s in zip(members, sizes, strict=True)]
        )
        gap = float(np.max(np.abs(achieved - targets) / np.maximum(targets, 1.0)))
        if gap < tolerance:
            converged = True
            break
    return RakingResult(
        weights=w,
        initial=initial,
        converged=converged,
        iterations=iterations,
        max_gap=gap,
        members=tuple(members),
        sizes=tuple(sizes),
    )
