"""Submissions exported by KoboToolbox / ODK Central (CSV, XLSX) and by
LimeSurvey (CSV), read into rows keyed by our question names.

Each row carries what the source says about the submission, not a guess:

- its **identity**, stable across edits (Kobo `meta/rootUuid`, Central
  `KEY` = the first instance id, else Kobo `_uuid`; LimeSurvey's response id
  qualified by the survey id, since ids restart at 1 in every survey), its
  **version** (the instance id, or LimeSurvey's last-action date) and the
  version it replaces (`meta/deprecatedID`);
- the source's own **review state** (Kobo validation status, Central review
  state, LimeSurvey incomplete responses): rows the source marks as not to
  be used are flagged, and left out by the import unless asked;
- its **collector** (Kobo `_submitted_by`, Central `SubmitterName`);
- its dates, read in every format the tools and French spreadsheets write
  (importers/moments.py) or refused with line and column.

Headers are matched on their whole path (`profil/commune`,
`profil-commune`, `commune`…), never on their last segment alone. The rows
are then validated and stored by surveys.actions.responses_import.
"""

import datetime
import functools
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from nonrecours.surveys.importers.moments import MomentError, is_anonymised, read_moment
from nonrecours.surveys.importers.tables import TableError, read_table
from nonrecours.surveys.limesurvey import limesurvey_codes
from nonrecours.surveys.questionnaire import Questionnaire, QuestionType
from nonrecours.territories.insee import insee_code_read
from nonrecours.textrules import shown, text_problem

PARIS = ZoneInfo("Europe/Paris")
# Group separators seen in exports: KoboToolbox `/`, ODK Central `-`,
# others `.` or `:`. Our names and codes never contain them (NAME_PATTERN).
SEPARATORS = ("/", "-", ".", ":")
IDENTITY_COLUMNS = ("meta/rootUuid", "KEY", "_uuid", "meta/instanceID", "instanceID")
VERSION_COLUMNS = ("meta/instanceID", "instanceID", "_uuid")
PREVIOUS_COLUMNS = ("meta/deprecatedID", "deprecatedID")
# (column, zone of a time written without one): devices write local time,
# the servers' own timestamps are UTC.
TIME_COLUMNS = (
    ("end", PARIS),
    ("_submission_time", datetime.UTC),
    ("SubmissionDate", datetime.UTC),
)
COLLECTOR_COLUMNS = ("_submitted_by", "SubmitterName", "username")
REVIEW_COLUMNS = ("_validation_status", "ReviewState")
TOOL_COLUMNS = {
    "start", "end", "today", "deviceid", "DeviceID", "username", "simserial", "subscriberid",
    "phonenumber", "audit", "instanceID", "instanceName", "rootUuid", "deprecatedID",
    "SubmissionDate", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "Edits", "FormVersion", "__version__",
    "formhub/uuid", "uuid",
}  # fmt: skip
TRUE_CELLS = {"1", "true", "vrai", "y", "yes", "oui"}
FALSE_CELLS = {"", "0", "false", "faux", "n", "no", "non"}


class SourceFormat(StrEnum):
    KOBO = "kobo"  # KoboToolbox and ODK Central, "XML values and headers"
    LIMESURVEY = "limesurvey"


class ImportFileError(ValueError):
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


def read_submissions(
    stream: BinaryIO,
    filename: str,
    source: SourceFormat,
    questionnaire: Questionnaire,
    *,
    communes: Collection[str],
    now: datetime.datetime,
    survey_id: str = "",
    separator: str = "",
) -> ParsedFile:
    """The rows of a submissions file. ``communes``: the INSEE codes the
    campaign accepts (a code that lost its leading zero is restored against
    them); ``survey_id``: LimeSurvey's survey id (else read from the file
    name `results-survey123456.csv`); ``separator``: the group separator of
    the headers when it is none of `/ - . :`.

    Raises ImportFileError (French) when the file cannot be read as a whole;
    problems of a row are in its ``problems``. Rows are read lazily, and an
    unreadable row part raises ImportFileError from the iterator.
    """
    try:
        header, records = read_table(stream, filename)
    except TableError as error:
        raise ImportFileError(str(error)) from None
    if not header or not any(header):
        raise ImportFileError(f"{filename} : fichier vide ou sans ligne d'en-tête.")
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise ImportFileError(
            f"{filename}, ligne 1 : colonne(s) en double : {', '.join(repeated)}. "
            "Chaque colonne doit avoir un nom unique."
        )

    def checked() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from records
        except TableError as error:
            raise ImportFileError(str(error)) from None

    if source == SourceFormat.LIMESURVEY:
        return _limesurvey(
            header, checked(), filename, questionnaire, communes, now, survey_id.strip()
        )
    return _kobo(header, checked(), filename, questionnaire, communes, now, separator)


# --- KoboToolbox / ODK Central -------------------------------------------------


@dataclass(frozen=True)
class _Target:
    question: str
    choice: str = ""  # the split column of one option of a multiple choice


def _expected_headers(
    questionnaire: Questionnaire, separators: Sequence[str]
) -> dict[str, set[_Target]]:
    """Every header an export may give to each question and option: with
    its group (the section) or without, with each separator."""
    expected: dict[str, set[_Target]] = {}
    for question in questionnaire.questions:
        paths: list[tuple[str, ...]] = [(question.name,), (question.section, question.name)]
        for path in paths:
            for sep in separators:
                expected.setdefault(sep.join(path), set()).add(_Target(question.name))
                if question.type == QuestionType.SELECT_MULTIPLE:
                    for code in question.codes:
                        expected.setdefault(sep.join((*path, code)), set()).add(
                            _Target(question.name, code)
                        )
    return expected


def _normal(header: str, separators: Sequence[str]) -> str:
    """A metadata header with `/` as its only separator (`meta-instanceID`
    → `meta/instanceID`)."""
    for sep in separators:
        header = header.replace(sep, "/")
    return header


def _is_tool_column(normal: str) -> bool:
    return (
        normal.startswith("_")
        or normal.startswith("meta/")
        or normal in TOOL_COLUMNS
        or normal.split("/")[-1] in {"instanceID", "deprecatedID", "rootUuid", "instanceName"}
    )


def _find(normals: dict[str, int], names: Sequence[str]) -> int | None:
    for name in names:
        if name in normals:
            return normals[name]
    return None


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


def _kobo(
    header: list[str],
    records: Iterator[tuple[int, list[str]]],
    filename: str,
    questionnaire: Questionnaire,
    communes: Collection[str],
    now: datetime.datetime,
    separator: str,
) -> ParsedFile:
    separators = (separator,) if separator else SEPARATORS
    expected = _expected_headers(questionnaire, separators)
    report = ColumnReport()
    singles: dict[str, int] = {}
    splits: dict[str, dict[str, int]] = {}
    found_by: dict[_Target, int] = {}
    normals: dict[str, int] = {}
    for position, name in enumerate(header):
        # Our names are lower case; a header retyped by hand may not be.
        targets = expected.get(name.lower())
        if targets and len(targets) > 1:
            described = " ; ".join(
                f"option « {t.choice} » de « {t.question} »" if t.choice else f"« {t.question} »"
                for t in sorted(targets, key=lambda t: (t.question, t.choice))
            )
            raise ImportFileError(
                f"{filename}, ligne 1 : la colonne « {name} » est ambiguë ({described}). "
                "Exportez avec les noms de groupes, ou indiquez le séparateur des groupes."
            )
        if targets:
            target = next(iter(targets))
            if target in found_by:
                raise ImportFileError(
                    f"{filename}, ligne 1 : les colonnes « {header[found_by[target]]} » et "
                    f"« {name} » désignent toutes deux "
                    + (
                        f"l'option « {target.choice} » de la question « {target.question} »."
                        if target.choice
                        else f"la question « {target.question} »."
                    )
                )
            found_by[target] = position
            if target.choice:
                splits.setdefault(target.question, {})[target.choice] = position
            else:
                singles[target.question] = position
            continue
        normals.setdefault(_normal(name, separators), position)
    if "commune" not in singles:
        lookalikes = [h for h in header if _normal(h, separators).lower().endswith("/commune")]
        raise ImportFileError(
            f"{filename} : colonne « commune » introuvable (ni « commune » ni « profil/commune » "
            "ni « profil-commune »). Exportez depuis KoboToolbox ou ODK Central avec les en-têtes "
            "et valeurs XML (pas les libellés)."
            + (
                f" La colonne « {lookalikes[0]} » a un chemin de groupes que le questionnaire n'a "
                "pas."
                if lookalikes
                else ""
            )
        )
    identity_columns = [normals[name] for name in IDENTITY_COLUMNS if name in normals]
    if not identity_columns:
        raise ImportFileError(
            f"{filename} : aucune colonne d'identifiant de soumission "
            f"({', '.join(IDENTITY_COLUMNS)}) : sans elle, un second import dupliquerait tout."
        )
    version_columns = [normals[name] for name in VERSION_COLUMNS if name in normals]
    previous_column = _find(normals, PREVIOUS_COLUMNS)
    edits_column = normals.get("Edits")
    time_columns = [(normals[name], zone) for name, zone in TIME_COLUMNS if name in normals]
    if not time_columns:
        raise ImportFileError(
            f"{filename} : aucune colonne de date de soumission (end, _submission_time ou "
            "SubmissionDate)."
        )
    start_column = normals.get("start")
    collector_column = _find(normals, COLLECTOR_COLUMNS)
    review_column = _find(normals, REVIEW_COLUMNS)

    # A multiple choice read from its own column makes its split columns
    # redundant (they are checked against it); without it, they are read.
    multiple = {q.name for q in questionnaire.questions if q.type == QuestionType.SELECT_MULTIPLE}
    for question, options in splits.items():
        if question in singles:
            for position in options.values():
                report.redundant[header[position]] = header[singles[question]]
    read = set(identity_columns) | set(version_columns) | {p for p, _ in time_columns}
    read |= {
        c
        for c in (previous_column, start_column, collector_column, review_column, edits_column)
        if c is not None
    }
    near_misses: list[str] = []
    unknown_options: dict[int, tuple[str, str]] = {}  # position -> (question, code)
    questions = {q.name: q for q in questionnaire.questions}
    for position, name in enumerate(header):
        if name.lower() in expected or position in read:
            continue
        normal = _normal(name, separators)
        if _is_tool_column(normal):
            report.metadata.append(name)
            continue
        path = normal.lower().split("/")
        if len(path) >= 2 and questions.get(path[-2]) is not None and path[-2] in multiple:
            # the split column of an option the questionnaire does not have
            unknown_options[position] = (path[-2], path[-1])
            report.unknown_options.append(name)
        elif path[-1] in questions or (len(path) >= 2 and path[-2] in questions):
            near_misses.append(name)
        else:
            report.unrecognised.append(name)
    if near_misses:
        shown_misses = ", ".join(f"« {n} »" for n in near_misses[:10])
        more = f" (et {len(near_misses) - 10} autres)" if len(near_misses) > 10 else ""
        raise ImportFileError(
            f"{filename}, ligne 1 : les colonnes {shown_misses}{more} portent le nom d'une "
            "question du questionnaire mais pas son chemin (groupe/question, par exemple "
            "« situation/loyer » ou « loyer ») : leurs réponses seraient perdues. Le formulaire "
            "a-t-il des groupes en plus ? Exportez-le tel que nonrecours l'a produit (XLSForm de "
            "la campagne), ou renommez ces colonnes."
        )

    def rows() -> Iterator[RawRow]:
        for line, raw in records:
            problems = _shape_problems(line, raw, header)
            cells = raw + [""] * (len(header) - len(raw))
            row = RawRow(
                line=line,
                identity=_first(cells, identity_columns),
                answers={},
                submitted_at=None,
                started_at=None,
                version=_first(cells, version_columns),
                previous_version=_uuid(cells[previous_column])
                if previous_column is not None
                else "",
                collector=cells[collector_column].strip() if collector_column is not None else "",
                problems=problems,
            )
            _check_ids(row, cells, header, identity_columns, version_columns, previous_column)
            if collector_column is not None and row.collector:
                problem = text_problem(row.collector, max_length=COLLECTOR_MAX_LENGTH)
                if problem:
                    row.problems.append(
                        f"ligne {line}, colonne « {header[collector_column]} » : {problem}"
                    )
                    row.collector = ""
            if edits_column is not None and cells[edits_column].strip():
                edits = cells[edits_column].strip()
                if edits.isascii() and edits.isdigit() and len(edits) < 7:
                    row.version_rank = int(edits)
                else:
                    row.problems.append(
                        f"ligne {line}, colonne « {header[edits_column]} » : nombre de "
                        f"modifications « {shown(edits)} » illisible"
                    )
            for position, (question, code) in unknown_options.items():
                if cells[position].strip().lower() not in FALSE_CELLS:
                    row.problems.append(
                        f"ligne {line}, colonne « {header[position]} » : l'option « {code} » "
                        f"de « {question} » n'existe pas dans le questionnaire"
                    )
            if review_column is not None:
                state = _review_state(cells[review_column])
                if state is None:
                    row.problems.append(
                        f"ligne {line}, colonne « {header[review_column]} » : statut de revue "
                        f"« {shown(cells[review_column])} » inconnu"
                    )
                else:
                    row.review, row.left_out = state
            _read_times(row, cells, header, time_columns, start_column, now)
            for name, position in singles.items():
                value = cells[position].strip()
                if name in multiple:
                    row.answers[name] = value.split()
                elif name == "commune":
                    insee = insee_code_read(value, communes)
                    if insee.restored:
                        row.notes.append(insee.note(f"ligne {line}"))
                    row.answers[name] = insee.code
                else:
                    row.answers[name] = value
            for name, options in splits.items():
                chosen = []
                for code, position in options.items():
                    cell = cells[position].strip().lower()
                    if cell in TRUE_CELLS:
                        chosen.append(code)
                    elif cell not in FALSE_CELLS:
                        row.problems.append(
                            f"ligne {line}, colonne « {header[position]} » : valeur "
                            f"« {shown(cells[position])} » illisible (1 ou 0 attendu)"
                        )
                if name not in singles:
                    row.answers[name] = chosen
                elif sorted(chosen) != sorted(c for c in row.answers[name] if c in options):
                    row.problems.append(
                        f"ligne {line} : les colonnes d'options de « {header[singles[name]]} » "
                        f"({', '.join(sorted(chosen)) or 'aucune'}) ne correspondent pas à sa "
                        f"valeur ({' '.join(row.answers[name]) or 'vide'})"
                    )
            row.answers = {k: v for k, v in row.answers.items() if v not in ("", [])}
            yield row

    return ParsedFile(rows=rows(), columns=report)


def _uuid(value: str) -> str:
    return value.strip().removeprefix("uuid:")


COLLECTOR_MAX_LENGTH = 150  # Response.collector
ID_MAX_LENGTH = 100  # Response.source_identity, source_version


def _shape_problems(line: int, raw: list[str], header: list[str]) -> list[str]:
    """A row longer than the header (a value would be dropped), or shorter
    with a line break in a cell (a quote left open swallowed the rest)."""
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
    return []


def _check_ids(
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
            column = next((c for c in columns if _uuid(cells[c]) == value), columns[0])
            row.problems.append(
                f"ligne {row.line}, colonne « {header[column]} » : identifiant invalide. {problem}"
            )


def _first(cells: list[str], positions: list[int]) -> str:
    """The first non-empty id among the columns (a Kobo submission made
    before `meta/rootUuid` existed has it empty)."""
    for position in positions:
        value = _uuid(cells[position])
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


# --- LimeSurvey ---------------------------------------------------------------

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


def _limesurvey(
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
    lime = limesurvey_codes(questionnaire)
    if "id" not in positions:
        raise ImportFileError(f"{filename} : colonne « id » (identifiant LimeSurvey) introuvable.")
    survey = limesurvey_survey_id(filename, survey_id)
    used = {positions["id"]}
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
        found = [c for c in (question.name, codes.question) if c in positions]
        if len(found) == 2:
            raise ImportFileError(
                f"{filename}, ligne 1 : les colonnes « {found[0]} » et « {found[1]} » désignent "
                f"toutes deux la question « {question.name} »."
            )
        if found:
            singles[question.name] = (positions[found[0]], codes.back)
            used.add(positions[found[0]])
    if "commune" not in singles:
        raise ImportFileError(
            f"{filename} : colonne « commune » (ou {lime['commune'].question}) introuvable. Le "
            "questionnaire LimeSurvey doit reprendre les codes du codebook (colonnes "
            "« code_limesurvey »)."
        )
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

    def cell(cells: list[str], name: str) -> str:
        return cells[positions[name]].strip() if name in positions else ""

    def moment(row: RawRow, cells: list[str], name: str) -> datetime.datetime | None:
        """The moment in a date column; None when empty or anonymised."""
        value = cell(cells, name)
        if not value or is_anonymised(value):
            return None
        try:
            return read_moment(value, naive_zone=PARIS, now=now)
        except MomentError as error:
            row.problems.append(f"ligne {row.line}, colonne « {name} » : {error}")
            return None

    def rows() -> Iterator[RawRow]:
        for line, raw in records:
            problems = _shape_problems(line, raw, header)
            cells = raw + [""] * (len(header) - len(raw))
            response_id = cell(cells, "id")
            row = RawRow(
                line=line,
                identity=f"{survey}:{response_id}" if response_id else "",
                answers={},
                submitted_at=None,
                started_at=None,
                problems=problems,
            )
            _check_ids(row, cells, header, [positions["id"]], [], None)
            submitted = cell(cells, "submitdate")
            row.started_at = moment(row, cells, "startdate")
            stamp = moment(row, cells, "datestamp")
            # The last action's date orders the versions of a response.
            row.version = stamp.astimezone(datetime.UTC).isoformat() if stamp else ""
            if not submitted:
                row.review, row.left_out = "réponse incomplète (jamais envoyée)", True
                # included on request: dated by its last action, else its start
                row.submitted_at = stamp or row.started_at
                if row.submitted_at is None:
                    row.problems.append(
                        f"ligne {line} : réponse incomplète sans aucune date (submitdate, "
                        "datestamp, startdate vides ou anonymisées)"
                    )
            elif is_anonymised(submitted):
                row.anonymised_date = True
            else:
                row.submitted_at = moment(row, cells, "submitdate")
            for name, (position, back) in singles.items():
                value = cells[position].strip()
                if name == "commune":
                    insee = insee_code_read(value, communes)
                    if insee.restored:
                        row.notes.append(insee.note(f"ligne {line}"))
                    value = insee.code
                row.answers[name] = back.get(value, value)
            for name, options in multiples.items():
                chosen = []
                for code, position in options.items():
                    value = cells[position].strip()
                    if value.upper() in ("Y", "1"):
                        chosen.append(code)
                    elif value.upper() not in ("", "N", "0"):
                        row.problems.append(
                            f"ligne {line}, colonne « {header[position]} » : valeur "
                            f"« {shown(value)} » illisible (Y, 1, N, 0 ou vide attendu)"
                        )
                row.answers[name] = chosen
            row.answers = {k: v for k, v in row.answers.items() if v not in ("", [])}
            yield row

    return ParsedFile(rows=rows(), columns=report)
