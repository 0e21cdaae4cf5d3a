"""A local aid's conditions evaluated on a claimant's situation (no Django).

Each condition answers yes, no or unknown; the aid takes the worst answer
(rules.Verdict). Pure Python on the situation and the national benefits
the simulator found: a few microseconds an aid.
"""

import datetime
from collections.abc import Collection, Mapping
from typing import Any

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


def _field(obj: object, *names: str) -> Any:
    """The first of these optional attributes that is set (the situation
    grows new optional fields; those it does not have yet are unknown)."""
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


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
        known = _field(person, "apprentice", "is_apprentice")
        if known is not None:
            return Verdict.YES if known else Verdict.NO
        # An apprentice is declared as an employee or as a student.
        return Verdict.UNKNOWN if activity in (Activity.WORKER, Activity.STUDENT) else Verdict.NO
    if word == "independant":
        income = _field(person, "self_employed_income", "self_employment_income")
        if income:
            return Verdict.YES
        return Verdict.UNKNOWN if activity in (Activity.WORKER, Activity.INACTIVE) else Verdict.NO
    # stagiaire, service_civique: the situation does not say.
    return Verdict.NO if activity == Activity.RETIRED else Verdict.UNKNOWN


def _scholarship(
    person: Person, conditions: Conditions, found: Collection[str]
) -> tuple[Verdict, str]:
    level = _field(person, "scholarship_level", "grant_level")
    holder = _field(person, "scholarship", "scholarship_holder", "boursier")
    if level is not None:
        low = conditions.scholarship_level_min or 0
        if level >= low:
            return Verdict.YES, f"boursier·e (échelon {level})"
        return Verdict.NO, f"boursier·e à l'échelon {level}, il faut l'échelon {low} au moins"
    if holder is not None and not holder:
        return Verdict.NO, "pas boursier·e"
    in_school = person.schooling in (Schooling.MIDDLE, Schooling.HIGH)
    if in_school and {"bourse_college", "bourse_lycee"} & set(found):
        if conditions.scholarship_level_min:
            return Verdict.UNKNOWN, "bourse trouvée par le simulateur, échelon à vérifier"
        return Verdict.YES, "bourse de collège ou de lycée trouvée par le simulateur"
    if holder and not conditions.scholarship_level_min:
        return Verdict.YES, "boursier·e"
    what = "boursier·e"
    if conditions.scholarship_level_min:
        what += f" à l'échelon {conditions.scholarship_level_min} au moins"
    return Verdict.UNKNOWN, f"être {what} (le simulateur ne le sait pas)"


def _person(
    person: Person, conditions: Conditions, day: datetime.date, found: Collection[str]
) -> list[tuple[Verdict, str]]:
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
                f"taux d'incapacité d'au moins {conditions.disability_rate_min * 100:.0f} % "
                f"({who} : {rate * 100:.0f} %)",
            )
        )
    if conditions.scholarship:
        verdict, text = _scholarship(person, conditions, found)
        checks.append((verdict, text if verdict == Verdict.UNKNOWN else f"{text} ({who})"))
    return checks


def _persons(
    situation: Situation, conditions: Conditions, found: Collection[str]
) -> list[tuple[Verdict, str]]:
    """The checks of the person who meets the person conditions best (the
    claimant on a tie); when nobody does, the claimant's failing ones."""
    day = situation.first_day
    ranked = sorted(situation.persons, key=lambda p: p.role != Role.CLAIMANT)
    checks = [_person(p, conditions, day, found) for p in ranked]
    verdicts = [min(v for v, _ in c) for c in checks]
    best = max(range(len(checks)), key=lambda i: verdicts[i])
    if verdicts[best] != Verdict.NO:
        return checks[best]
    return [check for check in checks[0] if check[0] == Verdict.NO]


def _monthly_resources(situation: Situation) -> float:
    return sum(sum(p.resources.values()) for p in situation.persons)


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
    income = tax_income / 12 if tax_income is not None else _monthly_resources(situation)
    family = sum(
        found_monthly.get(b, situation.received.get(b, 0.0)) or 0.0 for b in FAMILY_BENEFITS
    )
    return (income + family) / _caf_parts(situation), tax_income is not None


def _euros(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") + " €"


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
        income = _monthly_resources(situation)
        checks.append(
            (
                Verdict.YES if income <= ceiling else Verdict.NO,
                f"ressources du foyer de {_euros(ceiling)} par mois au plus : {_euros(income)}",
            )
        )
    if conditions.tax_income_max is not None:
        ceiling = conditions.tax_income_max.of(situation)
        tax_income = situation.tax_income_n2
        yearly = 12 * _monthly_resources(situation) if tax_income is None else tax_income
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
        ok = len(children) >= conditions.children_min
        checks.append(
            (
                Verdict.YES if ok else Verdict.NO,
                f"au moins {conditions.children_min} enfant(s) à charge ({len(children)})",
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


def evaluate(
    conditions: Conditions,
    situation: Situation,
    found_monthly: Mapping[str, float] | None,
) -> Outcome:
    """Whether a situation meets the conditions: YES, NO, or UNKNOWN when a
    condition cannot be known from the situation, with the reasons
    (French, met, unknown and failed apart). ``found_monthly``: the
    national benefits the simulator found (catalogue id -> euros per
    month), None when it was not run. Pure Python, a few microseconds."""
    checks: list[tuple[Verdict, str]] = []
    found = found_monthly or {}
    if conditions.has_person_conditions:
        checks.extend(_persons(situation, conditions, found))
    checks.extend(_resources(situation, conditions, found))
    checks.extend(_family(situation, conditions))
    if conditions.housing:
        ok = situation.housing.value in conditions.housing
        wanted = " ou ".join(HOUSING_LABELS.get(h, h) for h in conditions.housing)
        checks.append((Verdict.YES if ok else Verdict.NO, f"logement : {wanted}"))
    if conditions.benefits:
        labels = " ou ".join(benefit(b).label for b in conditions.benefits)
        has = [b for b in conditions.benefits if b in found or b in situation.received]
        if has:
            checks.append((Verdict.YES, f"bénéficiaire : {benefit(has[0]).label}"))
        else:
            # Without the simulation, only what the household declared is known.
            unknown = found_monthly is None
            checks.append((Verdict.UNKNOWN if unknown else Verdict.NO, f"bénéficiaire : {labels}"))
    checks.extend((Verdict.UNKNOWN, text) for text in conditions.to_check)
    return Outcome(
        verdict=min((v for v, _ in checks), default=Verdict.YES),
        met=tuple(r for v, r in checks if v == Verdict.YES),
        unknown=tuple(r for v, r in checks if v == Verdict.UNKNOWN),
        failed=tuple(r for v, r in checks if v == Verdict.NO),
    )
