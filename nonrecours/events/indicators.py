"""The training's two indicators, for a year of a territory's trainings
(events of kind TRAINING whose first day falls in the year):

- « professionnels formés par institution »: people ticked present on at
  least one half-day (one per training attended), by kind of structure and
  by structure;
- « progression aux quiz »: the mean share of right answers before and
  after, over the participants who answered both (paired by registration),
  overall and by kind of structure.

Each comes exact (the team's pages) or published (the CSV export): then the
project's secrecy rule applies, through the one engine of
nonrecours.analysis.disclosure (ADR 013) with its threshold, so that a
hidden cell cannot be computed back from the published ones (totals minus
the other rows)."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from nonrecours import french
from nonrecours.accounts.enums import OrganisationKind
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, Release, Status, protect
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.events.enums import EventKind
from nonrecours.events.models import Event, Registration
from nonrecours.events.queries import quiz_pairs
from nonrecours.territories.models import Territory

SECRET = "secret"  # noqa: S105 (the statistical secret, not a password)
KIND_LABELS = dict(OrganisationKind.choices)


@dataclass(frozen=True)
class Row:
    """One line of an indicator's table. ``level``: « ensemble », « type »
    or « structure »; ``count``: people (trained) or pairs (quiz); the
    means are shares of right answers (0 to 1). None: hidden by the
    secrecy rule (published view only)."""

    level: str
    kind: str
    name: str
    count: int | None
    before: float | None = None
    after: float | None = None

    @property
    def progress(self) -> float | None:
        """After minus before, as a difference of shares."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def progress_points(self) -> float | None:
        """After minus before, in percentage points."""
        if self.before is None or self.after is None:
            return None
        return 100 * (self.after - self.before)


@dataclass(frozen=True)
class Indicators:
    territory: Territory
    year: int
    trained: list[Row]
    progress: list[Row]
    exact: bool
    threshold: int = DEFAULT_THRESHOLD


def year_trainings(territory: Territory, year: int) -> list[Event]:
    """The territory's trainings whose first day is in ``year``."""
    return list(
        Event.objects.filter(
            territory=territory, kind=EventKind.TRAINING, starts_on__year=year
        ).order_by("starts_on", "pk")
    )


def _release(
    groups: dict[str, list[tuple[str, int]]],
) -> tuple[Release, list[tuple[str, str, str]]]:
    """The secrecy model of a table « ensemble → type → structure »: atoms
    are the structures (``groups``: kind → [(structure, size)]), cells the
    whole, each kind, each structure; a kind's structures add up to it, the
    kinds to the whole. Returns the release and, per cell, (level, kind, name)."""
    sizes: list[int] = []
    kind_atoms: dict[str, list[int]] = {}
    for kind, members in groups.items():
        kind_atoms[kind] = []
        for _name, size in members:
            kind_atoms[kind].append(len(sizes))
            sizes.append(size)
    cells: list[list[int]] = [list(range(len(sizes)))]
    labels = [("ensemble", "", "")]
    lines: list[tuple[int, list[int]]] = [(0, [])]
    for kind, atoms in kind_atoms.items():
        lines[0][1].append(len(cells))
        kind_cell = len(cells)
        cells.append(atoms)
        labels.append(("type", kind, ""))
        lines.append((kind_cell, []))
        for atom, (name, _size) in zip(atoms, groups[kind], strict=True):
            lines[-1][1].append(len(cells))
            cells.append([atom])
            labels.append(("structure", kind, name))
    return Release(atom_sizes=sizes, cells=cells, lines=lines, root=0), labels


def _trained(registrations: list[Registration], exact: bool, threshold: int) -> list[Row]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for registration in registrations:
        counts[registration.organisation_kind][registration.organisation_name] += 1
    groups = {
        kind: sorted(counts[kind].items(), key=lambda item: (-item[1], french.sort_key(item[0])))
        for kind in sorted(counts, key=lambda k: (-sum(counts[k].values()), k))
    }
    if not groups:
        return []
    release, labels = _release(groups)
    status = protect(release, threshold) if not exact else [Status.PUBLISHED] * len(labels)
    rows = []
    for index, (level, kind, name) in enumerate(labels):
        count = sum(release.atom_sizes[a] for a in release.cells[index])
        hidden = status[index] == Status.HIDDEN
        rows.append(Row(level, str(KIND_LABELS.get(kind, kind)), name, None if hidden else count))
    return rows


def _progress(events: list[Event], exact: bool, threshold: int) -> list[Row]:
    pairs = quiz_pairs(events)
    if not pairs:
        return []
    by_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for registration, before, after in pairs:
        by_kind[registration.organisation_kind].append((before, after))
    kinds = sorted(by_kind, key=lambda k: (-len(by_kind[k]), k))
    # The means are sums over the same atoms as the pair counts (one
    # unknown per person): protecting the counts protects the means.
    release = Release(
        atom_sizes=[len(by_kind[k]) for k in kinds],
        cells=[list(range(len(kinds))), *([i] for i in range(len(kinds)))],
        lines=[(0, list(range(1, len(kinds) + 1)))],
        root=0,
    )
    status = protect(release, threshold) if not exact else [Status.PUBLISHED] * (len(kinds) + 1)
    groups = [("ensemble", "", [p for k in kinds for p in by_kind[k]])]
    groups += [("type", str(KIND_LABELS.get(k, k)), by_kind[k]) for k in kinds]
    rows = []
    for index, (level, kind, values) in enumerate(groups):
        if status[index] == Status.HIDDEN:
            rows.append(Row(level, kind, "", None))
            continue
        rows.append(
            Row(level, kind, "", len(values),
                before=sum(b for b, _ in values) / len(values),
                after=sum(a for _, a in values) / len(values))
        )  # fmt: skip
    return rows


def year_indicators(
    territory: Territory, year: int, *, exact: bool, threshold: int = DEFAULT_THRESHOLD
) -> Indicators:
    """Both indicators for the territory's trainings of ``year``: exact
    (nothing hidden, for the team) or published (the secrecy rule applied
    with ``threshold``, DEFAULT_THRESHOLD respondents by default)."""
    events = year_trainings(territory, year)
    return event_indicators(
        events, territory=territory, year=year, exact=exact, threshold=threshold
    )


def event_indicators(
    events: list[Event], *, territory: Territory, year: int, exact: bool,
    threshold: int = DEFAULT_THRESHOLD,
) -> Indicators:  # fmt: skip
    """Both indicators over ``events`` (one event's page: a list of one)."""
    registrations = list(
        Registration.objects.filter(event__in=events, attendances__isnull=False).distinct()
    )
    return Indicators(
        territory=territory,
        year=year,
        trained=_trained(registrations, exact, threshold),
        progress=_progress(events, exact, threshold),
        exact=exact,
        threshold=threshold,
    )


HEADER = [
    "indicateur", "année", "niveau", "type de structure", "structure", "effectif",
    "score moyen avant (%)", "score moyen après (%)", "progression (points)",
]  # fmt: skip


def _cell(value: float | int | str | None, hidden: bool) -> str:
    if hidden:
        return SECRET
    if value is None:
        return ""
    if isinstance(value, float):
        return french.number(value, 1, grouping=False)
    return str(spreadsheet_safe(value))


def indicators_csv(indicators: Indicators) -> str:
    """The indicators as CSV text (separator « ; », decimal comma, header
    on the first line); « secret » for a value the rule hides."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    for row in indicators.trained:
        hidden = row.count is None
        writer.writerow(
            ["professionnels formés par institution", indicators.year, row.level, row.kind,
             _cell(row.name, False), _cell(row.count, hidden), "", "", ""]
        )  # fmt: skip
    for row in indicators.progress:
        hidden = row.count is None
        shares = [None if v is None else 100 * v for v in (row.before, row.after)]
        writer.writerow(
            ["progression aux quiz", indicators.year, row.level, row.kind, "",
             _cell(row.count, hidden), _cell(shares[0], hidden), _cell(shares[1], hidden),
             _cell(row.progress_points, hidden)]
        )  # fmt: skip
    return buffer.getvalue()
