"""Rights opened by benefit, with their yearly amounts, under the secrecy
rule: the one table of the yearly report no feature publishes yet.

Counted: the outcomes in force (``Outcome.objects.current()``: a corrected
outcome counts with its latest value) of kind « droit ouvert » of the
referrals sent in the civil year (real ones only, unless the report is a
demonstration: evaluation.report_queries.demo_rule),
one right per referral and benefit. Yearly amount of a benefit: 12 × the
sum of its rights' monthly amounts (as referrals.statistics).

Secrecy (analysis.disclosure.protect, ADR 013): a right is one person's,
so the unit is the right. Benefits with fewer than ``threshold`` rights are
pooled into « Autres droits » first (merged_rows); then the total and the
rows are one table for protect (the rows add up to the total), which hides
rows under the threshold and the others that would give one back. The
amounts are a second system of the same shape, whose units are the rights
with an amount. A hidden total hides the cost per right opened.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from nonrecours.analysis.disclosure import Release, merged_rows, protect
from nonrecours.analysis.disclosure import Status as Secrecy
from nonrecours.evaluation.report import ReportContext
from nonrecours.referrals.enums import OutcomeKind
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.rights.catalogue import benefits
from nonrecours.territories.models import Territory

TOTAL = "Ensemble des droits ouverts"
OTHERS = "Autres droits (regroupés)"


@dataclass(frozen=True)
class BenefitRow:
    """One row: ``rights`` opened (None: hidden), their ``yearly_amount``
    in euros per year (None: hidden), ``pooled`` for « Autres droits »."""

    label: str
    rights: int | None
    yearly_amount: Decimal | None
    pooled: bool = False


@dataclass(frozen=True)
class RightsByBenefit:
    total: BenefitRow
    rows: tuple[BenefitRow, ...]
    synthetic: bool


def year_referrals(territory: Territory, year: int, *, synthetic: bool) -> QuerySet[Referral]:
    """The referrals sent in civil ``year`` (local time) that the report
    counts: the real ones, and the demonstration's too when ``synthetic``
    (a demonstration install, evaluation.report_queries.demo_rule)."""
    referrals = Referral.objects.filter(territory=territory)
    if not synthetic:
        referrals = referrals.filter(is_synthetic=False)
    zone = timezone.get_current_timezone()
    return referrals.filter(
        sent_at__gte=datetime.datetime(year, 1, 1, tzinfo=zone),
        sent_at__lt=datetime.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def _hidden(sizes: list[int], threshold: int) -> list[bool]:
    """Which of [total, *rows] protect hides, the rows adding up to the
    total (one atom per row)."""
    present = [k for k, size in enumerate(sizes) if size > 0]
    if not present:
        return [False] * (1 + len(sizes))
    atoms = [sizes[k] for k in present]
    cells = [list(range(len(atoms)))] + [[a] for a in range(len(atoms))]
    release = Release(atom_sizes=atoms, cells=cells, lines=[(0, list(range(1, len(cells))))],
                      root=0)  # fmt: skip
    status = protect(release, threshold)
    hidden = [status[0] == Secrecy.HIDDEN] + [False] * len(sizes)
    for a, k in enumerate(present):
        hidden[1 + k] = status[1 + a] == Secrecy.HIDDEN
    return hidden


def rights_by_benefit(
    territory: Territory, year: int, *, threshold: int, synthetic: bool
) -> RightsByBenefit:
    """The published table of rights opened by benefit for civil ``year``
    (see the module's docstring), rows from the most rights, « Autres
    droits » last. Amounts rounded to the euro."""
    referrals = year_referrals(territory, year, synthetic=synthetic)
    outcomes = Outcome.objects.current().filter(referral__in=referrals.values("pk"))
    rights: dict[tuple[int, str], Decimal] = {}
    for referral_id, benefit, monthly in outcomes.filter(kind=OutcomeKind.RIGHT_OPENED).values_list(
        "referral_id", "benefit", "monthly_amount"
    ):
        key = (referral_id, benefit or "")
        rights[key] = rights.get(key, Decimal(0)) + (monthly or Decimal(0))
    labels = {b.id: b.label for b in benefits()}
    by_label: dict[str, list[Decimal]] = defaultdict(list)
    for (_, benefit), monthly in rights.items():
        by_label[labels.get(benefit, benefit or "Droit non précisé")].append(monthly)
    ordered = sorted(by_label, key=lambda label: (-len(by_label[label]), label))
    merged = merged_rows([len(by_label[label]) for label in ordered], threshold)
    groups = [(label, by_label[label], False) for label, m in zip(ordered, merged, strict=True)
              if not m]  # fmt: skip
    pool = [v for label, m in zip(ordered, merged, strict=True) if m for v in by_label[label]]
    if pool:
        groups.append((OTHERS, pool, True))
    every = [v for _, values, _ in groups for v in values]
    counts = _hidden([len(values) for _, values, _ in groups], threshold)
    amounts = _hidden([sum(1 for v in values if v > 0) for _, values, _ in groups], threshold)

    def row(label: str, values: list[Decimal], k: int, pooled: bool = False) -> BenefitRow:
        yearly = (12 * sum(values, Decimal(0))).quantize(Decimal(1))
        return BenefitRow(
            label=label,
            rights=None if counts[k] else len(values),
            yearly_amount=None if amounts[k] else yearly,
            pooled=pooled,
        )

    return RightsByBenefit(
        total=row(TOTAL, every, 0),
        rows=tuple(row(label, values, 1 + k, p) for k, (label, values, p) in enumerate(groups)),
        synthetic=referrals.filter(is_synthetic=True).exists(),
    )


def rights_of(context: ReportContext) -> RightsByBenefit:
    """rights_by_benefit for the report's territory and year, computed once
    per report (the rights section and the budget's cost per right read it)."""
    found = context.cache.get("rights")
    if not isinstance(found, RightsByBenefit):
        found = rights_by_benefit(context.territory, context.year, threshold=context.threshold,
                                  synthetic=context.synthetic)  # fmt: skip
        context.cache["rights"] = found
    return found
