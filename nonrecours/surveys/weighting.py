"""The weighting of a stored campaign: its calibration zones and margins.

Weights are calibrated (raking, nonrecours.analysis.raking) on the real
population of the communes and, when the questionnaire asks sex and age
band and the territory has an age × sex structure, on that structure:
sex crossed with age band first, then sex and age band apart, then the
communes alone — the first plan that converges is kept, and why the
others were set aside is said in French.

Calibration zones: a commune with at least MIN_RESPONDENTS answers is its
own zone; the other communes of a stratum are pooled ("reste de la strate"),
since a zone without respondents cannot be weighted.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nonrecours import french
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD
from nonrecours.analysis.raking import Margin, RakingError, RakingResult, rake
from nonrecours.surveys.answer_columns import AnswerColumns
from nonrecours.surveys.questionnaire import Questionnaire
from nonrecours.territories.models import Commune, Territory
from nonrecours.territories.population import PopulationFileError

MIN_RESPONDENTS = 5
NOT_GIVEN = "non_renseigne"
SEX_QUESTION = "sexe"
AGE_QUESTION = "tranche_age"
# The answers calibrate() reads (with the respondents' communes).
CALIBRATION_QUESTIONS = (SEX_QUESTION, AGE_QUESTION)


@dataclass(frozen=True)
class Weighting:
    """Options of the calibration (see nonrecours.analysis.raking.rake)."""

    bounds: tuple[float, float] | None = None  # bounds of the calibration factors
    cap: float | None = None  # no weight above cap × the mean weight
    threshold: int = DEFAULT_THRESHOLD  # disclosure rule

    def describe(self) -> str:
        parts = []
        if self.bounds:
            parts.append(
                f"rapports de poids bornés entre {french.short_number(self.bounds[0])} et "
                f"{french.short_number(self.bounds[1])}"
            )
        if self.cap:
            parts.append(
                f"aucun poids au-delà de {french.short_number(self.cap)} fois le poids moyen"
            )
        return " ; ".join(parts) if parts else "sans bornes ni écrêtage"


@dataclass(frozen=True)
class Calibration:
    """The weights of a campaign's respondents and how they were obtained.

    `sexes` and `ages` hold each respondent's answer code (NOT_GIVEN when
    not given or outside the question's codes); `sexes_shown` are the
    sexes of the population's structure (None without a sex × age
    calibration attempt), the others being counted with NOT_GIVEN."""

    raking: RakingResult
    zones: dict[str, str]  # commune INSEE code -> calibration zone
    margins: tuple[str, ...]  # what the weights are calibrated on, in French
    structure_label: str  # where the sex × age margins come from
    structure_approximation: bool
    sexes: NDArray[np.str_]
    ages: NDArray[np.str_]
    sexes_shown: tuple[str, ...] | None


def _zones(communes: list[Commune], counts: Counter[str]) -> dict[str, str]:
    zones = {}
    for commune in communes:
        if counts[commune.insee_code] >= MIN_RESPONDENTS:
            zones[commune.insee_code] = commune.insee_code
        else:
            zones[commune.insee_code] = f"reste:{commune.stratum}"
    return zones


def answer_codes(columns: AnswerColumns, name: str, codes: Sequence[str]) -> NDArray[np.str_]:
    """Each respondent's answer to the single-choice question `name` (read
    in `columns`) when it is one of `codes`, else NOT_GIVEN."""
    known = set(codes)
    by_code = np.array(
        [
            value if isinstance(value, str) and value in known else NOT_GIVEN
            for value in columns.column_values(name)
        ],
        dtype=str,
    )
    return by_code[columns.codes[name]]


def _people_margin(
    variable: str, cells: NDArray[np.str_], population: dict[str, float], total: float
) -> Margin | None:
    """Margin of a sex/age variable: the population shares brought to the
    zones' total; respondents who did not answer keep their own share (they
    are calibrated on the other margins only). None when a populated cell
    has no respondent: the caller falls back to a coarser margin."""
    present = Counter(cells.tolist())
    people = sum(population.values())
    if people <= 0 or any(count > 0 and not present[cell] for cell, count in population.items()):
        return None
    # Respondents in a cell the population says is empty could not be weighted.
    if any(population.get(cell, 0.0) <= 0 for cell in present if cell != NOT_GIVEN):
        return None
    not_given = present[NOT_GIVEN] / cells.size
    totals = {cell: total * (1 - not_given) * count / people for cell, count in population.items()}
    if present[NOT_GIVEN]:
        totals[NOT_GIVEN] = total * not_given
    return Margin(variable, totals)


# A plan: the sex/age margins tried together, each as (variable, margin or
# None when it cannot be used, each respondent's category, what it is in French).
Plan = list[tuple[str, Margin | None, NDArray[Any], str]]


def _sex_age_plans(
    by_band: dict[str, dict[str, float]],
    bands: list[str],
    sexes: NDArray[np.str_],
    ages: NDArray[np.str_],
    total: float,
) -> list[Plan]:
    """Sex crossed with age band, then sex and age band apart."""
    if not by_band:
        return []
    known = (sexes != NOT_GIVEN) & (ages != NOT_GIVEN)
    crossed = np.where(known, np.char.add(np.char.add(sexes, ":"), ages), NOT_GIVEN)
    cells = {
        f"{sex}:{band}": count for sex, counts in by_band.items() for band, count in counts.items()
    }
    by_sex = {s: sum(c.values()) for s, c in by_band.items()}
    by_age = {b: sum(by_band[s][b] for s in by_band) for b in bands}
    return [
        [
            (
                "sexe_age",
                _people_margin("sexe_age", crossed, cells, total),
                crossed,
                "sexe croisé avec l'âge",
            )
        ],  # fmt: skip
        [
            ("sexe", _people_margin("sexe", sexes, by_sex, total), sexes, "sexe"),
            ("age", _people_margin("age", ages, by_age, total), ages, "tranche d'âge"),
        ],
    ]


def _rake_plans(
    samples: dict[str, Any],
    margins: list[Margin],
    plans: list[Plan],
    weighting: Weighting,
    described: list[str],
    structure_label: str,
) -> RakingResult:
    """The first plan that converges (its margins appended to `margins`,
    what was kept or set aside to `described`), else the zones alone.
    Raises RakingError when even the zones do not converge."""
    for plan in plans:
        usable = [(v, m, values, what) for v, m, values, what in plan if m is not None]
        if not usable:
            continue
        what = " et ".join(w for *_, w in usable)
        try:
            attempt = rake(
                {**samples, **{v: values.astype(object) for v, _, values, _ in usable}},
                [*margins, *(m for _, m, _, _ in usable if m is not None)],
                bounds=weighting.bounds,
                cap=weighting.cap,
            )
        except RakingError as error:
            described.append(f"calage par {what} écarté : {error}")
            continue
        if not attempt.converged:
            described.append(
                f"calage par {what} écarté : les réponses ne permettent pas d'atteindre ces "
                "marges avec celles des communes"
            )
            continue
        described.extend(f"population par {w} ({structure_label})" for *_, w in usable)
        margins.extend(m for _, m, _, _ in usable if m is not None)
        return attempt
    raking = rake(samples, margins, bounds=weighting.bounds, cap=weighting.cap)
    if not raking.converged:
        raise RakingError(
            f"Le calage n'a pas convergé (écart restant {raking.max_gap:.2e}) : des modalités "
            "trop peu représentées sont à regrouper."
        )
    return raking


def calibrate(
    territory: Territory,
    questionnaire: Questionnaire,
    communes: list[Commune],
    codes: Sequence[str],
    columns: AnswerColumns,
    weighting: Weighting,
) -> Calibration:
    """The weights of the respondents whose communes' INSEE codes are
    `codes` and answers `columns` (same order; holding the
    CALIBRATION_QUESTIONS), the `communes` being the
    territory's members of known population. Raises RakingError when the
    weights do not converge."""
    zones = _zones(communes, Counter(codes))
    population: dict[str, float] = {}
    for commune in communes:
        zone = zones[commune.insee_code]
        population[zone] = population.get(zone, 0.0) + float(commune.population or 0)
    zone_of = np.array([zones[c] for c in codes], dtype=object)
    sampled = set(zone_of.tolist())
    # A pooled zone that nobody answered in stays out of the margins: its
    # population is represented by the rest of the territory.
    zone_margin = Margin("zone", {z: p for z, p in population.items() if z in sampled})
    margins = [zone_margin]
    described = [f"population municipale de {len(zone_margin.totals)} zones de calage"]
    names = {q.name: q for q in questionnaire.questions}
    sexes_shown: tuple[str, ...] | None = None
    sexes = ages = np.full(columns.size, NOT_GIVEN)
    structure = territory.age_sex_structure()
    plans: list[Plan] = []
    if SEX_QUESTION in names and AGE_QUESTION in names and columns.size:
        bands = list(names[AGE_QUESTION].codes)
        try:
            by_band = structure.by_band(bands)
        except PopulationFileError as error:
            by_band = {}
            described.append(f"pas de calage par sexe et âge : {error}")
        # Answers outside the structure's sexes ("autre…") are calibrated
        # with those who did not answer.
        sexes_shown = tuple(s for s in names[SEX_QUESTION].codes if s in by_band)
        sexes = answer_codes(columns, SEX_QUESTION, names[SEX_QUESTION].codes)
        ages = answer_codes(columns, AGE_QUESTION, bands)
        calibration_sexes = np.where(np.isin(sexes, sexes_shown), sexes, NOT_GIVEN)
        by_band = {s: by_band[s] for s in sexes_shown}
        plans = _sex_age_plans(by_band, bands, calibration_sexes, ages, zone_margin.total)
    raking = _rake_plans({"zone": zone_of}, margins, plans, weighting, described, structure.label)
    return Calibration(
        raking=raking,
        zones=zones,
        margins=tuple(described),
        structure_label=structure.label,
        structure_approximation=structure.approximation
        and any(m.variable != "zone" for m in margins),
        sexes=sexes,
        ages=ages,
        sexes_shown=sexes_shown,
    )
