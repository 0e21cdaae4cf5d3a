"""What a submissions file gives, whatever its tool: the rows as read
(RawRow), what became of the columns (ColumnReport), and the checks every
reader makes on a row's shape and ids (importers/files.py reads the files)."""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from nonrecours.errors import UserError
from nonrecours.textrules import text_problem

PARIS = ZoneInfo("Europe/Paris")
COLLECTOR_MAX_LENGTH = 150  # Response.collector
ID_MAX_LENGTH = 100  # Response.source_identity, source_version


class SourceFormat(StrEnum):
    KOBO = "kobo"  # KoboToolbox and ODK Central, "XML values and headers"
    LIMESURVEY = "limesurvey"


class ImportFileError(UserError, ValueError):
    """The file as a whole cannot be read (message in French)."""


@dataclass
class RawRow:
    """One submission as the file gives it. ``problems`` are located French
    messages that refuse the row; ``notes`` are reported without refusing;
    ``left_out`` says the source's review marks it as not to be used
    (``review`` is then the French reason)."""

    line: int
    identity: str
    answers: dict[str, Any]
    submitted_at: datetime.datetime | None
    started_at: datetime.datetime | None
    version: str = ""
    version_rank: int | None = None
    previous_version: str = ""
    review: str = ""
    left_out: bool = False
    collector: str = ""
    anonymised_date: bool = False
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ColumnReport:
    """What became of the columns not read as answers."""

    redundant: dict[str, str] = field(default_factory=dict)  # column -> column read instead
    metadata: list[str] = field(default_factory=list)  # the tool's own, not needed
    unknown_options: list[str] = field(default_factory=list)  # split columns, checked empty
    unrecognised: list[str] = field(default_factory=list)  # no question of that name


@dataclass
class ParsedFile:
    rows: Iterator[RawRow]
    columns: ColumnReport = field(default_factory=ColumnReport)


def uuid_value(value: str) -> str:
    """An id cell without its `uuid:` prefix."""
    return value.strip().removeprefix("uuid:")


def shape_problems(line: int, raw: list[str], header: list[str]) -> list[str]:
    """A row longer than the header (a value would be dropped), or shorter:
    with a line break in a cell (a quote left open swallowed the rest), or
    cut (its last answers would be lost)."""
    if any(cell.strip() for cell in raw[len(header) :]):
        return [
            f"ligne {line} : {len(raw)} cellules pour {len(header)} colonnes d'en-tête "
            "(séparateur ou guillemet en trop ?)"
        ]
    if len(raw) < len(header) and any("\n" in cell or "\r" in cell for cell in raw):
        return [
            f"ligne {line} : {len(raw)} cellules pour {len(header)} colonnes d'en-tête et un "
            "retour à la ligne dans une cellule (guillemet non fermé ?)"
        ]
    # Kobo, ODK Central and LimeSurvey write every column of every row: a
    # shorter row was cut (a download stopped, a line edited by hand), and
    # its missing answers would be read as « no answer ».
    if len(raw) < len(header):
        return [
            f"ligne {line} : {len(raw)} cellule(s) pour {len(header)} colonnes d'en-tête "
            "(ligne coupée ? les réponses manquantes seraient perdues)"
        ]
    return []


def check_ids(
    row: RawRow,
    cells: list[str],
    header: list[str],
    identity_columns: Sequence[int],
    version_columns: Sequence[int],
    previous_column: int | None,
) -> None:
    """Ids are single lines of at most ID_MAX_LENGTH printable characters."""
    for value, columns in (
        (row.identity, identity_columns),
        (row.version, version_columns),
        (row.previous_version, [previous_column] if previous_column is not None else []),
    ):
        if not value:
            continue
        problem = text_problem(value, max_length=ID_MAX_LENGTH)
        if problem:
            column = next((c for c in columns if uuid_value(cells[c]) == value), columns[0])
            row.problems.append(
                f"ligne {row.line}, colonne « {header[column]} » : identifiant invalide. {problem}"
            )
