"""KoboToolbox and ODK Central exports ("XML values and headers", CSV or
XLSX): headers matched to the questionnaire's questions and options on their
whole path, the tool's columns (identity, version, review, collector,
dates) found, then each row read lazily."""

import datetime
import functools
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence

from nonrecours.surveys.importers.kobo_columns import Layout, kobo_layout
from nonrecours.surveys.importers.moments import MomentError, read_moment
from nonrecours.surveys.importers.submissions import (
    COLLECTOR_MAX_LENGTH,
    PARIS,
    ParsedFile,
    RawRow,
    check_ids,
    shape_problems,
    uuid_value,
)
from nonrecours.surveys.questionnaire import Questionnaire
from nonrecours.territories.insee import insee_code_read
from nonrecours.textrules import shown, text_problem

TRUE_CELLS = {"1", "true", "vrai", "y", "yes", "oui"}
FALSE_CELLS = {"", "0", "false", "faux", "n", "no", "non"}


@functools.lru_cache(maxsize=64)
def _review_state(value: str) -> tuple[str, bool] | None:
    """(French label, left out) of a Kobo validation status or a Central
    review state, None when the value is not one of theirs."""
    text = unicodedata.normalize("NFKD", value.strip()).encode("ascii", "ignore").decode()
    text = re.sub(r"[\s-]+", "_", text.lower()).removeprefix("validation_status_")
    states = {
        "": ("", False),
        "received": ("", False),
        "recu": ("", False),
        "recue": ("", False),
        "valide": ("approuvée", False),
        "validee": ("approuvée", False),
        "modifie": ("modifiée dans ODK Central", False),
        "modifiee": ("modifiée dans ODK Central", False),
        "pas_approuve": ("non approuvée", True),
        "pas_approuvee": ("non approuvée", True),
        "a_des_problemes": ("signalée « a des problèmes »", True),
        "probleme": ("signalée « a des problèmes »", True),
        "problemes": ("signalée « a des problèmes »", True),
        "approved": ("approuvée", False),
        "approuve": ("approuvée", False),
        "approuvee": ("approuvée", False),
        "edited": ("modifiée dans ODK Central", False),
        "not_approved": ("non approuvée", True),
        "non_approuve": ("non approuvée", True),
        "non_approuvee": ("non approuvée", True),
        "on_hold": ("en attente", True),
        "en_attente": ("en attente", True),
        "rejected": ("rejetée", True),
        "rejete": ("rejetée", True),
        "rejetee": ("rejetée", True),
        "hasissues": ("signalée « a des problèmes »", True),
        "has_issues": ("signalée « a des problèmes »", True),
    }
    return states.get(text)


def read_kobo(
    header: list[str],
    records: Iterator[tuple[int, list[str]]],
    filename: str,
    questionnaire: Questionnaire,
    communes: Collection[str],
    now: datetime.datetime,
    separator: str,
) -> ParsedFile:
    """The rows of a KoboToolbox / ODK Central export. Raises ImportFileError
    (French) at once when the header cannot be read (kobo_columns); rows are
    read lazily."""
    layout, report = kobo_layout(header, questionnaire, filename, separator)

    def rows() -> Iterator[RawRow]:
        for line, raw in records:
            yield _row(layout, line, raw, communes, now)

    return ParsedFile(rows=rows(), columns=report)


def _row(
    layout: Layout,
    line: int,
    raw: list[str],
    communes: Collection[str],
    now: datetime.datetime,
) -> RawRow:
    """One row: ids, collector, edits, review, dates and answers, each
    problem located in ``problems``."""
    header = layout.header
    problems = shape_problems(line, raw, header)
    cells = raw + [""] * (len(header) - len(raw))
    previous_column, collector_column = layout.previous_column, layout.collector_column
    row = RawRow(
        line=line,
        identity=_first(cells, layout.identity_columns),
        answers={},
        submitted_at=None,
        started_at=None,
        version=_first(cells, layout.version_columns),
        previous_version=uuid_value(cells[previous_column]) if previous_column is not None else "",
        collector=cells[collector_column].strip() if collector_column is not None else "",
        problems=problems,
    )
    check_ids(row, cells, header, layout.identity_columns, layout.version_columns, previous_column)
    _check_collector(row, cells, layout)
    _read_edits(row, cells, layout)
    for position, (question, code) in layout.unknown_options.items():
        if cells[position].strip().lower() not in FALSE_CELLS:
            row.problems.append(
                f"ligne {line}, colonne « {header[position]} » : l'option « {code} » "
                f"de « {question} » n'existe pas dans le questionnaire"
            )
    _read_review(row, cells, layout)
    _read_times(row, cells, header, layout.time_columns, layout.start_column, now)
    _read_singles(row, cells, layout, communes)
    _read_splits(row, cells, layout)
    row.answers = {k: v for k, v in row.answers.items() if v not in ("", [])}
    return row


def _check_collector(row: RawRow, cells: list[str], layout: Layout) -> None:
    column = layout.collector_column
    if column is not None and row.collector:
        problem = text_problem(row.collector, max_length=COLLECTOR_MAX_LENGTH)
        if problem:
            row.problems.append(
                f"ligne {row.line}, colonne « {layout.header[column]} » : {problem}"
            )
            row.collector = ""


def _read_edits(row: RawRow, cells: list[str], layout: Layout) -> None:
    column = layout.edits_column
    if column is not None and cells[column].strip():
        edits = cells[column].strip()
        if edits.isascii() and edits.isdigit() and len(edits) < 7:
            row.version_rank = int(edits)
        else:
            row.problems.append(
                f"ligne {row.line}, colonne « {layout.header[column]} » : nombre de "
                f"modifications « {shown(edits)} » illisible"
            )


def _read_review(row: RawRow, cells: list[str], layout: Layout) -> None:
    column = layout.review_column
    if column is not None:
        state = _review_state(cells[column])
        if state is None:
            row.problems.append(
                f"ligne {row.line}, colonne « {layout.header[column]} » : statut de revue "
                f"« {shown(cells[column])} » inconnu"
            )
        else:
            row.review, row.left_out = state


def _read_singles(row: RawRow, cells: list[str], layout: Layout, communes: Collection[str]) -> None:
    for name, position in layout.singles.items():
        value = cells[position].strip()
        if name in layout.multiple:
            row.answers[name] = value.split()
        elif name == "commune":
            insee = insee_code_read(value, communes)
            if insee.restored:
                row.notes.append(insee.note(f"ligne {row.line}"))
            row.answers[name] = insee.code
        else:
            row.answers[name] = value


def _read_splits(row: RawRow, cells: list[str], layout: Layout) -> None:
    """The split columns of each multiple choice: its answer, or checked
    against the answer read from its own column."""
    header, singles = layout.header, layout.singles
    for name, options in layout.splits.items():
        chosen = []
        for code, position in options.items():
            cell = cells[position].strip().lower()
            if cell in TRUE_CELLS:
                chosen.append(code)
            elif cell not in FALSE_CELLS:
                row.problems.append(
                    f"ligne {row.line}, colonne « {header[position]} » : valeur "
                    f"« {shown(cells[position])} » illisible (1 ou 0 attendu)"
                )
        if name not in singles:
            row.answers[name] = chosen
        elif sorted(chosen) != sorted(c for c in row.answers[name] if c in options):
            row.problems.append(
                f"ligne {row.line} : les colonnes d'options de « {header[singles[name]]} » "
                f"({', '.join(sorted(chosen)) or 'aucune'}) ne correspondent pas à sa "
                f"valeur ({' '.join(row.answers[name]) or 'vide'})"
            )


def _first(cells: list[str], positions: list[int]) -> str:
    """The first non-empty id among the columns (a Kobo submission made
    before `meta/rootUuid` existed has it empty)."""
    for position in positions:
        value = uuid_value(cells[position])
        if value:
            return value
    return ""


def _read_times(
    row: RawRow,
    cells: list[str],
    header: list[str],
    time_columns: Sequence[tuple[int, datetime.tzinfo]],
    start_column: int | None,
    now: datetime.datetime,
) -> None:
    for position, zone in time_columns:
        try:
            moment = read_moment(cells[position], naive_zone=zone, now=now)
        except MomentError as error:
            row.problems.append(f"ligne {row.line}, colonne « {header[position]} » : {error}")
            return
        if moment is not None:
            row.submitted_at = moment
            break
    else:
        row.problems.append(
            f"ligne {row.line} : date de soumission absente (colonnes "
            + ", ".join(f"« {header[p]} »" for p, _ in time_columns)
            + ")"
        )
    if start_column is not None:
        try:
            row.started_at = read_moment(cells[start_column], naive_zone=PARIS, now=now)
        except MomentError as error:
            row.problems.append(f"ligne {row.line}, colonne « {header[start_column]} » : {error}")
