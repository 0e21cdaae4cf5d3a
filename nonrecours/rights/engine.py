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
import functools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nonrecours.french import euros_text, french_list
from nonrecours.rights import speedups
from nonrecours.rights.catalogue import IN_KIND, Benefit, benefits, in_kind_text
from nonrecours.rights.dependencies import feedback_dependents, to_recompute
from nonrecours.rights.legislation import overlaid, unknown_scales
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
    """OpenFisca-France (this process's own instance) with the project's
    overlay of current scales applied as a reform (ADR 017), and the
    declared incomes as inputs."""
    from openfisca_france import FranceTaxBenefitSystem

    speedups.apply()
    system = overlaid(FranceTaxBenefitSystem())
    for name in INPUT_ONLY:
        system.variables[name].formulas.clear()
    return system


@functools.lru_cache(maxsize=64)
def _unknown_scales(month: str) -> dict[str, list[str]]:
    """Benefit id → stale parameter paths at `month` (rights.legislation)."""
    return unknown_scales(month, tax_benefit_system())


_LOCK = threading.Lock()  # one OpenFisca simulation at a time per process


@dataclass(frozen=True)
class BenefitResult:
    """One benefit for one household.

    `monthly` is the amount once every benefit found is paid (the stable
    amount, euros per month; for a yearly benefit a twelfth of `yearly`).
    `first_months` is the amount of the first months when it differs: the
    resources of the previous months do not yet hold the other new benefits
    (euros per month). `low`/`high` bound the amount (euros per month, or
    per year for a yearly benefit) when it depends on an income not given:
    `monthly`/`yearly` then hold the lower bound.
    """

    benefit: Benefit
    status: str  # "eligible", "not_eligible", "not_computable"
    monthly: float | None = None
    yearly: float | None = None
    participation: float | None = None  # CSS: monthly contribution of the household
    reason: str = ""  # why it cannot be computed, or what to check
    first_months: float | None = None
    low: float | None = None
    high: float | None = None
    depends_on: str = ""  # the missing input the range comes from, in French

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None

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
            "montant_premiers_mois": self.first_months,
            "fourchette": [self.low, self.high] if self.is_range else None,
            "depend_de": self.depends_on or None,
            "remarque": self.reason,
            "versee_par": self.benefit.payer,
        }


@dataclass(frozen=True)
class SimulationResult:
    situation: Situation
    benefits: tuple[BenefitResult, ...]
    stable: bool = True  # the amounts reached a fixed point (see _settle)
    # The monthly total with no income and with a high income in year N-2,
    # when the tax notice is not given and the total depends on it (euros).
    total_low: float | None = None
    total_high: float | None = None

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
    def possible(self) -> tuple[BenefitResult, ...]:
        """Benefits not found that are possible the first months or with
        other incomes of year N-2 (their note says so)."""
        return tuple(b for b in self.not_found if b.first_months is not None or b.high is not None)

    @property
    def total_monthly(self) -> float:
        """The found benefits' monthly total once all are paid (euros per
        month, yearly ones for a twelfth). Benefits that exclude each other
        are never both found (OpenFisca decides on consistent previous
        months). When the tax notice of year N-2 is not given, the total
        with that year's incomes assumed equal to today's; `total_low` and
        `total_high` then bound it."""
        return round(sum(b.monthly or 0.0 for b in self.found), 2)

    @property
    def total_first_months(self) -> float | None:
        """The monthly total of the first months when it differs (euros)."""
        if not any(b.first_months is not None for b in self.found):
            return None
        return round(
            sum(b.first_months if b.first_months is not None else b.monthly or 0.0
                for b in self.found),
            2,
        )  # fmt: skip

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The missing inputs some amounts depend on (French, no repeats)."""
        return tuple(dict.fromkeys(b.depends_on for b in self.benefits if b.depends_on))

    def by_id(self, benefit_id: str) -> BenefitResult:
        return next(b for b in self.benefits if b.benefit.id == benefit_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "mois": self.situation.month,
            "prestations": [b.as_json() for b in self.benefits],
            "total_mensuel_estime": self.total_monthly,
            "total_mensuel_fourchette": (
                [self.total_low, self.total_high] if self.total_high is not None else None
            ),
            "total_premiers_mois": self.total_first_months,
            "montants_stables": self.stable,
        }


def _months(month: str) -> list[str]:
    """January of the previous year up to the simulated month."""
    year, number = int(month[:4]), int(month[5:])
    result = [f"{year - 1}-{m:02d}" for m in range(1, 13)]
    result += [f"{year}-{m:02d}" for m in range(1, number + 1)]
    return result


def _previous(month: str, count: int) -> list[str]:
    return _months(month)[-count - 1 : -1]


class Variant(StrEnum):
    """How the incomes of year N-2 (tax notice) are set for one computation."""

    GIVEN = "given"  # the tax notice on year N-2 is given
    ASSUMED = "assumed"  # not given: twelve times today's monthly incomes
    LOW = "low"  # not given: no income (the upper bound of the amounts)
    HIGH = "high"  # not given: a high income (the lower bound)


# The "high" income of year N-2 for the lower bound of a range: above every
# ceiling of the benefits computed here (euros per year, taxable salary).
HIGH_INCOME_N2 = 1_000_000.0
# The revenu fiscal de référence is the taxable income after the 10 %
# allowance on wages and pensions (code général des impôts, art. 83 and 158).
TAXABLE_TO_RFR = 0.9
# The fixed point: passes at most (each one a full computation).
MAX_PASSES = 6
STABLE_EPSILON = 0.005  # euros


def simulate(situations: Sequence[Situation], *, ranges: bool = True) -> list[SimulationResult]:
    """Every benefit of the catalogue for each situation, in the order given.

    Amounts are those paid once every benefit found is paid (a fixed point
    over the previous months, see `_settle`). With `ranges` (a person's
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


@dataclass
class _Batch:
    """The rows of one month (a situation, or one variant of it), flattened
    into OpenFisca's entities."""

    situations: Sequence[Situation]  # one per row
    variants: Sequence[Variant]
    persons: list[Person]
    household_of: NDArray[np.intp]

    @classmethod
    def of(cls, situations: Sequence[Situation], variants: Sequence[Variant]) -> "_Batch":
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
    batch = _Batch.of(rows, row_variants)
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
    _set_inputs(simulation, month, batch)
    first, last, stable = _settle(simulation, month, batch)
    results = []
    for index, situation in enumerate(situations):
        results.append(
            _combine(situation, [(first[i], last[i]) for i in rows_of[index]], stable[index])
        )
    return results


def _set_inputs(simulation: Any, month: str, batch: _Batch) -> None:
    persons, situations = batch.persons, batch.situations
    months = _months(month)
    last_3 = set(_previous(month, 3)) | {month}
    year = month[:4]
    n_2 = str(int(year) - 2)
    household_of = batch.household_of
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
        [
            Schooling.HIGHER.value
            if p.role != Role.CHILD and _in_higher_education(p)
            else "inconnue"
            if p.schooling == Schooling.NONE
            else p.schooling.value
            for p in persons
        ]
    )
    rate = np.array([p.disability_rate for p in persons])
    rsdae = np.array([p.rsdae for p in persons])
    pregnant = np.array([p.pregnant for p in persons])
    shared_custody = np.array([p.shared_custody for p in persons])

    def resource(key: str, recent: bool) -> NDArray[np.float64]:
        """Monthly amounts: the 3-month average for the last three months
        and this one; for the nine before (and earlier), the amount that
        makes the 12-month average the one declared."""
        values = []
        for p in persons:
            three = p.resources.get(key, 0.0)
            if recent or p.resources_12m is None:
                values.append(three)
            else:
                # A resource absent from the 12 months: unchanged over the year.
                twelve = p.resources_12m.get(key, three)
                values.append(max(0.0, (12 * twelve - 3 * three) / 9))
        return np.array(values)

    def monthly_inputs(recent: bool) -> dict[str, NDArray[np.float64]]:
        salary = resource("salaire_net", recent)
        unemployment = resource("chomage_net", recent)
        pension = resource("retraite_nette", recent)
        return {
            "salaire_net": salary,
            "salaire_imposable": salary * SALARY_TAXABLE,
            "salaire_de_base": salary * SALARY_GROSS,
            "chomage_net": unemployment,
            "chomage_imposable": unemployment * UNEMPLOYMENT_TAXABLE,
            "chomage_brut": unemployment * UNEMPLOYMENT_GROSS,
            "retraite_nette": pension,
            "retraite_imposable": pension * PENSION_TAXABLE,
            "retraite_brute": pension * PENSION_GROSS,
            "pensions_invalidite": resource("pension_invalidite", recent),
            "pensions_alimentaires_percues": resource("pension_alimentaire", recent),
            "pensions_alimentaires_versees_individu": resource(
                "pension_alimentaire_versee", recent
            ),
            "indemnites_journalieres": resource("indemnites_journalieres", recent),
            "revenus_capital": resource("revenus_capital", recent),
            "rpns_auto_entrepreneur_CA_achat_revente": resource("ca_micro_vente", recent),
            "rpns_auto_entrepreneur_CA_bic": resource("ca_micro_services", recent),
            "rpns_auto_entrepreneur_CA_bnc": resource("ca_micro_liberal", recent),
        }

    recent_inputs = monthly_inputs(True)
    earlier_inputs = monthly_inputs(False)
    claimant = np.array([p.role == Role.CLAIMANT for p in persons])
    savings = np.where(claimant, np.array([s.savings for s in situations])[household_of], 0.0)
    recent_months = [m for m in months if m in last_3]
    earlier_months = [m for m in months if m not in last_3]
    _put(simulation, "activite", months, activity)
    _put(simulation, "scolarite", months, schooling)
    _put(simulation, "taux_incapacite", months, rate)
    _put(simulation, "handicap", months, rate >= 0.5)
    _put(simulation, "aah_restriction_substantielle_durable_acces_emploi", months, rsdae)
    _put(simulation, "enceinte", months, pregnant)
    _put(simulation, "garde_alternee", months, shared_custody)
    _put(simulation, "livret_a", months, savings)
    for name, array in recent_inputs.items():
        _put(simulation, name, recent_months, array)
    for name, array in earlier_inputs.items():
        _put(simulation, name, earlier_months, array)
    _set_year_n_2(simulation, n_2, batch, earlier_inputs)
    _set_students(simulation, month, batch)
    # Households.
    communes = np.array([s.commune or "" for s in situations])
    housing = np.array(
        [
            "loge_gratuitement" if s.housing == Housing.HOUSED_FREE else s.housing.value
            for s in situations
        ]
    )
    rent = np.array([s.rent for s in situations])
    flat_share = np.array([s.flat_share for s in situations])
    relative = np.array([s.relative_landlord for s in situations])
    _put(simulation, "depcom", months, communes)
    _put(simulation, "statut_occupation_logement", months, housing)
    _put(simulation, "loyer", months, rent)
    _put(simulation, "coloc", months, flat_share)
    _put(simulation, "proprietaire_proche_famille", months, relative)
    # Benefits already received, for the 12 previous months.
    past = _declared_past(batch)
    _set_past(simulation, month, past)


def _set_year_n_2(
    simulation: Any, n_2: str, batch: _Batch, monthly: dict[str, NDArray[np.float64]]
) -> None:
    """The taxable incomes of year N-2, which the family benefits, school
    grants, chèque énergie and CEJ read (through the tax notice):

    - GIVEN: spread over the adults as their incomes are today (all on the
      claimant when nobody has any), scaled so that the taxable total is
      the declared revenu fiscal de référence / 0.9, and the revenu fiscal
      de référence itself set to the declared amount;
    - ASSUMED: twelve times today's monthly incomes (12-month average);
    - LOW: none; HIGH: HIGH_INCOME_N2 on the claimant.
    """
    persons, situations, variants = batch.persons, batch.situations, batch.variants
    household_of = batch.household_of
    variant_of = np.array([variants[h] for h in household_of])
    categories = ("salaire_imposable", "chomage_imposable", "retraite_imposable")
    gross = {
        "salaire_imposable": ("salaire_de_base", SALARY_GROSS / SALARY_TAXABLE),
        "retraite_imposable": ("retraite_brute", PENSION_GROSS / PENSION_TAXABLE),
        "chomage_imposable": ("chomage_brut", UNEMPLOYMENT_GROSS / UNEMPLOYMENT_TAXABLE),
    }
    annual = {name: monthly[name] * 12 for name in categories}
    claimant = np.array([p.role == Role.CLAIMANT for p in persons])
    retired = np.array([p.activity == Activity.RETIRED for p in persons])
    current_total = np.bincount(
        household_of, weights=sum(annual.values()), minlength=len(situations)
    )[household_of]
    declared = np.array(
        [s.tax_income_n2 if s.tax_income_n2 is not None else 0.0 for s in situations]
    )[household_of]
    target = declared / TAXABLE_TO_RFR
    given = variant_of == Variant.GIVEN
    nobody = current_total <= 0
    scale = np.divide(target, current_total, out=np.zeros_like(target), where=~nobody)
    for name in categories:
        values = annual[name]
        values = np.where(given, values * scale, values)
        if name == "salaire_imposable":
            values = np.where(given & nobody & claimant & ~retired, target, values)
            values = np.where(variant_of == Variant.HIGH, claimant * HIGH_INCOME_N2, values)
        if name == "retraite_imposable":
            values = np.where(given & nobody & claimant & retired, target, values)
        if name != "salaire_imposable":
            values = np.where(variant_of == Variant.HIGH, 0.0, values)
        values = np.where(variant_of == Variant.LOW, 0.0, values)
        simulation.set_input(name, n_2, values)
        gross_name, factor = gross[name]
        simulation.set_input(gross_name, n_2, values * factor)
    declared_rfr = [
        (index, s.tax_income_n2)
        for index, s in enumerate(situations)
        if batch.variants[index] == Variant.GIVEN
    ]
    if declared_rfr:
        estimated = np.asarray(simulation.calculate("rfr", n_2), dtype=np.float64).copy()
        simulation.delete_arrays("rfr", n_2)
        for index, value in declared_rfr:
            estimated[index] = value
        simulation.set_input("rfr", n_2, estimated)


def _set_students(simulation: Any, month: str, batch: _Batch) -> None:
    """The CROUS grant's criteria of each student (bourse sur critères
    sociaux: parents' revenu brut global N-2 against annual ceilings by
    points de charge; arrêté of each academic year)."""
    persons = batch.persons
    studies = [p.studies for p in persons]
    if not any(s is not None for s in studies):
        return
    income = np.array([s.parents_income or 0.0 if s else 0.0 for s in studies])
    distance = np.array([s.distance_km if s else 0 for s in studies])
    # The parents' children: OpenFisca-France holds them on the student's
    # famille (one value per household: its student's).
    n = len(batch.situations)
    children = np.zeros(n, dtype=np.int64)
    in_higher = np.zeros(n, dtype=np.int64)
    for person, studies_of, row in zip(persons, studies, batch.household_of, strict=True):
        if studies_of is not None and (person.role == Role.CLAIMANT or not children[row]):
            children[row] = studies_of.parents_children
            in_higher[row] = studies_of.parents_children_higher_education
    simulation.set_input("bourse_criteres_sociaux_base_ressources_parentale", month, income)
    simulation.set_input("bourse_criteres_sociaux_nombre_enfants_a_charge", month, children)
    simulation.set_input(
        "bourse_criteres_sociaux_nombre_enfants_a_charge_dans_enseignement_superieur",
        month,
        in_higher,
    )
    simulation.set_input("bourse_criteres_sociaux_distance_domicile_familial", month, distance)
    # Studies in an institution habilitated for the grant (public, or private
    # under contract): the catalogue's conditions say so.
    simulation.set_input(
        "statuts_etablissement_scolaire",
        month,
        np.array(["public" if s is not None else "inconnu" for s in studies]),
    )


def _attach_students(simulation: Any, month: str, batch: _Batch) -> bool:
    """A student attached to the parents' tax household is not financially
    autonomous for the CROUS grant (the parents' income counts); the others
    as OpenFisca-France decides. Computed once every input is set; returns
    whether anything was set."""
    attached = np.array([bool(p.studies and p.studies.attached_to_parents) for p in batch.persons])
    if not attached.any():
        return False
    name = "bourse_criteres_sociaux_etudiant_autonome"
    autonomous = np.asarray(simulation.calculate(name, month)).copy()
    simulation.delete_arrays(name, month)
    simulation.set_input(name, month, autonomous & ~attached)
    return True


# Benefits paid in the previous months, which other formulas read: the
# declared ones, then (fixed point) the ones computed.
FEEDBACK_FAMILY = tuple(PAST_FAMILY)  # OpenFisca variables, family
FEEDBACK_PERSON = ("aah", "asi")
# Declared only (not simulated here): their previous months as received.
DECLARED_FAMILY = {"aeeh": "aeeh"}
DECLARED_PERSON = {"ass": "ass", "pch": "pch", "caah": None}


@dataclass
class _Past:
    """Monthly amounts of the previous months: by OpenFisca variable, one
    value per row (family) or per person."""

    family: dict[str, NDArray[np.float64]]
    person: dict[str, NDArray[np.float64]]

    def replaced(self, other: "_Past", names: set[str]) -> "_Past":
        """These amounts, those of ``names`` taken from ``other``."""
        return _Past(
            {k: other.family[k] if k in names else v for k, v in self.family.items()},
            {k: other.person[k] if k in names else v for k, v in self.person.items()},
        )

    def differs(self, other: "_Past") -> NDArray[np.bool_]:
        """Rows whose amounts differ (family arrays are per row)."""
        rows = next(iter(self.family.values())).shape[0]
        changed = np.zeros(rows, dtype=bool)
        for name, values in self.family.items():
            changed |= np.abs(values - other.family[name]) > STABLE_EPSILON
        return changed


def _declared_past(batch: _Batch) -> _Past:
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
    return _Past(family, person)


@functools.lru_cache(maxsize=256)
def _month_period(month: str) -> Any:
    from openfisca_core import periods

    return periods.period(month)


def _put(simulation: Any, name: str, months: Sequence[str], values: NDArray[Any]) -> None:
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


def _set_past(simulation: Any, month: str, past: _Past, names: set[str] | None = None) -> None:
    """The previous 12 months of the benefits fed back (monthly amounts,
    replacing what was set), all of them or only ``names``."""
    months = _previous(month, 12)
    for variables in (past.family, past.person):
        for variable, values in variables.items():
            if names is None or variable in names:
                _put(simulation, variable, months, values)


def _inputs_of(simulation: Any) -> dict[str, set[Any]]:
    """The periods each variable holds right after the inputs are set."""
    known: dict[str, set[Any]] = {}
    for population in simulation.populations.values():
        for name, holder in population._holders.items():
            known[name] = set(holder.get_known_periods())
    return known


def _forget_computed(
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


def _forget_everything(
    simulation: Any, inputs: dict[str, set[Any]], month: str, moved: Iterable[str]
) -> None:
    """As _forget_computed, for every variable (the reference computation)."""
    _forget(simulation, inputs, month, None)


def _forget(
    simulation: Any, inputs: dict[str, set[Any]], month: str, names: frozenset[str] | None
) -> None:
    from openfisca_core import periods

    first = periods.period(_previous(month, 12)[0]).start
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
    css_margin: NDArray[np.float64]  # see _RowAmounts


def _compute(simulation: Any, month: str, batch: _Batch) -> _Pass:
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
    students = any(p.role != Role.CHILD and _in_higher_education(p) for p in batch.persons)
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


def _computed_past(done: _Pass, declared: _Past, batch: _Batch) -> _Past:
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
    return _Past(family, person)


def _settle(
    simulation: Any, month: str, batch: _Batch
) -> tuple[list["_RowAmounts"], list["_RowAmounts"], list[bool]]:
    """The amounts of the first months, and the amounts once every benefit
    found is paid: the previous months are set to the amounts computed and
    everything recomputed until nothing moves (as the next quarterly reviews
    of a CAF file would), at most MAX_PASSES times. Benefits that exclude
    each other (CEJ and RSA or prime d'activité, AAH and ASPA…) settle as
    OpenFisca-France decides on these previous months. Returns, per row, the
    first and last amounts and whether they settled."""
    inputs = _inputs_of(simulation)
    if _attach_students(simulation, month, batch):
        inputs["bourse_criteres_sociaux_etudiant_autonome"] = set(
            simulation.get_holder("bourse_criteres_sociaux_etudiant_autonome").get_known_periods()
        )
        _forget_computed(simulation, inputs, month, (*FEEDBACK_FAMILY, *FEEDBACK_PERSON))
    declared = _declared_past(batch)
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
        _forget_computed(simulation, inputs, month, moved)
        past = past.replaced(wanted, moved)
        _set_past(simulation, month, past, moved)
        done = _compute(simulation, month, batch)
    else:
        wanted = _computed_past(done, declared, batch)
        stable = ~(wanted.differs(past) | _person_differs(wanted, past, batch))
    return _rows(first, batch), _rows(done, batch), [bool(x) for x in stable]


def _moved(wanted: _Past, past: _Past) -> set[str]:
    """The feedback variables whose previous months would change, in any row."""
    return {
        name
        for new, old in ((wanted.family, past.family), (wanted.person, past.person))
        for name, values in new.items()
        if (np.abs(values - old[name]) > STABLE_EPSILON).any()
    }


def _person_differs(a: _Past, b: _Past, batch: _Batch) -> NDArray[np.bool_]:
    changed = np.zeros(len(batch.situations), dtype=bool)
    for name, values in a.person.items():
        moved = np.abs(values - b.person[name]) > STABLE_EPSILON
        changed |= np.bincount(batch.household_of, weights=moved, minlength=len(changed)) > 0
    return changed


@dataclass(frozen=True)
class _RowAmounts:
    situation: Situation
    variant: Variant
    amounts: dict[str, float]
    participation: float
    housing_status: str
    # CSS resources / the ceiling that decides (free ceiling for a paying or
    # free CSS, participation ceiling when not eligible).
    css_margin: float


def _rows(done: _Pass, batch: _Batch) -> list[_RowAmounts]:
    return [
        _RowAmounts(
            situation,
            batch.variants[index],
            {key: float(values[index]) for key, values in done.amounts.items()},
            float(done.participation[index]),
            str(done.housing_status[index]),
            float(done.css_margin[index]),
        )
        for index, situation in enumerate(batch.situations)
    ]


def _family_total(values: NDArray[Any], batch: _Batch, n: int) -> NDArray[np.float64]:
    total: NDArray[np.float64] = np.bincount(
        batch.household_of, weights=values.astype(np.float64), minlength=n
    ).astype(np.float64)
    return total


def _notice_text(situation: Situation) -> str:
    year = situation.notice_year
    return (
        f"votre revenu fiscal de référence {year} (avis d'imposition {year + 1} "
        f"sur les revenus {year})"
    )


def _combine(
    situation: Situation, rows: list[tuple[_RowAmounts, _RowAmounts]], stable: bool
) -> SimulationResult:
    """One result from the rows of a situation: one row when the incomes of
    year N-2 are given (or assumed, for screening); else three, ASSUMED
    (the amounts shown), LOW and HIGH (their range, per benefit and for the
    total, each total from one consistent computation)."""
    day = situation.first_day
    new_benefits = [
        benefit.label
        for benefit in benefits()
        if benefit.id in PAID_BENEFITS
        and rows[0][1].amounts[benefit.id] > 0
        and situation.received.get(benefit.id, 0.0) <= 0
    ]
    by_variant: list[list[BenefitResult]] = [[] for _ in rows]
    items: list[BenefitResult] = []
    for benefit in benefits():
        results = [
            _result(benefit, situation, day, first, last, new_benefits) for first, last in rows
        ]
        for index, result in enumerate(results):
            by_variant[index].append(result)
        item = results[0] if len(results) == 1 else _range(benefit, situation, results)
        stale = _unknown_scales(situation.month).get(benefit.id)
        if stale and item.status != "not_computable":
            item = _with_stale_scale(item, stale, rows[0][1])
        items.append(item)
    low = high = None
    if len(rows) > 1:
        totals = [_total(results, items) for results in by_variant]
        if max(totals) - min(totals) > 0.5:
            low, high = round(min(totals), 2), round(max(totals), 2)
    return SimulationResult(situation, tuple(items), stable, total_low=low, total_high=high)


def _total(results: list[BenefitResult], shown: list[BenefitResult]) -> float:
    """The monthly total of one computation, over the benefits the result
    shows as found or as a range (not those without a figure)."""
    total = 0.0
    for result, item in zip(results, shown, strict=True):
        if item.status == "not_computable" or not result.eligible:
            continue
        total += result.monthly or 0.0
    return total


def _stale(item: BenefitResult) -> BenefitResult:
    """A benefit whose scale is not known for the month: no figure, and
    what the last known scale gives, for information."""
    if not item.eligible:
        known = "pas de droit"
    elif item.benefit.id in IN_KIND:
        known = in_kind_text(item.participation)
    elif item.is_range:
        unit = "par an" if item.yearly is not None else "par mois"
        known = f"de {euros_text(item.low or 0.0)} à {euros_text(item.high or 0.0)} {unit}"
    elif item.yearly is not None:
        known = f"{euros_text(item.yearly)} par an"
    else:
        known = f"{euros_text(item.monthly or 0.0)} par mois"
    return BenefitResult(
        item.benefit,
        "not_computable",
        reason="barème non à jour pour ce mois (le dernier texte publié n'est pas encore "
        f"dans le simulateur) ; avec le dernier barème connu : {known}",
    )


def _joined(*parts: str) -> str:
    """Notes joined by « ; », without a stop before the semicolon."""
    return " ; ".join(part.rstrip(". ") for part in parts if part)


def _amount_of(result: BenefitResult) -> float:
    if not result.eligible:
        return 0.0
    if result.benefit.id in IN_KIND:
        return -(result.participation or 0.0)  # gratuite ranks above a participation
    return result.yearly if result.yearly is not None else result.monthly or 0.0


def _range(benefit: Benefit, situation: Situation, results: list[BenefitResult]) -> BenefitResult:
    """A benefit computed with the incomes of year N-2 assumed (results[0],
    the amount shown), none and a high one: the assumed result when all
    agree, else the same with the range of amounts and what it depends on.
    A benefit not found with the assumption but possible with other
    incomes stays « not found », its note saying up to how much."""
    central = results[0]
    if any(r.status == "not_computable" for r in results):
        return next(r for r in results if r.status == "not_computable")
    amounts = [_amount_of(r) for r in results]
    if max(amounts) - min(amounts) <= 0.01 and len({r.status for r in results}) == 1:
        return central
    depends = _notice_text(situation)
    assumption = f"si vos revenus de {situation.notice_year} étaient ceux d'aujourd'hui"
    if benefit.id in IN_KIND:
        if not central.eligible:
            return BenefitResult(
                benefit,
                "not_eligible",
                monthly=0.0,
                reason=f"possible selon {depends}",
                depends_on=depends,
            )
        return BenefitResult(
            benefit,
            "eligible",
            monthly=0.0,
            participation=central.participation,
            reason=_joined(central.reason, f"{assumption} ; peut changer selon {depends}"),
            depends_on=depends,
        )
    yearly = benefit.period == "year" or benefit.annual_amount or benefit.months_per_year != 12
    low, high = min(amounts), max(amounts)
    unit = "par an" if yearly else "par mois"
    if not central.eligible:
        return BenefitResult(
            benefit,
            "not_eligible",
            monthly=0.0,
            reason=_joined(
                central.reason,
                f"pas de droit {assumption}, mais jusqu'à {euros_text(high)} {unit} "
                f"selon {depends}",
            ),
            low=low,
            high=high,
            depends_on=depends,
        )
    return BenefitResult(
        benefit,
        "eligible",
        monthly=central.monthly,
        yearly=central.yearly,
        reason=_joined(
            central.reason,
            f"montant estimé {assumption} ; de {euros_text(low)} à {euros_text(high)} {unit} "
            f"selon {depends} : indiquez-le pour un montant précis",
        ),
        first_months=central.first_months,
        low=low,
        high=high,
        depends_on=depends,
    )


# The largest yearly rise of the CSS ceilings since 2019: +5.6 % on 1 April
# 2023 (9 203 € → 9 719 € for a person alone; arrêtés of 24 March 2022 and
# 27 March 2023). A household further than this from the ceiling that
# decides keeps its result when the new ceiling is not yet known.
CEILING_RISE_BOUND = 1.06


def _with_stale_scale(item: BenefitResult, stale: list[str], row: _RowAmounts) -> BenefitResult:
    """A benefit whose scale is not known for the month: « barème non à
    jour », unless the result cannot depend on it. Ceilings only rise at a
    revaluation: a complémentaire santé solidaire free under the last known
    ceiling stays free (as for an RSA household), and one far enough from
    the ceiling that decides (CEILING_RISE_BOUND) keeps its result; an
    amount (montant) cannot open a benefit the household is refused for
    other reasons (age, activity…)."""
    if item.benefit.id in IN_KIND:
        if item.eligible and not item.participation:
            return item  # gratuite: a higher ceiling changes nothing
        if row.css_margin > CEILING_RISE_BOUND:
            return item
        return _stale(item)
    if not item.eligible and all(".montant" in path for path in stale):
        return item
    return _stale(item)


# Benefits paid every month that count in the resources of others in the
# following months (fed back by _settle): named when the amount of the first
# months differs.
PAID_BENEFITS = (*PAST_FAMILY.values(), "aah", "asi")


def _in_higher_education(person: Person) -> bool:
    """An adult student is in higher education unless a school level is
    given (a lycée pupil of 18, say)."""
    return person.activity == Activity.STUDENT and person.schooling in (
        Schooling.HIGHER,
        Schooling.NONE,
    )


def _missing_schooling(situation: Situation, day: datetime.date, low: int, high: int) -> bool:
    return any(
        low <= child.age_on(day) <= high and child.schooling == Schooling.NONE
        for child in situation.children
    )


def _lowercase_label(label: str) -> str:
    """A benefit's label inside a sentence: « aide au logement (APL…) »,
    but « ASPA… » and « RSA » keep their capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _first_months_text(first: float, new_benefits: list[str]) -> str:
    """« les premiers mois : 592,83 € par mois ; ce montant change quand
    s'ajouteront à vos ressources : aide au logement (APL, ALF ou ALS) et
    allocation de soutien familial (ASF) »."""
    what = (
        french_list([_lowercase_label(label) for label in new_benefits])
        if new_benefits
        else "les autres aides trouvées"
    )
    return (
        f"les premiers mois : {euros_text(first)} par mois ; ce montant change quand "
        f"s'ajouteront à vos ressources : {what}"
    )


def _result(
    benefit: Benefit,
    situation: Situation,
    day: datetime.date,
    first: _RowAmounts,
    last: _RowAmounts,
    new_benefits: list[str],
) -> BenefitResult:
    amount = round(last.amounts[benefit.id], 2)
    first_amount = round(first.amounts[benefit.id], 2)
    if benefit.id == "aide_logement":
        if situation.housing in TENANTS and not situation.commune:
            return BenefitResult(
                benefit,
                "not_computable",
                reason="commune inconnue : le montant dépend de la zone du logement",
            )
        if last.housing_status == "locataire_foyer":
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
    if benefit.id == "bourse_crous":
        students = [p for p in situation.adults if _in_higher_education(p)]
        if not students:
            return BenefitResult(benefit, "not_eligible", monthly=0.0)
        if any(p.studies is None or p.studies.parents_income is None for p in students):
            return BenefitResult(
                benefit,
                "not_computable",
                reason="revenus des parents à indiquer : la bourse dépend de leur revenu "
                f"brut global {situation.notice_year} (avis d'imposition "
                f"{situation.notice_year + 1}), sauf pour un·e étudiant·e indépendant·e "
                "financièrement, ce que le CROUS vérifie",
            )
    if benefit.id == "cheque_energie":
        if all(p.studies is not None and p.studies.attached_to_parents for p in situation.adults):
            return BenefitResult(
                benefit,
                "not_eligible",
                monthly=0.0,
                reason="le chèque énergie va aux foyers qui déclarent leurs revenus à "
                "l'adresse du logement ; rattaché·e au foyer fiscal de vos parents, "
                "vous ne faites pas cette déclaration",
            )
    if benefit.id == "css":
        if amount > 0:
            return BenefitResult(benefit, "eligible", monthly=0.0, participation=0.0,
                                 reason="gratuite")  # fmt: skip
        if last.participation > 0:
            return BenefitResult(
                benefit,
                "eligible",
                monthly=0.0,
                participation=round(last.participation, 2),
                reason=in_kind_text(last.participation),
            )
        return BenefitResult(benefit, "not_eligible", monthly=0.0)
    if amount <= 0:
        if first_amount > 0 and benefit.period != "year" and not benefit.annual_amount:
            # Found at first, then replaced by a benefit that excludes it
            # (CEJ once the RSA is paid) or by higher resources.
            return BenefitResult(
                benefit,
                "not_eligible",
                monthly=0.0,
                first_months=first_amount,
                reason=f"possible les premiers mois ({euros_text(first_amount)} par mois), "
                "mais plus une fois les autres aides trouvées versées",
            )
        return BenefitResult(benefit, "not_eligible", monthly=0.0)
    if benefit.months_per_year != 12:
        # Paid some months of the year: its yearly amount, and a twelfth
        # for the monthly total.
        yearly = round(amount * benefit.months_per_year, 2)
        return BenefitResult(
            benefit, "eligible", monthly=round(yearly / 12, 2), yearly=yearly,
            reason=benefit.caveat,
        )  # fmt: skip
    if benefit.period == "year" or benefit.annual_amount:
        return BenefitResult(
            benefit,
            "eligible",
            monthly=round(amount / 12, 2),
            yearly=amount,
            reason=benefit.caveat,
        )
    if abs(first_amount - amount) > 0.5:
        others = [label for label in new_benefits if label != benefit.label]
        note = _first_months_text(first_amount, others)
        reason = _joined(benefit.caveat, note)
        return BenefitResult(
            benefit, "eligible", monthly=amount, reason=reason, first_months=first_amount
        )
    return BenefitResult(benefit, "eligible", monthly=amount, reason=benefit.caveat)
