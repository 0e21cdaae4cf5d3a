"""The weighted barometer from plain files, for analysts and other tools.

answers.csv: one row per respondent, a column per margin variable, one per
indicator (0 or 1, empty when the respondent is outside the indicator's
base), optionally a column of initial weights and columns to break down by.
margins.csv: `variable,modalite,effectif`, the population count of each
category of each margin variable.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, Cell, suppressed
from nonrecours.analysis.estimators import Estimate, means_by_domain
from nonrecours.analysis.raking import Margin, RakingError, rake
from nonrecours.csvtext import UnreadableFile, dict_reader, read_text

OVERALL = "ensemble"


class AnalysisFileError(ValueError):
    """A file that cannot be analysed; the message (French) says where."""


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


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = read_text(path)
    except UnreadableFile as error:
        raise AnalysisFileError(str(error)) from None
    reader = dict_reader(text)
    rows = list(reader)
    if not reader.fieldnames:
        raise AnalysisFileError(f"{path.name} : fichier vide ou sans en-tête.")
    return list(reader.fieldnames), rows


def read_margins(path: Path) -> list[Margin]:
    header, rows = _read_csv(path)
    missing = [c for c in ("variable", "modalite", "effectif") if c not in header]
    if missing:
        raise AnalysisFileError(f"{path.name} : colonne(s) manquante(s) : {', '.join(missing)}.")
    totals: dict[str, dict[str, float]] = {}
    for line, row in enumerate(rows, start=2):
        try:
            count = float(row["effectif"].replace(",", ".").replace("\u202f", "").replace(" ", ""))
        except ValueError:
            raise AnalysisFileError(
                f"{path.name}, ligne {line}, colonne « effectif » : « {row['effectif']} » "
                "n'est pas un nombre."
            ) from None
        variable, category = row["variable"].strip(), row["modalite"].strip()
        if category in totals.setdefault(variable, {}):
            raise AnalysisFileError(
                f"{path.name}, ligne {line} : « {variable} » = « {category} » apparaît deux fois."
            )
        totals[variable][category] = count
    return [Margin(variable, categories) for variable, categories in totals.items()]


def analyse_files(
    answers_path: Path,
    margins_path: Path,
    *,
    by: Sequence[str] = (),
    weight: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    bounds: tuple[float, float] | None = None,
    cap: float | None = None,
) -> list[ResultRow]:
    margins = read_margins(margins_path)
    header, rows = _read_csv(answers_path)
    name = answers_path.name
    for column in [m.variable for m in margins] + list(by) + ([weight] if weight else []):
        if column not in header:
            raise AnalysisFileError(f"{name} : colonne « {column} » introuvable.")
    excluded = {m.variable for m in margins} | set(by) | ({weight} if weight else set())
    indicators = [c for c in header if c not in excluded]
    if not indicators:
        raise AnalysisFileError(f"{name} : aucune colonne d'indicateur (0, 1 ou vide).")
    values: dict[str, list[float]] = {c: [] for c in indicators}
    initial: list[float] = []
    for line, row in enumerate(rows, start=2):
        for column in indicators:
            raw = (row.get(column) or "").strip()
            if raw in ("0", "1"):
                values[column].append(float(raw))
            elif raw == "":
                values[column].append(math.nan)
            else:
                raise AnalysisFileError(
                    f"{name}, ligne {line}, colonne « {column} » : « {raw} » ; attendu 0, 1 ou "
                    "vide (hors de la base de l'indicateur)."
                )
        if weight:
            try:
                initial.append(float((row.get(weight) or "").replace(",", ".")))
            except ValueError:
                raise AnalysisFileError(
                    f"{name}, ligne {line}, colonne « {weight} » : poids « {row.get(weight)} » "
                    "invalide."
                ) from None
    samples = {m.variable: np.array([r[m.variable] for r in rows], dtype=object) for m in margins}
    try:
        raking = rake(samples, margins, initial or None, bounds=bounds, cap=cap)
    except RakingError as error:
        raise AnalysisFileError(f"{name} / {margins_path.name} : {error}") from None
    if not raking.converged:
        raise AnalysisFileError(
            f"Le calage n'a pas convergé (écart restant {raking.max_gap:.2e}) : des modalités "
            "trop peu représentées sont à regrouper."
        )
    breakdowns = {variable: np.array([r[variable] for r in rows], dtype=object) for variable in by}
    coded = {
        variable: np.unique(categories.astype(str), return_inverse=True)
        for variable, categories in breakdowns.items()
    }
    estimates: list[tuple[str, str, str, Estimate]] = []
    for indicator in indicators:
        y = np.array(values[indicator])
        (overall,) = means_by_domain(raking, y)
        estimates.append((indicator, OVERALL, OVERALL, overall))
        for variable, (labels, codes) in coded.items():
            by_domain = means_by_domain(raking, y, codes, len(labels))
            for label, estimate in zip(labels.tolist(), by_domain, strict=True):
                estimates.append((indicator, variable, str(label), estimate))
    return result_rows(estimates, threshold)


def result_rows(
    estimates: Sequence[tuple[str, str, str, Estimate]],
    threshold: int = DEFAULT_THRESHOLD,
    group_of: Callable[[str, str, str], str] | None = None,
) -> list[ResultRow]:
    """Published rows of (indicator, breakdown, domain, estimate), with the
    disclosure rule applied within each indicator × breakdown. Indicators
    are shares: their 95 % interval (estimate ± 1.96 SE, as R's confint) is
    cut to [0, 1]."""
    cells = [
        Cell(group=group_of(ident, by, domain) if group_of else f"{ident}|{by}", n=e.n)
        for ident, by, domain, e in estimates
    ]
    hidden = suppressed(cells, threshold)
    rows = []
    for (ident, by, domain, estimate), is_hidden in zip(estimates, hidden, strict=True):
        show = not is_hidden and estimate.n > 0
        rows.append(
            ResultRow(
                indicator=ident,
                by=by,
                domain=domain,
                estimate=estimate.estimate if show else None,
                se=estimate.se if show else None,
                ci_low=max(0.0, estimate.ci_low) if show else None,
                ci_high=min(1.0, estimate.ci_high) if show else None,
                n=estimate.n,
                suppressed=not show,
            )
        )
    return rows


def as_json_rows(rows: Sequence[ResultRow]) -> list[dict[str, Any]]:
    """The published rows: a hidden cell's count is not published either
    (the count of an indicator's base can tell how many gave an answer)."""
    return [{**asdict(row), "n": None if row.suppressed else row.n} for row in rows]
