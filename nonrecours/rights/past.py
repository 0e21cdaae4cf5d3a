"""The benefits of the previous months, which other formulas read (the
resources of the RSA hold the housing aid of the last quarter…): declared
by the household, then, at the fixed point (rights.fixedpoint), computed."""

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nonrecours.rights.rows import Batch, previous_months, put
from nonrecours.rights.situation import Role

# Benefits read by other formulas on past months: given for the 12 previous
# months (declared amount, else 0).
PAST_FAMILY = {
    "rsa": "rsa",
    "ppa": "prime_activite",
    "aide_logement": "aide_logement",
    "af": "af",
    "cf": "cf",
    "asf": "asf",
    "paje_base": "paje_base",
    "aspa": "aspa",
}
PAST_PERSON = {"aah": "aah", "caah": None, "asi": "asi", "ass": None}

# Benefits paid in the previous months, which other formulas read: the
# declared ones, then (fixed point) the ones computed.
FEEDBACK_FAMILY = tuple(PAST_FAMILY)  # OpenFisca variables, family
FEEDBACK_PERSON = ("aah", "asi")
# Declared only (not simulated here): their previous months as received.
DECLARED_FAMILY = {"aeeh": "aeeh"}
DECLARED_PERSON = {"ass": "ass", "pch": "pch", "caah": None}
# Amounts of the previous months closer than this are the same (euros).
STABLE_EPSILON = 0.005  # euros


@dataclass
class Past:
    """Monthly amounts of the previous months: by OpenFisca variable, one
    value per row (family) or per person."""

    family: dict[str, NDArray[np.float64]]
    person: dict[str, NDArray[np.float64]]

    def replaced(self, other: "Past", names: set[str]) -> "Past":
        """These amounts, those of ``names`` taken from ``other``."""
        return Past(
            {k: other.family[k] if k in names else v for k, v in self.family.items()},
            {k: other.person[k] if k in names else v for k, v in self.person.items()},
        )

    def differs(self, other: "Past") -> NDArray[np.bool_]:
        """Rows whose amounts differ (family arrays are per row)."""
        rows = next(iter(self.family.values())).shape[0]
        changed = np.zeros(rows, dtype=bool)
        for name, values in self.family.items():
            changed |= np.abs(values - other.family[name]) > STABLE_EPSILON
        return changed


def declared_past(batch: Batch) -> Past:
    situations, persons = batch.situations, batch.persons
    claimant = np.array([p.role == Role.CLAIMANT for p in persons])
    family: dict[str, NDArray[np.float64]] = {}
    for variable, benefit_id in {**PAST_FAMILY, **DECLARED_FAMILY}.items():
        family[variable] = np.array([s.received.get(benefit_id, 0.0) for s in situations])
    person: dict[str, NDArray[np.float64]] = {}
    person_ids: dict[str, str | None] = {**PAST_PERSON, **DECLARED_PERSON}
    for variable, person_benefit in person_ids.items():
        values = np.zeros(len(persons))
        if person_benefit is not None:
            declared = np.array([s.received.get(person_benefit, 0.0) for s in situations])
            values = np.where(claimant, declared[batch.household_of], 0.0)
        person[variable] = values
    return Past(family, person)


def set_past(simulation: Any, month: str, past: Past, names: set[str] | None = None) -> None:
    """The previous 12 months of the benefits fed back (monthly amounts,
    replacing what was set), all of them or only ``names``."""
    months = previous_months(month, 12)
    for variables in (past.family, past.person):
        for variable, values in variables.items():
            if names is None or variable in names:
                put(simulation, variable, months, values)
