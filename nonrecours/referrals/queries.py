"""Reads of referrals: a partner's lists, and the territory's statistics
with the barometer's disclosure rule (no published cell under 11)."""

import datetime
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, merged_rows, suppressed_counts
from nonrecours.referrals.enums import OutcomeKind, Status
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.territories.models import Territory

MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
).split()


def referrals_of(organisation_ids: Iterable[int]) -> QuerySet[Referral]:
    """The referrals these organisations sent or received."""
    ids = list(organisation_ids)
    return (
        Referral.objects.filter(
            Q(sender_organisation_id__in=ids) | Q(receiver_organisation_id__in=ids)
        )
        .select_related("sender_organisation", "receiver_organisation", "scheme", "territory")
        .order_by("-sent_at", "-pk")
    )


def referral_by_pk(pk: int) -> Referral | None:
    return (
        Referral.objects.select_related(
            "sender_organisation", "receiver_organisation", "scheme", "territory", "offer"
        )
        .filter(pk=pk)
        .first()
    )


def due_dates(referral: Referral) -> tuple[datetime.date, datetime.date]:
    """The reminder and expiry days of a referral waiting for its answer."""
    from nonrecours.referrals.enums import EXPIRY_AFTER_DAYS, REMINDER_AFTER_DAYS  # noqa: PLC0415

    sent = referral.sent_at
    return (
        timezone.localdate(sent + datetime.timedelta(days=REMINDER_AFTER_DAYS)),
        timezone.localdate(sent + datetime.timedelta(days=EXPIRY_AFTER_DAYS)),
    )


# Statistics ---------------------------------------------------------------


@dataclass
class _Item:
    """One referral, as the statistics see it (nothing about the person)."""

    sender: str
    structure: str
    offer: str
    scheme: str
    commune: str
    month: str
    status: str
    delay_days: float | None
    has_outcome: bool
    outcome_kinds: set[str]
    rights: int
    monthly: Decimal


STATUS_ORDER = (Status.SENT, Status.ACCEPTED, Status.REFUSED, Status.EXPIRED)


@dataclass
class Row:
    label: str
    n: int
    statuses: dict[str, int | None]  # None: not published
    with_outcome: int | None
    share_with_outcome: float | None
    answered: int
    median_delay_days: float | None
    rights_opened: int | None
    yearly_amount: Decimal | None
    outcomes: dict[str, int | None] = field(default_factory=dict)
    merged_labels: int = 0  # rows pooled into this one ("Autres")


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row]


@dataclass
class ReferralStatistics:
    territory: Territory
    start: datetime.date | None
    end: datetime.date | None
    total: Row | None  # None: fewer than 11 referrals, nothing published
    tables: list[Table]
    synthetic: bool
    threshold: int = DEFAULT_THRESHOLD


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def _row(label: str, items: list[_Item], threshold: int) -> Row:
    n = len(items)
    counts = [sum(1 for item in items if item.status == status) for status in STATUS_ORDER]
    hidden = suppressed_counts(counts, threshold)
    with_outcome = sum(1 for item in items if item.has_outcome)
    rights = sum(item.rights for item in items)
    delays = [item.delay_days for item in items if item.delay_days is not None]
    amount = sum((item.monthly for item in items), Decimal(0)) * 12
    outcome_counts = {
        kind: sum(1 for item in items if kind in item.outcome_kinds) for kind in OutcomeKind.values
    }

    def shown(count: int) -> int | None:
        return None if 0 < count < threshold else count

    return Row(
        label=label,
        n=n,
        statuses={
            status.value: (None if h else c)
            for status, c, h in zip(STATUS_ORDER, counts, hidden, strict=True)
        },
        with_outcome=shown(with_outcome),
        share_with_outcome=with_outcome / n if shown(with_outcome) is not None and n else None,
        answered=len(delays),
        median_delay_days=round(statistics.median(delays), 1) if len(delays) >= threshold else None,
        rights_opened=shown(rights),
        yearly_amount=amount.quantize(Decimal(1)) if rights >= threshold else None,
        outcomes={kind: shown(count) for kind, count in outcome_counts.items()},
    )


DIMENSIONS: tuple[tuple[str, str, Callable[[_Item], str]], ...] = (
    ("partenaire", "Par organisation qui oriente", lambda item: item.sender),
    ("structure", "Par structure qui reçoit", lambda item: item.structure),
    ("offre", "Par offre", lambda item: item.offer),
    ("dispositif", "Par dispositif", lambda item: item.scheme),
    ("commune", "Par commune de la personne", lambda item: item.commune),
    ("mois", "Par mois d'envoi", lambda item: item.month),
)


def _table(
    key: str, title: str, items: list[_Item], by: Callable[[_Item], str], threshold: int
) -> Table:
    groups: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        groups[by(item)].append(item)
    if key == "mois":
        labels = sorted(groups)
    else:
        labels = sorted(groups, key=lambda label: (-len(groups[label]), label))
    merged = merged_rows([len(groups[label]) for label in labels], threshold)
    rows = [
        _row(_month_label(label) if key == "mois" else label, groups[label], threshold)
        for label, m in zip(labels, merged, strict=True)
        if not m
    ]
    pooled = [item for label, m in zip(labels, merged, strict=True) if m for item in groups[label]]
    if len(pooled) >= threshold:
        other = _row("Autres (regroupés : moins de 11 orientations chacun)", pooled, threshold)
        other.merged_labels = sum(merged)
        rows.append(other)
    return Table(key=key, title=title, rows=rows)


def _items(territory: Territory, referrals: QuerySet[Referral]) -> list[_Item]:
    """Read as plain rows (no model instances): tens of thousands of
    referrals in a fraction of a second."""
    communes = dict(territory.communes.values_list("insee_code", "name"))
    outcomes: dict[int, list[tuple[str, Decimal | None]]] = defaultdict(list)
    for referral_id, kind, amount in Outcome.objects.filter(
        referral__in=referrals.values("pk")
    ).values_list("referral_id", "kind", "monthly_amount"):
        outcomes[referral_id].append((kind, amount))
    zone = timezone.get_current_timezone()
    items = []
    for (
        pk,
        sender,
        structure,
        offer,
        scheme,
        commune,
        sent_at,
        status,
        answered_at,
    ) in referrals.values_list(
        "pk",
        "sender_organisation__name",
        "structure_name",
        "offer_name",
        "scheme__name",
        "commune",
        "sent_at",
        "status",
        "answered_at",
    ).iterator(chunk_size=5000):
        local = sent_at.astimezone(zone)
        mine = outcomes.get(pk, [])
        opened = [amount for kind, amount in mine if kind == OutcomeKind.RIGHT_OPENED]
        items.append(
            _Item(
                sender=sender,
                structure=structure,
                offer=offer or f"{structure} (sans offre précise)",
                scheme=scheme or "Sans dispositif",
                commune=communes.get(commune, commune),
                month=f"{local.year}-{local.month:02d}",
                status=status,
                delay_days=(answered_at - sent_at).total_seconds() / 86400
                if answered_at is not None
                else None,
                has_outcome=bool(mine),
                outcome_kinds={kind for kind, _ in mine},
                rights=len(opened),
                monthly=sum((amount or Decimal(0) for amount in opened), Decimal(0)),
            )
        )
    return items


def referral_statistics(
    territory: Territory,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> ReferralStatistics:
    """The territory's referrals sent between start and end (days included),
    by partner, structure, offer, scheme, commune and month."""
    referrals = Referral.objects.filter(territory=territory)
    if start is not None:
        referrals = referrals.filter(sent_at__date__gte=start)
    if end is not None:
        referrals = referrals.filter(sent_at__date__lte=end)
    items = _items(territory, referrals)
    synthetic = referrals.filter(is_synthetic=True).exists()
    if len(items) < threshold:
        return ReferralStatistics(territory, start, end, None, [], synthetic, threshold)
    tables = [_table(key, title, items, by, threshold) for key, title, by in DIMENSIONS]
    return ReferralStatistics(
        territory, start, end, _row("Ensemble", items, threshold), tables, synthetic, threshold
    )
