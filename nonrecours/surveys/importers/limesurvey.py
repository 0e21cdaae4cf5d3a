"""LimeSurvey "answer codes" CSV exports, with question codes as headings:
questions found by the questionnaire's names or their LimeSurvey codes,
response ids qualified by the survey id, incomplete responses left out."""

import datetime
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from nonrecours.surveys.importers.moments import MomentError, is_anonymised, read_moment
from nonrecours.surveys.importers.submissions import (
    PARIS,
    ColumnReport,
    ImportFileError,
    ParsedFile,
    RawRow,
    check_ids,
    shape_problems,
)
from nonrecours.surveys.limesurvey import limesurvey_codes
from nonrecours.surveys.questionnaire import Questionnaire, QuestionType
from nonrecours.territories.insee import insee_code_read
from nonrecours.textrules import shown

LIMESURVEY_METADATA = {
    "lastpage", "startlanguage", "seed", "datestamp", "ipaddr", "refurl", "token", "submitdate",
    "startdate", "id",
}  # fmt: skip
_SURVEY_IN_NAME = re.compile(r"survey[_-]?(\d+)", re.IGNORECASE)


def limesurvey_survey_id(filename: str, given: str) -> str:
    """The LimeSurvey survey id: the one given, else the one in LimeSurvey's
    default export name (`results-survey123456.csv`). Raises
    ImportFileError (French) when there is none: response ids restart at 1
    in every survey, so they alone would merge two surveys."""
    if given:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", given):
            raise ImportFileError(
                f"Identifiant d'enquête LimeSurvey « {shown(given)} » invalide : chiffres, "
                "lettres, - ou _ (40 au plus)."
            )
        return given
    found = _SURVEY_IN_NAME.search(filename)
    if found:
        return found.group(1)
    raise ImportFileError(
        f"{filename} : indiquez l'identifiant de l'enquête LimeSurvey (option "
        "--enquete-limesurvey, ou champ « Identifiant de l'enquête LimeSurvey » de la page "
        "d'import). Les numéros de réponse recommencent à 1 dans chaque enquête : sans lui, "
        "deux enquêtes importées dans la même campagne seraient confondues."
    )


@dataclass
class _Layout:
    """Where each question is in the header: a single answer's column and
    its codes back to ours, a multiple choice's column per option."""

    header: list[str]
    positions: dict[str, int]
    survey: str
    singles: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    multiples: dict[str, dict[str, int]] = field(default_factory=dict)

    def cell(self, cells: list[str], name: str) -> str:
        return cells[self.positions[name]].strip() if name in self.positions else ""


def read_limesurvey(
    header: list[str],
    records: Iterator[tuple[int, list[str]]],
    filename: str,
    questionnaire: Questionnaire,
    communes: Collection[str],
    now: datetime.datetime,
    survey_id: str,
) -> ParsedFile:
    """LimeSurvey "answer codes" CSV export with question codes as headings.

    Questions are found by the questionnaire's names or by their LimeSurvey
    codes (Q01…, see surveys/limesurvey.py); a multiple choice is one column
    per option, `Q05[A1]` (or `strategies[aide_proches]`) = "Y" or "1"
    (export option "convert Y to 1"), unselected "", "N" or "0". A response
    without a submit date is incomplete and left out like a rejected one.
    """
    positions = {name: i for i, name in enumerate(header)}
    if "id" not in positions:
        raise ImportFileError(f"{filename} : colonne « id » (identifiant LimeSurvey) introuvable.")
    layout = _Layout(header, positions, limesurvey_survey_id(filename, survey_id))
    used = _find_questions(layout, questionnaire, filename)
    if "submitdate" not in positions:
        raise ImportFileError(
            f"{filename} : colonne « submitdate » (date d'envoi LimeSurvey) introuvable : sans "
            "elle, rien ne distingue une réponse envoyée d'une réponse incomplète."
        )
    used |= {positions[n] for n in ("submitdate", "startdate", "datestamp") if n in positions}
    report = ColumnReport()
    for i, name in enumerate(header):
        if i not in used:
            (report.metadata if name in LIMESURVEY_METADATA else report.unrecognised).append(name)

    def rows() -> Iterator[RawRow]:
        for line, raw in records:
            yield _row(layout, line, raw, communes, now)

    return ParsedFile(rows=rows(), columns=report)


def _find_questions(layout: _Layout, questionnaire: Questionnaire, filename: str) -> set[int]:
    """The columns of each question (``layout.singles``, ``multiples``), and
    the positions used. Raises ImportFileError for a question found under
    both its names, or without a commune column."""
    positions = layout.positions
    lime = limesurvey_codes(questionnaire)
    used = {positions["id"]}
    for question in questionnaire.questions:
        codes = lime[question.name]
        if question.type == QuestionType.SELECT_MULTIPLE:
            options = {}
            for ours, theirs in codes.answers.items():
                for column in (f"{question.name}[{ours}]", f"{codes.question}[{theirs}]"):
                    if column in positions:
                        options[ours] = positions[column]
            if options:
                layout.multiples[question.name] = options
                used |= set(options.values())
            continue
        found = [c for c in (question.name, codes.question) if c in positions]
        if len(found) == 2:
            raise ImportFileError(
                f"{filename}, ligne 1 : les colonnes « {found[0]} » et « {found[1]} » désignent "
                f"toutes deux la question « {question.name} »."
            )
        if found:
            layout.singles[question.name] = (positions[found[0]], codes.back)
            used.add(positions[found[0]])
    if "commune" not in layout.singles:
        raise ImportFileError(
            f"{filename} : colonne « commune » (ou {lime['commune'].question}) introuvable. Le "
            "questionnaire LimeSurvey doit reprendre les codes du codebook (colonnes "
            "« code_limesurvey »)."
        )
    return used


def _moment(
    layout: _Layout, row: RawRow, cells: list[str], name: str, now: datetime.datetime
) -> datetime.datetime | None:
    """The moment in a date column; None when empty or anonymised."""
    value = layout.cell(cells, name)
    if not value or is_anonymised(value):
        return None
    try:
        return read_moment(value, naive_zone=PARIS, now=now)
    except MomentError as error:
        row.problems.append(f"ligne {row.line}, colonne « {name} » : {error}")
        return None


def _row(
    layout: _Layout,
    line: int,
    raw: list[str],
    communes: Collection[str],
    now: datetime.datetime,
) -> RawRow:
    header = layout.header
    problems = shape_problems(line, raw, header)
    cells = raw + [""] * (len(header) - len(raw))
    response_id = layout.cell(cells, "id")
    row = RawRow(
        line=line,
        identity=f"{layout.survey}:{response_id}" if response_id else "",
        answers={},
        submitted_at=None,
        started_at=None,
        problems=problems,
    )
    check_ids(row, cells, header, [layout.positions["id"]], [], None)
    _read_dates(layout, row, cells, now)
    for name, (position, back) in layout.singles.items():
        value = cells[position].strip()
        if name == "commune":
            insee = insee_code_read(value, communes)
            if insee.restored:
                row.notes.append(insee.note(f"ligne {line}"))
            value = insee.code
        row.answers[name] = back.get(value, value)
    _read_multiples(layout, row, cells)
    row.answers = {k: v for k, v in row.answers.items() if v not in ("", [])}
    return row


def _read_dates(layout: _Layout, row: RawRow, cells: list[str], now: datetime.datetime) -> None:
    """Start, version (the last action's date) and submission; a response
    never submitted is left out, dated by its last action, else its start."""
    submitted = layout.cell(cells, "submitdate")
    row.started_at = _moment(layout, row, cells, "startdate", now)
    stamp = _moment(layout, row, cells, "datestamp", now)
    # The last action's date orders the versions of a response.
    row.version = stamp.astimezone(datetime.UTC).isoformat() if stamp else ""
    if not submitted:
        row.review, row.left_out = "réponse incomplète (jamais envoyée)", True
        # included on request: dated by its last action, else its start
        row.submitted_at = stamp or row.started_at
        if row.submitted_at is None:
            row.problems.append(
                f"ligne {row.line} : réponse incomplète sans aucune date (submitdate, "
                "datestamp, startdate vides ou anonymisées)"
            )
    elif is_anonymised(submitted):
        row.anonymised_date = True
    else:
        row.submitted_at = _moment(layout, row, cells, "submitdate", now)


def _read_multiples(layout: _Layout, row: RawRow, cells: list[str]) -> None:
    for name, options in layout.multiples.items():
        chosen = []
        for code, position in options.items():
            value = cells[position].strip()
            if value.upper() in ("Y", "1"):
                chosen.append(code)
            elif value.upper() not in ("", "N", "0"):
                row.problems.append(
                    f"ligne {row.line}, colonne « {layout.header[position]} » : valeur "
                    f"« {shown(value)} » illisible (Y, 1, N, 0 ou vide attendu)"
                )
        row.answers[name] = chosen
