"""Reads on territories and communes."""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from nonrecours.errors import UserError
from nonrecours.french import sort_key
from nonrecours.territories.enums import Stratum
from nonrecours.territories.maps import MapClass, MapFeature, ProjectedMap, project_features
from nonrecours.territories.models import Commune, Territory
from nonrecours.territories.strata import describe_rule

STRATUM_COLORS = {
    # Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
    Stratum.CENTRAL_CITY: "#0072B2",
    Stratum.URBAN: "#56B4E9",
    Stratum.SMALL_COMMUNE: "#E69F00",
    Stratum.RURAL: "#009E73",
}

# Population density classes (inhabitants per km²), fixed so that maps of
# different territories compare. ColorBrewer "Blues", 5 classes.
DENSITY_CLASSES: list[tuple[float, str, str]] = [
    (100, "moins de 100 hab./km²", "#eff3ff"),
    (300, "de 100 à 300 hab./km²", "#bdd7e7"),
    (1000, "de 300 à 1 000 hab./km²", "#6baed6"),
    (3000, "de 1 000 à 3 000 hab./km²", "#3182bd"),
    (float("inf"), "3 000 hab./km² et plus", "#08519c"),
]


class MapMeasure:
    DENSITY = "densite"
    STRATUM = "strate"
    CHOICES = {DENSITY: "Densité de population", STRATUM: "Strate du baromètre"}


@dataclass(frozen=True)
class StratumRow:
    stratum: Stratum
    color: str
    communes: int
    population: int
    population_share: float


@dataclass(frozen=True)
class TerritoryMap:
    measure: str
    title: str
    legend: tuple[MapClass, ...]
    projected: ProjectedMap
    communes: dict[str, Commune]
    missing: tuple[Commune, ...] = ()

    @property
    def rows(self) -> list[tuple[MapFeature, Commune]]:
        return [(f, self.communes[f.key]) for f in self.projected.features]


class UnknownTerritory(UserError, Territory.DoesNotExist):
    """No territory imported has this SIREN (French message, which says how
    to list them). Also a Territory.DoesNotExist, for the pages' 404."""


def territory_by_siren(siren: str) -> Territory:
    """The imported territory of this SIREN. Raises UnknownTerritory."""
    try:
        return Territory.objects.get(siren=siren)
    except Territory.DoesNotExist:
        raise UnknownTerritory(
            f"Aucun territoire importé n'a le code SIREN {siren}. Voir : nonrecours territory list"
        ) from None


def territory_default() -> Territory | None:
    """The install's territory, for everything that does not name one (home
    page, simulator, directory, XLSForm of the core questionnaire): the one
    NONRECOURS_DEFAULT_TERRITORY names (SIREN) once imported; else the first
    territory imported (by name); None when there is none. The only place
    this is decided."""
    territory = Territory.objects.filter(siren=settings.NONRECOURS_DEFAULT_TERRITORY).first()
    return territory or Territory.objects.order_by("name", "pk").first()


def territory_list() -> list[Territory]:
    return list(Territory.objects.all())


def member_communes(territory: Territory) -> list[Commune]:
    """Member communes in alphabetical order as a French reader expects
    (accents ignored: « Écurie » among the E, not after « Wancourt »;
    nonrecours.french.sort_key), for lists people choose from."""
    communes = territory.communes.members().defer("geometry")
    return sorted(communes, key=lambda commune: sort_key(commune.name))


def commune_list(territory: Territory) -> list[Commune]:
    """Member communes, largest first."""
    return list(
        territory.communes.members()
        .defer("geometry")
        .order_by(F("population").desc(nulls_last=True), "name")
    )


def strata_summary(territory: Territory) -> list[StratumRow]:
    communes = commune_list(territory)
    total = sum(c.population or 0 for c in communes) or 1
    rows = []
    for stratum in Stratum:
        members = [c for c in communes if c.stratum == stratum]
        population = sum(c.population or 0 for c in members)
        rows.append(
            StratumRow(
                stratum=stratum,
                color=STRATUM_COLORS[stratum],
                communes=len(members),
                population=population,
                population_share=population / total,
            )
        )
    return rows


def strata_rule(territory: Territory) -> list[str]:
    return describe_rule(
        small_commune_threshold=territory.small_commune_threshold,
        density_threshold=territory.density_threshold,
    )


def _density_class(density: float | None) -> MapClass:
    if density is None:
        return MapClass(key="unknown", label="densité inconnue", color="#d9d9d9")
    for upper, label, color in DENSITY_CLASSES:
        if density < upper:
            return MapClass(key=f"d{upper:g}", label=label, color=color)
    raise AssertionError("unreachable: the last class has no upper bound")


def _stratum_class(stratum: str) -> MapClass:
    value = Stratum(stratum)
    return MapClass(key=value.value, label=str(value.label), color=STRATUM_COLORS[value])


def territory_map(territory: Territory, measure: str = MapMeasure.DENSITY) -> TerritoryMap:
    """The choropleth of the territory's communes for a measure (MapMeasure)."""
    if measure not in MapMeasure.CHOICES:
        measure = MapMeasure.DENSITY
    communes: list[Commune] = []
    missing: list[Commune] = []
    items: list[tuple[str, dict[str, Any], MapClass]] = []
    for commune in territory.communes.members():
        geometry = commune.geometry
        if not geometry:
            missing.append(commune)
            continue
        communes.append(commune)
        map_class = (
            _stratum_class(commune.stratum)
            if measure == MapMeasure.STRATUM
            else _density_class(commune.density)
        )
        items.append((commune.insee_code, geometry, map_class))
    if measure == MapMeasure.STRATUM:
        legend = tuple(_stratum_class(s) for s in Stratum)
    else:
        legend = tuple(
            MapClass(key=f"d{u:g}", label=label, color=color) for u, label, color in DENSITY_CLASSES
        )
        unknown = [c for _, _, c in items if c.key == "unknown"]
        legend += tuple(unknown[:1])
    signature = "|".join(f"{key}:{c.key}" for key, _, c in items)
    signature += f"|{territory.siren}|{territory.imported_at.isoformat()}"
    cache_key = "territory-map:" + hashlib.sha256(signature.encode()).hexdigest()
    projected = cache.get(cache_key)
    if projected is None:
        projected = project_features(items)
        cache.set(cache_key, projected, timeout=3600)
    return TerritoryMap(
        measure=measure,
        title=MapMeasure.CHOICES[measure],
        legend=legend,
        projected=projected,
        communes={c.insee_code: c for c in communes},
        missing=tuple(missing),
    )
