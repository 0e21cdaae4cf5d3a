"""From the amounts computed to the result shown: each benefit's status,
amount and note, for one household (its variants combined)."""

import datetime

from nonrecours.french import euros_text, french_list
from nonrecours.rights.catalogue import Benefit, benefits, in_kind_text
from nonrecours.rights.fixedpoint import RowAmounts
from nonrecours.rights.past import PAST_FAMILY
from nonrecours.rights.results import BenefitResult, SimulationResult
from nonrecours.rights.rows import in_higher_education
from nonrecours.rights.situation import TENANTS, Schooling, Situation
from nonrecours.rights.system import stale_scales_at
from nonrecours.rights.uncertain import joined, range_of, variant_total, with_stale_scale

# Benefits paid every month that count in the resources of others in the
# following months (fed back by rights.fixedpoint.settle): named when the amount of the first
# months differs.
PAID_BENEFITS = (*PAST_FAMILY.values(), "aah", "asi")


def combine(
    situation: Situation, rows: list[tuple[RowAmounts, RowAmounts]], stable: bool
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
        item = results[0] if len(results) == 1 else range_of(benefit, situation, results)
        stale = stale_scales_at(situation.month).get(benefit.id)
        if stale and item.status != "not_computable":
            item = with_stale_scale(item, stale, rows[0][1])
        items.append(item)
    low = high = None
    if len(rows) > 1:
        totals = [variant_total(results, items) for results in by_variant]
        if max(totals) - min(totals) > 0.5:
            low, high = round(min(totals), 2), round(max(totals), 2)
    return SimulationResult(situation, tuple(items), stable, total_low=low, total_high=high)


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
    first: RowAmounts,
    last: RowAmounts,
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
        students = [p for p in situation.adults if in_higher_education(p)]
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
        reason = joined(benefit.caveat, note)
        return BenefitResult(
            benefit, "eligible", monthly=amount, reason=reason, first_months=first_amount
        )
    return BenefitResult(benefit, "eligible", monthly=amount, reason=benefit.caveat)
