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
from nonrecours.referrals.enums import AgeBand, OutcomeKind, Status
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
#
# Every table is published with the barometer's rule: no cell describes
# fewer than 11 people. Counts from 1 to 10 are hidden (primary), and other
# cells are hidden too (secondary) until no line of a table — a row, whose
# statuses add up to its published number, or a column, whose rows add up to
# the published total — has exactly one hidden cell, which subtraction would
# give back. Rows under 11 referrals are pooled into « Autres ». Periods are
# calendar years: two overlapping periods would give their difference.


@dataclass
class _Item:
    """One referral, as the statistics see it (nothing about the person)."""

    sender: str
    structure: str
    offer: str
    scheme: str
    commune: str
    age_band: str
    month: str
    status: str
    delay_days: float | None
    has_outcome: bool
    outcome_kinds: set[str]
    rights: int
    monthly: Decimal


STATUS_ORDER = (Status.SENT, Status.ACCEPTED, Status.REFUSED, Status.EXPIRED)
# The count columns of every table, in order; the yearly amount follows the
# number of people with a right opened.
COLUMNS = (*[s.value for s in STATUS_ORDER], "with_outcome", "rights")


@dataclass
class Row:
    label: str
    n: int
    statuses: dict[str, int | None]  # None: not published
    with_outcome: int | None
    share_with_outcome: float | None
    answered: int
    median_delay_days: float | None
    rights_opened: int | None  # people (referrals) with at least one right opened
    yearly_amount: Decimal | None
    outcomes: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row]


@dataclass
class ReferralStatistics:
    territory: Territory
    year: int | None
    years: list[int]
    total: Row | None  # None: fewer than 11 referrals, nothing published
    tables: list[Table]
    synthetic: bool
    threshold: int = DEFAULT_THRESHOLD


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


@dataclass
class _Cells:
    """The raw figures of one row, and which are hidden."""

    label: str
    items: list[_Item]
    values: dict[str, int] = field(default_factory=dict)
    hidden: dict[str, bool] = field(default_factory=dict)
    amount: Decimal = Decimal(0)
    amount_hidden: bool = False


def _cells(label: str, items: list[_Item], threshold: int) -> _Cells:
    n = len(items)
    values = {status.value: sum(1 for i in items if i.status == status) for status in STATUS_ORDER}
    values["with_outcome"] = sum(1 for i in items if i.has_outcome)
    values["rights"] = sum(1 for i in items if i.rights)
    cells = _Cells(label, items, values)
    cells.hidden = {
        column: 0 < value < threshold
        or (column == "with_outcome" and 0 < n - value < threshold)  # n − it is a count too
        for column, value in values.items()
    }
    cells.amount = sum((i.monthly for i in items), Decimal(0)) * 12
    return cells


STATUS_COLUMNS = tuple(s.value for s in STATUS_ORDER)


def _fixed(cell: _Cells, column: str) -> bool:
    """A status that is the row's only non-zero one equals the row's number:
    hiding it would hide nothing."""
    if column not in STATUS_COLUMNS:
        return False
    return cell.values[column] == len(cell.items)


def _hide_one_more(cells: list[tuple[_Cells, str]], *, margin: _Cells | None = None) -> bool:
    """A line of cells whose sum is published (or is the `margin` cell): if
    exactly one is hidden, hide the smallest other non-zero one that can be
    hidden (the margin's last). Whether something changed."""
    line = cells + ([(margin, cells[0][1])] if margin is not None else [])
    if sum(cell.hidden[column] for cell, column in line) != 1:
        return False
    candidates = [
        (cell, column)
        for cell, column in cells
        if not cell.hidden[column] and cell.values[column] > 0 and not _fixed(cell, column)
    ]
    if not candidates and margin is not None:
        column = cells[0][1]
        if not margin.hidden[column] and margin.values[column] > 0:
            candidates = [(margin, column)]
    if not candidates:
        return False
    cell, column = min(candidates, key=lambda pair: pair[0].values[pair[1]])
    cell.hidden[column] = True
    return True


def _suppress(total: _Cells, tables: list[list[_Cells]], threshold: int) -> None:
    """Secondary suppression, until no row or column gives a hidden cell."""
    changed = True
    while changed:
        changed = False
        for rows in [[total], *tables]:
            for row in rows:  # the statuses add up to the row's number
                changed |= _hide_one_more([(row, column) for column in STATUS_COLUMNS])
        for rows in tables:
            for column in COLUMNS:  # the rows add up to the total
                changed |= _hide_one_more([(row, column) for row in rows], margin=total)
    for rows in [[total], *tables]:
        for row in rows:
            rights = row.values["rights"]
            row.amount_hidden = row.hidden["rights"] or 0 < rights < threshold
    changed = True
    while changed:  # the amounts add up to the total amount too
        changed = False
        for rows in tables:
            line = [*rows, total]
            if sum(row.amount_hidden for row in line) != 1:
                continue
            shown = [row for row in rows if not row.amount_hidden and row.values["rights"]]
            if not shown and not total.amount_hidden and total.values["rights"]:
                shown = [total]
            if shown:
                min(shown, key=lambda row: row.values["rights"]).amount_hidden = True
                changed = True


def _row(cells: _Cells, threshold: int, *, outcomes: bool = False) -> Row:
    items = cells.items
    n = len(items)
    delays = [i.delay_days for i in items if i.delay_days is not None]

    def value(column: str) -> int | None:
        return None if cells.hidden[column] else cells.values[column]

    kinds: dict[str, int | None] = {}
    if outcomes:  # the total row only: one breakdown, hidden like a row
        counts = [sum(1 for i in items if kind in i.outcome_kinds) for kind in OutcomeKind.values]
        hidden = suppressed_counts(counts, threshold)
        kinds = {
            kind: None if h else c
            for kind, c, h in zip(OutcomeKind.values, counts, hidden, strict=True)
        }
    with_outcome = value("with_outcome")
    return Row(
        label=cells.label,
        n=n,
        statuses={s.value: value(s.value) for s in STATUS_ORDER},
        with_outcome=with_outcome,
        share_with_outcome=with_outcome / n if with_outcome is not None and n else None,
        answered=len(delays),
        median_delay_days=round(statistics.median(delays), 1) if len(delays) >= threshold else None,
        rights_opened=value("rights"),
        yearly_amount=None if cells.amount_hidden else cells.amount.quantize(Decimal(1)),
        outcomes=kinds,
    )


AGE_LABELS = {band.value: band.label for band in AgeBand}
DIMENSIONS: tuple[tuple[str, str, Callable[[_Item], str]], ...] = (
    ("partenaire", "Par organisation qui oriente", lambda item: item.sender),
    ("structure", "Par structure qui reçoit", lambda item: item.structure),
    ("offre", "Par offre", lambda item: item.offer),
    ("dispositif", "Par dispositif", lambda item: item.scheme),
    ("commune", "Par commune de la personne", lambda item: item.commune),
    ("age", "Par tranche d'âge de la personne", lambda item: item.age_band),
    ("mois", "Par mois d'envoi", lambda item: item.month),
)
OTHERS = "Autres (regroupés : moins de 11 orientations chacun)"


def _grouped(
    key: str, items: list[_Item], by: Callable[[_Item], str], threshold: int
) -> list[_Cells]:
    groups: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        groups[by(item)].append(item)
    if key in ("mois", "age"):
        order = list(AGE_LABELS) + [""] if key == "age" else sorted(groups)
        labels = [label for label in order if label in groups]
    else:
        labels = sorted(groups, key=lambda label: (-len(groups[label]), label))
    merged = merged_rows([len(groups[label]) for label in labels], threshold)
    rows = []
    for label, m in zip(labels, merged, strict=True):
        if m:
            continue
        shown = _month_label(label) if key == "mois" else label
        if key == "age":
            shown = AGE_LABELS.get(label, "Non précisée")
        rows.append(_cells(shown, groups[label], threshold))
    pooled = [item for label, m in zip(labels, merged, strict=True) if m for item in groups[label]]
    if len(pooled) >= threshold:
        other = _cells(OTHERS, pooled, threshold)
        rows.append(other)
    return rows


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
    rows = list(
        referrals.values_list(
            "pk",
            "sender_organisation__name",
            "structure_id",
            "structure_name",
            "offer_id",
            "offer_name",
            "scheme__name",
            "commune",
            "age_band",
            "sent_at",
            "status",
            "answered_at",
        ).iterator(chunk_size=5000)
    )
    # Two structures (or offers) of the same name are two rows.
    names: dict[str, set[object]] = defaultdict(set)
    for row in rows:
        names[row[3]].add(row[2])
        names[f"{row[5]} — {row[3]}"].add(row[4])

    def named(name: str, key: object) -> str:
        return f"{name} (fiche n° {key})" if len(names[name]) > 1 and key else name

    items = []
    for (
        pk,
        sender,
        structure_id,
        structure,
        offer_id,
        offer,
        scheme,
        commune,
        age_band,
        sent_at,
        status,
        answered_at,
    ) in rows:
        local = sent_at.astimezone(zone)
        mine = outcomes.get(pk, [])
        opened = [amount for kind, amount in mine if kind == OutcomeKind.RIGHT_OPENED]
        items.append(
            _Item(
                sender=sender,
                structure=named(structure, structure_id),
                offer=named(f"{offer} — {structure}", offer_id)
                if offer
                else f"{named(structure, structure_id)} (sans offre précise)",
                scheme=scheme or "Sans dispositif",
                commune=communes.get(commune, commune),
                age_band=age_band,
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


def statistics_years(territory: Territory) -> list[int]:
    """The calendar years with referrals (real ones, if there are any)."""
    referrals = _counted(territory)
    zone = timezone.get_current_timezone()
    years = referrals.datetimes("sent_at", "year", tzinfo=zone)
    return sorted({moment.year for moment in years}, reverse=True)


def _counted(territory: Territory) -> QuerySet[Referral]:
    """The referrals the statistics count: demonstration ones only while the
    territory has no real one."""
    referrals = Referral.objects.filter(territory=territory)
    if referrals.filter(is_synthetic=False).exists():
        referrals = referrals.filter(is_synthetic=False)
    return referrals


def referral_statistics(
    territory: Territory, *, year: int | None = None, threshold: int = DEFAULT_THRESHOLD
) -> ReferralStatistics:
    """The territory's referrals sent in a calendar year (default: the
    latest with referrals), by partner, structure, offer, scheme, commune,
    age band and month."""
    years = statistics_years(territory)
    if year is None and years:
        year = years[0]
    referrals = _counted(territory)
    synthetic = referrals.filter(is_synthetic=True).exists()
    if year is not None:
        zone = timezone.get_current_timezone()
        referrals = referrals.filter(
            sent_at__gte=datetime.datetime(year, 1, 1, tzinfo=zone),
            sent_at__lt=datetime.datetime(year + 1, 1, 1, tzinfo=zone),
        )
    items = _items(territory, referrals)
    if len(items) < threshold:
        return ReferralStatistics(territory, year, years, None, [], synthetic, threshold)
    total = _cells("Ensemble", items, threshold)
    grouped = [(key, title, _grouped(key, items, by, threshold)) for key, title, by in DIMENSIONS]
    _suppress(total, [rows for _, _, rows in grouped], threshold)
    tables = [
        Table(key=key, title=title, rows=[_row(cells, threshold) for cells in rows])
        for key, title, rows in grouped
    ]
    return ReferralStatistics(
        territory,
        year,
        years,
        _row(total, threshold, outcomes=True),
        tables,
        synthetic,
        threshold,
    )
