"""The territory's referral statistics: exact for the team and, for the
funders, with the barometer's disclosure rule (no published cell under 11)."""

import datetime
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from nonrecours import french
from nonrecours.analysis.disclosure import (
    DEFAULT_THRESHOLD,
    Release,
    merged_rows,
    protect,
    publishable,
)
from nonrecours.analysis.disclosure import Status as Secrecy
from nonrecours.referrals.enums import AgeBand
from nonrecours.referrals.models import Referral
from nonrecours.referrals.statistics_items import ReferralItem, referral_items
from nonrecours.territories.models import Territory

# Statistics ---------------------------------------------------------------
#
# Two views of the same figures. The exact view (« usage interne ») is what
# the territory's team counted, nothing hidden. The published view, for the
# funders (page and exports), follows the barometer's rule: no cell describes
# fewer than 11 people. Each row splits its referrals into six parts that
# add up to its number (waiting, refused, expired, accepted without an
# outcome yet, an outcome without a right, at least one right opened): the
# other figures (accepted, with an outcome) are sums of parts, shown only
# when their parts are. Rows under 11 referrals are pooled into « Autres »;
# then the rows' numbers and parts of all the tables together are one system
# for the secrecy model the barometer uses (analysis.disclosure.protect, ADR
# 013): an atom is one finest combination of the tables' rows and of the
# part; cells under 11 are hidden, then others until no hidden cell is a
# combination of published ones; a part with no referral is known to be
# empty. No table is nested in another (offers, not structures and offers).
# Periods are calendar years.
# The published view is the exact one passed through _disclose(), the one
# place where the rule is applied.


_Item = ReferralItem  # its short name in this module

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
    n: int | None  # None: not published
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
    """One view of a calendar year's referrals: the published one (the
    rule applied, ``None`` for a hidden figure) or, with ``exact``, the
    team's exact counts (nothing hidden; ``None`` then only means « no
    answer yet » for a median delay)."""

    territory: Territory
    year: int | None
    years: list[int]
    total: Row | None  # None: nothing published (under 11), or no referral at all
    tables: list[Table]
    synthetic: bool
    threshold: int = DEFAULT_THRESHOLD
    closed: bool = True  # a past year: its figures no longer change much
    exact: bool = False  # « usage interne »: exact counts, never given to funders
    # Outcomes in force (each counted for its latest value) and, of them,
    # the corrections of an earlier one; None: hidden (under the threshold).
    outcomes: int | None = 0
    corrected: int | None = 0

    @property
    def outcomes_text(self) -> str:
        """« 42 résultats enregistrés » (in force), in French."""
        if self.outcomes is None:
            return f"moins de {self.threshold} résultats enregistrés (secret statistique)"
        return f"{french.number(self.outcomes)} " + french.plural(
            self.outcomes, "résultat enregistré", "résultats enregistrés"
        )

    @property
    def corrected_text(self) -> str:
        """« dont 3 résultats corrigés », in French, for the page, the
        notes of the exports and the yearly report."""
        if self.corrected is None:
            return f"dont moins de {self.threshold} résultats corrigés (secret statistique)"
        if self.corrected == 0:
            return "dont aucun résultat corrigé"
        return f"dont {french.number(self.corrected)} " + french.plural(
            self.corrected, "résultat corrigé", "résultats corrigés"
        )


@dataclass(frozen=True)
class Coverage:
    """How much of the exact figures the published view shows, and why not
    more. Holds exact counts: for the team's page, never for an export."""

    counted: int  # referrals in the period
    fills_from: int  # the published view shows its total line from this many on
    hidden: int  # parts (counts of a row) the rule hides, in every table
    shown: int  # parts published and not zero
    # Per table: (title, rows in the exact view, rows published on their own);
    # the others are pooled in « Autres », or left out when the pool stays small.
    rows: tuple[tuple[str, int, int], ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing is published: fewer referrals than ``fills_from``."""
        return self.counted < self.fills_from

    @property
    def missing(self) -> int:
        """How many more referrals the period needs before anything is published."""
        return max(0, self.fills_from - self.counted)

    @property
    def mostly_hidden(self) -> bool:
        """Something is published, but more parts are hidden than shown."""
        return not self.empty and self.hidden > self.shown

    @property
    def pooled_rows(self) -> tuple[tuple[str, int, int], ...]:
        """The tables some of whose rows are not published on their own."""
        return tuple(table for table in self.rows if table[2] < table[1])


@dataclass
class ReferralDashboard:
    """What the territory team's statistics page shows: the exact counts
    (« usage interne »), the published view for the funders (the same as
    the export), and why the published one shows what it does not."""

    exact: ReferralStatistics
    published: ReferralStatistics
    coverage: Coverage


def _month_label(month: str) -> str:
    return french.iso_date_text(month)


@dataclass
class _Cells:
    """The raw figures of one row, and which the published view hides."""

    label: str
    items: list[_Item]
    values: dict[str, int] = field(default_factory=dict)
    hidden: dict[str, bool] = field(default_factory=dict)
    n_hidden: bool = False
    amount: Decimal = Decimal(0)
    amount_hidden: bool = False
    pooled: bool = False  # the « Autres » row of small rows


def referral_cells(label: str, items: list[_Item]) -> _Cells:
    """A row's exact figures, nothing hidden yet (amount: euros per year)."""
    values = {key: sum(1 for i in items if i.part == key) for key in PART_KEYS}
    cells = _Cells(label, items, values, dict.fromkeys(PART_KEYS, False))
    cells.amount = sum((i.monthly for i in items), Decimal(0)) * 12
    return cells


def _release(
    total: _Cells, tables: list[list[_Cells]], counted: Callable[[_Item], str | None]
) -> tuple[Release, list[str]]:
    """The published tables as one system for the secrecy model: an atom is
    one finest combination of the tables' rows (the row each table puts the
    referral in, or none when its pool was left out) and of `counted(item)`
    (the item's column; None: not counted). Cells, for the total row then
    every table's rows in order: the row (all its columns), then one cell
    per column in `columns` order when there is more than one column.
    Lines: each row splits into its columns; the total row (each column of
    it) splits into a table's rows when they hold every referral."""
    positions: list[dict[int, int]] = [
        {id(item): r for r, row in enumerate(rows) for item in row.items} for rows in tables
    ]
    atom_of: dict[tuple[tuple[int, ...], str], int] = {}
    sizes: list[int] = []
    for item in total.items:
        column = counted(item)
        if column is None:
            continue
        key = (tuple(p.get(id(item), -1) for p in positions), column)
        atom = atom_of.setdefault(key, len(atom_of))
        if atom == len(sizes):
            sizes.append(0)
        sizes[atom] += 1
    columns = sorted({column for _, column in atom_of}, key=_column_order)
    width = 1 + len(columns) if len(columns) > 1 else 1
    rows = [total, *(r for t in tables for r in t)]
    cells: list[list[int]] = [[] for _ in range(width * len(rows))]
    offsets = [1]  # first row of each table, among `rows`
    for table in tables:
        offsets.append(offsets[-1] + len(table))
    for (places, column), atom in atom_of.items():
        part = 1 + columns.index(column) if width > 1 else None
        for row in [0, *(offsets[t] + r for t, r in enumerate(places) if r >= 0)]:
            cells[width * row].append(atom)
            if part is not None:
                cells[width * row + part].append(atom)
    lines: list[tuple[int, list[int]]] = []
    if width > 1:
        lines += [(width * r, [width * r + k for k in range(1, width)]) for r in range(len(rows))]
    for t, rows_of_table in enumerate(tables):
        if any(places[t] < 0 for places, _ in atom_of) or not rows_of_table:
            continue  # a pool left out: the rows do not add up to the total
        first = offsets[t]
        for k in range(width):
            lines.append((k, [width * (first + r) + k for r in range(len(rows_of_table))]))
    return Release(atom_sizes=sizes, cells=cells, lines=lines, root=0, search_unions=False), columns


def _column_order(column: str) -> int:
    return PART_KEYS.index(column) if column in PART_KEYS else -1


def _protect_counts(total: _Cells, tables: list[list[_Cells]], threshold: int) -> None:
    """Every row's number and parts, all tables together, through the
    secrecy model (protect): the parts are the columns. A part with no
    referral is known to be empty: it is published (0) and protects
    nothing."""
    release, present = _release(total, tables, lambda item: item.part)
    status = protect(release, threshold)
    # A part no referral is in has no cell: it is published, 0.
    width = 1 + len(present) if len(present) > 1 else 1
    for index, row in enumerate([total, *(r for t in tables for r in t)]):
        row.n_hidden = status[width * index] == Secrecy.HIDDEN
        for key in PART_KEYS:
            if key not in present:
                continue
            cell = width * index + 1 + present.index(key) if width > 1 else width * index
            row.hidden[key] = status[cell] == Secrecy.HIDDEN


def _protect_amounts(total: _Cells, tables: list[list[_Cells]], threshold: int) -> None:
    """The yearly amounts through the same model. An amount is a sum of
    money over its row's rights opened with an amount: with one unknown per
    such right (its amount), the published amounts are sums over the same
    atoms as the counts of these rights, so protect on those counts decides
    the amounts exactly (an amount on fewer than `threshold` people is
    hidden, and any other that would give a hidden one back). It is a
    system of its own: money and counts do not add up together. Hiding an
    amount because its row's count of rights is hidden (the old rule) is
    not needed for the count (an amount does not give a count back) and
    would leave such an amount unprotected by the other amounts."""
    release, _ = _release(total, tables, lambda item: "amount" if item.has_amount else None)
    status = protect(release, threshold)
    for index, row in enumerate([total, *(r for t in tables for r in t)]):
        row.amount_hidden = status[index] == Secrecy.HIDDEN


def _row(cells: _Cells, threshold: int) -> Row:
    delays = [i.delay_days for i in cells.items if i.delay_days is not None]
    return Row(
        label=cells.label,
        n=None if cells.n_hidden else len(cells.items),
        parts={key: None if cells.hidden[key] else cells.values[key] for key in PART_KEYS},
        answered=len(delays),
        median_delay_days=round(statistics.median(delays), 1)
        if publishable(len(delays), threshold)
        else None,
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


def others_label(threshold: int) -> str:
    """The label of the row pooling the small ones (each under `threshold`)."""
    return f"Autres (regroupés : moins de {threshold} orientations chacun)"


# A threshold no count is under: the exact view's cells hide nothing, and
# its median delay is given from the first answer.
NOTHING_HIDDEN = 1


def _grouped(key: str, items: list[_Item], by: Callable[[_Item], str]) -> list[_Cells]:
    """One exact row per value of the dimension, in the order shown (months
    and age bands in their order, others from the largest), nothing hidden."""
    groups: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        groups[by(item)].append(item)
    if key in ("mois", "age"):
        order = list(AGE_LABELS) + [""] if key == "age" else sorted(groups)
        labels = [label for label in order if label in groups]
    else:
        labels = sorted(groups, key=lambda label: (-len(groups[label]), label))
    rows = []
    for label in labels:
        shown = _month_label(label) if key == "mois" else label
        if key == "age":
            shown = AGE_LABELS.get(label, "Non précisée")
        rows.append(referral_cells(shown, groups[label]))
    return rows


def _pooled(rows: list[_Cells], threshold: int) -> list[_Cells]:
    """The rows a table publishes: rows under the threshold pooled into
    « Autres » (merged_rows), left out when even the pool stays under it."""
    merged = merged_rows([len(row.items) for row in rows], threshold)
    published = [
        referral_cells(row.label, row.items) for row, m in zip(rows, merged, strict=True) if not m
    ]
    pool = [item for row, m in zip(rows, merged, strict=True) if m for item in row.items]
    if publishable(len(pool), threshold):
        others = referral_cells(others_label(threshold), pool)
        others.pooled = True
        published.append(others)
    return published


def _disclose(
    total: _Cells, tables: list[list[_Cells]], threshold: int
) -> tuple[_Cells, list[list[_Cells]]] | None:
    """The secrecy rule, applied in this one place: the published cells of
    the exact ones (left unchanged), or None when the total is under the
    threshold (nothing is published). Small rows pooled into « Autres »
    first; then every row's number and parts, in all tables together, go
    through the secrecy model shared with the barometer
    (nonrecours.analysis.disclosure.protect), and so do the amounts."""
    # The total under the threshold (the frequency rule): nothing is
    # published at all.
    if not publishable(len(total.items), threshold):
        return None
    published_total = referral_cells(total.label, total.items)
    published = [_pooled(rows, threshold) for rows in tables]
    _protect_counts(published_total, published, threshold)
    _protect_amounts(published_total, published, threshold)
    return published_total, published


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


@dataclass
class _Selection:
    """The referrals of one calendar year, read once for both views."""

    territory: Territory
    year: int | None
    years: list[int]
    synthetic: bool
    closed: bool
    items: list[_Item]


def _selection(territory: Territory, year: int | None) -> _Selection:
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
    return _Selection(
        territory,
        year,
        years,
        synthetic,
        closed=year is not None and year < timezone.localdate().year,
        items=referral_items(territory, referrals),
    )


def _view(
    selection: _Selection,
    total: _Cells | None,
    tables: list[list[_Cells]],
    threshold: int,
    *,
    exact: bool,
) -> ReferralStatistics:
    row_threshold = NOTHING_HIDDEN if exact else threshold
    outcomes, corrected = _outcome_counts(selection.items, total, row_threshold)
    return ReferralStatistics(
        selection.territory,
        selection.year,
        selection.years,
        None if total is None else _row(total, row_threshold),
        [
            Table(key=key, title=title, rows=[_row(cells, row_threshold) for cells in rows])
            for (key, title, _), rows in zip(DIMENSIONS, tables, strict=True)
        ]
        if total is not None
        else [],
        selection.synthetic,
        threshold,
        closed=selection.closed,
        exact=exact,
        outcomes=outcomes,
        corrected=corrected,
    )


def _outcome_counts(
    items: list[_Item], total: _Cells | None, threshold: int
) -> tuple[int | None, int | None]:
    """The outcomes in force of the selection and how many are corrections,
    each published from `threshold` on (frequency rule; 0 is known to be
    empty) and only when the total is; they are in no table, so no other
    cell gives them back."""
    if total is None:
        return None, None
    counts = (sum(i.outcomes for i in items), sum(i.corrected for i in items))
    hidden = [count and not publishable(count, threshold) for count in counts]
    return (None if hidden[0] else counts[0]), (None if hidden[1] else counts[1])


def _coverage(
    published: ReferralStatistics,
    exact_tables: list[list[_Cells]],
    published_tables: list[list[_Cells]],
    counted: int,
) -> Coverage:
    rows = [published.total, *(r for t in published.tables for r in t.rows)]
    parts = [row.parts[key] for row in rows if row is not None for key in PART_KEYS]
    return Coverage(
        counted=counted,
        # The total line is a cell like the others: published from the
        # threshold on (under it, _disclose publishes nothing at all).
        fills_from=published.threshold,
        hidden=sum(1 for value in parts if value is None),
        shown=sum(1 for value in parts if value),
        rows=tuple(
            (title, len(exact_rows), sum(1 for cells in published_rows if not cells.pooled))
            for (_, title, _), exact_rows, published_rows in zip(
                DIMENSIONS, exact_tables, published_tables, strict=True
            )
        ),
    )


def _dashboard(selection: _Selection, threshold: int) -> ReferralDashboard:
    items = selection.items
    exact_total = referral_cells("Ensemble", items) if items else None
    exact_tables = [_grouped(key, items, by) for key, _, by in DIMENSIONS]
    disclosed = None if exact_total is None else _disclose(exact_total, exact_tables, threshold)
    published_total, published_tables = disclosed or (None, [[] for _ in DIMENSIONS])
    published = _view(selection, published_total, published_tables, threshold, exact=False)
    return ReferralDashboard(
        exact=_view(selection, exact_total, exact_tables, threshold, exact=True),
        published=published,
        coverage=_coverage(published, exact_tables, published_tables, len(items)),
    )


def referral_dashboard(
    territory: Territory, *, year: int | None = None, threshold: int = DEFAULT_THRESHOLD
) -> ReferralDashboard:
    """The territory's referrals sent in a calendar year (default: the
    latest with referrals), by partner, offer, scheme, commune, age band and
    month: exact counts for the team, the published view for the funders,
    and what the published view leaves out. Demonstration referrals are
    counted only while the territory has no real one."""
    return _dashboard(_selection(territory, year), threshold)


def referral_statistics(
    territory: Territory, *, year: int | None = None, threshold: int = DEFAULT_THRESHOLD
) -> ReferralStatistics:
    """The published view of referral_dashboard(): what the funders get
    (the exact counts are the dashboard's, for the team only)."""
    return referral_dashboard(territory, year=year, threshold=threshold).published
