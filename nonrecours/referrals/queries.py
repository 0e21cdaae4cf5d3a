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

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, determined, merged_rows
from nonrecours.referrals.enums import (
    REMINDER_AFTER_DAYS,
    AgeBand,
    OutcomeKind,
    Status,
)
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
    sent = referral.sent_at
    return (
        timezone.localdate(sent + datetime.timedelta(days=REMINDER_AFTER_DAYS)),
        timezone.localdate(referral.answer_deadline),
    )


# Statistics ---------------------------------------------------------------
#
# Every table is published with the barometer's rule: no cell describes
# fewer than 11 people. Each row splits its referrals into six parts that
# add up to its published number (waiting, refused, expired, accepted
# without an outcome yet, an outcome without a right, at least one right
# opened): the other figures (accepted, with an outcome) are sums of parts,
# shown only when their parts are. Parts from 1 to 10 are hidden (primary),
# then other parts (secondary) until no hidden part can be computed back
# from the published sums of the rows and of the columns (each table's rows
# add up to the total row): an exact check on the kernel of these equations.
# Rows under 11 referrals are pooled into « Autres ». No table is nested in
# another (offers, not structures and offers). Periods are calendar years.


@dataclass
class _Item:
    """One referral, as the statistics see it (nothing about the person)."""

    sender: str
    offer: str
    scheme: str
    commune: str
    age_band: str
    month: str
    part: str
    delay_days: float | None
    monthly: Decimal  # the rights opened's monthly amounts, summed
    has_amount: bool


PARTS: tuple[tuple[str, str], ...] = (
    ("sent", "en attente de réponse"),
    ("refused", "refusées"),
    ("expired", "expirées sans réponse"),
    ("accepted_open", "acceptées, sans résultat encore"),
    ("outcome_no_right", "avec un résultat, sans droit ouvert"),
    ("right_opened", "avec au moins un droit ouvert"),
)
PART_KEYS = tuple(key for key, _ in PARTS)


@dataclass
class Row:
    label: str
    n: int
    parts: dict[str, int | None]  # None: not published
    answered: int
    median_delay_days: float | None
    yearly_amount: Decimal | None

    def _sum(self, keys: tuple[str, ...]) -> int | None:
        values = [self.parts[key] for key in keys]
        return None if any(v is None for v in values) else sum(v or 0 for v in values)

    @property
    def accepted(self) -> int | None:
        return self._sum(("accepted_open", "outcome_no_right", "right_opened"))

    @property
    def with_outcome(self) -> int | None:
        return self._sum(("outcome_no_right", "right_opened"))

    @property
    def share_with_outcome(self) -> float | None:
        value = self.with_outcome
        return None if value is None or not self.n else value / self.n

    @property
    def rights_opened(self) -> int | None:
        return self.parts["right_opened"]


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
    closed: bool = True  # a past year: its figures no longer change much


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
    amount_people: int = 0
    amount_hidden: bool = False


def _cells(label: str, items: list[_Item], threshold: int) -> _Cells:
    values = {key: sum(1 for i in items if i.part == key) for key in PART_KEYS}
    cells = _Cells(label, items, values)
    cells.hidden = {key: 0 < value < threshold for key, value in values.items()}
    cells.amount = sum((i.monthly for i in items), Decimal(0)) * 12
    cells.amount_people = sum(1 for i in items if i.has_amount)
    return cells


Line = list[tuple[_Cells, str, float]]


def _lines(total: _Cells, tables: list[list[_Cells]]) -> list[Line]:
    """The published sums, as (cell, part, coefficient): each row's parts
    make its number; each table's rows, less the total row, make zero."""
    lines: list[Line] = [
        [(row, key, 1.0) for key in PART_KEYS] for row in [total, *(r for t in tables for r in t)]
    ]
    for rows in tables:
        lines += [[*((row, key, 1.0) for row in rows), (total, key, -1.0)] for key in PART_KEYS]
    return lines


def _hide_smallest(candidates: Line) -> bool:
    """Hide the smallest published part of a line (a zero too: hiding it
    protects at no cost), never a part equal to its row's number (the row's
    other parts are zeros, it would still be known)."""
    shown = [
        (cell, key)
        for cell, key, _ in candidates
        if not cell.hidden[key] and cell.values[key] < len(cell.items)
    ]
    if not shown:
        return False
    cell, key = min(shown, key=lambda pair: pair[0].values[pair[1]])
    cell.hidden[key] = True
    return True


def _suppress(total: _Cells, tables: list[list[_Cells]]) -> None:
    """Secondary suppression: first the quick rule (no sum with exactly one
    hidden part), then the exact check, until no hidden part is determined."""
    lines = _lines(total, tables)
    while True:
        changed = False
        for line in lines:
            if sum(cell.hidden[key] for cell, key, _ in line) == 1:
                changed |= _hide_smallest(line)
        if changed:
            continue
        index: dict[tuple[int, str], int] = {}
        for line in lines:
            for cell, key, _ in line:
                if cell.hidden[key]:
                    index.setdefault((id(cell), key), len(index))
        equations = [
            [
                (index[(id(cell), key)], coefficient)
                for cell, key, coefficient in line
                if cell.hidden[key]
            ]
            for line in lines
        ]
        found = set(determined(len(index), [e for e in equations if e]))
        if not found:
            return
        # Open a determined part: hide one more published part on its lines.
        for line in lines:
            if any(cell.hidden[key] and index[(id(cell), key)] in found for cell, key, _ in line):
                if _hide_smallest(line):
                    break
        else:
            return  # nothing left to hide on those lines


def _suppress_amounts(total: _Cells, tables: list[list[_Cells]], threshold: int) -> None:
    """An amount describes the people whose right has an amount: 11 at least,
    and no hidden amount computed back from a table's total."""
    for row in [total, *(r for t in tables for r in t)]:
        row.amount_hidden = row.hidden["right_opened"] or 0 < row.amount_people < threshold
    changed = True
    while changed:
        changed = False
        for rows in tables:
            line = [*rows, total]
            if sum(row.amount_hidden for row in line) != 1:
                continue
            shown = [r for r in rows if not r.amount_hidden and r.amount_people] or [
                r for r in [total] if not r.amount_hidden and r.amount_people
            ]
            if shown:
                min(shown, key=lambda row: row.amount_people).amount_hidden = True
                changed = True


def _row(cells: _Cells, threshold: int) -> Row:
    delays = [i.delay_days for i in cells.items if i.delay_days is not None]
    return Row(
        label=cells.label,
        n=len(cells.items),
        parts={key: None if cells.hidden[key] else cells.values[key] for key in PART_KEYS},
        answered=len(delays),
        median_delay_days=round(statistics.median(delays), 1) if len(delays) >= threshold else None,
        yearly_amount=None if cells.amount_hidden else cells.amount.quantize(Decimal(1)),
    )


AGE_LABELS = {band.value: band.label for band in AgeBand}
DIMENSIONS: tuple[tuple[str, str, Callable[[_Item], str]], ...] = (
    ("partenaire", "Par organisation qui oriente", lambda item: item.sender),
    ("offre", "Par offre (ou structure) qui reçoit", lambda item: item.offer),
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
        rows.append(_cells(OTHERS, pooled, threshold))
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
        if status != Status.ACCEPTED:
            part = status
        elif opened:
            part = "right_opened"
        else:
            part = "outcome_no_right" if mine else "accepted_open"
        monthly = sum((amount or Decimal(0) for amount in opened), Decimal(0))
        items.append(
            _Item(
                sender=sender,
                offer=named(f"{offer} — {structure}", offer_id)
                if offer
                else f"{named(structure, structure_id)} (sans offre précise)",
                scheme=scheme or "Sans dispositif",
                commune=communes.get(commune, commune),
                age_band=age_band,
                month=f"{local.year}-{local.month:02d}",
                part=part,
                delay_days=(answered_at - sent_at).total_seconds() / 86400
                if answered_at is not None
                else None,
                monthly=monthly,
                has_amount=monthly > 0,
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
        return ReferralStatistics(
            territory,
            year,
            years,
            None,
            [],
            synthetic,
            threshold,
            closed=year is not None and year < timezone.localdate().year,
        )
    total = _cells("Ensemble", items, threshold)
    grouped = [(key, title, _grouped(key, items, by, threshold)) for key, title, by in DIMENSIONS]
    _suppress(total, [rows for _, _, rows in grouped])
    _suppress_amounts(total, [rows for _, _, rows in grouped], threshold)
    tables = [
        Table(key=key, title=title, rows=[_row(cells, threshold) for cells in rows])
        for key, title, rows in grouped
    ]
    return ReferralStatistics(
        territory,
        year,
        years,
        _row(total, threshold),
        tables,
        synthetic,
        threshold,
        closed=year is not None and year < timezone.localdate().year,
    )
