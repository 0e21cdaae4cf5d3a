"""Results that are not one sure figure: a range when an amount depends on
the incomes of year N-2 not given (tax notice), « barème non à jour » when
the scale of the month is not known yet."""

from nonrecours.french import euros_text
from nonrecours.rights.catalogue import IN_KIND, Benefit, in_kind_text
from nonrecours.rights.fixedpoint import RowAmounts
from nonrecours.rights.results import BenefitResult
from nonrecours.rights.situation import Situation


def _notice_text(situation: Situation) -> str:
    year = situation.notice_year
    return (
        f"votre revenu fiscal de référence {year} (avis d'imposition {year + 1} "
        f"sur les revenus {year})"
    )


def variant_total(results: list[BenefitResult], shown: list[BenefitResult]) -> float:
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


def joined(*parts: str) -> str:
    """Notes joined by « ; », without a stop before the semicolon."""
    return " ; ".join(part.rstrip(". ") for part in parts if part)


def _amount_of(result: BenefitResult) -> float:
    if not result.eligible:
        return 0.0
    if result.benefit.id in IN_KIND:
        return -(result.participation or 0.0)  # gratuite ranks above a participation
    return result.yearly if result.yearly is not None else result.monthly or 0.0


def range_of(benefit: Benefit, situation: Situation, results: list[BenefitResult]) -> BenefitResult:
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
            reason=joined(central.reason, f"{assumption} ; peut changer selon {depends}"),
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
            reason=joined(
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
        reason=joined(
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


def with_stale_scale(item: BenefitResult, stale: list[str], row: RowAmounts) -> BenefitResult:
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
