"""The funnel of the chains: from the barometer's call-back requests worked
to the rights opened, per campaign, stratum, commune and month of the
request, with the secrecy rule on every cell.

Counted: the chains (evaluation.chain_models.Chain) of a territory whose
request came in a month of the period (``Chain.month``), each step as it
stands when the funnel is computed (outcomes keep coming back after the
period; the figures of a period still open are provisional):

- « contactées »: every chain (the team called at least once);
- « jointes »: the person was reached (``reached_at``);
- « droits vérifiés »: a rights check was made with them;
- « orientées »: at least one referral sent from the chain;
- « droit ouvert »: at least one of those referrals has, among its
  outcomes in force (``Outcome.objects.current()``: a corrected outcome
  counts with its latest value), a right opened. Its benefits and their
  yearly amount (the outcome's monthly amount × 12, euros per year, as
  referrals.statistics counts them) make the table by benefit.

Conversion rates: each step's count over the previous step's, in percent.

Secrecy (analysis.disclosure.protect, threshold 11 by default, ADR 013):
the unit is the chain (one person). All the tables (total, campaign,
stratum, commune, month) × all the steps form one release: an atom is one
campaign × commune × month × combination of steps reached; each table's
rows add up to the total (a line per step), and the chains of a row that
are at one step and not at a later one are watched (two published counts
of a row would give them by difference). Every hidden cell is checked
against everything published (a commune hidden is not the difference of
its stratum and the other communes); as for the referrals' statistics,
atoms are close to one per person, so other unions of atoms (a commune
minus one of its months) are not searched (``search_unions=False``: the
search would be combinatorial — 140 s instead of 0.2 s for 2,000 chains).
The yearly amounts are a second release whose units are the chains with an
amount. The table by benefit is a third for its people (an atom is one
combination of benefits, a chain may open several) and a fourth for its
amounts (they add up to the funnel's total amount: a line); the funnel's
total stays as it publishes it, or hidden with it. A hidden cell is None.

Exports (chain_exports) cover only whole calendar years that are over, so
that two exports never overlap (the rule of outreach.achievements).
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from nonrecours import french
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, Release, protect
from nonrecours.analysis.disclosure import Status as Secrecy
from nonrecours.errors import UserError
from nonrecours.evaluation.chain_models import Chain, ChainReferral
from nonrecours.referrals.enums import OutcomeKind
from nonrecours.referrals.models import Outcome
from nonrecours.rights.catalogue import benefits
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Territory

__all__ = [
    "STEPS",
    "BenefitRow",
    "ChainFunnel",
    "FunnelError",
    "FunnelRow",
    "FunnelTable",
    "chain_funnel",
]

# (key, French label) of each step, in order; each is a subset of the one before.
STEPS: tuple[tuple[str, str], ...] = (
    ("contacted", "contactées"),
    ("reached", "jointes"),
    ("checked", "droits vérifiés"),
    ("referred", "orientées"),
    ("opened", "droit ouvert"),
)
TOTAL_LABEL = "Ensemble"
DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("campaign", "Par campagne"),
    ("stratum", "Par strate"),
    ("commune", "Par commune"),
    ("month", "Par mois de la demande"),
)


class FunnelError(UserError, ValueError):
    """A period the funnel cannot be computed on (French message)."""


@dataclass(frozen=True)
class FunnelRow:
    """One row of the funnel: ``counts[k]`` the chains at step STEPS[k]
    (None: hidden by the secrecy rule), ``yearly_amount`` the rights opened
    in euros per year (None: hidden)."""

    label: str
    counts: tuple[int | None, ...]
    yearly_amount: Decimal | None

    @property
    def rates(self) -> tuple[float | None, ...]:
        """For each step after the first, its count over the previous
        step's, in percent (one decimal); None when either is hidden or the
        previous is 0."""
        rates: list[float | None] = []
        for before, after in zip(self.counts, self.counts[1:], strict=False):
            if before is None or after is None or before == 0:
                rates.append(None)
            else:
                rates.append(round(100 * after / before, 1))
        return tuple(rates)

    @property
    def cells(self) -> tuple[tuple[int | None, float | None], ...]:
        """(count, rate from the previous step in percent) for each step;
        the first step has no rate (None)."""
        return tuple(zip(self.counts, (None, *self.rates), strict=True))

    @property
    def overall_rate(self) -> float | None:
        """Rights opened over chains contacted, in percent (None: hidden or 0)."""
        first, last = self.counts[0], self.counts[-1]
        if first is None or last is None or first == 0:
            return None
        return round(100 * last / first, 1)

    @property
    def hidden(self) -> int:
        """How many of the row's cells the secrecy rule hides."""
        return sum(c is None for c in self.counts) + (self.yearly_amount is None)


@dataclass(frozen=True)
class FunnelTable:
    """The funnel by one dimension (``key`` in DIMENSIONS): a row per
    campaign, stratum, commune or month, in a stable order."""

    key: str
    title: str
    rows: tuple[FunnelRow, ...]


@dataclass(frozen=True)
class BenefitRow:
    """Rights opened to one benefit: ``people`` the chains that opened it,
    ``yearly_amount`` euros per year (None: hidden)."""

    benefit: str
    label: str
    people: int | None
    yearly_amount: Decimal | None


@dataclass(frozen=True)
class ChainFunnel:
    """The funnel of a territory's chains over ``start``..``end`` (days
    included). ``exact``: nothing hidden (the team's view, never exported);
    otherwise every cell went through the secrecy rule (``threshold``) and a
    hidden one is None. ``closed``: the period is over (its figures may
    still grow with late outcomes, never with new chains)."""

    territory: Territory
    start: datetime.date
    end: datetime.date
    total: FunnelRow
    tables: tuple[FunnelTable, ...]
    benefits: tuple[BenefitRow, ...]
    exact: bool
    threshold: int
    closed: bool
    hidden_cells: int = 0

    @property
    def period_text(self) -> str:
        return f"du {french.date_text(self.start)} au {french.date_text(self.end)}"

    @property
    def empty(self) -> bool:
        return self.total.counts[0] == 0


@dataclass
class _Unit:
    """One chain, as the funnel counts it."""

    keys: tuple[str, str, str, str]  # campaign, stratum, commune, month labels
    flags: tuple[bool, bool, bool, bool]  # reached, checked, referred, opened
    opened: dict[str, Decimal] = field(default_factory=dict)  # benefit → € per month

    @property
    def yearly(self) -> Decimal:
        return sum(self.opened.values(), Decimal(0)) * 12


def _chains(territory: Territory, start: datetime.date, end: datetime.date) -> QuerySet[Chain]:
    return Chain.objects.filter(
        territory=territory, month__gte=start.replace(day=1), month__lte=end
    ).select_related("campaign", "commune")


def _units(chains: QuerySet[Chain]) -> list[_Unit]:
    referred = set(
        ChainReferral.objects.filter(chain__in=chains).values_list("chain_id", flat=True)
    )
    opened: dict[int, dict[str, Decimal]] = defaultdict(dict)
    outcomes = Outcome.objects.current().filter(
        kind=OutcomeKind.RIGHT_OPENED, referral__chain_link__chain__in=chains
    )
    for chain_id, benefit, monthly in outcomes.values_list(
        "referral__chain_link__chain_id", "benefit", "monthly_amount"
    ):
        rights = opened[chain_id]
        rights[benefit] = rights.get(benefit, Decimal(0)) + (monthly or Decimal(0))
    strata = dict(Stratum.choices)
    units = []
    for chain in chains:
        rights = opened.get(chain.pk, {})
        units.append(
            _Unit(
                keys=(
                    chain.campaign.name,
                    strata.get(chain.stratum, chain.stratum or "Sans strate"),
                    chain.commune.name,
                    chain.month.strftime("%Y-%m"),
                ),
                flags=(
                    chain.reached_at is not None,
                    chain.rights_checked_at is not None,
                    chain.pk in referred,
                    bool(rights),
                ),
                opened=rights,
            )
        )
    return units


def _row_labels(units: Sequence[_Unit]) -> list[list[str]]:
    """The rows of each table, in order: campaigns, strata and communes by
    name, months in time order."""
    return [sorted({u.keys[d] for u in units}, key=str.casefold) for d in range(len(DIMENSIONS))]


def _hidden_cells(
    units: Sequence[_Unit], labels: list[list[str]], flags: int, threshold: int
) -> list[list[bool]]:
    """Which cells the secrecy model hides for these units: rows the total
    then each table's rows in order, columns every unit then the units with
    each of the first ``flags`` flags (nested: each a subset of the one
    before). See the module's docstring for the release."""
    positions = [{label: r for r, label in enumerate(table)} for table in labels]
    offsets = [1]
    for table in labels:
        offsets.append(offsets[-1] + len(table))
    width = 1 + flags
    atom_of: dict[tuple[tuple[str, ...], tuple[bool, ...]], int] = {}
    sizes: list[int] = []
    for unit in units:
        key = (unit.keys, unit.flags[:flags])
        atom = atom_of.setdefault(key, len(atom_of))
        if atom == len(sizes):
            sizes.append(0)
        sizes[atom] += 1
    cells: list[list[int]] = [[] for _ in range(width * offsets[-1])]
    watched: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for (keys, unit_flags), atom in atom_of.items():
        places = [0] + [offsets[d] + positions[d][keys[d]] for d in range(len(labels))]
        # Column k: every unit (k = 0), or those with flag k − 1.
        held = [True, *unit_flags]
        for row in places:
            for k in range(width):
                if held[k]:
                    cells[width * row + k].append(atom)
            for k in range(width):
                for j in range(k + 1, width):
                    if held[k] and not held[j]:
                        watched[(row, k, j)].append(atom)
    lines = [
        (k, [width * (offsets[d] + r) + k for r in range(len(labels[d]))])
        for d in range(len(labels))
        for k in range(width)
    ]
    # Atoms are close to one per person (a commune × month × steps): the
    # search of every small union would be combinatorial (as for the
    # referrals' statistics); the named sets above are protected.
    release = Release(
        atom_sizes=sizes,
        cells=cells,
        lines=lines,
        root=0,
        watched=list(watched.values()),
        search_unions=False,
    )
    status = protect(release, threshold)
    return [
        [status[width * row + k] == Secrecy.HIDDEN for k in range(width)]
        for row in range(offsets[-1])
    ]


def _benefit_hidden(
    units: Sequence[_Unit], ids: list[str], total_hidden: bool, threshold: int
) -> list[bool]:
    """Which cells of the table by benefit are hidden: the total (every
    chain with a right opened: the funnel's, kept as it publishes it or
    hidden with it), then one per benefit; an atom is one combination of
    benefits opened."""
    atom_of: dict[frozenset[str], int] = {}
    sizes: list[int] = []
    for unit in units:
        if not unit.opened:
            continue
        atom = atom_of.setdefault(frozenset(unit.opened), len(atom_of))
        if atom == len(sizes):
            sizes.append(0)
        sizes[atom] += 1
    cells: list[list[int]] = [[] for _ in range(1 + len(ids))]
    for combination, atom in atom_of.items():
        cells[0].append(atom)
        for b, benefit in enumerate(ids):
            if benefit in combination:
                cells[1 + b].append(atom)
    release = Release(
        atom_sizes=sizes,
        cells=cells,
        root=0,
        released=frozenset() if total_hidden else frozenset({0}),
        hidden=frozenset({0}) if total_hidden else frozenset(),
    )
    return [s == Secrecy.HIDDEN for s in protect(release, threshold)]


def _benefit_amounts_hidden(
    people: Sequence[int], total_hidden: bool, threshold: int
) -> list[bool]:
    """Which yearly amounts of the table by benefit are hidden. Amounts add
    up: the funnel's total amount is the sum of the benefits' (a person's
    two rights count in two benefits), so a line ties them, and an atom is
    one benefit, of ``people[b]`` people. The total is the funnel's: kept
    as published (``released``), or hidden with it. Returns one flag per
    benefit."""
    count = len(people)
    release = Release(
        atom_sizes=list(people),
        cells=[list(range(count))] + [[b] for b in range(count)],
        lines=[(0, list(range(1, 1 + count)))],
        root=0,
        released=frozenset() if total_hidden else frozenset({0}),
        hidden=frozenset({0}) if total_hidden else frozenset(),
    )
    return [s == Secrecy.HIDDEN for s in protect(release, threshold)[1:]]


def _label_of_month(month: str) -> str:
    return french.iso_date_text(month)


def _funnel(
    territory: Territory,
    start: datetime.date,
    end: datetime.date,
    units: list[_Unit],
    *,
    exact: bool,
    threshold: int,
) -> ChainFunnel:
    labels = _row_labels(units)
    groups: list[list[_Unit]] = [list(units)]
    for d, rows in enumerate(labels):
        for label in rows:
            groups.append([u for u in units if u.keys[d] == label])
    flags = len(STEPS) - 1
    hidden = [[False] * len(STEPS) for _ in groups]
    amount_hidden = [False for _ in groups]
    if not exact and units:
        hidden = _hidden_cells(units, labels, flags, threshold)
        with_amount = [u for u in units if u.yearly > 0]
        amount_hidden = [h[0] for h in _hidden_cells(with_amount, labels, 0, threshold)]
        if not with_amount:
            amount_hidden = [False for _ in groups]
    figures: list[tuple[list[int], Decimal, list[bool], bool]] = []
    for g, members in enumerate(groups):
        exact_counts = [len(members)] + [sum(u.flags[k] for u in members) for k in range(flags)]
        amount = sum((u.yearly for u in members), Decimal(0))
        figures.append((exact_counts, amount, hidden[g], amount_hidden[g] if members else False))
    built: list[FunnelRow] = []
    for g, (counts, amount, row_hidden, amount_is_hidden) in enumerate(figures):
        if g == 0:
            label = TOTAL_LABEL
        else:
            index = g - 1
            d = 0
            while index >= len(labels[d]):
                index -= len(labels[d])
                d += 1
            label = labels[d][index]
            if DIMENSIONS[d][0] == "month":
                label = _label_of_month(label)
        built.append(
            FunnelRow(
                label=label,
                counts=tuple(None if h else c for c, h in zip(counts, row_hidden, strict=True)),
                yearly_amount=None if amount_is_hidden else amount,
            )
        )
    tables = []
    offset = 1
    for d, (key, title) in enumerate(DIMENSIONS):
        tables.append(FunnelTable(key, title, tuple(built[offset : offset + len(labels[d])])))
        offset += len(labels[d])
    catalogue = {b.id: b.label for b in benefits()}
    ids = sorted({b for u in units for b in u.opened}, key=lambda b: catalogue.get(b, b))
    people = [sum(benefit in u.opened for u in units) for benefit in ids]
    benefit_hidden = [False] * (1 + len(ids))
    amounts_hidden = [False] * len(ids)
    if not exact and ids:
        benefit_hidden = _benefit_hidden(units, ids, built[0].counts[-1] is None, threshold)
        total_amount_hidden = built[0].yearly_amount is None
        amounts_hidden = _benefit_amounts_hidden(people, total_amount_hidden, threshold)
    benefit_rows = []
    for b, benefit in enumerate(ids):
        amount = sum((u.opened.get(benefit, Decimal(0)) for u in units), Decimal(0)) * 12
        benefit_rows.append(
            BenefitRow(
                benefit=benefit,
                label=catalogue.get(benefit, benefit),
                people=None if benefit_hidden[1 + b] else people[b],
                yearly_amount=None if amounts_hidden[b] else amount,
            )
        )
    hidden_cells = sum(row.hidden for row in built) + sum(
        (r.people is None) + (r.yearly_amount is None) for r in benefit_rows
    )
    return ChainFunnel(
        territory=territory,
        start=start,
        end=end,
        total=built[0],
        tables=tuple(tables),
        benefits=tuple(benefit_rows),
        exact=exact,
        threshold=threshold,
        closed=end < timezone.localdate(),
        hidden_cells=hidden_cells,
    )


def chain_funnel(
    territory: Territory,
    *,
    start: datetime.date,
    end: datetime.date,
    exact: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
) -> ChainFunnel:
    """The funnel of the territory's chains whose request came in a month
    that meets ``start``..``end`` (days included; see the module's
    docstring for what is counted and how the secrecy rule applies).
    ``exact``: nothing hidden (for the team's checks and tests only).
    Raises FunnelError (French) when ``end`` is before ``start``; ValueError
    (French) for an unusable ``threshold``."""
    if end < start:
        raise FunnelError(
            f"Période invalide : la fin ({french.date_text(end)}) est avant le début "
            f"({french.date_text(start)})."
        )
    units = _units(_chains(territory, start, end))
    return _funnel(territory, start, end, units, exact=exact, threshold=threshold)
