"""Benefits of claimants' situations, computed by OpenFisca-France.

The tax-benefit system is loaded once per process. Two choices make one
situation take a fraction of a second instead of seconds (ADR 006):

- the income variables a claimant declares (net salary, unemployment
  benefit, pension…) are inputs, not computed from a gross wage through
  the whole payroll chain;
- the benefits of the twelve previous months are given (the amounts the
  household declares it receives, else 0), as a claimant's file does,
  instead of being recomputed month after month.

Many situations are computed in one vectorised simulation (one per month
simulated): the web simulator batches concurrent requests, and the
screening of a partner's file goes by partitions of thousands of
households.
"""

import threading
from collections.abc import Sequence

import numpy as np

from nonrecours.rights.catalogue import benefits
from nonrecours.rights.fixedpoint import settle
from nonrecours.rights.inputs import set_inputs
from nonrecours.rights.outcome import combine
from nonrecours.rights.results import BenefitResult, SimulationResult
from nonrecours.rights.rows import Batch, Variant
from nonrecours.rights.situation import Role, Situation
from nonrecours.rights.system import LEGISLATION_FROM, LEGISLATION_UNTIL, tax_benefit_system

__all__ = [
    "LEGISLATION_FROM",
    "LEGISLATION_UNTIL",
    "BenefitResult",
    "SimulationResult",
    "simulate",
    "tax_benefit_system",
]

_LOCK = threading.Lock()  # one OpenFisca simulation at a time per process


def simulate(situations: Sequence[Situation], *, ranges: bool = True) -> list[SimulationResult]:
    """Every benefit of the catalogue for each situation, in the order given.

    Amounts are those paid once every benefit found is paid (a fixed point
    over the previous months, see `rights.fixedpoint.settle`). With `ranges` (a person's
    simulation), an amount that depends on the tax notice of year N-2 when
    it is not given is a range; without (screening and statistics on many
    households), the incomes of year N-2 are taken as twelve times today's,
    a stated assumption. Situations outside LEGISLATION_FROM..UNTIL get
    "not_computable" results; nothing raises for a parsed Situation.
    """
    results: list[SimulationResult | None] = [None] * len(situations)
    by_month: dict[str, list[int]] = {}
    for index, situation in enumerate(situations):
        if not LEGISLATION_FROM <= situation.month <= LEGISLATION_UNTIL:
            results[index] = _out_of_range(situation)
        else:
            by_month.setdefault(situation.month, []).append(index)
    for month, indices in by_month.items():
        group = [situations[i] for i in indices]
        with _LOCK:
            computed = _simulate_month(month, group, ranges)
        for i, result in zip(indices, computed, strict=True):
            results[i] = result
    return [r for r in results if r is not None]


def _out_of_range(situation: Situation) -> SimulationResult:
    reason = (
        f"la législation connue va de {LEGISLATION_FROM} à {LEGISLATION_UNTIL} : "
        f"{situation.month} ne peut pas être simulé"
    )
    return SimulationResult(
        situation, tuple(BenefitResult(b, "not_computable", reason=reason) for b in benefits())
    )


def _variants(situation: Situation, ranges: bool) -> tuple[Variant, ...]:
    """GIVEN when the tax notice on year N-2 is given; else ASSUMED (the
    amount shown, its assumption stated) and, for a person's simulation,
    LOW and HIGH (the bounds of the range)."""
    if situation.tax_income_n2 is not None:
        return (Variant.GIVEN,)
    return (Variant.ASSUMED, Variant.LOW, Variant.HIGH) if ranges else (Variant.ASSUMED,)


def _simulate_month(
    month: str, situations: Sequence[Situation], ranges: bool
) -> list[SimulationResult]:
    from openfisca_core.simulation_builder import SimulationBuilder

    rows: list[Situation] = []
    row_variants: list[Variant] = []
    rows_of: list[list[int]] = []
    for situation in situations:
        indices = []
        for variant in _variants(situation, ranges):
            indices.append(len(rows))
            rows.append(situation)
            row_variants.append(variant)
        rows_of.append(indices)
    system = tax_benefit_system()
    batch = Batch.of(rows, row_variants)
    n = len(rows)
    roles = np.array([p.role for p in batch.persons])
    family_roles = np.where(
        roles == Role.CLAIMANT, "demandeur", np.where(roles == Role.PARTNER, "conjoint", "enfant")
    )
    tax_roles = np.where(
        roles == Role.CLAIMANT,
        "declarant_principal",
        np.where(roles == Role.PARTNER, "conjoint", "personne_a_charge"),
    )
    home_roles = np.where(
        roles == Role.CLAIMANT,
        "personne_de_reference",
        np.where(roles == Role.PARTNER, "conjoint", "enfant"),
    )
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("individu", np.arange(len(batch.persons)))
    households = np.arange(n)
    for entity, entity_roles in (
        ("famille", family_roles),
        ("foyer_fiscal", tax_roles),
        ("menage", home_roles),
    ):
        population = builder.declare_entity(entity, households)
        builder.join_with_persons(population, batch.household_of, entity_roles)
    simulation = builder.build(system)
    set_inputs(simulation, month, batch)
    first, last, stable = settle(simulation, month, batch)
    results = []
    for index, situation in enumerate(situations):
        results.append(
            combine(situation, [(first[i], last[i]) for i in rows_of[index]], stable[index])
        )
    return results
