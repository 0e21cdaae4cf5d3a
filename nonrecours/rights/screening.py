"""Screening a partner's file of households: every benefit of each one.

The file (CSV, UTF-8, `,` or `;`), one row per household — documented in
docs/guide/simulateur.md:

    id, mois, commune, logement, loyer, revenu_fiscal_reference,
    demandeur_naissance, demandeur_activite, demandeur_taux_incapacite,
    demandeur_<ressource> (salaire_net, chomage_net, retraite_nette,
        pension_invalidite, pension_alimentaire, indemnites_journalieres),
    conjoint_naissance, conjoint_activite, … (same columns, empty: no partner),
    enfants ("2014-06-01:college;2018-03-01:primaire", empty: none),
    percu_<prestation> (rsa, prime_activite, aide_logement, af, …).

Column names are read without case nor surrounding spaces (` ID `,
`Demandeur_Naissance`). Dates are read as French spreadsheets save them
(nonrecours/cells.py: `1991-05-15`, `15/05/1991`, `1991-05-15 00:00:00`,
the serial number `33374`).

A row with errors gets them in French in the `erreurs` column (with the
line and the field); the others are still computed. A row with a control
character or an invalid code point in any cell is refused (textrules.py),
so none reaches the output. What was read differently from the file without
being an error (a commune code whose leading zero a spreadsheet dropped,
restored; a date given as a serial number; an `id` already seen on an
earlier line, computed again) is said in `remarques`.
Rows are computed by partitions, on local processes, or on a Dask cluster
(`scheduler`).
"""

import contextlib
import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from nonrecours.cells import read_date_cell
from nonrecours.csvtext import UnreadableFile, dict_rows, no_rows, read_text, spreadsheet_safe
from nonrecours.errors import UserError
from nonrecours.replacing import ReplaceError, replaced
from nonrecours.rights.catalogue import benefits
from nonrecours.rights.engine import SimulationResult, simulate
from nonrecours.rights.partitions import batched, computed_in_order, partition_engine
from nonrecours.rights.resources import RECEIVED, RESOURCES
from nonrecours.rights.situation import Situation, SituationError
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.territories.insee import insee_code_read, known_commune_codes
from nonrecours.textrules import TEXT_MAX_LENGTH, shown, text_problem

PARTITION_SIZE = 5_000
PERSON_COLUMNS = ("naissance", "activite", "taux_incapacite", *RESOURCES)
# The shape the situation's rule accepts; anything else may have lost a zero.
COMMUNE_CODE = re.compile(r"\d[\dAB]\d{3}")
MONTH = re.compile(r"\d{4}-\d{2}")
DATE_FORMATS = "attendu une date : 1991-05-15, 15/05/1991 ou numéro de série de tableur"


class ScreeningFileError(UserError, ValueError):
    """A file that cannot be read at all (French message)."""


@dataclass(frozen=True)
class Row:
    line: int
    identifier: str
    situation: Situation | None
    errors: tuple[str, ...] = ()
    # What was read differently from the file, not an error (French).
    notes: tuple[str, ...] = ()


def columns() -> list[str]:
    """The input columns, in the documented order."""
    names = ["id", "mois", "commune", "logement", "loyer", "revenu_fiscal_reference"]
    for who in ("demandeur", "conjoint"):
        names += [f"{who}_{column}" for column in PERSON_COLUMNS]
    names.append("enfants")
    names += [f"percu_{benefit}" for benefit in RECEIVED]
    return names


def _date(text: str) -> str | None:
    """A date cell as ISO 8601 (`15/05/1991` -> `1991-05-15`), None when it
    holds no readable date (cells.read_date_cell)."""
    day = read_date_cell(text)
    return None if day is None else day.isoformat()


# The date given to the situation's parser for a birth date missing or
# unreadable in the file: the row is refused with the file's own problem
# (line and column), and this date spares a second one from the parser.
_STAND_IN_BIRTH = "1970-01-01"


def _person(raw: dict[str, str], who: str, role: str, problems: list[str]) -> dict[str, Any] | None:
    values = {column: (raw.get(f"{who}_{column}") or "").strip() for column in PERSON_COLUMNS}
    if not any(values.values()):
        return None
    person: dict[str, Any] = {"role": role}
    if values["naissance"]:
        birth = _date(values["naissance"])
        if birth is None:
            problems.append(
                f"{who}_naissance : « {shown(values['naissance'])} » illisible ; {DATE_FORMATS}"
            )
        person["naissance"] = birth or _STAND_IN_BIRTH
    if values["activite"]:
        person["activite"] = values["activite"]
    if values["taux_incapacite"]:
        person["taux_incapacite"] = values["taux_incapacite"]
    resources = {key: values[key] for key in RESOURCES if values[key]}
    if resources:
        person["ressources"] = resources
    return person


def _children(text: str, problems: list[str]) -> list[dict[str, Any]]:
    children = []
    for index, item in enumerate(part.strip() for part in text.split(";") if part.strip()):
        birth, _, schooling = item.partition(":")
        day = _date(birth)
        child: dict[str, Any] = {"role": "enfant", "naissance": day or _STAND_IN_BIRTH}
        if schooling.strip():
            child["scolarite"] = schooling.strip()
        children.append(child)
        if not birth.strip():
            problems.append(f"enfants, n° {index + 1} : date de naissance manquante")
        elif day is None:
            problems.append(
                f"enfants, n° {index + 1} : « {shown(birth.strip())} » illisible ; {DATE_FORMATS}"
            )
    return children


def row_situation(raw: dict[str, str], default_month: str) -> dict[str, Any]:
    """The situation of a row, in the rights.situation format."""
    get = {key: (value or "").strip() for key, value in raw.items() if key is not None}
    month = get.get("mois") or default_month
    if not MONTH.fullmatch(month) and (day := read_date_cell(month)) is not None:
        month = f"{day:%Y-%m}"  # « 01/11/2026 »: a spreadsheet made the month a date
    data: dict[str, Any] = {"mois": month}
    if get.get("commune"):
        data["commune"] = get["commune"]
    housing: dict[str, Any] = {}
    if get.get("logement"):
        housing["statut"] = get["logement"]
    if get.get("loyer"):
        housing["loyer"] = get["loyer"]
    data["logement"] = housing
    if get.get("revenu_fiscal_reference"):
        data["revenu_fiscal_reference"] = get["revenu_fiscal_reference"]
    problems: list[str] = []
    persons = [
        p
        for p in (
            _person(get, "demandeur", "demandeur", problems),
            _person(get, "conjoint", "conjoint", problems),
        )
        if p
    ]
    # Who each person is in the file's columns, for the situation's problems.
    data["_colonnes"] = [p["role"] for p in persons]
    children = _children(get.get("enfants", ""), problems)
    data["_colonnes"] += [f"enfants, n° {n}" for n in range(1, len(children) + 1)]
    persons += children
    data["personnes"] = persons
    received = {b: get[f"percu_{b}"] for b in RECEIVED if get.get(f"percu_{b}")}
    if received:
        data["prestations_percues"] = received
    if problems:
        data["_problemes"] = problems
    return data


# A situation's field (rights.situation_parse) → the file's column.
_FIELDS = {"logement, statut": "logement", "logement, loyer": "loyer"}
_PERSON_FIELD = re.compile(r"personne (\d+)(?:, (?:ressources, )?(\w+))?")


def _in_file_terms(problem: str, persons: list[str]) -> str:
    """A problem of the situation's parser named by the file's columns
    (« personne 1, ressources, salaire_net : … » → « demandeur_salaire_net :
    … », « personne 3, naissance » → « enfants, n° 1 (naissance) »,
    « prestations_percues, pch » → « percu_pch »); `persons`: who each
    person of the situation is (« demandeur », « conjoint », « enfants, n°
    1 »…), in its order. A field the file has no column for keeps its name."""
    head, separator, rest = problem.partition(" : ")
    if head in _FIELDS:
        head = _FIELDS[head]
    elif head.startswith("prestations_percues, "):
        head = "percu_" + head.removeprefix("prestations_percues, ")
    elif (match := _PERSON_FIELD.fullmatch(head)) and int(match[1]) <= len(persons):
        who, field = persons[int(match[1]) - 1], match[2]
        if not field:
            head = who
        elif who.startswith("enfants"):
            head = f"{who} ({field})"
        elif field in PERSON_COLUMNS:
            head = f"{who}_{field}"
        else:
            head = f"{who}, {field}"
    return head + separator + rest


def _commune(raw: dict[str, str], where: str) -> str | None:
    """Restore a commune code that a spreadsheet stored as a number (« 1071 »
    for « 01071 ») in `raw`, when exactly one commune matches; the French
    note to show with the row, else None. A code already shaped as an INSEE
    code is left alone (the situation's rule checks it)."""
    value = (raw.get("commune") or "").strip()
    if not value or COMMUNE_CODE.fullmatch(value):
        return None
    read = insee_code_read(value, known_commune_codes())
    if not read.restored:
        return None
    raw["commune"] = read.code
    return f"{where} : « {value} » lu comme « {read.code} » (zéro initial restauré)"


def _header(header: Sequence[str], filename: str) -> dict[str, str]:
    """Each column of the file -> its documented name (` ID ` -> `id`).
    Raises ScreeningFileError for two columns with the same name once read
    that way."""
    names: dict[str, str] = {}
    first: dict[str, str] = {}
    for column in header:
        name = column.strip().lower()
        if name and name in first:
            raise ScreeningFileError(
                f"{filename} : colonnes « {shown(first[name])} » et « {shown(column)} » en "
                f"double (« {shown(name)} »)."
            )
        first[name] = column
        names[column] = name
    return names


def _cell_problems(raw: dict[str, str]) -> list[str]:
    """The cells a person cannot be shown nor stored (textrules.text_problem:
    control characters, invalid code points, line breaks), in French with
    the column; empty when every cell is clean."""
    return [
        f"{column} : {problem}"
        for column, value in raw.items()
        if (problem := text_problem((value or "").strip(), max_length=TEXT_MAX_LENGTH))
    ]


def _serial_notes(raw: dict[str, str], where: str) -> list[str]:
    """A remark for each birth date given as a spreadsheet serial number
    (« 33374 »), with the day it was read as."""
    notes = []
    for column in ("demandeur_naissance", "conjoint_naissance"):
        value = (raw.get(column) or "").strip()
        if value[:1].isdigit() and "-" not in value and "/" not in value:
            day = read_date_cell(value)
            if day is not None:
                notes.append(
                    f"{where}, {column} : « {value} » lu comme {day.isoformat()} "
                    "(numéro de série de tableur)"
                )
    return notes


@dataclass(frozen=True)
class Record:
    """A household's row as the file gives it, made where the file is read
    (one process, in file order): its cells by documented column name, what
    is refused in them (French, with the column), and the line of an
    earlier row with the same `id`. Everything else (dates, situation,
    benefits) is done from it anywhere, by row()."""

    line: int
    cells: dict[str, str]
    refused: tuple[str, ...] = ()
    earlier: int | None = None


def read_records(path: Path) -> tuple[int, Iterator[Record]]:
    """The number of households in a screening file and its Records, one
    per non-blank line, made one at a time. The whole text is read (1,000,000
    households: about 200 Mo) and counted first, so a file that cannot be
    read at all is refused before anything is computed. Column names are
    read without case nor surrounding spaces. A row with a control
    character or an invalid code point in a cell gets `refused`; a row
    whose `id` an earlier clean row already had gets `earlier`. Raises
    ScreeningFileError (French, with the file and, where known, the line)
    for a file that cannot be read at all: missing, not UTF-8, not a CSV, a
    cell over 128 Kio, a row wider than the header, a quote never closed, a
    repeated, missing (« id », « demandeur_naissance ») or unknown column,
    no household under the header (csvtext.no_rows). Memory: the text
    (one byte a character for French text without « € » or « œ »,
    csvtext._lines) and one `id` a household."""
    try:
        text = read_text(path)
        # Counted with the reading's own checks (a row wider than the
        # header, a broken quote, an oversize cell: refused before anything
        # is computed), then read again row by row.
        header, counted = dict_rows(text, path.name)
        total = sum(1 for _ in counted)
        _, records = dict_rows(text, path.name)
    except UnreadableFile as error:
        raise ScreeningFileError(str(error)) from None
    names = _header(header, path.name)
    if "id" not in names.values() or "demandeur_naissance" not in names.values():
        raise ScreeningFileError(
            f"{path.name} : colonnes « id » et « demandeur_naissance » attendues au moins "
            "(voir docs/guide/simulateur.md, « Cribler un fichier »)."
        )
    unknown = sorted(set(names.values()) - set(columns()) - {""})
    if unknown:
        raise ScreeningFileError(
            f"{path.name} : colonne(s) inconnue(s) : {', '.join(map(shown, unknown))}."
        )
    if not total:
        raise ScreeningFileError(no_rows(path.name))

    def made() -> Iterator[Record]:
        first_lines: dict[str, int] = {}
        try:
            for line, cells in records:
                raw = {names[column]: value for column, value in cells.items() if names[column]}
                refused = _cell_problems(raw)
                if refused:
                    yield Record(line, raw, tuple(refused))
                    continue
                identifier = (raw.get("id") or "").strip()
                earlier = first_lines.setdefault(identifier, line) if identifier else line
                yield Record(line, raw, earlier=earlier if earlier != line else None)
        except UnreadableFile as error:
            raise ScreeningFileError(str(error)) from None

    return total, made()


def row(record: Record, default_month: str) -> Row:
    """The household of a Record: its situation, or the errors that keep it
    from being computed (French, with the field), and the notes of what was
    read differently from the file (the earlier line of its `id`, a
    commune code's lost zero, a spreadsheet serial date)."""
    line, raw = record.line, dict(record.cells)
    where = f"ligne {line}"
    if record.refused:
        return Row(line, where, None, record.refused)
    identifier = (raw.get("id") or "").strip()
    notes: list[str] = []
    if record.earlier is not None:
        notes.append(
            f"{where} : id « {identifier} » déjà vu ligne {record.earlier} "
            "(foyer en double ?) ; calculé à nouveau"
        )
    restored = _commune(raw, f"{where}, commune")
    if restored:
        notes.append(restored)
    notes += _serial_notes(raw, where)
    data = row_situation(raw, default_month)
    extra = data.pop("_problemes", [])
    persons = data.pop("_colonnes")
    identifier = identifier or where
    try:
        situation = parse_situation(data, where)
    except SituationError as error:
        problems = [_in_file_terms(problem, persons) for problem in error.problems]
        return Row(line, identifier, None, tuple(extra + problems), tuple(notes))
    if extra:
        return Row(line, identifier, None, tuple(extra), tuple(notes))
    return Row(line, identifier, situation, notes=tuple(notes))


def read_rows(path: Path, default_month: str) -> Iterator[Row]:
    """The households of a screening file, one Row per non-blank line, in
    file order (read_records, then row()). Raises ScreeningFileError."""
    _, records = read_records(path)
    for record in records:
        yield row(record, default_month)


def compute_partition(records: Sequence[Record], default_month: str) -> list[dict[str, Any]]:
    """The output rows of consecutive Records, in their order (run where
    the partition is computed: this process, a local process or a Dask
    worker): each household's benefits, or its errors. Raises what
    rights.engine.simulate raises for a bug (never for a household's data)."""
    households = [row(record, default_month) for record in records]
    valid = [household.situation for household in households if household.situation is not None]
    results = iter(simulate(valid, ranges=False))
    out = []
    for household in households:
        remarks = spreadsheet_safe(" ; ".join(household.notes))
        if household.situation is None:
            out.append(
                {
                    "id": spreadsheet_safe(household.identifier),
                    "statut": "erreur",
                    "erreurs": f"ligne {household.line} : " + " ; ".join(household.errors),
                    "remarques": remarks,
                }
            )
        else:
            cells = _cells(next(results))
            out.append(
                {"id": spreadsheet_safe(household.identifier), **cells, "remarques": remarks}
            )
    return out


def _cells(result: SimulationResult) -> dict[str, Any]:
    cells: dict[str, Any] = {"statut": "calcule", "erreurs": ""}
    not_computable = []
    for item in result.benefits:
        if item.status == "not_computable":
            cells[item.benefit.id] = ""
            not_computable.append(f"{item.benefit.id} ({item.reason})")
        elif item.benefit.id == "css":
            cells["css"] = (
                ""
                if not item.eligible
                else ("gratuite" if not item.participation else item.participation)
            )
        else:
            cells[item.benefit.id] = item.monthly if item.eligible else 0
    cells["total_mensuel"] = result.total_monthly
    cells["non_calculables"] = " ; ".join(not_computable)
    return cells


def output_columns() -> list[str]:
    return [
        "id",
        "statut",
        "erreurs",
        "total_mensuel",
        *(b.id for b in benefits()),
        "non_calculables",
        "remarques",
    ]


Progress = Callable[[int, int], None]


def _output_problem(path: Path, out: Path) -> str | None:
    """Why the result of screening `path` cannot be written at `out`
    (French), None when it can be tried: checked before the file is read."""
    if not out.name or out.name in (".", ".."):
        return f"{shown(str(out))} : nom de fichier résultat attendu (par exemple resultats.csv)."
    if out.is_dir():
        return f"{shown(str(out))} : c'est un dossier ; donnez un nom de fichier résultat."
    if not out.parent.is_dir():
        return f"{shown(str(out.parent))} : ce dossier n'existe pas."
    if out.exists() and not out.is_file():
        return (
            f"{shown(str(out))} : ce n'est pas un fichier ordinaire (tube, périphérique…) ; "
            "donnez un fichier résultat."
        )
    try:
        same = out.exists() and path.exists() and out.samefile(path)
    except OSError:
        same = False
    if same:
        return (
            f"{shown(str(out))} : c'est le fichier des foyers lui-même ; donnez un autre "
            "fichier résultat (il serait remplacé)."
        )
    return None


@contextlib.contextmanager
def _result_file(out: Path) -> Iterator[TextIO]:
    """replacing.replaced(out), its refusal as a ScreeningFileError."""
    try:
        with replaced(out) as handle:
            yield handle
    except ReplaceError as error:
        raise ScreeningFileError(str(error)) from None


def screen(
    path: Path,
    out: Path,
    *,
    default_month: str,
    workers: int | None = None,
    scheduler: str | None = None,
    partition_size: int = PARTITION_SIZE,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Screen `path` into `out`, rows in the file's order; returns (computed
    rows, rows in error). Partitions of `partition_size` rows are computed
    here (`workers` 1), on `workers` local processes (default: one per
    core) or on the Dask cluster whose scheduler address is `scheduler`,
    while the file is still being read; `progress(done, total)` is called
    with households written so far. `out` is written whole or not at all
    (nonrecours.replacing). Raises ScreeningFileError (French) for a result that
    cannot be written there, and for a file that cannot be read, before
    anything is computed (read_records); ClusterError for a cluster that
    does not answer, and its WorkerLost (rights.partitions) for a process or
    worker that died while computing."""
    problem = _output_problem(path, out)
    if problem:
        raise ScreeningFileError(problem)
    total, records = read_records(path)
    done = errors = 0
    with (
        _result_file(out) as handle,
        partition_engine(
            compute_partition, (default_month,), workers=workers, scheduler=scheduler,
            alone=total <= partition_size,
        ) as engine,
    ):  # fmt: skip
        if progress:
            progress(0, total)
        writer = csv.DictWriter(handle, fieldnames=output_columns())
        writer.writeheader()
        for results in computed_in_order(engine, batched(records, partition_size)):
            writer.writerows(results)
            errors += sum(1 for cells in results if cells["statut"] == "erreur")
            done += len(results)
            if progress:
                progress(done, total)
    return done - errors, errors


def example_csv() -> str:
    """A two-row example of the format (docs and tests)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(), extrasaction="ignore")
    writer.writeheader()
    writer.writerow(
        {
            "id": "F001",
            "commune": "62041",
            "logement": "locataire_vide",
            "loyer": "450",
            "demandeur_naissance": "1991-05-15",
            "demandeur_activite": "chomeur",
        }
    )
    writer.writerow(
        {
            "id": "F002",
            "commune": "62041",
            "logement": "locataire_hlm",
            "loyer": "550",
            "demandeur_naissance": "1984-05-15",
            "demandeur_activite": "salarie",
            "demandeur_salaire_net": "1200",
            "conjoint_naissance": "1985-02-15",
            "conjoint_activite": "inactif",
            "enfants": "2018-03-01:primaire;2014-09-01:college",
            "percu_af": "153.01",
        }
    )
    return buffer.getvalue()
