"""A situation's inputs for OpenFisca: persons, declared incomes over the
months simulated, incomes of year N-2 (tax notice), students, housing, and
the benefits received in the previous months."""

import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nonrecours.rights.past import declared_past, set_past
from nonrecours.rights.rows import (
    Batch,
    Variant,
    in_higher_education,
    previous_months,
    put,
    simulated_months,
)
from nonrecours.rights.situation import Activity, Housing, Role, Schooling

# OpenFisca-France's `activite` (TypesActivite) of each activity.
ACTIVITY_TO_OPENFISCA = {
    Activity.WORKER: "actif",
    Activity.SELF_EMPLOYED: "actif",
    Activity.JOB_SEEKER: "chomeur",
    Activity.STUDENT: "etudiant",
    Activity.RETIRED: "retraite",
    Activity.INACTIVE: "inactif",
}

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

# The "high" income of year N-2 for the lower bound of a range: above every
# ceiling of the benefits computed here (euros per year, taxable salary).
HIGH_INCOME_N2 = 1_000_000.0
# The revenu fiscal de référence is the taxable income after the 10 %
# allowance on wages and pensions (code général des impôts, art. 83 and 158).
TAXABLE_TO_RFR = 0.9


def set_inputs(simulation: Any, month: str, batch: Batch) -> None:
    persons, situations = batch.persons, batch.situations
    months = simulated_months(month)
    last_3 = set(previous_months(month, 3)) | {month}
    year = month[:4]
    n_2 = str(int(year) - 2)
    household_of = batch.household_of
    # A child born during the simulated month counts from its first day:
    # OpenFisca-France takes ages on the month's first day, and a birth
    # after it gives a negative age that drops the child from some benefits
    # and not others (the CAF pays from the month after the birth).
    first_day = datetime.date(int(month[:4]), int(month[5:7]), 1)
    simulation.set_input(
        "date_naissance",
        "ETERNITY",
        np.array([min(p.birth_date, first_day) for p in persons], dtype="datetime64[D]"),
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
            if p.role != Role.CHILD and in_higher_education(p)
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
    put(simulation, "activite", months, activity)
    put(simulation, "scolarite", months, schooling)
    put(simulation, "taux_incapacite", months, rate)
    put(simulation, "handicap", months, rate >= 0.5)
    put(simulation, "aah_restriction_substantielle_durable_acces_emploi", months, rsdae)
    put(simulation, "enceinte", months, pregnant)
    put(simulation, "garde_alternee", months, shared_custody)
    put(simulation, "livret_a", months, savings)
    for name, array in recent_inputs.items():
        put(simulation, name, recent_months, array)
    for name, array in earlier_inputs.items():
        put(simulation, name, earlier_months, array)
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
    put(simulation, "depcom", months, communes)
    put(simulation, "statut_occupation_logement", months, housing)
    put(simulation, "loyer", months, rent)
    put(simulation, "coloc", months, flat_share)
    put(simulation, "proprietaire_proche_famille", months, relative)
    # Benefits already received, for the 12 previous months.
    past = declared_past(batch)
    set_past(simulation, month, past)


def _set_year_n_2(
    simulation: Any, n_2: str, batch: Batch, monthly: dict[str, NDArray[np.float64]]
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


def _set_students(simulation: Any, month: str, batch: Batch) -> None:
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


def attach_students(simulation: Any, month: str, batch: Batch) -> bool:
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
