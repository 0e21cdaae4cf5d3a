"""The weighted barometer of a stored campaign (reads only).

Answers become 0/1 indicator values (empty outside each indicator's base),
weights are calibrated on the real population of the communes, and every
indicator is estimated overall and by stratum with its calibrated standard
error, through the numpy engine of nonrecours.analysis.

Calibration zones: a commune with at least MIN_RESPONDENTS answers is its
own zone; the other communes of a stratum are pooled ("reste de la strate"),
since a zone without respondents cannot be weighted.
"""

import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from django.db.models import Count, Max, QuerySet
from numpy.typing import NDArray

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, Release, Status, protect
from nonrecours.analysis.estimators import (
    Difference,
    Estimate,
    difference,
    difference_between_waves,
    means_by_domain,
)
from nonrecours.analysis.files import OVERALL, ResultRow, as_json_rows
from nonrecours.analysis.raking import FloatArray, Margin, RakingError, RakingResult, rake
from nonrecours.french import sort_key
from nonrecours.surveys.models import Campaign
from nonrecours.territories.enums import Stratum
from nonrecours.territories.maps import MapClass, MapFeature, ProjectedMap, project_features
from nonrecours.territories.models import Commune
from nonrecours.territories.population import PopulationFileError

MIN_RESPONDENTS = 5
NOT_GIVEN = "non_renseigne"
SEX_QUESTION = "sexe"
AGE_QUESTION = "tranche_age"


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
                f"rapports de poids bornés entre {_decimal(self.bounds[0])} et "
                f"{_decimal(self.bounds[1])}"
            )
        if self.cap:
            parts.append(f"aucun poids au-delà de {_decimal(self.cap)} fois le poids moyen")
        return " ; ".join(parts) if parts else "sans bornes ni écrêtage"


def _decimal(value: float) -> str:
    return f"{value:g}".replace(".", ",")


@dataclass(frozen=True)
class Respondents:
    """What the filtered views need of each respondent, as arrays."""

    strata: NDArray[np.intp]  # index in STRATA
    communes: NDArray[np.intp]  # index in `commune_codes`
    commune_codes: tuple[str, ...]
    sexes: NDArray[np.str_]  # answer code, or NOT_GIVEN
    ages: NDArray[np.str_]
    values: dict[str, FloatArray]  # indicator -> 0/1, NaN outside its base
    ids: tuple[int, ...] = ()  # the responses' primary keys, in this order


@dataclass(frozen=True)
class CampaignAnalysis:
    rows: list[ResultRow]
    raking: RakingResult
    zones: dict[str, str]  # commune INSEE code -> calibration zone
    # By commune, kept apart from `rows`: most communes are hidden by the
    # disclosure rule; used by the map of an indicator.
    commune_rows: list[ResultRow] = field(default_factory=list)
    margins: tuple[str, ...] = ()  # what the weights are calibrated on, in French
    structure_label: str = ""  # where the sex × age margins come from
    structure_approximation: bool = False
    weighting: Weighting = Weighting()
    respondents: Respondents | None = None
    # The sex and age band tables, overall and by stratum (CROSSED_TABLES),
    # released with `rows` and `commune_rows` by one secrecy decision.
    tables: list[ResultRow] = field(default_factory=list)
    layout: "Layout | None" = None
    stratum_of: dict[str, str] = field(default_factory=dict)  # commune -> stratum


STRATA = [s.value for s in Stratum]


def _zones(communes: list[Commune], counts: Counter[str]) -> dict[str, str]:
    zones = {}
    for commune in communes:
        if counts[commune.insee_code] >= MIN_RESPONDENTS:
            zones[commune.insee_code] = commune.insee_code
        else:
            zones[commune.insee_code] = f"reste:{commune.stratum}"
    return zones


def _answer(answers: dict[str, Any], name: str, codes: tuple[str, ...]) -> str:
    value = answers.get(name)
    return value if isinstance(value, str) and value in codes else NOT_GIVEN


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


def campaign_analysis(campaign: Campaign, weighting: Weighting | None = None) -> CampaignAnalysis:
    weighting = weighting or Weighting()
    questionnaire = campaign.questionnaire.questionnaire()
    communes = list(Commune.objects.members_of(campaign.territory).filter(population__isnull=False))
    by_pk = {c.pk: c for c in communes}
    rows = list(
        campaign.responses.filter(commune__in=communes)
        .order_by("pk")
        .values_list("pk", "commune_id", "answers")
    )
    ids = tuple(pk for pk, _, _ in rows)
    responses = [(commune_id, answers) for _, commune_id, answers in rows]
    codes = [by_pk[commune_id].insee_code for commune_id, _ in responses]
    zones = _zones(communes, Counter(codes))
    population: dict[str, float] = {}
    for commune in communes:
        zone = zones[commune.insee_code]
        population[zone] = population.get(zone, 0.0) + float(commune.population or 0)
    sampled = {zones[c] for c in codes}
    # A pooled zone that nobody answered in stays out of the margins: its
    # population is represented by the rest of the territory.
    zone_margin = Margin("zone", {z: p for z, p in population.items() if z in sampled})
    samples: dict[str, Any] = {"zone": np.array([zones[c] for c in codes], dtype=object)}
    margins = [zone_margin]
    described = [f"population municipale de {len(zone_margin.totals)} zones de calage"]

    names = {q.name: q for q in questionnaire.questions}
    sexes_shown: tuple[str, ...] | None = None
    sexes = np.array([NOT_GIVEN] * len(responses))
    ages = np.array([NOT_GIVEN] * len(responses))
    structure = campaign.territory.age_sex_structure()
    if SEX_QUESTION in names and AGE_QUESTION in names and responses:
        bands = list(names[AGE_QUESTION].codes)
        try:
            by_band = structure.by_band(bands)
        except PopulationFileError as error:
            by_band = {}
            described.append(f"pas de calage par sexe et âge : {error}")
        # Answers outside the structure's sexes ("autre…") are calibrated
        # with those who did not answer.
        sex_codes = tuple(s for s in names[SEX_QUESTION].codes if s in by_band)
        sexes_shown = sex_codes
        sexes = np.array(
            [_answer(a, SEX_QUESTION, names[SEX_QUESTION].codes) for _, a in responses]
        )
        calibration_sexes = np.where(np.isin(sexes, sex_codes), sexes, NOT_GIVEN)
        ages = np.array([_answer(a, AGE_QUESTION, tuple(bands)) for _, a in responses])
        by_band = {s: by_band[s] for s in sex_codes}
        total = zone_margin.total
        known = (calibration_sexes != NOT_GIVEN) & (ages != NOT_GIVEN)
        crossed = np.where(known, np.char.add(np.char.add(calibration_sexes, ":"), ages), NOT_GIVEN)
        cell_population = {
            f"{sex}:{band}": count
            for sex, counts in by_band.items()
            for band, count in counts.items()
        }
        plans: list[list[tuple[str, Margin | None, NDArray[Any], str]]] = []
        if by_band:
            plans.append(
                [
                    (
                        "sexe_age",
                        _people_margin("sexe_age", crossed, cell_population, total),
                        crossed,
                        "sexe croisé avec l'âge",
                    )
                ]
            )
            plans.append(
                [
                    (
                        "sexe",
                        _people_margin(
                            "sexe",
                            calibration_sexes,
                            {s: sum(c.values()) for s, c in by_band.items()},
                            total,
                        ),
                        calibration_sexes,
                        "sexe",
                    ),
                    (
                        "age",
                        _people_margin(
                            "age",
                            ages,
                            {b: sum(by_band[s][b] for s in by_band) for b in bands},
                            total,
                        ),
                        ages,
                        "tranche d'âge",
                    ),
                ]
            )
    else:
        plans = []
    raking = None
    for plan in plans:
        usable = [(v, m, values, what) for v, m, values, what in plan if m is not None]
        if not usable:
            continue
        try:
            attempt = rake(
                {**samples, **{v: values.astype(object) for v, _, values, _ in usable}},
                [*margins, *(m for _, m, _, _ in usable if m is not None)],
                bounds=weighting.bounds,
                cap=weighting.cap,
            )
        except RakingError as error:
            described.append(f"calage par {' et '.join(w for *_, w in usable)} écarté : {error}")
            continue
        if not attempt.converged:
            described.append(
                f"calage par {' et '.join(w for *_, w in usable)} écarté : les réponses ne "
                "permettent pas d'atteindre ces marges avec celles des communes"
            )
            continue
        raking = attempt
        described.extend(f"population par {what} ({structure.label})" for *_, what in usable)
        margins.extend(m for _, m, _, _ in usable if m is not None)
        break
    if raking is None:
        raking = rake(samples, margins, bounds=weighting.bounds, cap=weighting.cap)
        if not raking.converged:
            raise RakingError(
                f"Le calage n'a pas convergé (écart restant {raking.max_gap:.2e}) : des modalités "
                "trop peu représentées sont à regrouper."
            )

    strata = np.array(
        [STRATA.index(by_pk[commune_id].stratum) for commune_id, _ in responses], dtype=np.intp
    )
    commune_order = sorted(c.insee_code for c in communes)
    position = {code: i for i, code in enumerate(commune_order)}
    commune_codes = np.array([position[c] for c in codes], dtype=np.intp)
    values_by_indicator: dict[str, FloatArray] = {}
    for indicator in questionnaire.indicators:
        values_by_indicator[indicator.id] = np.array(
            [
                (1.0 if indicator.numerator.evaluate(answers) else 0.0)
                if indicator.base_condition is None or indicator.base_condition.evaluate(answers)
                else np.nan
                for _, answers in responses
            ]
        )
    respondents = Respondents(
        strata=strata,
        communes=commune_codes,
        commune_codes=tuple(commune_order),
        sexes=sexes,
        ages=ages,
        values=values_by_indicator,
        ids=ids,
    )
    stratum_of = {c.insee_code: STRATA.index(c.stratum) for c in communes}
    layout = layout_of(respondents, [stratum_of[code] for code in commune_order], sexes_shown)
    released = released_rows(ReleasePlan(layout), raking, values_by_indicator, weighting.threshold)
    return CampaignAnalysis(
        rows=[r for r in released if r.by in KEY_TABLES],
        raking=raking,
        zones=zones,
        commune_rows=[r for r in released if r.by == "commune"],
        margins=tuple(described),
        structure_label=structure.label,
        structure_approximation=structure.approximation
        and any(m.variable != "zone" for m in margins),
        weighting=weighting,
        respondents=respondents,
        tables=[r for r in released if r.by in CROSSED_TABLES],
        layout=layout,
        stratum_of={c.insee_code: c.stratum for c in communes},
    )


# ---------------------------------------------------------------------------
# What a wave publishes, as one system for the secrecy model.
#
# The published tables are declared here and nowhere else: the key figures
# (overall, by stratum), the communes (map and its table), and the sex and
# age band tables of the whole territory — the dashboard's filters reach
# exactly these cells (neither a stratum nor a commune is crossed with sex
# or age: ADR 013). The
# secrecy model (nonrecours.analysis.disclosure.protect) decides, on all of
# them together, what is hidden; the report, open data and public pages
# publish the same rows.

# (name, dimensions) of every published table, the overall figure first.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OVERALL, ()),
    ("strate", ("strate",)),
    ("commune", ("commune",)),
    ("sexe", ("sexe",)),
    ("age", ("age",)),
    ("sexe_age", ("sexe", "age")),
)
KEY_TABLES = (OVERALL, "strate")
CROSSED_TABLES = tuple(name for name, _ in TABLES if name not in (OVERALL, "strate", "commune"))


@dataclass(frozen=True)
class Layout:
    """The atoms (commune × sex × age band, the finest crossing of what is
    published) and, for each declared table, each respondent's cell."""

    categories: dict[str, tuple[str, ...]]  # dimension -> its category codes
    atom_of: NDArray[np.intp]  # respondent -> atom
    atom_count: int
    # table -> (respondent -> cell code, atom -> cell code, number of cells)
    codes: dict[str, tuple[NDArray[np.intp], NDArray[np.intp], int]]

    def domain(self, table: str, code: int) -> str:
        """The cell's categories joined by "|" (OVERALL for the overall)."""
        dimensions = dict(TABLES)[table]
        if not dimensions:
            return OVERALL
        parts = []
        for dimension in reversed(dimensions):
            size = len(self.categories[dimension])
            code, position = divmod(code, size)
            parts.append(self.categories[dimension][position])
        return "|".join(reversed(parts))


def layout_of(
    respondents: "Respondents",
    stratum_of_commune: list[int],
    sexes_shown: tuple[str, ...] | None = None,
) -> Layout:
    """The atoms and the cells of each declared table for these respondents;
    `stratum_of_commune[i]` is the index in STRATA of the stratum of
    `respondents.commune_codes[i]`. Every sex and age category present is a
    category (not given included): the tables add up. With `sexes_shown`
    (those of the population's structure), the other answers ("autre") are
    counted with "not given" — the tables have one small category less.
    """
    given_sexes = respondents.sexes
    if sexes_shown is not None:
        given_sexes = np.where(np.isin(given_sexes, sexes_shown), given_sexes, NOT_GIVEN)
    sexes = tuple(sorted(set(given_sexes.tolist()) | {NOT_GIVEN}))
    ages = tuple(sorted(set(respondents.ages.tolist()) | {NOT_GIVEN}))
    categories = {
        "strate": tuple(STRATA),
        "commune": respondents.commune_codes,
        "sexe": sexes,
        "age": ages,
    }
    n_communes, n_sexes, n_ages = len(respondents.commune_codes), len(sexes), len(ages)
    sex_of = np.searchsorted(np.array(sexes), given_sexes)
    age_of = np.searchsorted(np.array(ages), respondents.ages)
    atom_of = (respondents.communes * n_sexes + sex_of) * n_ages + age_of
    atom_count = n_communes * n_sexes * n_ages
    atoms = np.arange(atom_count)
    atom_commune, rest = np.divmod(atoms, n_sexes * n_ages)
    atom_sex, atom_age = np.divmod(rest, n_ages)
    stratum_of = np.asarray(stratum_of_commune, dtype=np.intp)
    of_respondent = {
        "strate": respondents.strata,
        "commune": respondents.communes,
        "sexe": sex_of,
        "age": age_of,
    }
    of_atom = {
        "strate": stratum_of[atom_commune] if atom_count else atom_commune,
        "commune": atom_commune,
        "sexe": atom_sex,
        "age": atom_age,
    }
    codes = {}
    for name, dimensions in TABLES:
        by_respondent = np.zeros(respondents.strata.size, dtype=np.intp)
        by_atom = np.zeros(atom_count, dtype=np.intp)
        count = 1
        for dimension in dimensions:
            size = len(categories[dimension])
            by_respondent = by_respondent * size + of_respondent[dimension]
            by_atom = by_atom * size + of_atom[dimension]
            count *= size
        codes[name] = (by_respondent, by_atom, count)
    return Layout(categories, atom_of, atom_count, codes)


def _release_structure(
    layout: Layout, tables: tuple[str, ...]
) -> tuple[list[tuple[str, int]], list[list[int]], list[tuple[int, list[int]]]]:
    """The cells of the declared `tables` (as (table, code)), the atoms of
    each, and the lines: each cell of a table split along one more
    dimension (the overall by stratum, a stratum by commune, the women by
    age band…)."""
    keys: list[tuple[str, int]] = []
    cells: list[list[int]] = []
    for name in tables:
        _, by_atom, count = layout.codes[name]
        order = np.argsort(by_atom, kind="stable")
        bounds = np.searchsorted(by_atom[order], np.arange(count + 1))
        for code in range(count):
            keys.append((name, code))
            cells.append(order[bounds[code] : bounds[code + 1]].tolist())
    index = {key: i for i, key in enumerate(keys)}
    dimensions = dict(TABLES)
    lines: list[tuple[int, list[int]]] = []
    for child in tables:
        for parent in tables:
            finer, coarser = dimensions[child], dimensions[parent]
            refines = set(coarser) < set(finer) and len(finer) == len(coarser) + 1
            # A stratum splits into its communes.
            nested = parent == "strate" and child == "commune"
            nested |= parent == OVERALL and child == "commune" and "strate" not in tables
            if not (refines or nested):
                continue
            _, child_atoms, child_count = layout.codes[child]
            _, parent_atoms, _ = layout.codes[parent]
            children: dict[int, set[int]] = {}
            for atom in range(layout.atom_count):
                children.setdefault(int(parent_atoms[atom]), set()).add(int(child_atoms[atom]))
            for parent_code, child_codes in children.items():
                lines.append(
                    (index[(parent, parent_code)], [index[(child, c)] for c in sorted(child_codes)])
                )
    return keys, cells, lines


ALL_TABLES = tuple(name for name, _ in TABLES)


@dataclass(frozen=True)
class Decision:
    """The secrecy model's decision on the declared tables for one base of
    respondents: each cell as (table, code), its status (Status.*) and its
    number of respondents in the base."""

    keys: list[tuple[str, int]]
    status: list[str]
    sizes: list[int]


class ReleasePlan:
    """The declared tables of one campaign as one system (cells, atoms,
    lines), ready to decide any indicator's base; decisions are shared by
    indicators with the same base."""

    def __init__(self, layout: Layout, tables: tuple[str, ...] = ALL_TABLES) -> None:
        self.layout = layout
        self.tables = tables
        self.keys, self.cells, self.lines = _release_structure(layout, tables)
        self.root = self.keys.index((OVERALL, 0)) if OVERALL in tables else None
        self.groups = _crossed_groups(layout, self.keys) if "sexe_age" in tables else []
        # Geography is not crossed with sex or age, but differences of
        # published cells could give such a crossing: watch them all.
        geography = [
            i for i, (name, _) in enumerate(self.keys) if name in KEY_TABLES + ("commune",)
        ]
        people = [i for i, (name, _) in enumerate(self.keys) if name in CROSSED_TABLES]
        self.watched = [
            sorted(set(self.cells[g]) & set(self.cells[p])) for g in geography for p in people
        ]
        self._decided: dict[bytes, Decision] = {}

    def decide(
        self, in_base: NDArray[np.bool_], threshold: int, hidden: frozenset[int] = frozenset()
    ) -> Decision:
        """The decision for the respondents in `in_base` (boolean, one per
        respondent). Raises SecrecyError (see protect)."""
        sizes = np.bincount(self.layout.atom_of[in_base], minlength=self.layout.atom_count)
        signature = sizes.tobytes() + int(threshold).to_bytes(4, "little")
        signature += np.array(sorted(hidden), dtype=np.int64).tobytes()
        if signature not in self._decided:
            status = protect(
                Release(
                    atom_sizes=sizes.tolist(),
                    cells=self.cells,
                    lines=self.lines,
                    root=self.root,
                    groups=self.groups,
                    watched=self.watched,
                    hidden=hidden,
                ),
                threshold,
            )
            cell_sizes = [int(sizes[atoms].sum()) for atoms in self.cells]
            self._decided[signature] = Decision(self.keys, status, cell_sizes)
        return self._decided[signature]


def _crossed_groups(layout: Layout, keys: list[tuple[str, int]]) -> list[list[int]]:
    """Groups of the sex × age table whose hidden cells its margins and
    published cells can give back together: for every set of sexes S and
    of age bands A (not both whole), the rectangle S × A and the cross
    (S × not A) ∪ (not S × A)."""
    sexes, ages = len(layout.categories["sexe"]), len(layout.categories["age"])
    if sexes * ages > 64:
        return []
    index = {key: i for i, key in enumerate(keys)}
    cell = [[index[("sexe_age", s * ages + a)] for a in range(ages)] for s in range(sexes)]
    groups = []
    for sex_set in range(1, 2**sexes):
        for age_set in range(1, 2**ages):
            if sex_set == 2**sexes - 1 and age_set == 2**ages - 1:
                continue
            rectangle, cross = [], []
            for s in range(sexes):
                for a in range(ages):
                    in_s, in_a = bool(sex_set >> s & 1), bool(age_set >> a & 1)
                    if in_s and in_a:
                        rectangle.append(cell[s][a])
                    elif in_s != in_a:
                        cross.append(cell[s][a])
            groups += [rectangle, cross]
    return groups


def released_rows(
    plan: ReleasePlan,
    raking: RakingResult,
    indicator_values: dict[str, FloatArray],
    threshold: int,
) -> list[ResultRow]:
    """The rows of every declared table for every indicator, as the secrecy
    model releases them (one system per indicator, all tables together):
    a hidden row has no figure and `suppressed`; a row with n = 0 is known
    to be empty (nobody in the indicator's base there)."""
    rows: list[ResultRow] = []
    layout = plan.layout
    # Who is in a base is itself an answer (those in financial difficulty…)
    # and its counts are published with the indicator: a cell hidden for
    # everyone is hidden for a base too, even if empty, and the secondary
    # suppression protects it.
    everyone = plan.decide(np.ones(layout.atom_of.size, dtype=bool), threshold)
    hidden_for_everyone = frozenset(
        i for i, status in enumerate(everyone.status) if status == Status.HIDDEN
    )
    for indicator, values in indicator_values.items():
        in_base = ~np.isnan(values)
        forced = hidden_for_everyone if not in_base.all() else frozenset()
        decision = plan.decide(in_base, threshold, forced)
        estimates: dict[str, list[Estimate]] = {}
        for name in plan.tables:
            by_respondent, _, count = layout.codes[name]
            estimates[name] = means_by_domain(raking, values, by_respondent, count)
        for (name, code), state in zip(decision.keys, decision.status, strict=True):
            estimate = estimates[name][code]
            show = state == Status.PUBLISHED
            rows.append(
                ResultRow(
                    indicator=indicator,
                    by=name,
                    domain=layout.domain(name, code),
                    estimate=estimate.estimate if show else None,
                    se=estimate.se if show else None,
                    ci_low=max(0.0, estimate.ci_low) if show else None,
                    ci_high=min(1.0, estimate.ci_high) if show else None,
                    n=estimate.n,
                    suppressed=state == Status.HIDDEN,
                )
            )
    return rows


MAP_CLASSES = [
    (0.2, "moins de 20 %", "#f2f0f7"),
    (0.4, "de 20 à 40 %", "#cbc9e2"),
    (0.6, "de 40 à 60 %", "#9e9ac8"),
    (0.8, "de 60 à 80 %", "#756bb1"),
    (float("inf"), "80 % et plus", "#54278f"),
]
HIDDEN_CLASS = "masquee"
EMPTY_CLASS = "aucune-reponse"
EMPTY_COLOR = "url(#points)"  # dotted: unlike any class of MAP_CLASSES


def indicator_map_classes(
    commune_rows: Iterable[ResultRow], indicator_id: str
) -> dict[str, tuple[str, str, ResultRow]]:
    """For each commune (INSEE code) of ``commune_rows`` (rows by commune,
    computed now or read from a publication): its class key, colour and
    row. Hidden communes get the hatched class, communes with nobody in the
    indicator's base the dotted EMPTY_CLASS, the others the class of
    MAP_CLASSES their estimate falls in."""
    result = {}
    for row in commune_rows:
        if row.indicator != indicator_id:
            continue
        if row.suppressed:
            result[row.domain] = (HIDDEN_CLASS, "url(#hachures)", row)
            continue
        if row.estimate is None:  # nobody in the indicator's base there
            result[row.domain] = (EMPTY_CLASS, EMPTY_COLOR, row)
            continue
        for upper, label, color in MAP_CLASSES:
            if row.estimate < upper:
                result[row.domain] = (label, color, row)
                break
    return result


def as_dict(analysis: CampaignAnalysis) -> dict[str, Any]:
    raking = analysis.raking
    return {
        "ponderation": {
            "methode": "calage (raking)",
            "marges": list(analysis.margins),
            "structure_sexe_age": analysis.structure_label,
            "structure_sexe_age_approximative": analysis.structure_approximation,
            "options": analysis.weighting.describe(),
            "poids_sur_une_borne": raking.bounded,
            "converge": raking.converged,
            "iterations": raking.iterations,
            "effet_de_plan_kish": raking.kish_deff,
            "taille_effective": raking.effective_n,
            "poids_min": raking.weight_range[0],
            "poids_max": raking.weight_range[1],
        },
        "resultats": as_json_rows(analysis.rows),
    }


# Analyses are kept in this process only: they hold respondent-level arrays
# (the filters need them), which must not go to a shared cache that outlives
# the answers' retention. A few campaigns at a time.
_ANALYSES: "OrderedDict[str, CampaignAnalysis]" = OrderedDict()
_ANALYSES_LOCK = threading.Lock()
_ANALYSES_KEPT = 4


def campaign_analysis_cached(campaign: Campaign) -> CampaignAnalysis:
    """campaign_analysis, recomputed when answers arrive or the territory's
    population data change."""
    state = campaign.responses.aggregate(n=Count("pk"), last=Max("received_at"))
    last = state["last"].timestamp() if state["last"] else 0
    territory = type(campaign.territory).objects.only("updated_at").get(pk=campaign.territory_id)
    key = (
        f"{campaign.pk}:{campaign.questionnaire_id}:{state['n']}:{last}:"
        f"{territory.updated_at.timestamp()}"
    )
    with _ANALYSES_LOCK:
        analysis = _ANALYSES.get(key)
        if analysis is not None:
            _ANALYSES.move_to_end(key)
            return analysis
    analysis = campaign_analysis(campaign)
    with _ANALYSES_LOCK:
        _ANALYSES[key] = analysis
        while len(_ANALYSES) > _ANALYSES_KEPT:
            _ANALYSES.popitem(last=False)
    return analysis


class LabelledIndicator(Protocol):
    """What a line needs of an indicator: a questionnaire's Indicator or a
    publication's PublishedIndicator."""

    @property
    def id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def base(self) -> str: ...


@dataclass(frozen=True)
class DashboardLine:
    """One indicator: overall, by stratum (label, row, change since the
    previous wave), and the overall change."""

    indicator: str
    label: str
    base: str
    overall: ResultRow
    by_stratum: list[tuple[str, ResultRow, "Change | None"]]
    change: "Change | None" = None


def dashboard_lines(
    indicators: Iterable[LabelledIndicator],
    rows: Iterable[ResultRow],
    changes: "dict[tuple[str, str], Change] | None" = None,
) -> list[DashboardLine]:
    """One line per indicator, in the order of ``indicators``, from the key
    ``rows`` (overall and by stratum: computed now or read from a
    publication) and the ``changes`` by (indicator, domain). Raises
    KeyError when a row is missing."""
    by_key = {(r.indicator, r.by, r.domain): r for r in rows}
    changes = changes or {}
    return [
        DashboardLine(
            indicator=i.id,
            label=i.label,
            base=i.base,
            overall=by_key[(i.id, OVERALL, OVERALL)],
            by_stratum=[
                (str(s.label), by_key[(i.id, "strate", s.value)], changes.get((i.id, s.value)))
                for s in Stratum
            ],
            change=changes.get((i.id, OVERALL)),
        )
        for i in indicators
    ]


OPEN_DATA_DICTIONARY = [
    ("indicateur", "identifiant de l'indicateur (celui du baromètre publié en 2024)"),
    ("libelle", "ce que mesure l'indicateur"),
    ("base", "population sur laquelle la part est calculée"),
    ("ventilation", "« ensemble » pour tout le territoire, ou « strate »"),
    ("domaine", "« ensemble », ou la strate (central_city, small_commune, urban, rural)"),
    ("estimation", "part estimée (entre 0 et 1), pondérée ; vide si masquée"),
    ("erreur_type", "erreur-type de l'estimation, calage compris"),
    ("ic95_bas", "borne basse de l'intervalle de confiance à 95 %"),
    ("ic95_haut", "borne haute de l'intervalle de confiance à 95 %"),
    ("effectif", "nombre de répondant·es dans le domaine et la base"),
    (
        "masquee",
        "oui si la case est masquée par le secret statistique (moins de 11 répondant·es, "
        "ou déductible d'une autre case masquée)",
    ),
]


def open_data_rows(campaign: Campaign, analysis: CampaignAnalysis) -> list[dict[str, Any]]:
    indicators = {i.id: i for i in campaign.questionnaire.questionnaire().indicators}
    return [
        {
            "indicateur": r.indicator,
            "libelle": indicators[r.indicator].label,
            "base": indicators[r.indicator].base,
            "ventilation": r.by,
            "domaine": r.domain,
            "estimation": r.estimate,
            "erreur_type": r.se,
            "ic95_bas": r.ci_low,
            "ic95_haut": r.ci_high,
            "effectif": None if r.suppressed else r.n,
            "masquee": "oui" if r.suppressed else "non",
        }
        for r in analysis.rows
    ]


@dataclass(frozen=True)
class Change:
    """A published cell against the previous wave: its share then, and the
    difference (points as a share, now minus then) with its standard error."""

    previous: float
    difference: float
    se: float

    @property
    def p_value(self) -> float:
        """Two-sided p-value of "no change" (independent samples)."""
        return Difference(self.difference, self.se).p_value

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The territory's wave before this one (the latest that started earlier)."""
    return (
        Campaign.objects.filter(territory=campaign.territory, starts_on__lt=campaign.starts_on)
        .order_by("-starts_on")
        .first()
    )


def changes_since(
    current: Iterable[ResultRow], previous: Iterable[ResultRow]
) -> dict[tuple[str, str], Change]:
    """Change of each published cell from the previous wave, by (indicator,
    domain), from the rows of both (computed now or read from a
    publication). Cells hidden or empty in either wave have no change."""
    before = {(r.indicator, r.domain): r for r in previous}
    changes = {}
    for row in current:
        old = before.get((row.indicator, row.domain))
        if old is None or row.suppressed or old.suppressed:
            continue
        if row.estimate is None or row.se is None or old.estimate is None or old.se is None:
            continue
        change = difference_between_waves(
            Estimate(row.estimate, row.se, row.n), Estimate(old.estimate, old.se, old.n)
        )
        changes[(row.indicator, row.domain)] = Change(
            previous=old.estimate, difference=change.estimate, se=change.se
        )
    return changes


@dataclass(frozen=True)
class IndicatorMap:
    indicator: str
    label: str
    projected: ProjectedMap
    legend: list[tuple[str, str]]  # (label, colour or pattern)
    communes: list[tuple[Commune, ResultRow]]  # for the data table

    @property
    def rows(self) -> list[tuple[MapFeature, Commune, ResultRow]]:
        by_code = {c.insee_code: (c, r) for c, r in self.communes}
        return [(f, *by_code[f.key]) for f in self.projected.features]


def indicator_map(
    campaign: Campaign, analysis: CampaignAnalysis, indicator_id: str
) -> IndicatorMap:
    """Choropleth of one indicator by commune, for the team (see commune_map)."""
    indicators = {i.id: i for i in campaign.questionnaire.questionnaire().indicators}
    return commune_map(
        Commune.objects.members_of(campaign.territory),
        analysis.commune_rows,
        indicator_id,
        indicators[indicator_id].label,
        analysis.weighting.threshold,
    )


def commune_map(
    communes: QuerySet[Commune],
    commune_rows: Iterable[ResultRow],
    indicator_id: str,
    label: str,
    threshold: int,
) -> IndicatorMap:
    """Choropleth of one indicator over `communes` from its rows by commune
    (computed now, or read from a publication): hidden communes hatched,
    communes with nobody in the indicator's base dotted; the data table
    lists the communes in name order."""
    classes = indicator_map_classes(commune_rows, indicator_id)
    items = []
    table = []
    for commune in sorted(
        communes.filter(insee_code__in=list(classes)), key=lambda c: sort_key(c.name)
    ):
        key, color, row = classes[commune.insee_code]
        table.append((commune, row))
        if commune.geometry:
            items.append((commune.insee_code, commune.geometry, MapClass(key, key, color)))
    legend = [(name, color) for _, name, color in MAP_CLASSES]
    legend.append(("aucune réponse dans la base de l'indicateur", EMPTY_COLOR))
    legend.append((f"masquée (moins de {threshold} réponses, ou déductible)", "url(#hachures)"))
    return IndicatorMap(
        indicator=indicator_id,
        label=label,
        projected=project_features(items),
        legend=legend,
        communes=table,
    )


@dataclass(frozen=True)
class Filters:
    """A subgroup of respondents for the dashboard: each filter is optional."""

    stratum: str | None = None
    commune: str | None = None  # INSEE code
    sex: str | None = None
    age: str | None = None

    @property
    def active(self) -> bool:
        return any((self.stratum, self.commune, self.sex, self.age))

    def mask(self, respondents: Respondents) -> NDArray[np.bool_]:
        keep = np.ones(respondents.strata.size, dtype=bool)
        if self.stratum:
            keep &= respondents.strata == STRATA.index(self.stratum)
        if self.commune:
            codes = respondents.commune_codes
            keep &= respondents.communes == (
                codes.index(self.commune) if self.commune in codes else -1
            )
        if self.sex:
            keep &= respondents.sexes == self.sex
        if self.age:
            keep &= respondents.ages == self.age
        return keep


@dataclass(frozen=True)
class FilteredLine:
    indicator: str
    label: str
    overall: ResultRow
    subgroup: ResultRow
    versus_rest: Difference | None  # subgroup minus the rest of the population


NOT_CROSSED = (
    "La strate et la commune ne sont croisées ni avec le sexe ni avec l'âge : il y aurait trop "
    "peu de réponses par case, et ces chiffres permettraient de retrouver ceux qui sont "
    "masqués. Retirez soit le filtre géographique, soit le sexe et l'âge."
)


def subgroup_cell(filters: Filters, analysis: CampaignAnalysis) -> tuple[str, str] | str:
    """The published cell a subgroup is: (table, domain) of a declared table
    (see TABLES), or why it is not published (French). A stratum or a
    commune is not crossed with sex or age; sex and age band are."""
    if filters.commune:
        if filters.sex or filters.age:
            return NOT_CROSSED
        respondents = analysis.respondents
        codes = respondents.commune_codes if respondents is not None else ()
        if filters.commune not in codes:
            return "Cette commune n'est pas dans le périmètre analysé."
        if filters.stratum and analysis.stratum_of.get(filters.commune) != filters.stratum:
            return "Cette commune n'est pas dans la strate choisie."
        return "commune", filters.commune
    layout = analysis.layout
    respondents = analysis.respondents
    if filters.sex and layout is not None and respondents is not None:
        if filters.sex not in layout.categories["sexe"] and filters.sex in respondents.sexes:
            return (
                "Cette réponse est comptée avec « non renseigné » dans les tableaux publiés : "
                "trop rare pour être publiée seule."
            )
    parts = [
        (name, value)
        for name, value in (
            ("strate", filters.stratum),
            ("sexe", filters.sex),
            ("age", filters.age),
        )
        if value
    ]
    if not parts:
        return OVERALL, OVERALL
    table = "_".join(name for name, _ in parts)
    if table not in dict(TABLES):
        return NOT_CROSSED
    return table, "|".join(str(value) for _, value in parts)


def filtered_lines(
    campaign: Campaign, analysis: CampaignAnalysis, filters: Filters
) -> tuple[list[FilteredLine], str]:
    """Each indicator in the subgroup, beside the whole population, with the
    test of "no difference from the rest", and "" — or no line and why the
    subgroup is not published (French). The subgroup's figures are the cell
    of a declared table, hidden exactly as everywhere else (the secrecy
    model decided on all the tables together)."""
    respondents = analysis.respondents
    if respondents is None:
        return [], ""
    cell = subgroup_cell(filters, analysis)
    if isinstance(cell, str):
        return [], cell
    table, domain = cell
    published = {
        (r.indicator, r.by, r.domain): r
        for r in (*analysis.rows, *analysis.commune_rows, *analysis.tables)
    }
    overall = {r.indicator: r for r in analysis.rows if r.by == OVERALL}
    inside = filters.mask(respondents)
    lines = []
    for indicator in campaign.questionnaire.questionnaire().indicators:
        row = published.get((indicator.id, table, domain))
        if row is None:  # a category nobody gave: an empty cell
            row = ResultRow(indicator.id, table, domain, None, None, None, None, 0, False)
        versus_rest = None
        values = respondents.values[indicator.id]
        n_rest = int(np.sum(~inside & ~np.isnan(values)))
        if not row.suppressed and row.n > 0 and n_rest > 0 and table != OVERALL:
            versus_rest = difference(analysis.raking, values, inside, ~inside)
        lines.append(
            FilteredLine(indicator.id, indicator.label, overall[indicator.id], row, versus_rest)
        )
    return lines, ""


@dataclass(frozen=True)
class StratumComparison:
    indicator: str
    label: str
    reference: str  # label of the reference stratum (the central city)
    others: list[tuple[str, Difference | None]]  # (stratum label, other minus reference)


def stratum_comparisons(campaign: Campaign, analysis: CampaignAnalysis) -> list[StratumComparison]:
    """Each stratum against the central city, with the calibration's
    covariance; no test where either cell is hidden or empty."""
    respondents = analysis.respondents
    if respondents is None:
        return []
    shown = {(r.indicator, r.domain) for r in analysis.rows if r.estimate is not None}
    reference = Stratum.CENTRAL_CITY
    in_reference = respondents.strata == STRATA.index(reference.value)
    result = []
    for indicator in campaign.questionnaire.questionnaire().indicators:
        values = respondents.values[indicator.id]
        others: list[tuple[str, Difference | None]] = []
        for stratum in Stratum:
            if stratum == reference:
                continue
            tested = (indicator.id, stratum.value) in shown and (
                indicator.id,
                reference.value,
            ) in shown
            others.append(
                (
                    str(stratum.label),
                    difference(
                        analysis.raking,
                        values,
                        respondents.strata == STRATA.index(stratum.value),
                        in_reference,
                    )
                    if tested
                    else None,
                )
            )
        result.append(
            StratumComparison(indicator.id, indicator.label, str(reference.label), others)
        )
    return result
