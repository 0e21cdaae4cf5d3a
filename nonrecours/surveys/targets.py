"""Targets of a campaign: a number of answers split between communes.

Written once, so that the campaign's total, the sum over strata and the sum
over communes always agree: every split uses the largest remainder (Hamilton)
method, which rounds while keeping the sum exact. Pure functions, no Django.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nonrecours.errors import UserError

# Every commune of the territory is reached: no target below this many
# answers (a product choice of the barometer, see docs/guide/barometre.md).
MINIMUM_PER_COMMUNE = 5


class TargetError(UserError, ValueError):
    """Targets that cannot be split as asked (message in French);
    ``stratum`` names the stratum at fault, "" for the total."""

    def __init__(self, message: str, stratum: str = ""):
        super().__init__(message)
        self.stratum = stratum


def apportion(total: int, weights: Sequence[int], *, minimum: int = 0) -> list[int]:
    """Split ``total`` into whole numbers proportional to ``weights``, each at
    least ``minimum``, summing exactly to ``total``.

    Shapes: ``weights`` is one non-negative integer per unit (a population,
    in inhabitants); the result is one integer per unit, in the same order.
    Method: units whose proportional share falls below ``minimum`` get
    ``minimum``, and the rest is shared again between the others until no
    share is below it; the shares left are then rounded by the largest
    remainder (Hamilton) method, ties going to the larger weight, then to the
    earlier unit. Exact integer arithmetic (no floating point). When every
    weight is 0, the units weigh the same.

    Promises: ``sum(result) == total``; every item >= ``minimum``; a larger
    weight never gets less than a smaller one.

    Raises TargetError (French) for a negative total, weight or minimum, for
    a positive total without any unit, or when ``total`` is below
    ``minimum * len(weights)``.

    Source: M. Balinski, H. P. Young, *Fair Representation* (2001), ch. 2
    (Hamilton's method).
    """
    if total < 0:
        raise TargetError(f"Un objectif ne peut pas être négatif ({total}).")
    if minimum < 0:
        raise TargetError(f"Un minimum ne peut pas être négatif ({minimum}).")
    if any(w < 0 for w in weights):
        raise TargetError("Une population ne peut pas être négative.")
    count = len(weights)
    if count == 0:
        if total:
            raise TargetError(f"Aucune commune entre lesquelles répartir {total} réponses.")
        return []
    if total < minimum * count:
        raise TargetError(
            f"L'objectif de {total} réponses est inférieur au minimum de {minimum} réponses "
            f"par commune pour {count} communes ({minimum * count} réponses au moins)."
        )
    if not any(weights):
        weights = [1] * count
    result = [0] * count
    free = [i for i in range(count) if weights[i] > 0]
    for i in range(count):
        if weights[i] == 0:
            result[i] = minimum
    left = total - minimum * (count - len(free))
    # Fix at the minimum every unit whose share is below it, until stable:
    # each fixing lowers the others' shares, so this ends in <= count rounds.
    while True:
        weight = sum(weights[i] for i in free)
        below = [i for i in free if left * weights[i] < minimum * weight]
        if not below:
            break
        for i in below:
            result[i] = minimum
        left -= minimum * len(below)
        free = [i for i in free if i not in set(below)]
    if not free:
        return result
    weight = sum(weights[i] for i in free)
    remainders = []
    for i in free:
        whole, remainder = divmod(left * weights[i], weight)
        result[i] = whole
        remainders.append((remainder, weights[i], -i))
    missing = left - sum(result[i] for i in free)
    for _, _, negative_index in sorted(remainders, reverse=True)[:missing]:
        result[-negative_index] += 1
    return result


@dataclass(frozen=True)
class CommuneWeight:
    """A commune as the split sees it: INSEE code, population (inhabitants)
    and stratum (a ``territories.enums.Stratum`` value)."""

    insee_code: str
    population: int
    stratum: str


def commune_targets(
    communes: Sequence[CommuneWeight],
    *,
    total: int,
    stratum_extras: Mapping[str, int] | None = None,
    minimum: int = MINIMUM_PER_COMMUNE,
    stratum_labels: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Target of each commune, by INSEE code.

    ``total`` answers are split between all the communes by population, at
    least ``minimum`` each (when ``total`` is 0, nothing is split). Each
    extra target of ``stratum_extras`` (stratum value -> answers on top of
    the total) is then split between that stratum's communes by population;
    without a total, each of them gets at least ``minimum`` from the extra.
    Both splits use apportion(), so the sum of the result is exactly
    ``total + sum(stratum_extras.values())``, and the sum over the communes
    of a stratum is exactly its share of the total plus its extra. Communes
    with no target at all are left out.

    Raises TargetError (French, naming the stratum with ``stratum_labels``)
    when a split is impossible: negative figure, minimum out of reach, extra
    target for a stratum without communes.
    """
    labels = stratum_labels or {}
    result: dict[str, int] = {}
    if total:
        for commune, target in zip(
            communes,
            apportion(total, [c.population for c in communes], minimum=minimum),
            strict=True,
        ):
            result[commune.insee_code] = target
    for stratum, extra in (stratum_extras or {}).items():
        label = labels.get(stratum, stratum)
        members = [c for c in communes if c.stratum == stratum]
        if extra and not members:
            raise TargetError(
                f"La strate « {label} » n'a aucune commune de population connue.", stratum
            )
        try:
            shares = apportion(
                extra, [c.population for c in members], minimum=0 if total else minimum
            )
        except TargetError as error:
            raise TargetError(f"Strate « {label} » : {error}", stratum) from None
        for commune, share in zip(members, shares, strict=True):
            result[commune.insee_code] = result.get(commune.insee_code, 0) + share
    return {code: target for code, target in result.items() if target}
