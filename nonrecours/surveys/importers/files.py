"""Submissions exported by KoboToolbox / ODK Central (CSV, XLSX) and by
LimeSurvey (CSV), read into rows keyed by our question names.

Each reader yields (line number, row id, raw answers, submitted_at) and
reports the columns it could not match. The rows are then validated and
stored all together (surveys.actions.responses_import).
"""

import csv
import datetime
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from nonrecours.surveys.limesurvey import limesurvey_codes
from nonrecours.surveys.questionnaire import Questionnaire, QuestionType

PARIS = ZoneInfo("Europe/Paris")
# The root id stays the same when a submission is edited in KoboToolbox or
# ODK Central (the instance id changes): prefer it.
ID_COLUMNS = (
    "meta/rootUuid", "meta-rootUuid", "meta/instanceID", "meta-instanceID", "instanceID",
    "_uuid", "KEY", "id",
)  # fmt: skip
TIME_COLUMNS = ("end", "_submission_time", "SubmissionDate", "submitdate")
START_COLUMNS = ("start", "startdate")


class SourceFormat(StrEnum):
    KOBO = "kobo"  # KoboToolbox and ODK Central, "XML values and headers"
    LIMESURVEY = "limesurvey"


class ImportFileError(ValueError):
    """The file as a whole cannot be read (message in French)."""


@dataclass
class RawRow:
    line: int
    row_id: str
    answers: dict[str, Any]
    submitted_at: datetime.datetime | None
    started_at: datetime.datetime | None


@dataclass
class ParsedFile:
    rows: Iterator[RawRow]
    ignored_columns: list[str] = field(default_factory=list)


# Server-side timestamps of KoboToolbox / ODK Central are in UTC, even when
# written without a time zone; the devices' own start/end carry theirs.
UTC_COLUMNS = ("_submission_time", "SubmissionDate")


def _parse_time(value: str, naive_zone: datetime.tzinfo = PARIS) -> datetime.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=naive_zone)


def _last_segment(header: str) -> str:
    return header.replace("-", "/").rstrip("/").split("/")[-1]


def _records(stream: BinaryIO, filename: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (line number, cells) of a CSV or XLSX file."""
    if Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds on a broken file
            raise ImportFileError(f"{filename} : classeur XLSX illisible ({error}).") from None
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c) if c is not None else "" for c in next(rows, [])]

        def xlsx_cells() -> Iterator[tuple[int, list[str]]]:
            for number, values in enumerate(rows, start=2):
                cells = [
                    "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))
                    for v in values
                ]
                if any(cells):
                    yield number, cells

        return header, xlsx_cells()
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            f"{filename} : le fichier n'est pas en UTF-8. Exportez-le en CSV UTF-8."
        ) from None
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader, [])

    def csv_cells() -> Iterator[tuple[int, list[str]]]:
        line = reader.line_num
        for cells in reader:
            if any(c.strip() for c in cells):
                yield line + 1, cells
            line = reader.line_num

    return header, csv_cells()


def read_submissions(
    stream: BinaryIO, filename: str, source: SourceFormat, questionnaire: Questionnaire
) -> ParsedFile:
    header, records = _records(stream, filename)
    if not header or not any(header):
        raise ImportFileError(f"{filename} : fichier vide ou sans ligne d'en-tête.")
    if source == SourceFormat.LIMESURVEY:
        return _limesurvey(header, records, filename, questionnaire)
    return _kobo(header, records, filename, questionnaire)


def _index(header: Sequence[str], names: Sequence[str]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _kobo(
    header: list[str],
    records: Iterator[tuple[int, list[str]]],
    filename: str,
    questionnaire: Questionnaire,
) -> ParsedFile:
    by_segment: dict[str, int] = {}
    for position, name in enumerate(header):
        by_segment.setdefault(_last_segment(name), position)
    columns: dict[str, int] = {}
    option_columns: dict[str, dict[str, int]] = {}
    for question in questionnaire.questions:
        if question.name in by_segment:
            columns[question.name] = by_segment[question.name]
        elif question.type == QuestionType.SELECT_MULTIPLE:
            options = {}
            for position, name in enumerate(header):
                parts = name.replace("-", "/").split("/")
                if len(parts) >= 2 and parts[-2] == question.name and parts[-1] in question.codes:
                    options[parts[-1]] = position
            if options:
                option_columns[question.name] = options
    if "commune" not in columns:
        raise ImportFileError(
            f"{filename} : colonne « commune » introuvable. Exportez depuis KoboToolbox ou ODK "
            "Central avec les en-têtes et valeurs XML (pas les libellés)."
        )
    id_column = _index(header, ID_COLUMNS)
    if id_column is None:
        raise ImportFileError(
            f"{filename} : aucune colonne d'identifiant de soumission "
            f"({', '.join(ID_COLUMNS)}) : sans elle, un second import dupliquerait tout."
        )
    time_column = _index(header, TIME_COLUMNS)
    start_column = _index(header, START_COLUMNS)
    time_zone: datetime.tzinfo = (
        datetime.UTC if time_column is not None and header[time_column] in UTC_COLUMNS else PARIS
    )
    used = set(columns.values()) | {p for o in option_columns.values() for p in o.values()}
    used |= {c for c in (id_column, time_column, start_column) if c is not None}
    ignored = [
        name for position, name in enumerate(header)
        if position not in used and not name.startswith("_") and _last_segment(name) not in
        {"start", "end", "instanceID", "deviceid", "SubmissionDate", "KEY", "SubmitterID",
         "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
         "DeviceID", "Edits", "FormVersion", "__version__", "today", "username", "audit"}
    ]  # fmt: skip

    def rows() -> Iterator[RawRow]:
        for line, cells in records:
            cells = cells + [""] * (len(header) - len(cells))
            answers: dict[str, Any] = {
                name: cells[position].strip() for name, position in columns.items()
            }
            for name, options in option_columns.items():
                answers[name] = [
                    code
                    for code, position in options.items()
                    if cells[position].strip().lower() in ("1", "true", "oui", "yes")
                ]
            for question in questionnaire.questions:
                value = answers.get(question.name)
                if question.type == QuestionType.SELECT_MULTIPLE and isinstance(value, str):
                    answers[question.name] = value.split()
            yield RawRow(
                line=line,
                row_id=cells[id_column].strip().removeprefix("uuid:"),
                answers={k: v for k, v in answers.items() if v not in ("", [])},
                submitted_at=_parse_time(cells[time_column], time_zone)
                if time_column is not None
                else None,
                started_at=_parse_time(cells[start_column]) if start_column is not None else None,
            )

    return ParsedFile(rows=rows(), ignored_columns=ignored)


def _limesurvey(
    header: list[str],
    records: Iterator[tuple[int, list[str]]],
    filename: str,
    questionnaire: Questionnaire,
) -> ParsedFile:
    """LimeSurvey "answer codes" CSV export with question codes as headings.

    Questions are found by the questionnaire's names or by their LimeSurvey
    codes (Q01…, see surveys/limesurvey.py); a multiple choice is one column
    per option, `Q05[A1]` (or `strategies[aide_proches]`) = "Y".
    """
    positions = {name: i for i, name in enumerate(header)}
    lime = limesurvey_codes(questionnaire)
    if "id" not in positions:
        raise ImportFileError(f"{filename} : colonne « id » (identifiant LimeSurvey) introuvable.")
    used = {positions["id"]}
    for extra in ("submitdate", "startdate"):
        if extra in positions:
            used.add(positions[extra])
    singles: dict[str, tuple[int, dict[str, str]]] = {}
    multiples: dict[str, dict[str, int]] = {}
    for question in questionnaire.questions:
        codes = lime[question.name]
        if question.type == QuestionType.SELECT_MULTIPLE:
            options = {}
            for ours, theirs in codes.answers.items():
                for column in (f"{question.name}[{ours}]", f"{codes.question}[{theirs}]"):
                    if column in positions:
                        options[ours] = positions[column]
            if options:
                multiples[question.name] = options
                used |= set(options.values())
            continue
        for column in (question.name, codes.question):
            if column in positions:
                singles[question.name] = (positions[column], codes.back)
                used.add(positions[column])
                break
    if "commune" not in singles:
        raise ImportFileError(
            f"{filename} : colonne « commune » (ou {lime['commune'].question}) introuvable. Le "
            "questionnaire LimeSurvey doit reprendre les codes du codebook (colonnes "
            "« code_limesurvey »)."
        )
    metadata = {"lastpage", "startlanguage", "seed", "datestamp", "ipaddr", "refurl", "token"}
    ignored = [name for i, name in enumerate(header) if i not in used and name not in metadata]

    def rows() -> Iterator[RawRow]:
        for line, cells in records:
            cells = cells + [""] * (len(header) - len(cells))
            answers: dict[str, Any] = {}
            for name, (position, back) in singles.items():
                value = cells[position].strip()
                answers[name] = back.get(value, value)
            for name, options in multiples.items():
                answers[name] = [c for c, p in options.items() if cells[p].strip().upper() == "Y"]
            # LimeSurvey ids restart with every survey: the submission date
            # tells two surveys' rows apart.
            row_id = cells[positions["id"]].strip()
            if row_id and "submitdate" in positions and cells[positions["submitdate"]].strip():
                row_id += "@" + cells[positions["submitdate"]].strip()
            yield RawRow(
                line=line,
                row_id=row_id,
                answers={k: v for k, v in answers.items() if v not in ("", [])},
                submitted_at=_parse_time(cells[positions["submitdate"]])
                if "submitdate" in positions
                else None,
                started_at=_parse_time(cells[positions["startdate"]])
                if "startdate" in positions
                else None,
            )

    return ParsedFile(rows=rows(), ignored_columns=ignored)
