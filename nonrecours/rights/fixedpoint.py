"""The amounts once every benefit found is paid: the previous months set to
the amounts computed and everything recomputed until nothing moves (the
fixed point, ADR 006)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nonrecours.rights.catalogue import benefits
from nonrecours.rights.dependencies import feedback_dependents, to_recompute
from nonrecours.rights.inputs import attach_students
from nonrecours.rights.past import (
    FEEDBACK_FAMILY,
    FEEDBACK_PERSON,
    PAST_FAMILY,
    STABLE_EPSILON,
    Past,
    declared_past,
    set_past,
)
from nonrecours.rights.rows import Batch, Variant, in_higher_education, previous_months
from nonrecours.rights.situation import TENANTS, Activity, Role, Schooling, Situation

# The fixed point: passes at most (each one a full computation).
MAX_PASSES = 6


def _inputs_of(simulation: Any) -> dict[str, set[Any]]:
    """The periods each variable holds right after the inputs are set."""
    known: dict[str, set[Any]] = {}
    for population in simulation.populations.values():
        for name, holder in population._holders.items():
            known[name] = set(holder.get_known_periods())
    return known


def forget_computed(
    simulation: Any, inputs: dict[str, set[Any]], month: str, moved: Iterable[str]
) -> None:
    """Drop the computed values that may read the previous months of the
    feedback variables `moved`, keeping the inputs: the next pass
    recomputes from the new previous months. Only the variables that may
    depend on them (rights.dependencies, traced) and only their periods that
    do not end before the first previous month set (year N-2: the tax
    notice's chain)."""
    dependents = feedback_dependents()
    _forget(
        simulation, inputs, month, None if dependents is None else to_recompute(dependents, moved)
    )


def forget_everything(
    simulation: Any, inputs: dict[str, set[Any]], month: str, moved: Iterable[str]
) -> None:
    """As forget_computed, for every variable (the reference computation)."""
    _forget(simulation, inputs, month, None)


def _forget(
    simulation: Any, inputs: dict[str, set[Any]], month: str, names: frozenset[str] | None
) -> None:
    from openfisca_core import periods

    first = periods.period(previous_months(month, 12)[0]).start
    old: dict[Any, bool] = {}  # period → ends before the first previous month
    for population in simulation.populations.values():
        for name, holder in population._holders.items():
            if names is not None and name not in names:
                continue
            kept = inputs.get(name, set())
            # One pass over the holder's arrays, dropping exactly the periods
            # forgotten (Holder.delete_arrays scans every array per period).
            storage = holder._memory_storage
            remaining = {
                period: values
                for period, values in storage._arrays.items()
                if period in kept or old.setdefault(period, period.stop < first)
            }
            if len(remaining) < len(storage._arrays):
                storage._arrays = remaining


@dataclass
class _Pass:
    """What one pass computed, by benefit id: per row (family totals for
    individual benefits) and per person for the individual ones fed back."""

    amounts: dict[str, NDArray[np.float64]]
    person_amounts: dict[str, NDArray[np.float64]]
    participation: NDArray[np.float64]
    housing_status: NDArray[Any]
    css_margin: NDArray[np.float64]  # see RowAmounts


def _compute(simulation: Any, month: str, batch: Batch) -> _Pass:
    n = len(batch.situations)
    year = month[:4]
    neither_work_nor_school = np.array(
        [
            p.activity in (Activity.JOB_SEEKER, Activity.INACTIVE) and p.schooling == Schooling.NONE
            for p in batch.persons
        ]
    )
    amounts: dict[str, NDArray[np.float64]] = {}
    person_amounts: dict[str, NDArray[np.float64]] = {}
    students = any(p.role != Role.CHILD and in_higher_education(p) for p in batch.persons)
    for benefit in benefits():
        period = year if benefit.period == "year" else month
        if benefit.variable == "bourse_criteres_sociaux" and not students:
            # No student in the batch: the grant's computation (the tax
            # chain of year N-2 for autonomy) is skipped.
            values = np.zeros(len(batch.persons))
        else:
            values = np.asarray(simulation.calculate(benefit.variable, period), dtype=np.float64)
        if benefit.variable == "contrat_engagement_jeune":
            # For young people neither in work nor in training (OpenFisca
            # only tapers it with their resources).
            values = np.where(neither_work_nor_school, values, 0.0)
        if benefit.entity == "individu":
            person_amounts[benefit.variable] = values
            values = _family_total(values, batch, n)
        amounts[benefit.id] = values
    participation = np.asarray(simulation.calculate("css_participation_forfaitaire", month))
    foyer = np.asarray(simulation.calculate("aide_logement_non_calculable", month).decode_to_str())
    # How far the CSS resources are from the ceiling that decides (the
    # participation ceiling when not eligible, the free one when paying).
    resources = np.asarray(simulation.calculate("css_cmu_base_ressources", month), dtype=float)
    free = np.asarray(simulation.calculate("cmu_c_plafond", month), dtype=float)
    paying = np.asarray(simulation.calculate("acs_plafond", month), dtype=float)
    ceiling = np.where(amounts["css"] > 0, free, np.where(participation > 0, free, paying))
    margin = np.divide(resources, ceiling, out=np.full_like(resources, np.inf), where=ceiling > 0)
    return _Pass(amounts, person_amounts, participation.astype(np.float64), foyer, margin)


def _computed_past(done: _Pass, declared: Past, batch: Batch) -> Past:
    """The previous months as they will be once every benefit found is
    paid: the amounts computed, except where the simulator cannot compute
    one (then what the household declares)."""
    family = dict(declared.family)
    not_computable_housing = np.array(
        [
            (s.housing in TENANTS and not s.commune) or str(status) == "locataire_foyer"
            for s, status in zip(batch.situations, done.housing_status, strict=True)
        ]
    )
    for variable in FEEDBACK_FAMILY:
        computed = done.amounts[PAST_FAMILY[variable]]
        if variable == "aide_logement":
            computed = np.where(not_computable_housing, declared.family[variable], computed)
        family[variable] = computed
    person = dict(declared.person)
    for variable in FEEDBACK_PERSON:
        person[variable] = done.person_amounts[variable]
    return Past(family, person)


def settle(
    simulation: Any, month: str, batch: Batch
) -> tuple[list["RowAmounts"], list["RowAmounts"], list[bool]]:
    """The amounts of the first months, and the amounts once every benefit
    found is paid: the previous months are set to the amounts computed and
    everything recomputed until nothing moves (as the next quarterly reviews
    of a CAF file would), at most MAX_PASSES times. Benefits that exclude
    each other (CEJ and RSA or prime d'activité, AAH and ASPA…) settle as
    OpenFisca-France decides on these previous months. Returns, per row, the
    first and last amounts and whether they settled."""
    inputs = _inputs_of(simulation)
    if attach_students(simulation, month, batch):
        inputs["bourse_criteres_sociaux_etudiant_autonome"] = set(
            simulation.get_holder("bourse_criteres_sociaux_etudiant_autonome").get_known_periods()
        )
        forget_computed(simulation, inputs, month, (*FEEDBACK_FAMILY, *FEEDBACK_PERSON))
    declared = declared_past(batch)
    first = _compute(simulation, month, batch)
    done, past = first, declared
    stable = np.ones(len(batch.situations), dtype=bool)
    for _ in range(MAX_PASSES - 1):
        wanted = _computed_past(done, declared, batch)
        moved = _moved(wanted, past)
        if not moved:
            break
        # Only what moved is set again (and what reads it recomputed): a
        # change under STABLE_EPSILON keeps the months already set.
        forget_computed(simulation, inputs, month, moved)
        past = past.replaced(wanted, moved)
        set_past(simulation, month, past, moved)
        done = _compute(simulation, month, batch)
    else:
        wanted = _computed_past(done, declared, batch)
        stable = ~(wanted.differs(past) | _person_differs(wanted, past, batch))
    return _rows(first, batch), _rows(done, batch), [bool(x) for x in stable]


def _moved(wanted: Past, past: Past) -> set[str]:
    """The feedback variables whose previous months would change, in any row."""
    return {
        name
        for new, old in ((wanted.family, past.family), (wanted.person, past.person))
        for name, values in new.items()
        if (np.abs(values - old[name]) > STABLE_EPSILON).any()
    }


def _person_differs(a: Past, b: Past, batch: Batch) -> NDArray[np.bool_]:
    changed = np.zeros(len(batch.situations), dtype=bool)
    for name, values in a.person.items():
        moved = np.abs(values - b.person[name]) > STABLE_EPSILON
        changed |= np.bincount(batch.household_of, weights=moved, minlength=len(changed)) > 0
    return changed


@dataclass(frozen=True)
class RowAmounts:
    situation: Situation
    variant: Variant
    amounts: dict[str, float]
    participation: float
    housing_status: str
    # CSS resources / the ceiling that decides (free ceiling for a paying or
    # free CSS, participation ceiling when not eligible).
    css_margin: float


def _rows(done: _Pass, batch: Batch) -> list[RowAmounts]:
    return [
        RowAmounts(
            situation,
            batch.variants[index],
            {key: float(values[index]) for key, values in done.amounts.items()},
            float(done.participation[index]),
            str(done.housing_status[index]),
            float(done.css_margin[index]),
        )
        for index, situation in enumerate(batch.situations)
    ]


def _family_total(values: NDArray[Any], batch: Batch, n: int) -> NDArray[np.float64]:
    total: NDArray[np.float64] = np.bincount(
        batch.household_of, weights=values.astype(np.float64), minlength=n
    ).astype(np.float64)
    return total
