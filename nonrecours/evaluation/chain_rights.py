"""The rights opened along a chain and the dates that stop its figures:
the « droit ouvert » results of its referrals while the call-back request
is kept, the copy made when it is erased afterwards (Chain.rights_opened),
which were in force at a moment, and the cut-off of a civil year's
published figures (see evaluation.chain_funnel for the method)."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from nonrecours.evaluation.chain_models import Chain
from nonrecours.referrals.enums import OutcomeKind
from nonrecours.referrals.models import Outcome

__all__ = [
    "RightOpened",
    "chain_contacted",
    "chain_rights",
    "cutoff",
    "published_on",
    "rights_in_force",
]


def published_on(year: int) -> datetime.date:
    """The day partners first see civil year ``year``'s funnel and may
    export it: 1 April of the following year."""
    return datetime.date(year + 1, 4, 1)


def cutoff(year: int) -> datetime.datetime:
    """The moment civil year ``year``'s published figures stop: the end of
    31 March of the following year (local time); what is recorded later
    does not change them."""
    midnight = datetime.datetime.combine(published_on(year), datetime.time.min)
    return timezone.make_aware(midnight)


def chain_contacted(chain: Chain) -> bool:
    """Whether the chain counts as « contactée »: at least one call noted,
    or the person reached (a rights check or a referral)."""
    return chain.attempts > 0 or chain.reached_at is not None


@dataclass(frozen=True)
class RightOpened:
    """A « droit ouvert » result of a chain's referral: its benefit, yearly
    amount (euros per year; None without an amount), the day the result
    was first recorded (``opened_on``: a correction keeps the day of the
    result it corrects), when this value was recorded and when a correction
    replaced it (None: in force)."""

    benefit: str
    yearly_amount: Decimal | None
    opened_on: datetime.date
    recorded_at: datetime.datetime
    replaced_at: datetime.datetime | None = None

    def in_force(self, as_of: datetime.datetime | None) -> bool:
        """In force just before ``as_of`` (None: now)."""
        if as_of is None:
            return self.replaced_at is None
        replaced = self.replaced_at is not None and self.replaced_at < as_of
        return self.recorded_at < as_of and not replaced

    def as_json(self) -> dict[str, str | None]:
        return {
            "benefit": self.benefit,
            "yearly_amount": None if self.yearly_amount is None else str(self.yearly_amount),
            "opened_on": self.opened_on.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "replaced_at": None if self.replaced_at is None else self.replaced_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> "RightOpened":
        amount, replaced = data.get("yearly_amount"), data.get("replaced_at")
        return cls(
            benefit=str(data.get("benefit") or ""),
            yearly_amount=None if amount is None else Decimal(amount),
            opened_on=datetime.date.fromisoformat(str(data["opened_on"])),
            recorded_at=datetime.datetime.fromisoformat(str(data["recorded_at"])),
            replaced_at=None if replaced is None else datetime.datetime.fromisoformat(replaced),
        )


def _live_rights(chain_ids: Sequence[int]) -> dict[int, list[RightOpened]]:
    """Chain id → the « droit ouvert » results of its linked referrals, all
    of them (corrected ones with their replacement's date)."""
    rows = list(
        Outcome.objects.filter(referral__chain_link__chain_id__in=chain_ids).values_list(
            "pk",
            "corrects_id",
            "kind",
            "benefit",
            "monthly_amount",
            "recorded_at",
            "referral__chain_link__chain_id",
        )
    )
    by_id = {row[0]: row for row in rows}
    replaced = {row[1]: row[5] for row in rows if row[1] is not None}
    rights: dict[int, list[RightOpened]] = defaultdict(list)
    for pk, corrects, kind, benefit, monthly, recorded_at, chain_id in rows:
        if kind != OutcomeKind.RIGHT_OPENED:
            continue
        first = recorded_at
        while corrects is not None and corrects in by_id:
            corrects, first = by_id[corrects][1], by_id[corrects][5]
        rights[chain_id].append(
            RightOpened(
                benefit=benefit,
                yearly_amount=None if monthly is None else monthly * 12,
                opened_on=timezone.localtime(first).date(),
                recorded_at=recorded_at,
                replaced_at=replaced.get(pk),
            )
        )
    return rights


def chain_rights(chains: Sequence[Chain]) -> dict[int, list[RightOpened]]:
    """Chain id → its « droit ouvert » results: from its referrals while the
    request is kept, from the copy made at its erasure afterwards."""
    rights = _live_rights([c.pk for c in chains if c.erased_at is None])
    for chain in chains:
        if chain.erased_at is not None:
            rights[chain.pk] = [RightOpened.from_json(r) for r in chain.rights_opened or []]
    return rights


def rights_in_force(
    rights: Sequence[RightOpened], as_of: datetime.datetime | None
) -> list[RightOpened]:
    """Those in force at ``as_of`` (None: now), by day opened."""
    return sorted((r for r in rights if r.in_force(as_of)), key=lambda r: r.opened_on)
