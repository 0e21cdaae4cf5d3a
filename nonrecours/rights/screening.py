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

A row with errors gets them in French in the `erreurs` column (with the
line and the field); the others are still computed. Rows are computed by
partitions, on local processes, or on a Dask cluster (`scheduler`).
"""

import csv
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from nonrecours.rights.catalogue import benefits
from nonrecours.rights.engine import SimulationResult, simulate
from nonrecours.rights.situation import (
    RECEIVED,
    RESOURCES,
    Situation,
    SituationError,
    parse_situation,
)

PARTITION_SIZE = 5_000
PERSON_COLUMNS = ("naissance", "activite", "taux_incapacite", *RESOURCES)


class ScreeningFileError(ValueError):
    """A file that cannot be read at all (French message)."""


@dataclass(frozen=True)
class Row:
    line: int
    identifier: str
    situation: Situation | None
    errors: tuple[str, ...] = ()


def columns() -> list[str]:
    """The input columns, in the documented order."""
    names = ["id", "mois", "commune", "logement", "loyer", "revenu_fiscal_reference"]
    for who in ("demandeur", "conjoint"):
        names += [f"{who}_{column}" for column in PERSON_COLUMNS]
    names.append("enfants")
    names += [f"percu_{benefit}" for benefit in RECEIVED]
    return names


def _person(raw: dict[str, str], who: str, role: str) -> dict[str, Any] | None:
    values = {column: (raw.get(f"{who}_{column}") or "").strip() for column in PERSON_COLUMNS}
    if not any(values.values()):
        return None
    person: dict[str, Any] = {"role": role}
    if values["naissance"]:
        person["naissance"] = values["naissance"]
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
        child: dict[str, Any] = {"role": "enfant", "naissance": birth.strip()}
        if schooling.strip():
            child["scolarite"] = schooling.strip()
        children.append(child)
        if not birth.strip():
            problems.append(f"enfants, n° {index + 1} : date de naissance manquante")
    return children


def row_situation(raw: dict[str, str], default_month: str) -> dict[str, Any]:
    """The situation of a row, in the rights.situation format."""
    get = {key: (value or "").strip() for key, value in raw.items() if key is not None}
    data: dict[str, Any] = {"mois": get.get("mois") or default_month}
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
    persons = [
        p
        for p in (_person(get, "demandeur", "demandeur"), _person(get, "conjoint", "conjoint"))
        if p
    ]
    problems: list[str] = []
    persons += _children(get.get("enfants", ""), problems)
    data["personnes"] = persons
    received = {b: get[f"percu_{b}"] for b in RECEIVED if get.get(f"percu_{b}")}
    if received:
        data["prestations_percues"] = received
    if problems:
        data["_problemes"] = problems
    return data


def read_rows(path: Path, default_month: str) -> Iterator[Row]:
    try:
        handle: TextIO = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ScreeningFileError(f"{path} : fichier introuvable.") from None
    with handle:
        try:
            sample = handle.read(4096)
        except UnicodeDecodeError:
            raise ScreeningFileError(f"{path.name} : le fichier n'est pas en UTF-8.") from None
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        header = [h.strip() for h in reader.fieldnames or []]
        if "id" not in header or "demandeur_naissance" not in header:
            raise ScreeningFileError(
                f"{path.name} : colonnes « id » et « demandeur_naissance » attendues au moins "
                "(voir docs/guide/simulateur.md, « Cribler un fichier »)."
            )
        unknown = sorted(set(header) - set(columns()))
        if unknown:
            raise ScreeningFileError(
                f"{path.name} : colonne(s) inconnue(s) : {', '.join(unknown)}."
            )
        try:
            for line, raw in enumerate(reader, start=2):
                identifier = (raw.get("id") or "").strip() or f"ligne {line}"
                data = row_situation(raw, default_month)
                extra = data.pop("_problemes", [])
                try:
                    situation = parse_situation(data, f"ligne {line}")
                except SituationError as error:
                    yield Row(line, identifier, None, tuple(extra + error.problems))
                    continue
                if extra:
                    yield Row(line, identifier, None, tuple(extra))
                    continue
                yield Row(line, identifier, situation)
        except UnicodeDecodeError:
            raise ScreeningFileError(f"{path.name} : le fichier n'est pas en UTF-8.") from None


def compute_partition(situations: Sequence[Situation]) -> list[dict[str, Any]]:
    """The output cells of a partition (run in a worker process)."""
    return [_cells(result) for result in simulate(situations)]


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
    ]


def _partitions(rows: list[Row], size: int) -> list[list[int]]:
    valid = [i for i, row in enumerate(rows) if row.situation is not None]
    return [valid[i : i + size] for i in range(0, len(valid), size)]


Progress = Callable[[int, int], None]


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
    """Screen `path` into `out`; returns (computed rows, rows in error)."""
    rows = list(read_rows(path, default_month))
    partitions = _partitions(rows, partition_size)
    cells: dict[int, dict[str, Any]] = {}
    done = 0
    total = sum(len(p) for p in partitions)

    def finished(indices: list[int], results: list[dict[str, Any]]) -> None:
        nonlocal done
        for index, result in zip(indices, results, strict=True):
            cells[index] = result
        done += len(indices)
        if progress:
            progress(done, total)

    if progress:
        progress(0, total)
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            futures = {
                client.submit(compute_partition, [rows[i].situation for i in p], pure=False): p
                for p in partitions
            }
            for future in dask_completed(futures):  # type: ignore[no-untyped-call]
                finished(futures[future], future.result())
    elif workers == 1 or len(partitions) <= 1:
        for p in partitions:
            finished(p, compute_partition([rows[i].situation for i in p]))  # type: ignore[misc]
    else:
        count = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=count) as pool:
            pending = {
                pool.submit(compute_partition, [rows[i].situation for i in p]): p  # type: ignore[misc]
                for p in partitions
            }
            for future in as_completed(pending):
                finished(pending[future], future.result())
    errors = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=output_columns())
        writer.writeheader()
        for index, row in enumerate(rows):
            if row.situation is None:
                errors += 1
                writer.writerow(
                    {
                        "id": row.identifier,
                        "statut": "erreur",
                        "erreurs": f"ligne {row.line} : " + " ; ".join(row.errors),
                    }
                )
            else:
                writer.writerow({"id": row.identifier, **cells[index]})
    return len(rows) - errors, errors


def progress_bar(stream: Any = sys.stderr) -> Progress:
    """A text progress bar on `stream` (anything with write and flush)."""

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        percent = 100 * done // total if total else 100
        stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} foyers ({percent} %)"
        )
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


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
