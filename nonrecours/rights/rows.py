"""The rows of one vectorised simulation: the months simulated, the
variants of a situation (incomes of year N-2), the persons flattened into
OpenFisca's entities, and inputs held for many months at once."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nonrecours.rights.situation import Activity, Person, Role, Schooling, Situation


def simulated_months(month: str) -> list[str]:
    """January of the previous year up to the simulated month."""
    year, number = int(month[:4]), int(month[5:])
    result = [f"{year - 1}-{m:02d}" for m in range(1, 13)]
    result += [f"{year}-{m:02d}" for m in range(1, number + 1)]
    return result


def previous_months(month: str, count: int) -> list[str]:
    """The ``count`` months before the simulated month, oldest first."""
    return simulated_months(month)[-count - 1 : -1]


class Variant(StrEnum):
    """How the incomes of year N-2 (tax notice) are set for one computation."""

    GIVEN = "given"  # the tax notice on year N-2 is given
    ASSUMED = "assumed"  # not given: twelve times today's monthly incomes
    LOW = "low"  # not given: no income (the upper bound of the amounts)
    HIGH = "high"  # not given: a high income (the lower bound)


@dataclass
class Batch:
    """The rows of one month (a situation, or one variant of it), flattened
    into OpenFisca's entities."""

    situations: Sequence[Situation]  # one per row
    variants: Sequence[Variant]
    persons: list[Person]
    household_of: NDArray[np.intp]

    @classmethod
    def of(cls, situations: Sequence[Situation], variants: Sequence[Variant]) -> "Batch":
        persons: list[Person] = []
        household_of: list[int] = []
        for index, situation in enumerate(situations):
            # OpenFisca wants the claimant first in each entity.
            ordered = sorted(
                situation.persons,
                key=lambda p: (Role.CLAIMANT, Role.PARTNER, Role.CHILD).index(p.role),
            )
            persons.extend(ordered)
            household_of.extend([index] * len(ordered))
        return cls(situations, variants, persons, np.asarray(household_of, dtype=np.intp))


@functools.lru_cache(maxsize=256)
def _month_period(month: str) -> Any:
    from openfisca_core import periods

    return periods.period(month)


def put(simulation: Any, name: str, months: Sequence[str], values: NDArray[Any]) -> None:
    """One input, the same for each of these months: checked and converted
    once by OpenFisca (Holder._to_array: length, enumeration, type), then
    held for each month (what set_input ends doing, without checking and
    converting again each month)."""
    holder = simulation.get_holder(name)
    if holder.variable.definition_period != "month" or holder._disk_storage is not None:
        for month in months:
            simulation.set_input(name, month, values)
        return
    array = holder._to_array(values)
    arrays = holder._memory_storage._arrays
    for month in months:
        arrays[_month_period(month)] = array


def in_higher_education(person: Person) -> bool:
    """An adult student is in higher education unless a school level is
    given (a lycée pupil of 18, say)."""
    return person.activity == Activity.STUDENT and person.schooling in (
        Schooling.HIGHER,
        Schooling.NONE,
    )
