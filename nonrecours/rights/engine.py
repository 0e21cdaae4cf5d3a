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

import datetime
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nonrecours.rights.catalogue import Benefit, benefits, in_kind_text
from nonrecours.rights.situation import (
    ACTIVITY_TO_OPENFISCA,
    TENANTS,
    Activity,
    Housing,
    Person,
    Role,
    Schooling,
    Situation,
)

# Declared incomes become inputs (their formulas would start from gross pay).
INPUT_ONLY = (
    "salaire_net",
    "salaire_imposable",
    "salaire_de_base",
    "chomage_net",
    "chomage_imposable",
    "chomage_brut",
    "retraite_nette",
    "retraite_imposable",
    "indemnites_journalieres",
    "revenus_non_salarie_nets",
    "rpns_imposables",
    "remuneration_apprenti",
    "indemnites_chomage_partiel",
    "pensions_invalidite",
)
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

# From a declared net amount to the taxable and gross amounts each benefit
# reads (RSA and prime d'activité: net; housing aid: taxable; ASPA: gross).
# Private-sector employee, 2026 rates (measured on OpenFisca-France's own
# payroll: net = 0.792 × gross, taxable = 0.820 × gross); unemployment
# benefit: CSG 6.2 % (3.8 deductible), CRDS 0.5 %; pension: CSG 8.3 % (5.9
# deductible), CRDS 0.5 %, CASA 0.3 %.
SALARY_GROSS = 1 / 0.792
SALARY_TAXABLE = 0.820 / 0.792
UNEMPLOYMENT_GROSS = 1 / 0.933
UNEMPLOYMENT_TAXABLE = 0.962 / 0.933
PENSION_GROSS = 1 / 0.909
PENSION_TAXABLE = 0.941 / 0.909

# The legislation shipped with openfisca-france 176.1.8 is up to date for
# the months up to this one (latest scales: housing aid October 2026); a
# month further on would silently reuse old scales.
LEGISLATION_FROM = "2024-01"
LEGISLATION_UNTIL = "2027-03"


@cache
def tax_benefit_system() -> Any:
    from openfisca_france import FranceTaxBenefitSystem

    system = FranceTaxBenefitSystem()  # this process's own instance
    for name in INPUT_ONLY:
        system.variables[name].formulas.clear()
    return system


_LOCK = threading.Lock()  # one OpenFisca simulation at a time per process


@dataclass(frozen=True)
class BenefitResult:
    benefit: Benefit
    status: str  # "eligible", "not_eligible", "not_computable"
    monthly: float | None = None  # euros per month (for a yearly benefit: a twelfth)
    yearly: float | None = None  # for benefits paid once a year or by term
    participation: float | None = None  # CSS: monthly contribution of the household
    reason: str = ""  # why it cannot be computed, or what to check

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"

    def as_json(self) -> dict[str, Any]:
        return {
            "prestation": self.benefit.id,
            "libelle": self.benefit.label,
            "statut": {
                "eligible": "eligible",
                "not_eligible": "non_eligible",
                "not_computable": "non_calculable",
            }[self.status],
            "montant_mensuel": self.monthly,
            "montant_annuel": self.yearly,
            "participation_mensuelle": self.participation,
            "remarque": self.reason,
            "versee_par": self.benefit.payer,
        }


@dataclass(frozen=True)
class SimulationResult:
    situation: Situation
    benefits: tuple[BenefitResult, ...]

    @property
    def found(self) -> tuple[BenefitResult, ...]:
        return tuple(b for b in self.benefits if b.eligible)

    @property
    def not_computable(self) -> tuple[BenefitResult, ...]:
        return tuple(b for b in self.benefits if b.status == "not_computable")

    @property
    def not_found(self) -> tuple[BenefitResult, ...]:
        return tuple(b for b in self.benefits if b.status == "not_eligible")

    @property
    def total_monthly(self) -> float:
        """The found benefits' monthly total; the RSA and the prime d'activité
        whose amount will fall once another benefit found is paid (their
        note says so) are left out, rather than counted twice."""
        return round(
            sum(b.monthly or 0.0 for b in self.found if not b.reason.startswith(REVIEW_NOTE)), 2
        )

    def by_id(self, benefit_id: str) -> BenefitResult:
        return next(b for b in self.benefits if b.benefit.id == benefit_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "mois": self.situation.month,
            "prestations": [b.as_json() for b in self.benefits],
            "total_mensuel_estime": self.total_monthly,
        }


def _months(month: str) -> list[str]:
    """January of the previous year up to the simulated month."""
    year, number = int(month[:4]), int(month[5:])
    result = [f"{year - 1}-{m:02d}" for m in range(1, 13)]
    result += [f"{year}-{m:02d}" for m in range(1, number + 1)]
    return result


def _previous(month: str, count: int) -> list[str]:
    return _months(month)[-count - 1 : -1]


def simulate(situations: Sequence[Situation]) -> list[SimulationResult]:
    """Every benefit of the catalogue for each situation, in the order given."""
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
            computed = _simulate_month(month, group)
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


@dataclass
class _Batch:
    """The situations of one month, flattened into OpenFisca's entities."""

    situations: Sequence[Situation]
    persons: list[Person]
    household_of: NDArray[np.intp]

    @classmethod
    def of(cls, situations: Sequence[Situation]) -> "_Batch":
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
        return cls(situations, persons, np.asarray(household_of, dtype=np.intp))


def _simulate_month(month: str, situations: Sequence[Situation]) -> list[SimulationResult]:
    from openfisca_core.simulation_builder import SimulationBuilder

    system = tax_benefit_system()
    batch = _Batch.of(situations)
    n = len(situations)
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
    _set_inputs(simulation, month, batch)
    return _read_results(simulation, month, batch)


def _set_inputs(simulation: Any, month: str, batch: _Batch) -> None:
    persons, situations = batch.persons, batch.situations
    months = _months(month)
    year = month[:4]
    n_2 = str(int(year) - 2)
    simulation.set_input(
        "date_naissance",
        "ETERNITY",
        np.array([p.birth_date for p in persons], dtype="datetime64[D]"),
    )
    # A schooled child is a pupil (else OpenFisca would take a 16-year-old
    # for a young person out of school, eligible to the CEJ).
    activity = np.array(
        [
            "etudiant"
            if p.role == Role.CHILD and p.schooling != Schooling.NONE
            else ACTIVITY_TO_OPENFISCA[p.activity]
            for p in persons
        ]
    )
    schooling = np.array(
        ["inconnue" if p.schooling == Schooling.NONE else p.schooling.value for p in persons]
    )
    rate = np.array([p.disability_rate for p in persons])

    def resource(key: str) -> NDArray[np.float64]:
        return np.array([p.resources.get(key, 0.0) for p in persons])

    salary = resource("salaire_net")
    unemployment = resource("chomage_net")
    pension = resource("retraite_nette")
    monthly_inputs = {
        "salaire_net": salary,
        "salaire_imposable": salary * SALARY_TAXABLE,
        "salaire_de_base": salary * SALARY_GROSS,
        "chomage_net": unemployment,
        "chomage_imposable": unemployment * UNEMPLOYMENT_TAXABLE,
        "chomage_brut": unemployment * UNEMPLOYMENT_GROSS,
        "retraite_nette": pension,
        "retraite_imposable": pension * PENSION_TAXABLE,
        "retraite_brute": pension * PENSION_GROSS,
        "pensions_invalidite": resource("pension_invalidite"),
        "pensions_alimentaires_percues": resource("pension_alimentaire"),
        "indemnites_journalieres": resource("indemnites_journalieres"),
    }
    for period in months:
        simulation.set_input("activite", period, activity)
        simulation.set_input("scolarite", period, schooling)
        simulation.set_input("taux_incapacite", period, rate)
        simulation.set_input("handicap", period, rate >= 0.5)
        for name, values in monthly_inputs.items():
            simulation.set_input(name, period, values)
    # Year N-2 (family benefits, grants, energy voucher): stable incomes assumed.
    for name in ("salaire_imposable", "salaire_de_base", "chomage_imposable", "retraite_imposable"):
        simulation.set_input(name, n_2, monthly_inputs[name] * 12)
    simulation.set_input("retraite_brute", n_2, monthly_inputs["retraite_brute"] * 12)
    declared_rfr = [s.tax_income_n2 for s in situations]
    if any(value is not None for value in declared_rfr):
        estimated = simulation.calculate("rfr", n_2)
        simulation.delete_arrays("rfr", n_2)
        simulation.set_input(
            "rfr",
            n_2,
            np.array(
                [estimated[i] if value is None else value for i, value in enumerate(declared_rfr)]
            ),
        )
    # Households.
    communes = np.array([s.commune or "" for s in situations])
    housing = np.array(
        [
            "loge_gratuitement" if s.housing == Housing.HOUSED_FREE else s.housing.value
            for s in situations
        ]
    )
    rent = np.array([s.rent for s in situations])
    for period in months:
        simulation.set_input("depcom", period, communes)
        simulation.set_input("statut_occupation_logement", period, housing)
        simulation.set_input("loyer", period, rent)
    # Benefits already received, for the 12 previous months.
    claimant = np.array([p.role == Role.CLAIMANT for p in persons])
    household_of = batch.household_of
    for period in _previous(month, 12):
        for variable, benefit_id in PAST_FAMILY.items():
            values = np.array([s.received.get(benefit_id, 0.0) for s in situations])
            simulation.set_input(variable, period, values)
        for variable, person_benefit in PAST_PERSON.items():
            values = np.zeros(len(persons))
            if person_benefit is not None:
                declared = np.array([s.received.get(person_benefit, 0.0) for s in situations])[
                    household_of
                ]
                values = np.where(claimant, declared, 0.0)
            simulation.set_input(variable, period, values)


def _family_total(values: NDArray[Any], batch: _Batch, n: int) -> NDArray[np.float64]:
    total: NDArray[np.float64] = np.bincount(
        batch.household_of, weights=values.astype(np.float64), minlength=n
    ).astype(np.float64)
    return total


def _read_results(simulation: Any, month: str, batch: _Batch) -> list[SimulationResult]:
    n = len(batch.situations)
    year = month[:4]
    neither_work_nor_school = np.array(
        [
            p.activity in (Activity.JOB_SEEKER, Activity.INACTIVE) and p.schooling == Schooling.NONE
            for p in batch.persons
        ]
    )
    amounts: dict[str, NDArray[np.float64]] = {}
    for benefit in benefits():
        period = year if benefit.period == "year" else month
        values = simulation.calculate(benefit.variable, period)
        if benefit.variable == "contrat_engagement_jeune":
            # For young people neither in work nor in training (OpenFisca
            # only tapers it with their resources).
            values = np.where(neither_work_nor_school, values, 0.0)
        if benefit.entity == "individu":
            values = _family_total(values, batch, n)
        amounts[benefit.id] = np.asarray(values, dtype=np.float64)
    participation = np.asarray(simulation.calculate("css_participation_forfaitaire", month))
    foyer = np.asarray(simulation.calculate("aide_logement_non_calculable", month).decode_to_str())
    day = datetime.date(int(year), int(month[5:]), 1)
    results = []
    for index, situation in enumerate(batch.situations):
        items = []
        for benefit in benefits():
            items.append(
                _result(
                    benefit,
                    situation,
                    day,
                    amounts[benefit.id][index],
                    float(participation[index]),
                    str(foyer[index]),
                )  # fmt: skip
            )
        results.append(SimulationResult(situation, _with_subsidiarity(situation, items)))
    return results


REVIEW_NOTE = "montant à revoir"
# Benefits that count in the resources of the RSA and the prime d'activité
# once paid (the household must claim them first: subsidiarity).
COUNTED_IN_RSA = ("aah", "asi", "aspa", "af", "cf", "asf", "paje_base")


def _with_subsidiarity(
    situation: Situation, items: list[BenefitResult]
) -> tuple[BenefitResult, ...]:
    """The RSA and the prime d'activité are computed on what the household
    receives today; a new benefit found here will count in their resources
    once paid. Say so on them, rather than show a total that will not be."""
    new = [
        item.benefit.label
        for item in items
        if item.eligible
        and item.benefit.id in COUNTED_IN_RSA
        and situation.received.get(item.benefit.id, 0.0) <= 0
    ]
    if not new:
        return tuple(items)
    note = (
        f"{REVIEW_NOTE} : une fois versée{'s' if len(new) > 1 else ''}, "
        f"{', '.join(new)} compter{'ont' if len(new) > 1 else 'a'} dans les ressources et "
        "réduir" + ("ont" if len(new) > 1 else "a") + " ce montant"
    )
    result = []
    for item in items:
        if item.eligible and item.benefit.id in ("rsa", "prime_activite"):
            item = BenefitResult(
                item.benefit, item.status, item.monthly, item.yearly, item.participation, note
            )
        result.append(item)
    return tuple(result)


def _missing_schooling(situation: Situation, day: datetime.date, low: int, high: int) -> bool:
    return any(
        low <= child.age_on(day) <= high and child.schooling == Schooling.NONE
        for child in situation.children
    )


def _result(
    benefit: Benefit,
    situation: Situation,
    day: datetime.date,
    amount: float,
    participation: float,
    foyer: str,
) -> BenefitResult:
    amount = round(float(amount), 2)
    if benefit.id == "aide_logement":
        if situation.housing in TENANTS and not situation.commune:
            return BenefitResult(
                benefit,
                "not_computable",
                reason="commune inconnue : le montant dépend de la zone du logement",
            )
        if foyer == "locataire_foyer":
            return BenefitResult(
                benefit,
                "not_computable",
                reason="logement-foyer : le montant dépend de la convention du foyer, "
                "la CAF le calcule sur dossier",
            )
    if benefit.id in ("bourse_college", "ars") and _missing_schooling(situation, day, 11, 15):
        if amount <= 0:
            return BenefitResult(
                benefit, "not_computable", reason="scolarité de l'enfant de 11 à 15 ans inconnue"
            )
    if benefit.id in ("bourse_lycee", "ars") and _missing_schooling(situation, day, 15, 18):
        if amount <= 0:
            return BenefitResult(
                benefit, "not_computable", reason="scolarité de l'enfant de 15 à 18 ans inconnue"
            )
    if benefit.id == "css":
        if amount > 0:
            return BenefitResult(benefit, "eligible", monthly=0.0, participation=0.0,
                                 reason="gratuite")  # fmt: skip
        if participation > 0:
            return BenefitResult(
                benefit,
                "eligible",
                monthly=0.0,
                participation=round(participation, 2),
                reason=in_kind_text(participation),
            )
        return BenefitResult(benefit, "not_eligible", monthly=0.0)
    if amount <= 0:
        return BenefitResult(benefit, "not_eligible", monthly=0.0)
    if benefit.period == "year" or benefit.annual_amount:
        return BenefitResult(
            benefit,
            "eligible",
            monthly=round(amount / 12, 2),
            yearly=amount,
            reason=benefit.caveat,
        )
    return BenefitResult(benefit, "eligible", monthly=amount, reason=benefit.caveat)
