"""The funnel of the chains: from the barometer's call-back requests worked
to the rights opened, per campaign, stratum, commune and month of the
request, with the secrecy rule on every cell.

Two ways of counting a period (``activity``):

- by activity (the yearly report, the funnel page and its exports): each
  step is counted in the period it happened — contacted, reached, rights
  checked, referred, right opened in the period —, whatever the month of
  the request. A request of 2024 worked in 2026 counts in 2026's figures.
  The steps of one row are then not nested (a person reached in January
  may have been contacted in December), so the rates compare the counts of
  the period, not a cohort;
- by cohort: the chains whose request came in a month of the period
  (``Chain.month``), each step as it stands (for the team's checks).

The steps:

- « contactées »: at least one call noted (« Personne jointe » or « Pas de
  réponse »; a rights check or a referral means the person was reached),
  dated by the first call (``contacted_at``);
- « jointes »: the person was reached (``reached_at``);
- « droits vérifiés »: a rights check was made with them;
- « orientées »: at least one referral sent from the chain (``referred_at``);
- « droit ouvert »: at least one « droit ouvert » result in force on those
  referrals (a corrected result counts with its value in force at the
  cut-off), dated by the day the result was first recorded. Its benefits
  and their yearly amount (monthly amount × 12, euros per year, as
  referrals.statistics counts them) make the table by benefit.

Cut-off (``as_of``): only what was recorded up to that moment counts — the
results in force then (a correction recorded later is not applied), the
steps dated up to then. What partners see of a civil year, and its
exports, stop on 31 March of the following year (chain_rights.cutoff),
and are shown from 1 April (chain_rights.published_on): two looks at a
closed year give the same figures, so a late correction cannot be read by
difference. The team sees the live figures, marked provisional.

Erased requests: once the call-back request is erased (after
NONRECOURS_CONTACT_RETENTION_DAYS), its chain keeps a copy of its rights
opened (``Chain.rights_opened``, chain_actions.chain_personal_erase) and
no longer its referrals; results recorded after the erasure are not
counted.

Conversion rates: each step's count over the previous step's, in percent.

Secrecy (analysis.disclosure.protect, threshold 11 by default, ADR 013):
the unit is the chain (one person). All the tables (total, campaign,
stratum, commune, month) × all the steps form one release: an atom is one
campaign × commune × month × combination of steps counted; each table's
rows add up to the total (a line per step), and the chains of a row that
are counted at one step and not at another are watched (two published
counts of a row would give them by difference). Every hidden cell is
checked against everything published (a commune hidden is not the
difference of its stratum and the other communes); as for the referrals'
statistics, atoms are close to one per person, so other unions of atoms (a
commune minus one of its months) are not searched (``search_unions=False``:
the search would be combinatorial — 140 s instead of 0.2 s for 2,000
chains). The yearly amounts are a second release whose units are the
chains with an amount. The table by benefit is a third for its people (an
atom is one combination of benefits, a chain may open several) and a
fourth for its amounts (they add up to the funnel's total amount: a line);
the funnel's total stays as it publishes it, or hidden with it. A hidden
cell is None.

Exports (chain_exports) cover only whole calendar years published (from 1
April of the following year), so that two exports never overlap (the rule
of outreach.achievements).
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from nonrecours import french
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, Release, protect
from nonrecours.analysis.disclosure import Status as Secrecy
from nonrecours.errors import UserError
from nonrecours.evaluation.chain_models import Chain
from nonrecours.evaluation.chain_rights import chain_contacted, chain_rights, rights_in_force
from nonrecours.rights.catalogue import benefits
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Territory

__all__ = [
    "RATE_HEADERS",
    "STEPS",
    "STEP_HEADERS",
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
# The same steps as column headers of the exports, and the conversion rates.
STEP_HEADERS: tuple[str, ...] = (
    "personnes contactées",
    "personnes jointes",
    "personnes dont les droits ont été vérifiés",
    "personnes orientées",
    "personnes ayant ouvert un droit",
)
RATE_HEADERS: tuple[str, ...] = (
    "taux de passage des contactées aux jointes (%)",
    "taux de passage des jointes aux droits vérifiés (%)",
    "taux de passage des droits vérifiés aux orientées (%)",
    "taux de passage des orientées au droit ouvert (%)",
)
OVERALL_RATE_HEADER = "taux de passage des contactées au droit ouvert (%)"
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
    included). ``exact``: nothing hidden (the team's checks, never
    exported); otherwise every cell went through the secrecy rule
    (``threshold``) and a hidden one is None. ``closed``: the period is
    over. ``activity``: each step counted in the period it happened (else
    the requests of the period). ``as_of``: the cut-off (None: live, as of
    now); ``final``: the published figures of a year, stopped at its
    cut-off, that no later record changes."""

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
    activity: bool = True
    as_of: datetime.datetime | None = None

    @property
    def period_text(self) -> str:
        return f"du {french.date_text(self.start)} au {french.date_text(self.end)}"

    @property
    def final(self) -> bool:
        return self.as_of is not None and self.as_of <= timezone.now()

    @property
    def cutoff_text(self) -> str:
        """« 31 mars 2027 »: the last day whose records count (\"\" when live)."""
        if self.as_of is None:
            return ""
        return french.date_text(timezone.localtime(self.as_of).date() - datetime.timedelta(days=1))

    @property
    def empty(self) -> bool:
        """No step in the period (a hidden count is not 0)."""
        return all(count == 0 for count in self.total.counts)


@dataclass
class _Unit:
    """One chain, as the funnel counts it."""

    keys: tuple[str, str, str, str]  # campaign, stratum, commune, month labels
    flags: tuple[bool, bool, bool, bool]  # reached, checked, referred, opened
    opened: dict[str, Decimal] = field(default_factory=dict)  # benefit → € per month
    contacted: bool = True

    @property
    def yearly(self) -> Decimal:
        return sum(self.opened.values(), Decimal(0)) * 12

    @property
    def columns(self) -> tuple[bool, ...]:
        """Whether it counts at each step of STEPS."""
        return (self.contacted, *self.flags)


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _chains(
    territory: Territory, start: datetime.date, end: datetime.date, activity: bool
) -> QuerySet[Chain]:
    chains = Chain.objects.filter(territory=territory).select_related("campaign", "commune")
    # The demonstration's chains count only while no real one exists (the
    # rule of the referral statistics and of the yearly report): never mixed.
    real = chains.filter(campaign__is_synthetic=False)
    if real.exists():
        chains = real
    if not activity:
        return chains.filter(month__gte=start.replace(day=1), month__lte=end)
    begin, after = _moment(start), _moment(end + datetime.timedelta(days=1))
    in_period = Q()
    for name in ("contacted_at", "reached_at", "rights_checked_at", "referred_at"):
        in_period |= Q(**{f"{name}__gte": begin, f"{name}__lt": after})
    # A right opened in the period may follow a referral of an earlier one.
    return chains.filter(contacted_at__lt=after).filter(in_period | Q(referred_at__lt=after))


def _units(
    chains: QuerySet[Chain],
    start: datetime.date,
    end: datetime.date,
    *,
    activity: bool,
    as_of: datetime.datetime | None,
) -> list[_Unit]:
    """The chains as units: in the activity view, each step counted when its
    date falls in ``start``..``end``, and only the chains with a step there;
    in the cohort view, every step reached. Steps and results after
    ``as_of`` (None: none) are not counted."""
    listed = list(chains)
    rights = chain_rights(listed)
    strata = dict(Stratum.choices)

    def counted(moment: datetime.datetime | None) -> bool:
        if moment is None or (as_of is not None and moment >= as_of):
            return False
        return not activity or start <= timezone.localtime(moment).date() <= end

    units = []
    for chain in listed:
        opened: dict[str, Decimal] = {}
        for right in rights_in_force(rights.get(chain.pk, []), as_of):
            if activity and not start <= right.opened_on <= end:
                continue
            monthly = (right.yearly_amount or Decimal(0)) / 12
            opened[right.benefit] = opened.get(right.benefit, Decimal(0)) + monthly
        columns = (
            chain_contacted(chain) and counted(chain.contacted_at),
            counted(chain.reached_at),
            counted(chain.rights_checked_at),
            counted(chain.referred_at),
            bool(opened),
        )
        if not any(columns) or (not activity and not columns[0]):
            continue
        units.append(
            _Unit(
                keys=(
                    chain.campaign.name,
                    strata.get(chain.stratum, chain.stratum or "Sans strate"),
                    chain.commune.name,
                    chain.month.strftime("%Y-%m"),
                ),
                flags=(columns[1], columns[2], columns[3], columns[4]),
                opened=opened,
                contacted=columns[0],
            )
        )
    return units


def _row_labels(units: Sequence[_Unit]) -> list[list[str]]:
    """The rows of each table, in order: campaigns, strata and communes by
    name, months in time order."""
    return [sorted({u.keys[d] for u in units}, key=str.casefold) for d in range(len(DIMENSIONS))]


def _hidden_cells(
    units: Sequence[_Unit], labels: list[list[str]], threshold: int, *, steps: bool = True
) -> list[list[bool]]:
    """Which cells the secrecy model hides for these units: rows the total
    then each table's rows in order, columns the units counted at each step
    of STEPS (``steps``; in the activity view they are not nested), or one
    column of every unit (not ``steps``). See the module's docstring for
    the release."""
    positions = [{label: r for r, label in enumerate(table)} for table in labels]
    offsets = [1]
    for table in labels:
        offsets.append(offsets[-1] + len(table))
    width = len(STEPS) if steps else 1
    atom_of: dict[tuple[tuple[str, ...], tuple[bool, ...]], int] = {}
    sizes: list[int] = []
    for unit in units:
        key = (unit.keys, unit.columns if steps else (True,))
        atom = atom_of.setdefault(key, len(atom_of))
        if atom == len(sizes):
            sizes.append(0)
        sizes[atom] += 1
    cells: list[list[int]] = [[] for _ in range(width * offsets[-1])]
    watched: dict[tuple[int, int, int, bool], list[int]] = defaultdict(list)
    for (keys, held), atom in atom_of.items():
        places = [0] + [offsets[d] + positions[d][keys[d]] for d in range(len(labels))]
        for row in places:
            for k in range(width):
                if held[k]:
                    cells[width * row + k].append(atom)
            # Two steps of a row published: the chains counted at one and
            # not the other (either way: not nested by activity).
            for k in range(width):
                for j in range(k + 1, width):
                    if held[k] != held[j]:
                        watched[(row, k, j, held[k])].append(atom)
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
        # The total of the first column is everyone's only when all count there.
        root=0 if all(held[0] for _, held in atom_of) else None,
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
    activity: bool = True,
    as_of: datetime.datetime | None = None,
) -> ChainFunnel:
    labels = _row_labels(units)
    groups: list[list[_Unit]] = [list(units)]
    for d, rows in enumerate(labels):
        for label in rows:
            groups.append([u for u in units if u.keys[d] == label])
    hidden = [[False] * len(STEPS) for _ in groups]
    amount_hidden = [False for _ in groups]
    if not exact and units:
        hidden = _hidden_cells(units, labels, threshold)
        with_amount = [u for u in units if u.yearly > 0]
        amount_hidden = [h[0] for h in _hidden_cells(with_amount, labels, threshold, steps=False)]
        if not with_amount:
            amount_hidden = [False for _ in groups]
    figures: list[tuple[list[int], Decimal, list[bool], bool]] = []
    for g, members in enumerate(groups):
        exact_counts = [sum(u.columns[k] for u in members) for k in range(len(STEPS))]
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
        activity=activity,
        as_of=as_of,
    )


def chain_funnel(
    territory: Territory,
    *,
    start: datetime.date,
    end: datetime.date,
    exact: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
    activity: bool = False,
    as_of: datetime.datetime | None = None,
) -> ChainFunnel:
    """The funnel of the territory's chains over ``start``..``end`` (days
    included): with ``activity``, each step counted in the period it
    happened; otherwise the chains whose request came in a month that meets
    the period. Only what was recorded before ``as_of`` counts (None: live).
    See the module's docstring for what is counted and how the secrecy rule
    applies. ``exact``: nothing hidden (for the team's checks and tests
    only). Raises FunnelError (French) when ``end`` is before ``start``;
    ValueError (French) for an unusable ``threshold``."""
    if end < start:
        raise FunnelError(
            f"Période invalide : la fin ({french.date_text(end)}) est avant le début "
            f"({french.date_text(start)})."
        )
    chains = _chains(territory, start, end, activity)
    units = _units(chains, start, end, activity=activity, as_of=as_of)
    return _funnel(
        territory,
        start,
        end,
        units,
        exact=exact,
        threshold=threshold,
        activity=activity,
        as_of=as_of,
    )
