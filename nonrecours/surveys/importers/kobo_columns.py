"""The header of a KoboToolbox / ODK Central export: the columns of the
questionnaire's questions and options, matched on their whole path
(`profil/commune`, `profil-commune`, `commune`…), and the tool's own
columns (identity, version, review, collector, dates)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from nonrecours.surveys.importers.submissions import PARIS, ColumnReport, ImportFileError
from nonrecours.surveys.questionnaire import Questionnaire, QuestionType

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


@dataclass
class Layout:
    """Where each thing is in the header: answers (``singles``, and the
    split columns of multiple choices by option), the tool's columns, and
    the split columns of options the questionnaire does not have."""

    header: list[str]
    singles: dict[str, int] = field(default_factory=dict)
    splits: dict[str, dict[str, int]] = field(default_factory=dict)
    normals: dict[str, int] = field(default_factory=dict)  # tool columns by normal name
    multiple: set[str] = field(default_factory=set)  # multiple-choice questions
    identity_columns: list[int] = field(default_factory=list)
    version_columns: list[int] = field(default_factory=list)
    previous_column: int | None = None
    edits_column: int | None = None
    time_columns: list[tuple[int, datetime.tzinfo]] = field(default_factory=list)
    start_column: int | None = None
    collector_column: int | None = None
    review_column: int | None = None
    unknown_options: dict[int, tuple[str, str]] = field(default_factory=dict)  # → (question, code)


def kobo_layout(
    header: list[str], questionnaire: Questionnaire, filename: str, separator: str
) -> tuple[Layout, ColumnReport]:
    """Where everything is in ``header``, and what became of the columns not
    read. ``separator``: the group separator when none of `/ - . :`.
    Raises ImportFileError (French) when the header cannot be read."""
    separators = (separator,) if separator else SEPARATORS
    expected = _expected_headers(questionnaire, separators)
    layout = Layout(header)
    _match_answers(layout, expected, filename, separators)
    _require_commune(layout, filename, separators)
    _find_tool_columns(layout, filename)
    report = ColumnReport()
    _sort_other_columns(layout, report, expected, questionnaire, filename, separators)
    return layout, report


def _ambiguous(name: str, targets: set[_Target]) -> str:
    described = " ; ".join(
        f"option « {t.choice} » de « {t.question} »" if t.choice else f"« {t.question} »"
        for t in sorted(targets, key=lambda t: (t.question, t.choice))
    )
    return (
        f"la colonne « {name} » est ambiguë ({described}). "
        "Exportez avec les noms de groupes, ou indiquez le séparateur des groupes."
    )


def _match_answers(
    layout: Layout,
    expected: dict[str, set[_Target]],
    filename: str,
    separators: Sequence[str],
) -> None:
    """The columns of the answers (each question or option once), the others
    kept by their normal name. Raises ImportFileError for an ambiguous
    column or two columns of one question or option."""
    header = layout.header
    found_by: dict[_Target, int] = {}
    for position, name in enumerate(header):
        # Our names are lower case; a header retyped by hand may not be.
        targets = expected.get(name.lower())
        if targets and len(targets) > 1:
            raise ImportFileError(f"{filename}, ligne 1 : " + _ambiguous(name, targets))
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
                layout.splits.setdefault(target.question, {})[target.choice] = position
            else:
                layout.singles[target.question] = position
            continue
        layout.normals.setdefault(_normal(name, separators), position)


def _require_commune(layout: Layout, filename: str, separators: Sequence[str]) -> None:
    if "commune" in layout.singles:
        return
    lookalikes = [h for h in layout.header if _normal(h, separators).lower().endswith("/commune")]
    raise ImportFileError(
        f"{filename} : colonne « commune » introuvable (ni « commune » ni « profil/commune » "
        "ni « profil-commune »). Exportez depuis KoboToolbox ou ODK Central avec les en-têtes "
        "et valeurs XML (pas les libellés)."
        + (
            f" La colonne « {lookalikes[0]} » a un chemin de groupes que le questionnaire n'a pas."
            if lookalikes
            else ""
        )
    )


def _find_tool_columns(layout: Layout, filename: str) -> None:
    """Identity, version, previous version, edits, dates, collector and review
    columns. Raises ImportFileError without an identity or a date column."""
    normals = layout.normals
    layout.identity_columns = [normals[name] for name in IDENTITY_COLUMNS if name in normals]
    if not layout.identity_columns:
        raise ImportFileError(
            f"{filename} : aucune colonne d'identifiant de soumission "
            f"({', '.join(IDENTITY_COLUMNS)}) : sans elle, un second import dupliquerait tout."
        )
    layout.version_columns = [normals[name] for name in VERSION_COLUMNS if name in normals]
    layout.previous_column = _find(normals, PREVIOUS_COLUMNS)
    layout.edits_column = normals.get("Edits")
    layout.time_columns = [(normals[name], zone) for name, zone in TIME_COLUMNS if name in normals]
    if not layout.time_columns:
        raise ImportFileError(
            f"{filename} : aucune colonne de date de soumission (end, _submission_time ou "
            "SubmissionDate)."
        )
    layout.start_column = normals.get("start")
    layout.collector_column = _find(normals, COLLECTOR_COLUMNS)
    layout.review_column = _find(normals, REVIEW_COLUMNS)


def _sort_other_columns(
    layout: Layout,
    report: ColumnReport,
    expected: dict[str, set[_Target]],
    questionnaire: Questionnaire,
    filename: str,
    separators: Sequence[str],
) -> None:
    """The columns neither answers nor read: redundant split columns, the
    tool's metadata, options the questionnaire does not have, unknown
    columns. Raises ImportFileError for columns named after a question
    without its path (their answers would be lost)."""
    header = layout.header
    # A multiple choice read from its own column makes its split columns
    # redundant (they are checked against it); without it, they are read.
    layout.multiple = {
        q.name for q in questionnaire.questions if q.type == QuestionType.SELECT_MULTIPLE
    }
    for question, options in layout.splits.items():
        if question in layout.singles:
            for position in options.values():
                report.redundant[header[position]] = header[layout.singles[question]]
    read = set(layout.identity_columns) | set(layout.version_columns)
    read |= {p for p, _ in layout.time_columns}
    read |= {
        c
        for c in (
            layout.previous_column,
            layout.start_column,
            layout.collector_column,
            layout.review_column,
            layout.edits_column,
        )
        if c is not None
    }
    near_misses: list[str] = []
    questions = {q.name: q for q in questionnaire.questions}
    for position, name in enumerate(header):
        if name.lower() in expected or position in read:
            continue
        normal = _normal(name, separators)
        if _is_tool_column(normal):
            report.metadata.append(name)
            continue
        path = normal.lower().split("/")
        if len(path) >= 2 and questions.get(path[-2]) is not None and path[-2] in layout.multiple:
            # the split column of an option the questionnaire does not have
            layout.unknown_options[position] = (path[-2], path[-1])
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
