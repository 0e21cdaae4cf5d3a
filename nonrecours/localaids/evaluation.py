"""A local aid's conditions evaluated on a claimant's situation (no Django).

Each condition answers yes, no or unknown; the aid takes the worst answer
(rules.Verdict). Pure Python on the situation and the national benefits
the simulator found: a few microseconds an aid.
"""

import datetime
import functools
from collections.abc import Collection, Mapping

from nonrecours import french
from nonrecours.french import plural
from nonrecours.localaids.rules import ACTIVITIES, Conditions, Outcome, Verdict
from nonrecours.rights.catalogue import benefit
from nonrecours.rights.situation import Activity, Person, Role, Schooling, Situation

HOUSING_LABELS = {
    "locataire_hlm": "locataire d'un logement social",
    "locataire_vide": "locataire",
    "locataire_meuble": "locataire d'un meublé",
    "locataire_foyer": "en foyer ou résidence",
    "proprietaire": "propriétaire",
    "primo_accedant": "accédant·e à la propriété",
    "loge_gratuitement": "hébergé·e gratuitement",
    "sans_domicile": "sans domicile",
}
FAMILY_BENEFITS = ("af", "cf", "asf", "paje_base")  # in the CAF family quotient
MICRO_TURNOVER = ("ca_micro_vente", "ca_micro_services", "ca_micro_liberal")
# Flat allowance of the micro-entreprise regimes on the turnover, for costs:
# 71 % for the sale of goods and 50 % for services (micro-BIC, code général
# des impôts art. 50-0, 1), 34 % for a liberal profession (micro-BNC, art.
# 102 ter, 1); at least 305 € a year in each regime. The rest is the profit.
MICRO_ALLOWANCE_RATES = {
    "ca_micro_vente": 0.71,
    "ca_micro_services": 0.50,
    "ca_micro_liberal": 0.34,
}
MICRO_ALLOWANCE_MIN_MONTHLY = 305 / 12
PAID_OUT = ("pension_alimentaire_versee",)  # paid by the household: comes off


def _who(person: Person, day: datetime.date) -> str:
    if person.role == Role.CLAIMANT:
        return "vous"
    if person.role == Role.PARTNER:
        return "votre conjoint·e"
    return f"votre enfant de {person.age_on(day)} ans"


def _activity(person: Person, word: str) -> Verdict:
    activity, schooling = person.activity, person.schooling
    if word == "salarie":
        return Verdict.YES if activity == Activity.WORKER else Verdict.NO
    if word == "demandeur_emploi":
        return Verdict.YES if activity == Activity.JOB_SEEKER else Verdict.NO
    if word == "etudiant":
        studies = activity == Activity.STUDENT or schooling == Schooling.HIGHER
        return Verdict.YES if studies else Verdict.NO
    if word == "lyceen":
        return Verdict.YES if schooling == Schooling.HIGH else Verdict.NO
    if word == "retraite":
        return Verdict.YES if activity == Activity.RETIRED else Verdict.NO
    if word == "inactif":
        return Verdict.YES if activity == Activity.INACTIVE else Verdict.NO
    if word == "apprenti":
        # The situation has no apprenticeship contract: an apprentice is
        # declared as an employee or as a student.
        return Verdict.UNKNOWN if activity in (Activity.WORKER, Activity.STUDENT) else Verdict.NO
    if word == "independant":
        if activity == Activity.SELF_EMPLOYED or any(
            person.resources.get(key, 0.0) > 0 for key in MICRO_TURNOVER
        ):
            return Verdict.YES
        # Self-employment on the side of a job, or without turnover yet.
        return Verdict.UNKNOWN if activity in (Activity.WORKER, Activity.INACTIVE) else Verdict.NO
    # stagiaire, service_civique: the situation does not say.
    return Verdict.NO if activity == Activity.RETIRED else Verdict.UNKNOWN


@functools.lru_cache(maxsize=32)
def _crous_scale(month: str) -> tuple[tuple[int, float], ...]:
    """(échelon, euros per month) of the CROUS grant at ``month`` (YYYY-MM),
    échelon 0 for « 0 bis »: OpenFisca-France's scale with the project's
    overlay (prestations_sociales.education.bourses.enseignement_superieur.
    criteres_sociaux.montants; arrêtés fixant les taux des bourses
    d'enseignement supérieur)."""
    from nonrecours.rights.engine import tax_benefit_system

    parameters = tax_benefit_system().parameters(f"{month}-01")
    scale = parameters.prestations_sociales.education.bourses.enseignement_superieur
    montants = scale.criteres_sociaux.montants
    return tuple(
        (int(threshold), float(amount))
        for threshold, amount in zip(montants.thresholds, montants.amounts, strict=True)
    )


def crous_level(monthly: float, month: str) -> int | None:
    """The échelon of a CROUS grant (bourse sur critères sociaux) of
    ``monthly`` euros at ``month`` (YYYY-MM): 0 for « 0 bis », 1 to 7; None
    when no amount of the scale matches (within 0.50 €). Loads
    OpenFisca-France on the first call of a process (the simulator has
    always loaded it when it found the grant)."""
    for level, amount in _crous_scale(month):
        if abs(amount - monthly) <= 0.5:
            return level
    return None


def _level_text(level: int) -> str:
    return "0 bis" if level == 0 else str(level)


def _scholarship(
    person: Person,
    conditions: Conditions,
    month: str,
    found: Mapping[str, float],
    uncertain: Collection[str],
) -> tuple[Verdict, str]:
    """A grant: the CROUS grant the simulator computed for the claimant (its
    échelon read from its amount), a school grant found for a pupil; else
    unknown (a grant of another kind, or one the simulator cannot compute)."""
    low = conditions.scholarship_level_min
    if person.role == Role.CLAIMANT and "bourse_crous" in found and "bourse_crous" not in uncertain:
        level = crous_level(found["bourse_crous"], month)
        if level is None:
            if low:
                return (
                    Verdict.UNKNOWN,
                    "bourse du CROUS trouvée par le simulateur, échelon à vérifier",
                )
            return Verdict.YES, "bourse du CROUS trouvée par le simulateur"
        if low is None or level >= low:
            return Verdict.YES, f"boursier·e du CROUS (échelon {_level_text(level)})"
        return (
            Verdict.NO,
            f"bourse du CROUS à l'échelon {_level_text(level)}, il faut l'échelon {low} au moins",
        )
    in_school = person.schooling in (Schooling.MIDDLE, Schooling.HIGH)
    school_grants = {"bourse_college", "bourse_lycee"} & set(found) - set(uncertain)
    if in_school and school_grants:
        if low:
            return Verdict.UNKNOWN, "bourse trouvée par le simulateur, échelon à vérifier"
        return Verdict.YES, "bourse de collège ou de lycée trouvée par le simulateur"
    what = "boursier·e"
    if low:
        what += f" à l'échelon {low} au moins"
    return Verdict.UNKNOWN, f"être {what} (le simulateur ne le sait pas)"


def _person(
    person: Person,
    conditions: Conditions,
    situation: Situation,
    found: Mapping[str, float],
    uncertain: Collection[str],
) -> list[tuple[Verdict, str]]:
    day = situation.first_day
    checks: list[tuple[Verdict, str]] = []
    who = _who(person, day)
    age = person.age_on(day)
    low, high = conditions.age_min, conditions.age_max
    if low is not None or high is not None:
        inside = (low is None or age >= low) and (high is None or age <= high)
        if low is not None and high is not None:
            band = f"de {low} à {high} ans"
        else:
            band = f"{low} ans ou plus" if low is not None else f"{high} ans au plus"
        checks.append((Verdict.YES if inside else Verdict.NO, f"âge : {band} ({who}, {age} ans)"))
    if conditions.activities:
        best = max(_activity(person, word) for word in conditions.activities)
        wanted = " ou ".join(ACTIVITIES[w] for w in conditions.activities)
        text = {
            Verdict.YES: f"situation : {wanted} ({who})",
            Verdict.UNKNOWN: f"situation : {wanted} (le simulateur ne le sait pas)",
            Verdict.NO: f"situation : {wanted} ; ce n'est pas le cas ({who})",
        }[best]
        checks.append((best, text))
    if conditions.disability_rate_min is not None:
        rate = person.disability_rate
        checks.append(
            (
                Verdict.YES if rate >= conditions.disability_rate_min else Verdict.NO,
                f"taux d'incapacité d'au moins {french.percent(conditions.disability_rate_min)} "
                f"({who} : {french.percent(rate)})",
            )
        )
    if conditions.scholarship:
        verdict, text = _scholarship(person, conditions, situation.month, found, uncertain)
        checks.append((verdict, text if verdict == Verdict.UNKNOWN else f"{text} ({who})"))
    return checks


def _persons(
    situation: Situation,
    conditions: Conditions,
    found: Mapping[str, float],
    uncertain: Collection[str],
) -> list[tuple[Verdict, str]]:
    """The checks of the person who meets the person conditions best (the
    claimant on a tie); when nobody does, the claimant's failing ones."""
    ranked = sorted(situation.persons, key=lambda p: p.role != Role.CLAIMANT)
    checks = [_person(p, conditions, situation, found, uncertain) for p in ranked]
    verdicts = [min(v for v, _ in c) for c in checks]
    best = max(range(len(checks)), key=lambda i: verdicts[i])
    if verdicts[best] != Verdict.NO:
        return checks[best]
    return [check for check in checks[0] if check[0] == Verdict.NO]


def _person_resources(resources: Mapping[str, float]) -> float:
    total = 0.0
    for key, amount in resources.items():
        if key in PAID_OUT:
            total -= amount
        elif key in MICRO_ALLOWANCE_RATES:
            allowance = max(amount * MICRO_ALLOWANCE_RATES[key], MICRO_ALLOWANCE_MIN_MONTHLY)
            total += max(0.0, amount - allowance)
        else:
            total += amount
    return total


def monthly_resources(situation: Situation) -> float:
    """The household's declared resources (euros per month, never below 0):
    incomes, less the pension alimentaire it pays; a micro-entreprise counts
    for its profit (turnover less the flat allowance, MICRO_ALLOWANCE_RATES)."""
    return max(0.0, sum(_person_resources(p.resources) for p in situation.persons))


def _caf_parts(situation: Situation) -> float:
    """CAF parts: 2 for the parents (couple or alone), 0.5 for each of the
    first two children, 1 for the third, 0.5 for each next one, 0.5 more
    for a disabled child (caf.fr, « quotient familial »)."""
    parts = 2.0
    for rank, child in enumerate(situation.children, start=1):
        parts += 1.0 if rank == 3 else 0.5
        if child.disability_rate >= 0.5:
            parts += 0.5
    return parts


def family_quotient(situation: Situation, found_monthly: Mapping[str, float]) -> tuple[float, bool]:
    """The CAF family quotient (euros per month) and whether it is exact:
    (a twelfth of the N-2 tax income + the month's family benefits) / parts.
    Without the tax income, the declared monthly resources stand for it
    (an estimate, said in the reason)."""
    tax_income = situation.tax_income_n2
    income = tax_income / 12 if tax_income is not None else monthly_resources(situation)
    family = sum(
        found_monthly.get(b, situation.received.get(b, 0.0)) or 0.0 for b in FAMILY_BENEFITS
    )
    return (income + family) / _caf_parts(situation), tax_income is not None


def _euros(value: float) -> str:
    return french.amount(value, 0)


def _resources(
    situation: Situation, conditions: Conditions, found_monthly: Mapping[str, float]
) -> list[tuple[Verdict, str]]:
    checks: list[tuple[Verdict, str]] = []
    if conditions.family_quotient_max is not None:
        quotient, exact = family_quotient(situation, found_monthly)
        ceiling = conditions.family_quotient_max
        estimate = "" if exact else " (estimé d'après les ressources déclarées)"
        checks.append(
            (
                Verdict.YES if quotient <= ceiling else Verdict.NO,
                f"quotient familial CAF de {_euros(ceiling)} au plus : {_euros(quotient)}"
                f"{estimate}",
            )
        )
    if conditions.monthly_income_max is not None:
        ceiling = conditions.monthly_income_max.of(situation)
        income = monthly_resources(situation)
        checks.append(
            (
                Verdict.YES if income <= ceiling else Verdict.NO,
                f"ressources du foyer de {_euros(ceiling)} par mois au plus : {_euros(income)}",
            )
        )
    if conditions.tax_income_max is not None:
        ceiling = conditions.tax_income_max.of(situation)
        tax_income = situation.tax_income_n2
        yearly = 12 * monthly_resources(situation) if tax_income is None else tax_income
        estimate = "" if tax_income is not None else " (estimé : douze mois de ressources)"
        checks.append(
            (
                Verdict.YES if yearly <= ceiling else Verdict.NO,
                f"revenu fiscal de référence de {_euros(ceiling)} au plus : "
                f"{_euros(yearly)}{estimate}",
            )
        )
    return checks


def _family(situation: Situation, conditions: Conditions) -> list[tuple[Verdict, str]]:
    checks: list[tuple[Verdict, str]] = []
    children = situation.children
    has_partner = any(p.role == Role.PARTNER for p in situation.persons)
    if conditions.single_parent is not None:
        single = bool(children) and not has_partner
        ok = single == conditions.single_parent
        wanted = "parent isolé" if conditions.single_parent else "pas parent isolé"
        checks.append((Verdict.YES if ok else Verdict.NO, f"famille : {wanted}"))
    if conditions.children_min is not None:
        low, count = conditions.children_min, len(children)
        checks.append(
            (
                Verdict.YES if count >= low else Verdict.NO,
                f"au moins {low} {plural(low, 'enfant')} à charge "
                f"({count} {plural(count, 'déclaré')})",
            )
        )
    if conditions.child_under is not None:
        day = situation.first_day
        young = [c for c in children if c.age_on(day) < conditions.child_under]
        checks.append(
            (
                Verdict.YES if young else Verdict.NO,
                f"un enfant de moins de {conditions.child_under} ans"
                + ("" if young else " : aucun"),
            )
        )
    return checks


def _benefits(
    situation: Situation,
    conditions: Conditions,
    found_monthly: Mapping[str, float] | None,
    uncertain: Collection[str],
) -> tuple[Verdict, str]:
    """« prestations »: one of them found for sure by the simulator, or
    declared as received with an amount above 0. A benefit the simulator
    could not compute, or found as a range from 0, leaves it unknown."""
    labels = " ou ".join(benefit(b).label for b in conditions.benefits)
    found = found_monthly or {}
    has = [
        b
        for b in conditions.benefits
        if (b in found and b not in uncertain) or situation.received.get(b, 0.0) > 0
    ]
    if has:
        return Verdict.YES, f"bénéficiaire : {benefit(has[0]).label}"
    if any(b in uncertain for b in conditions.benefits):
        return Verdict.UNKNOWN, f"bénéficiaire : {labels} (le simulateur n'a pas pu conclure)"
    # Without the simulation, only what the household declared is known.
    return (Verdict.UNKNOWN if found_monthly is None else Verdict.NO), f"bénéficiaire : {labels}"


def evaluate(
    conditions: Conditions,
    situation: Situation,
    found_monthly: Mapping[str, float] | None,
    *,
    uncertain: Collection[str] = (),
) -> Outcome:
    """Whether a situation meets the conditions: YES, NO, or UNKNOWN when a
    condition cannot be known from the situation, with the reasons
    (French, met, unknown and failed apart). ``found_monthly``: the
    national benefits the simulator found (catalogue id -> euros per
    month, the lower bound for a range), None when it was not run;
    ``uncertain``: catalogue ids the simulator could not settle (« non
    calculable », or a range from 0), which count neither for nor against.
    Pure Python, a few microseconds (the first CROUS grant of a month reads
    its scale from OpenFisca-France)."""
    checks: list[tuple[Verdict, str]] = []
    found = found_monthly or {}
    if conditions.has_person_conditions:
        checks.extend(_persons(situation, conditions, found, uncertain))
    checks.extend(_resources(situation, conditions, found))
    checks.extend(_family(situation, conditions))
    if conditions.housing:
        ok = situation.housing.value in conditions.housing
        wanted = " ou ".join(HOUSING_LABELS.get(h, h) for h in conditions.housing)
        checks.append((Verdict.YES if ok else Verdict.NO, f"logement : {wanted}"))
    if conditions.benefits:
        checks.append(_benefits(situation, conditions, found_monthly, uncertain))
    checks.extend((Verdict.UNKNOWN, text) for text in conditions.to_check)
    return Outcome(
        verdict=min((v for v, _ in checks), default=Verdict.YES),
        met=tuple(r for v, r in checks if v == Verdict.YES),
        unknown=tuple(r for v, r in checks if v == Verdict.UNKNOWN),
        failed=tuple(r for v, r in checks if v == Verdict.NO),
    )
