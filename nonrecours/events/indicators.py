"""The training's two indicators, for a year of a territory's trainings
(events of kind TRAINING whose first day falls in the year):

- « professionnels formés par institution »: people (events.queries.person_key:
  a person at two trainings counts once) ticked present on at least one
  half-day, by kind of structure and by structure;
- « progression aux quiz »: the mean share of right answers before and
  after, over the participants who answered both (paired by registration),
  overall and by kind of structure.

The trained people come exact (the team's pages: the team sees the names
anyway) or published (the CSV export): then the project's secrecy rule
applies, through the one engine of nonrecours.analysis.disclosure (ADR
013) with its threshold, so that a hidden cell cannot be computed back from
the published ones (totals minus the other rows).

The quiz averages are never exact, not even for the team (ADR 024: one's
score is shown to no one else): an average is shown over at least
MIN_QUIZ_PAIRS people, by the same engine (so that no average of fewer can
be computed back, the whole minus the other kinds, the year minus the other
trainings), and only once no answer can come any more (events.queries.
answers_closed; for a year: the year over and all its trainings closed):
an average that moves as people answer gives each score back by
difference."""

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass

from nonrecours import french
from nonrecours.accounts.enums import OrganisationKind
from nonrecours.analysis.disclosure import (
    DEFAULT_THRESHOLD,
    Release,
    SecrecyError,
    Status,
    protect,
)
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.events.enums import EventKind
from nonrecours.events.models import Event, Registration
from nonrecours.events.queries import (
    QuizPair,
    answers_close_on,
    answers_closed,
    person_key,
    quiz_pairs,
)
from nonrecours.territories.models import Territory

SECRET = "secret"  # noqa: S105 (the statistical secret, not a password)
# The fewest people a quiz average is shown over, to the team too (ADR 024):
# under it, an average is close to one person's score.
MIN_QUIZ_PAIRS = 5
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
    # Why the quiz averages are not shown (yet), in French; "" when they are.
    progress_note: str = ""


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
    people: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for registration in registrations:
        kind, name = registration.organisation_kind, registration.organisation_name
        people[kind][name].add(person_key(registration))
    counts = {kind: {name: len(p) for name, p in names.items()} for kind, names in people.items()}
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


def _kinds(pairs: list[QuizPair]) -> list[str]:
    """The kinds of structure of ``pairs``, the largest first."""
    sizes: dict[str, int] = defaultdict(int)
    for pair in pairs:
        sizes[pair.organisation_kind] += 1
    return sorted(sizes, key=lambda k: (-sizes[k], k))


def _people(pairs: list[QuizPair]) -> int:
    return len({p.person for p in pairs})


def _event_statuses(pairs: list[QuizPair]) -> tuple[list[str], list[str]]:
    """(kinds, status of [ensemble, *kinds]) of one event's averages:
    each over MIN_QUIZ_PAIRS people at least, none computable back."""
    kinds = _kinds(pairs)
    release = Release(
        atom_sizes=[_people([p for p in pairs if p.organisation_kind == k]) for k in kinds],
        cells=[list(range(len(kinds))), *([i] for i in range(len(kinds)))],
        lines=[(0, list(range(1, len(kinds) + 1)))],
        root=0,
    )
    return kinds, protect(release, MIN_QUIZ_PAIRS)


def _rows(groups: list[tuple[str, str, list[QuizPair]]], status: list[str]) -> list[Row]:
    rows = []
    for (level, kind, values), state in zip(groups, status, strict=True):
        label = str(KIND_LABELS.get(kind, kind))
        if state != Status.PUBLISHED:
            rows.append(Row(level, label, "", None))
            continue
        rows.append(
            Row(level, label, "", len(values),
                before=sum(p.before for p in values) / len(values),
                after=sum(p.after for p in values) / len(values))
        )  # fmt: skip
    return rows


def event_progress(event: Event, today: datetime.date) -> tuple[list[Row], str]:
    """(rows, note) of the event's quiz progression for its page: nothing
    (the note says when) until its answers are closed; then the ensemble
    and each kind of structure, each over MIN_QUIZ_PAIRS people at least
    (a row hidden: count None)."""
    if not answers_closed(event, today):
        return [], (
            "Les moyennes paraissent quand le quiz d'après est clos, après le "
            f"{answers_close_on(event):%d/%m/%Y} : avant, les voir bouger à chaque réponse "
            "donnerait le score de chacun·e."
        )
    pairs = quiz_pairs([event])
    if not pairs:
        return [], ""
    kinds, status = _event_statuses(pairs)
    groups = [("ensemble", "", pairs)]
    groups += [("type", k, [p for p in pairs if p.organisation_kind == k]) for k in kinds]
    return _rows(groups, status), _hidden_note(status)


def _hidden_note(status: list[str]) -> str:
    if all(s == Status.PUBLISHED for s in status):
        return ""
    return (
        f"Une moyenne n'est montrée que sur {MIN_QUIZ_PAIRS} personnes au moins, et pas "
        "quand elle permettrait d'en recalculer une plus petite : « — » la masque."
    )


def year_closed_on(events: list[Event], year: int) -> datetime.date:
    """The day from which the year's quiz averages no longer move: after
    the year and after the last of its trainings' answers close."""
    last = datetime.date(year, 12, 31)
    return max([last, *(answers_close_on(e) for e in events)])


def _year_progress(
    events: list[Event], year: int, today: datetime.date, published_threshold: int | None
) -> tuple[list[Row], str]:
    """The year's progression over ``events`` (its trainings), for the team
    (``published_threshold`` None: MIN_QUIZ_PAIRS) or published (hidden as
    well under ``published_threshold``). Each event's page shows its own
    averages (event_progress): the year's are protected together with
    them, so that the year minus the other trainings never gives back an
    average the event's page hides."""
    closes = year_closed_on(events, year)
    if today <= closes:
        return [], (
            f"Les moyennes de l'année paraissent quand tous les quiz de ses formations sont "
            f"clos, après le {closes:%d/%m/%Y} : avant, elles bougeraient à chaque réponse."
        )
    pairs = quiz_pairs(events)
    if not pairs:
        return [], ""
    kinds = _kinds(pairs)
    # Atoms: (event, kind). Cells: the year, its kinds, then each event and
    # its kinds as the event's page shows them (released or hidden).
    by_atom: dict[tuple[int, str], list[QuizPair]] = defaultdict(list)
    for pair in pairs:
        by_atom[(pair.event_id, pair.organisation_kind)].append(pair)
    atoms = sorted(by_atom)
    index = {atom: i for i, atom in enumerate(atoms)}
    cells: list[list[int]] = [list(range(len(atoms)))]
    cells += [[index[a] for a in atoms if a[1] == k] for k in kinds]
    lines: list[tuple[int, list[int]]] = [(0, list(range(1, len(kinds) + 1))), (0, [])]
    released: set[int] = set()
    hidden: set[int] = set()
    for event_id in sorted({a[0] for a in atoms}):
        event_pairs = [p for p in pairs if p.event_id == event_id]
        event_kinds, status = _event_statuses(event_pairs)
        first = len(cells)
        lines[1][1].append(first)
        cells.append([index[a] for a in atoms if a[0] == event_id])
        cells += [[index[(event_id, k)]] for k in event_kinds]
        lines.append((first, list(range(first + 1, first + 1 + len(event_kinds)))))
        for offset, state in enumerate(status):
            (released if state == Status.PUBLISHED else hidden).add(first + offset)
    release = Release(
        atom_sizes=[_people(by_atom[a]) for a in atoms],
        cells=cells,
        lines=lines,
        root=0,
        released=frozenset(released),
        hidden=frozenset(hidden),
    )
    year_cells = len(kinds) + 1
    try:
        status = protect(release, MIN_QUIZ_PAIRS)[:year_cells]
    except SecrecyError:  # cannot happen: the events' pages are each protected
        status = [Status.HIDDEN] * year_cells
    groups = [("ensemble", "", pairs)]
    groups += [("type", k, [p for p in pairs if p.organisation_kind == k]) for k in kinds]
    if published_threshold is not None:
        # The export hides, as well, what the project's rule hides on the
        # year's table alone: never more than the team's page shows.
        alone = Release(
            atom_sizes=[_people(g[2]) for g in groups[1:]],
            cells=[list(range(len(kinds))), *([i] for i in range(len(kinds)))],
            lines=[(0, list(range(1, len(kinds) + 1)))],
            root=0,
        )
        rule = protect(alone, published_threshold)
        status = [
            Status.PUBLISHED if a == b == Status.PUBLISHED else Status.HIDDEN
            for a, b in zip(status, rule, strict=True)
        ]
    return _rows(groups, status), _hidden_note(status)


def year_indicators(
    territory: Territory,
    year: int,
    *,
    exact: bool,
    today: datetime.date,
    threshold: int = DEFAULT_THRESHOLD,
) -> Indicators:
    """Both indicators for the territory's trainings of ``year``: the
    trained people exact (the team's page) or published (the secrecy rule
    applied with ``threshold``, DEFAULT_THRESHOLD people by default); the
    quiz progression as _year_progress says, on ``today``."""
    events = year_trainings(territory, year)
    registrations = list(
        Registration.objects.filter(event__in=events, attendances__isnull=False).distinct()
    )
    progress, note = _year_progress(events, year, today, None if exact else threshold)
    return Indicators(
        territory=territory,
        year=year,
        trained=_trained(registrations, exact, threshold),
        progress=progress,
        exact=exact,
        threshold=threshold,
        progress_note=note,
    )


def event_indicators(event: Event, *, today: datetime.date) -> Indicators:
    """Both indicators of one event, for its page: the people trained
    exact, the quiz progression as event_progress says."""
    registrations = list(event.registrations.filter(attendances__isnull=False).distinct())
    progress, note = event_progress(event, today)
    return Indicators(
        territory=event.territory,
        year=event.starts_on.year,
        trained=_trained(registrations, True, DEFAULT_THRESHOLD),
        progress=progress,
        exact=True,
        progress_note=note,
    )


def export_problem(year: int, *, today: datetime.date) -> str:
    """Why the year's CSV cannot be exported on ``today`` (French), or ""
    when it can: a finished year only, as the project's other exports
    cover whole past periods (outreach.achievements.check_export_period).
    Two downloads of a year under way would give back by difference the
    small counts the secret hides (12 then 15: three people)."""
    if year >= today.year:
        return (
            f"L'export de {year} sera possible à partir du 1er janvier {year + 1} : un export "
            "porte sur une année finie, pour que deux exports successifs ne redonnent pas par "
            "différence ce que le secret statistique masque."
        )
    return ""


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
