"""What a simulation returns: one result per benefit, and per household."""

from dataclasses import dataclass
from typing import Any

from nonrecours.rights.catalogue import Benefit
from nonrecours.rights.situation import Situation


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
    stable: bool = True  # the amounts reached a fixed point (rights.fixedpoint)
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
