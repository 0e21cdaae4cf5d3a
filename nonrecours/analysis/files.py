"""The weighted barometer from plain files, for analysts and other tools.

answers.csv: one row per respondent, a column per margin variable, one per
indicator (0 or 1, empty when the respondent is outside the indicator's
base), optionally a column of initial weights and columns to break down by;
any other column (commune, identifier, free text) is ignored and listed.
margins.csv: `variable,modalite,effectif`, the population count of each
category of each margin variable.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from nonrecours import french
from nonrecours.analysis.answers import (
    AnswersFileError,
    AnswersTable,
    read_answers,
    zero_one_or_empty,
)
from nonrecours.analysis.disclosure import (
    DEFAULT_THRESHOLD,
    Release,
    Status,
    protect,
    threshold_problem,
)
from nonrecours.analysis.estimators import Estimate, means_by_domain
from nonrecours.analysis.raking import Coded, Margin, RakingError, rake
from nonrecours.csvtext import UnreadableFile, dict_rows, not_empty, read_text
from nonrecours.errors import UserError

OVERALL = "ensemble"


class AnalysisFileError(UserError, ValueError):
    """Files or options that cannot be analysed; the message (French) says
    where: the file, and the line or the column."""


@dataclass(frozen=True)
class ResultRow:
    indicator: str
    by: str
    domain: str
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    suppressed: bool


@dataclass(frozen=True)
class Analysis:
    """What `analyse_files` found: the published rows, the indicator
    columns in file order, and the columns it ignored (neither margin, nor
    breakdown, nor weight, nor indicator), in file order too."""

    rows: list[ResultRow]
    indicators: list[str]
    ignored: list[str]


@dataclass(frozen=True)
class _MarginsFile:
    margins: list[Margin]
    lines: dict[tuple[str, str], int]  # (variable, category) -> line in the file


def read_margins(path: Path) -> list[Margin]:
    """The margins of a `variable,modalite,effectif` file. Raises
    AnalysisFileError (French, with the line) for a missing column, a
    count that is not a finite number ≥ 0, a category given twice, no row
    under the header (csvtext.no_rows)."""
    return _read_margins(path).margins


def _read_margins(path: Path) -> _MarginsFile:
    try:
        header, rows = dict_rows(read_text(path), path.name, short_rows=False)
        missing = [c for c in ("variable", "modalite", "effectif") if c not in header]
        if missing:
            raise AnalysisFileError(
                f"{path.name} : colonne(s) manquante(s) : {', '.join(missing)}."
            )
        totals: dict[str, dict[str, float]] = {}
        lines: dict[tuple[str, str], int] = {}
        for line, row in not_empty(rows, path.name):
            raw = row["effectif"]
            try:
                count = french.parse_number(raw, finite=False)
            except ValueError:
                raise AnalysisFileError(
                    f"{path.name}, ligne {line}, colonne « effectif » : « {raw} » "
                    "n'est pas un nombre."
                ) from None
            if not math.isfinite(count) or count < 0:
                raise AnalysisFileError(
                    f"{path.name}, ligne {line}, colonne « effectif » : « {raw} » ; "
                    "attendu un nombre de personnes (0 ou plus)."
                )
            variable, category = row["variable"].strip(), row["modalite"].strip()
            if category in totals.setdefault(variable, {}):
                raise AnalysisFileError(
                    f"{path.name}, ligne {line} : « {variable} » = « {category} » "
                    "apparaît deux fois."
                )
            totals[variable][category] = count
            lines[variable, category] = line
    except UnreadableFile as error:
        raise AnalysisFileError(str(error)) from None
    return _MarginsFile([Margin(v, categories) for v, categories in totals.items()], lines)


def _coded(column: pa.ChunkedArray) -> Coded:
    """The text column's sorted distinct values and each row's index."""
    encoded = column.combine_chunks().dictionary_encode()
    # Equivalent mutants (dtype): the column is read as text, its labels are str.
    labels = np.asarray(encoded.dictionary.to_pylist(), dtype=str)  # pragma: no mutate
    order = np.argsort(labels, kind="stable")
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return Coded(labels[order].tolist(), rank[indices])


def _is_indicator_cell(text: str) -> bool:
    """0, 1 or empty, as pyarrow reads integers (spaces and a leading zero
    allowed)."""
    text = text.strip()
    if not text:
        return True
    try:
        return int(text) in (0, 1)
    except ValueError:
        return False


def _indicator_values(column: pa.ChunkedArray) -> NDArray[np.float64]:
    """0.0, 1.0, NaN for an empty cell (outside the indicator's base)."""
    if pa.types.is_null(column.type):
        return np.full(len(column), np.nan)
    # An integer column with nulls comes out as float64 with NaN already.
    # Equivalent mutants: astype(None) is float64 as well; a copy or not, the
    # same values.
    values: NDArray[np.float64]
    values = column.to_numpy().astype(np.float64, copy=False)  # pragma: no mutate
    return values


def _weights(answers: AnswersTable, name: str) -> NDArray[np.float64]:
    """The initial weights (comma or point as the decimal mark), each a
    finite number above 0; else AnalysisFileError naming the line."""
    column = answers.column(name)
    try:
        values: NDArray[np.float64] = pc.cast(
            # Equivalent mutants (other strings): the cast then fails on decimal
            # commas and Python's float() below reads the same numbers.
            pc.replace_substring(column, ",", "."),  # pragma: no mutate
            pa.float64(),
        ).to_numpy()
    except pa.ArrowInvalid:  # spaces, "1_000"…: Python's float() decides, as before
        values = np.full(len(column), np.nan)
        for index, raw in enumerate(column.to_pylist()):
            try:
                values[index] = float(raw.replace(",", "."))
            except ValueError:
                break
    wrong = ~(np.isfinite(values) & (values > 0))
    if wrong.any():
        index = int(np.argmax(wrong))
        raw = column[index].as_py().strip()
        problem = f"poids « {raw} » invalide" if raw else "poids manquant"
        raise AnalysisFileError(
            f"{answers.name}, ligne {answers.line_of(index)}, colonne « {name} » : {problem} ; "
            "attendu un nombre supérieur à 0."
        )
    return values


def _check_populated(
    answers: str, margins_name: str, margins: _MarginsFile, margin: Margin, coded: Coded
) -> None:
    """A category counted 0 in the population cannot hold respondents: the
    margins or the answers are wrong, and neither is guessed."""
    counts = np.bincount(coded.codes, minlength=len(coded.labels))
    present = dict(zip(coded.labels, counts.tolist(), strict=True))
    for category, total in margin.totals.items():
        respondents = present.get(category, 0)
        if total == 0 and respondents > 0:
            line = margins.lines[margin.variable, category]
            raise AnalysisFileError(
                f"{margins_name}, ligne {line} : « {margin.variable} » = « {category} » a "
                f"une population de 0 mais {respondents} répondant·e(s) dans {answers} ; "
                "corrigez l'effectif ou regroupez cette modalité avec une autre."
            )


def _check_filled(answers: AnswersTable, column: str) -> None:
    """Every respondent has a category in a calibration or breakdown column.
    An empty cell is refused with its line, never counted as a category
    « »: a row of separators alone (left by a spreadsheet) is to be
    deleted; a respondent without a category is to be given one (deleting
    respondents would bias the estimates). Reads the file again to say
    where (error path only). Raises AnalysisFileError."""
    distinct = pc.unique(answers.column(column)).to_pylist()
    if all(value is not None and value.strip() for value in distinct):
        return
    position = answers.header.index(column)
    for line, cells in answers.data_rows():
        if position >= len(cells) or not cells[position].strip():
            where = f"{answers.name}, ligne {line}, colonne « {column} » : cellule vide"
            if not any(cell.strip() for cell in cells):
                raise AnalysisFileError(
                    f"{where} : la ligne est vide (séparateurs seuls) ; supprimez-la."
                )
            raise AnalysisFileError(
                f"{where} ; chaque répondant·e doit y avoir une modalité : donnez-en une "
                "(par exemple « non renseigné », à ajouter aux marges pour une variable de "
                "calage), sans supprimer la personne."
            )
    raise AnalysisFileError(f"{answers.name}, colonne « {column} » : cellule vide.")


def _indicators(
    answers: AnswersTable, candidates: list[str], chosen: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """(indicators, ignored columns). Chosen indicators must hold only 0, 1
    or empty cells (else the first other value is refused with its line);
    by default, every candidate column that does, with at least one value."""
    if chosen is None:
        indicators = [
            c
            for c in candidates
            if zero_one_or_empty(answers.column(c))
            and answers.column(c).null_count < len(answers.table)
        ]
        return indicators, [c for c in candidates if c not in indicators]
    for column in chosen:
        if not zero_one_or_empty(answers.column(column)):
            found = answers.first_cell(column, lambda text: not _is_indicator_cell(text))
            where = f"colonne « {column} »"
            if found is not None:
                where = f"ligne {found[0]}, {where} : « {found[1].strip()} »"
            raise AnalysisFileError(
                f"{answers.name}, {where} ; attendu 0, 1 ou vide (hors de la base de l'indicateur)."
            )
    return list(chosen), [c for c in candidates if c not in chosen]


def analyse_files(
    answers_path: Path,
    margins_path: Path,
    *,
    by: Sequence[str] = (),
    weight: str | None = None,
    indicators: Sequence[str] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    bounds: tuple[float, float] | None = None,
    cap: float | None = None,
) -> Analysis:
    """Raking on the margins, then each indicator's weighted share with its
    calibrated standard error and 95 % interval, overall and in each domain
    of every `by` column, with the disclosure rule (`threshold` ≥ 1
    respondents per published cell).

    `indicators`: the indicator columns (default: every other column whose
    values are all 0, 1 or empty). Raises AnalysisFileError (French, naming
    the file, the column and, where it applies, the line) for anything that
    cannot be analysed as it is: nothing is corrected silently.
    """
    if threshold_problem(threshold):
        raise AnalysisFileError(threshold_problem(threshold))
    margins_file = _read_margins(margins_path)
    margins = margins_file.margins
    name = answers_path.name
    roles = [m.variable for m in margins] + list(by) + ([weight] if weight else [])
    if indicators is not None:
        indicators = list(dict.fromkeys(indicators))  # each once, in the order given
    only = None if indicators is None else [*roles, *indicators]
    try:
        answers = read_answers(answers_path, text=roles, only=only)
    except AnswersFileError as error:
        raise AnalysisFileError(str(error)) from None
    for column in [*roles, *(indicators or [])]:
        if column not in answers.header:
            raise AnalysisFileError(f"{name} : colonne « {column} » introuvable.")
    for column in indicators or []:
        if column in roles:
            raise AnalysisFileError(
                f"{name} : la colonne « {column} » sert déjà au calage, à la ventilation ou "
                "aux poids ; elle ne peut pas être un indicateur."
            )
    # Checked before the indicators: a blank row also empties their cells.
    categorical = dict.fromkeys([*(m.variable for m in margins), *by])
    for column in categorical:
        _check_filled(answers, column)
    candidates = [c for c in answers.header if c not in roles and c]
    chosen, ignored = _indicators(answers, candidates, indicators)
    ignored += [c for c in answers.header if not c]  # unnamed columns
    if not chosen:
        names = ", ".join(c or "(sans nom)" for c in ignored)
        listed = f" ; colonnes ignorées : {names}" if ignored else ""
        raise AnalysisFileError(
            f"{name} : aucune colonne d'indicateur (seulement 0, 1 ou vide){listed}."
        )
    coded = {column: _coded(answers.column(column)) for column in categorical}
    for margin in margins:
        _check_populated(name, margins_path.name, margins_file, margin, coded[margin.variable])
    initial = _weights(answers, weight) if weight else None
    samples = {m.variable: coded[m.variable] for m in margins}
    try:
        raking = rake(samples, margins, initial, bounds=bounds, cap=cap)
    except RakingError as error:
        raise AnalysisFileError(f"{name} / {margins_path.name} : {error}") from None
    if not raking.converged:
        raise AnalysisFileError(
            f"Le calage n'a pas convergé (écart restant {raking.max_gap:.2e}) : des modalités "
            "trop peu représentées sont à regrouper."
        )
    breakdowns = [coded[variable] for variable in by]
    release = _Breakdowns(breakdowns)
    rows: list[ResultRow] = []
    for indicator in chosen:
        y = _indicator_values(answers.column(indicator))
        estimates = [means_by_domain(raking, y)[0]] if not by else []
        for k, domains in enumerate(breakdowns):
            # The first breakdown's pass also gives the overall estimate.
            estimates += means_by_domain(
                raking, y, domains.codes, len(domains.labels), with_overall=k == 0
            )
        status = release.decide(~np.isnan(y), threshold)
        rows += result_rows(indicator, release.keys(by), estimates, status)
    return Analysis(rows, chosen, ignored)


class _Breakdowns:
    """The published cells of a plain-file analysis as one system for the
    secrecy model (nonrecours.analysis.disclosure.protect): atoms are the
    crossing of every breakdown column (those present), the cells are the
    overall figure then each breakdown's categories in order, the overall
    splits into each breakdown's categories. Decisions are shared by the
    indicators with the same base."""

    def __init__(self, breakdowns: Sequence[Coded]) -> None:
        self.breakdowns = breakdowns
        if breakdowns:
            # Equivalent mutants (dtype): the codes are intp arrays already.
            stacked = np.array([b.codes for b in breakdowns], dtype=np.intp)  # pragma: no mutate
            combinations, inverse = np.unique(stacked, axis=1, return_inverse=True)
        else:  # the overall figure alone: one atom
            # Equivalent mutants: only the number of atoms (columns, 1) is read
            # here; atom_of is not read without breakdowns.
            combinations = np.zeros((0, 1), dtype=np.intp)  # pragma: no mutate
            inverse = np.zeros(0, dtype=np.intp)  # pragma: no mutate
        # Equivalent mutants: any negative size (or None) keeps a flat array flat
        # (numpy gives a flat `inverse`; -1 guards against older shapes).
        self.atom_of: NDArray[np.intp] = inverse.reshape(-1)  # pragma: no mutate
        self.atom_count = int(combinations.shape[1])
        cells: list[list[int]] = [list(range(self.atom_count))]
        lines: list[tuple[int, list[int]]] = []
        for k, breakdown in enumerate(breakdowns):
            first = len(cells)
            for code in range(len(breakdown.labels)):
                cells.append(np.flatnonzero(combinations[k] == code).tolist())
            lines.append((0, list(range(first, len(cells)))))
        self.cells = cells
        self.lines = lines
        self._decided: dict[bytes, list[str]] = {}

    def keys(self, by: Sequence[str]) -> list[tuple[str, str]]:
        """(breakdown, domain) of each cell, in the cells' order."""
        return [(OVERALL, OVERALL)] + [
            (variable, label)
            # Equivalent mutants (strict): one breakdown per column of `by`.
            for variable, breakdown in zip(by, self.breakdowns, strict=True)  # pragma: no mutate
            for label in breakdown.labels
        ]

    def decide(self, in_base: NDArray[np.bool_], threshold: int) -> list[str]:
        """Each cell's status (Status.*) for the respondents in `in_base`.
        Raises SecrecyError (see protect; not with nothing released)."""
        if self.breakdowns:
            sizes = np.bincount(self.atom_of[in_base], minlength=self.atom_count)
        else:
            sizes = np.array([int(in_base.sum())])
        # Equivalent mutants: any fixed width and byte order keeps thresholds apart.
        signature = sizes.tobytes() + threshold.to_bytes(4, "little")  # pragma: no mutate
        if signature not in self._decided:
            release = Release(atom_sizes=sizes.tolist(), cells=self.cells, lines=self.lines, root=0)
            self._decided[signature] = protect(release, threshold)
        return self._decided[signature]


def result_rows(
    indicator: str,
    keys: Sequence[tuple[str, str]],
    estimates: Sequence[Estimate],
    status: Sequence[str],
) -> list[ResultRow]:
    """Published rows of one indicator: (breakdown, domain) of each cell,
    its estimate and its status from the secrecy model. A hidden cell has no
    figure and `suppressed`; an empty one (nobody in the base) has no figure
    either, but is known to be empty (n = 0), as the barometer's rows.
    Indicators are shares: their 95 % interval (estimate ± 1.96 SE, as R's
    confint) is cut to [0, 1]."""
    rows = []
    # Equivalent mutants (strict): one key, estimate and status per cell.
    cells = zip(keys, estimates, status, strict=True)  # pragma: no mutate
    for (by, domain), estimate, state in cells:
        show = state == Status.PUBLISHED
        rows.append(
            ResultRow(
                indicator=indicator,
                by=by,
                domain=domain,
                estimate=estimate.estimate if show else None,
                se=estimate.se if show else None,
                ci_low=max(0.0, estimate.ci_low) if show else None,
                ci_high=min(1.0, estimate.ci_high) if show else None,
                n=estimate.n,
                suppressed=state == Status.HIDDEN,
            )
        )
    return rows


def as_json_rows(rows: Sequence[ResultRow]) -> list[dict[str, Any]]:
    """The published rows: a hidden cell's count is not published either
    (the count of an indicator's base can tell how many gave an answer)."""
    return [{**asdict(row), "n": None if row.suppressed else row.n} for row in rows]
