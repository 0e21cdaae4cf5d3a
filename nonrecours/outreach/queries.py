"""Reads of the aller-vers (outreach) app for its pages and commands."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from nonrecours.outreach.models import BusCalendar, BusVisit, PriorityArea
from nonrecours.outreach.priorities import FACTORS, PlacePriority, PriorityIndex
from nonrecours.surveys.maps import CLASS_KEYS, estimate_class
from nonrecours.territories.maps import MapClass, ProjectedMap, project_features
from nonrecours.territories.models import Commune, Territory


@dataclass(frozen=True)
class PriorityMap:
    """The index as a choropleth of the communes (class keys of
    surveys.maps: the score ÷ 100 in five classes of 20 points) with the
    QPV as points; `legend` in order; `rows` for the SVG."""

    projected: ProjectedMap
    legend: tuple[str, ...]
    places: dict[str, PlacePriority]  # INSEE code -> the commune's line

    @property
    def rows(self) -> list[tuple[Any, PlacePriority]]:
        return [(f, self.places[f.key]) for f in self.projected.features]


def priority_map(index: PriorityIndex) -> PriorityMap:
    """The map of `index`: each member commune with a contour in the class
    of its score; each QPV as a point at its stop."""
    geometries: dict[str, dict[str, Any]] = {
        c.insee_code: c.geometry
        for c in Commune.objects.members_of(index.territory)
        if isinstance(c.geometry, dict)
    }
    places = {p.key: p for p in index.places if p.kind == "commune" and p.key in geometries}
    items = [
        (code, geometries[code], MapClass(key, key, ""))
        for code, place in sorted(places.items())
        for key in [estimate_class(place.score / 100)]
    ]
    areas = PriorityArea.objects.filter(territory=index.territory).order_by("code")
    points = [(a.code, a.longitude, a.latitude) for a in areas]
    return PriorityMap(projected=project_features(items, points), legend=CLASS_KEYS, places=places)


def priority_index_data(index: PriorityIndex) -> dict[str, Any]:
    """The index as JSON data (`nonrecours outreach priorities --out`):
    the territory, the barometer's campaign, every factor with its weight
    and whether it is used, the missing ones with why (French), and the
    places ranked, each with its score (0–100), its reasons and its values
    (scaled 0–1, French text, taken from the stratum or not)."""
    return {
        "territoire": {"siren": index.territory.siren, "nom": index.territory.name},
        "campagne": index.campaign.slug if index.campaign else None,
        "facteurs": [
            {
                "cle": f.key,
                "libelle": f.label,
                "source": f.source,
                "mise_a_l_echelle": f.scaling,
                "poids": index.weights[f.key],
                "utilise": f.key in index.used,
            }
            for f in FACTORS
        ],
        "absents": [{"facteur": label, "raison": why} for label, why in index.missing],
        "points_d_accueil": index.help_points,
        "lieux": [
            {
                "rang": p.rank,
                "cle": p.key,
                "type": p.kind,
                "nom": p.name,
                "code_insee": p.insee_code,
                "population": p.population,
                "strate": p.stratum,
                "indice": round(p.score, 2),
                "pourquoi": p.reasons,
                "facteurs": {
                    v.factor: {
                        "valeur": round(v.scaled, 4),
                        "texte": v.text,
                        "de_la_strate": v.from_stratum,
                        "points": round(p.contributions[v.factor], 2),
                    }
                    for v in p.values
                },
            }
            for p in index.places
        ],
    }


def operating_calendars(territory: Territory) -> QuerySet[BusCalendar]:
    """The calendars the bus runs on: those the team published
    (outreach.publishing); while the territory has none, its demonstration
    calendars (`make run`, labelled fictitious everywhere). A calendar only
    saved is a draft: the journal does not offer its visits."""
    calendars = BusCalendar.objects.filter(territory=territory)
    published = calendars.filter(published_at__isnull=False, is_synthetic=False)
    if published.exists():
        return published
    return calendars.filter(is_synthetic=True)


def operating_visits(territory: Territory) -> QuerySet[BusVisit]:
    """The visits the bus made or will make: those of the operating
    calendars, and any visit whose activity was noted (people received,
    hours of presence) — a calendar replaced in mid-season keeps what it
    achieved; a draft, never logged, counts for nothing."""
    return (
        BusVisit.objects.filter(calendar__territory=territory)
        .filter(
            Q(calendar__in=operating_calendars(territory))
            | Q(visitors__isnull=False)
            | Q(arrived_at__isnull=False)
        )
        .distinct()
    )
