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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Max
from numpy.typing import NDArray

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, Cell, suppressed
from nonrecours.analysis.estimators import (
    Difference,
    Estimate,
    difference,
    difference_between_waves,
    mean,
    means_by_domain,
)
from nonrecours.analysis.files import OVERALL, ResultRow, as_json_rows, result_rows
from nonrecours.analysis.raking import FloatArray, Margin, RakingError, RakingResult, rake
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
    communes = list(
        Commune.objects.filter(
            territory=campaign.territory, is_member=True, population__isnull=False
        )
    )
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
    estimates: list[tuple[str, str, str, Estimate]] = []
    commune_estimates: list[tuple[str, str, str, Estimate]] = []
    values_by_indicator: dict[str, FloatArray] = {}
    for indicator in questionnaire.indicators:
        values = np.array(
            [
                (1.0 if indicator.numerator.evaluate(answers) else 0.0)
                if indicator.base_condition is None or indicator.base_condition.evaluate(answers)
                else np.nan
                for _, answers in responses
            ]
        )
        values_by_indicator[indicator.id] = values
        overall, *by_stratum = means_by_domain(
            raking, values, strata, len(STRATA), with_overall=True
        )
        estimates.append((indicator.id, OVERALL, OVERALL, overall))
        for stratum, estimate in zip(STRATA, by_stratum, strict=True):
            estimates.append((indicator.id, "strate", stratum, estimate))
        by_commune = means_by_domain(raking, values, commune_codes, len(commune_order))
        for insee_code, estimate in zip(commune_order, by_commune, strict=True):
            commune_estimates.append((indicator.id, "commune", insee_code, estimate))
    threshold = weighting.threshold
    stratum_of = {c.insee_code: c.stratum for c in communes}
    return CampaignAnalysis(
        rows=result_rows(estimates, threshold),
        raking=raking,
        zones=zones,
        # The communes of a stratum add up to the published stratum: their
        # secondary suppression is within the stratum.
        commune_rows=result_rows(
            commune_estimates,
            threshold,
            group_of=lambda ident, by, code: f"{ident}|commune|{stratum_of[code]}",
        ),
        margins=tuple(described),
        structure_label=structure.label,
        structure_approximation=structure.approximation
        and any(m.variable != "zone" for m in margins),
        weighting=weighting,
        respondents=Respondents(
            strata=strata,
            communes=commune_codes,
            commune_codes=tuple(commune_order),
            sexes=sexes,
            ages=ages,
            values=values_by_indicator,
            ids=ids,
        ),
    )


MAP_CLASSES = [
    (0.2, "moins de 20 %", "#f2f0f7"),
    (0.4, "de 20 à 40 %", "#cbc9e2"),
    (0.6, "de 40 à 60 %", "#9e9ac8"),
    (0.8, "de 60 à 80 %", "#756bb1"),
    (float("inf"), "80 % et plus", "#54278f"),
]
HIDDEN_CLASS = "masquee"


def indicator_map_classes(
    analysis: CampaignAnalysis, indicator_id: str
) -> dict[str, tuple[str, str, ResultRow]]:
    """For each commune (INSEE code): its class key, colour and published row;
    hidden communes get the hatched class."""
    result = {}
    for row in analysis.commune_rows:
        if row.indicator != indicator_id:
            continue
        if row.suppressed or row.estimate is None:
            result[row.domain] = (HIDDEN_CLASS, "url(#hachures)", row)
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


@dataclass(frozen=True)
class DashboardLine:
    indicator: str
    label: str
    base: str
    overall: ResultRow
    by_stratum: list[tuple[str, ResultRow, "Change | None"]]
    change: "Change | None" = None


def dashboard_lines(
    campaign: Campaign,
    analysis: CampaignAnalysis,
    changes: "dict[tuple[str, str], Change] | None" = None,
) -> list[DashboardLine]:
    questionnaire = campaign.questionnaire.questionnaire()
    rows = {(r.indicator, r.by, r.domain): r for r in analysis.rows}
    return [
        DashboardLine(
            indicator=i.id,
            label=i.label,
            base=i.base,
            overall=rows[(i.id, OVERALL, OVERALL)],
            by_stratum=[
                (
                    str(s.label),
                    rows[(i.id, "strate", s.value)],
                    (changes or {}).get((i.id, s.value)),
                )
                for s in Stratum
            ],
            change=(changes or {}).get((i.id, OVERALL)),
        )
        for i in questionnaire.indicators
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
    previous: float
    difference: float
    p_value: float

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
    current: CampaignAnalysis, previous: CampaignAnalysis
) -> dict[tuple[str, str], Change]:
    """Change of each published cell from the previous wave, by (indicator,
    domain), with the p-value of "no change" (independent samples). Cells
    hidden in either wave have no change."""
    before = {(r.indicator, r.domain): r for r in previous.rows}
    changes = {}
    for row in current.rows:
        old = before.get((row.indicator, row.domain))
        if old is None or row.suppressed or old.suppressed:
            continue
        if row.estimate is None or row.se is None or old.estimate is None or old.se is None:
            continue
        change = difference_between_waves(
            Estimate(row.estimate, row.se, row.n), Estimate(old.estimate, old.se, old.n)
        )
        changes[(row.indicator, row.domain)] = Change(
            previous=old.estimate, difference=change.estimate, p_value=change.p_value
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
    """Choropleth of one indicator by commune; hidden communes are hatched."""
    indicators = {i.id: i for i in campaign.questionnaire.questionnaire().indicators}
    classes = indicator_map_classes(analysis, indicator_id)
    communes = list(
        Commune.objects.filter(territory=campaign.territory, is_member=True).order_by("name")
    )
    items = []
    table = []
    for commune in communes:
        if commune.insee_code not in classes:
            continue
        key, color, row = classes[commune.insee_code]
        table.append((commune, row))
        if commune.geometry:
            items.append((commune.insee_code, commune.geometry, MapClass(key, key, color)))
    legend = [(label, color) for _, label, color in MAP_CLASSES]
    legend.append(("masquée (moins de 11 réponses, ou déductible)", "url(#hachures)"))
    return IndicatorMap(
        indicator=indicator_id,
        label=indicators[indicator_id].label,
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


def _filter_dimensions(
    filters: Filters, respondents: Respondents
) -> list[tuple[NDArray[Any], NDArray[np.bool_]]]:
    """For each active filter: the respondents' category on that dimension,
    and who is in the chosen category."""
    dimensions: list[tuple[NDArray[Any], NDArray[np.bool_]]] = []
    for name, values in (
        ("stratum", respondents.strata),
        ("commune", respondents.communes),
        ("sex", respondents.sexes),
        ("age", respondents.ages),
    ):
        if getattr(filters, name):
            chosen = Filters(**{name: getattr(filters, name)}).mask(respondents)
            dimensions.append((values, chosen))
    return dimensions


def _subgroup_hidden(
    dimensions: list[tuple[NDArray[Any], NDArray[np.bool_]]],
    in_base: NDArray[np.bool_],
    threshold: int,
) -> bool:
    """The disclosure rule on every table the subgroup belongs to: for each
    filter, the other filters' group split by this filter's categories
    (e.g. the women split by age band) must not have a lone hidden cell, so
    that no hidden cell is the difference between published ones."""
    for index, (values, chosen) in enumerate(dimensions):
        parent = in_base.copy()
        for other, (_, other_chosen) in enumerate(dimensions):
            if other != index:
                parent &= other_chosen
        categories, counts = np.unique(values[parent], return_counts=True)
        mine = values[chosen & parent]
        if mine.size == 0:
            return True
        cells = [Cell(group="partition", n=int(c)) for c in counts]
        hidden = suppressed(cells, threshold)
        position = int(np.searchsorted(categories, mine[0]))
        if hidden[position]:
            return True
    return False


def filtered_lines(
    campaign: Campaign, analysis: CampaignAnalysis, filters: Filters
) -> list[FilteredLine]:
    """Each indicator in the subgroup, beside the whole population, with the
    test of "no difference from the rest". Hidden (all indicators) when the
    subgroup, or the rest of the population, has fewer respondents than the
    disclosure threshold; hidden (one indicator) when its cell, or a cell
    that would give it away, is hidden in a table the subgroup belongs to
    (the subgroup's parent split by each filter) or on the commune map."""
    respondents = analysis.respondents
    if respondents is None:
        return []
    inside = filters.mask(respondents)
    overall = {r.indicator: r for r in analysis.rows if r.by == OVERALL}
    threshold = analysis.weighting.threshold
    everyone_in, everyone_out = int(inside.sum()), int((~inside).sum())
    too_small = everyone_in < threshold or 0 < everyone_out < threshold
    hidden_communes = {(r.indicator, r.domain) for r in analysis.commune_rows if r.suppressed}
    dimensions = _filter_dimensions(filters, respondents)
    lines = []
    for indicator in campaign.questionnaire.questionnaire().indicators:
        values = respondents.values[indicator.id]
        in_base = ~np.isnan(values)
        n_in = int(np.sum(inside & in_base))
        n_rest = int(np.sum(~inside & in_base))
        hidden = (
            too_small
            or n_in < threshold
            or 0 < n_rest < threshold
            or (filters.commune is not None and (indicator.id, filters.commune) in hidden_communes)
            or _subgroup_hidden(dimensions, in_base, threshold)
        )
        versus_rest = None
        if hidden:
            row = ResultRow(
                indicator.id, "filtre", "sous-groupe", None, None, None, None, n_in, True
            )
        else:
            estimate = mean(analysis.raking, values, inside)
            row = ResultRow(
                indicator.id,
                "filtre",
                "sous-groupe",
                estimate.estimate,
                estimate.se,
                max(0.0, estimate.ci_low),
                min(1.0, estimate.ci_high),
                n_in,
                False,
            )
            if n_rest:
                versus_rest = difference(analysis.raking, values, inside, ~inside)
        lines.append(
            FilteredLine(indicator.id, indicator.label, overall[indicator.id], row, versus_rest)
        )
    return lines


@dataclass(frozen=True)
class StratumComparison:
    indicator: str
    label: str
    reference: str  # label of the reference stratum (the central city)
    others: list[tuple[str, Difference | None]]  # (stratum label, other minus reference)


def stratum_comparisons(campaign: Campaign, analysis: CampaignAnalysis) -> list[StratumComparison]:
    """Each stratum against the central city, with the calibration's
    covariance; no test where either cell is hidden."""
    respondents = analysis.respondents
    if respondents is None:
        return []
    shown = {(r.indicator, r.domain) for r in analysis.rows if not r.suppressed}
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
