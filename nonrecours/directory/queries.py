"""Reads of the directory: the search a resident or a professional runs."""

import datetime
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from shapely.geometry import shape

from nonrecours.directory.hours import PARIS, OpeningState, opening_state
from nonrecours.directory.models import Offer, OfferTag, Structure, TagKind
from nonrecours.directory.quality import quality_warnings
from nonrecours.territories.models import Commune, Territory

MAX_RESULTS = 50
EARTH_RADIUS_KM = 6371.0088


def commune_centres(territory_id: int | None = None) -> dict[str, tuple[float, float]]:
    """(longitude, latitude) of a point inside each commune (of a territory,
    or all stored): the place of an offer or a person known by commune."""
    communes = Commune.objects.exclude(geometry=None)
    if territory_id is not None:
        communes = communes.filter(territory_id=territory_id)
    result = {}
    for code, geometry in communes.values_list("insee_code", "geometry"):
        point = shape(geometry).representative_point()
        result[code] = (point.x, point.y)
    return result


@lru_cache(maxsize=8)
def _centroids(territory_id: int, stamp: float) -> dict[str, tuple[float, float]]:
    return commune_centres(territory_id)


def centroids(territory: Territory) -> dict[str, tuple[float, float]]:
    """commune_centres of the territory, kept until the territory changes."""
    return _centroids(territory.pk, territory.updated_at.timestamp())


@dataclass(frozen=True)
class Hit:
    offer: Offer
    distance_km: float | None
    state: OpeningState
    position: tuple[float, float] | None


def search(
    territory: Territory,
    *,
    commune: Commune | None = None,
    thematic: str = "",
    public: str = "",
    open_now: bool = False,
    now: datetime.datetime | None = None,
    limit: int = MAX_RESULTS,
) -> tuple[list[Hit], int]:
    """Offers of the territory for people of `commune` (its code, its
    département, the EPCI or all of France in the eligibility zone), of a
    thematic (or a whole category) and a public; nearest first. Returns the
    first `limit` hits and how many matched.

    The filters are index lookups on the offers' tags; distances are computed
    for all matches at once (numpy); the opening hours are read only for the
    hits shown, unless "open now" is asked."""
    now = now or datetime.datetime.now(tz=PARIS)
    offers = Offer.objects.filter(territory=territory)

    def tagged(kind: TagKind, values: list[str]) -> Any:
        return OfferTag.objects.filter(kind=kind, value__in=values).values("offer_id")

    if thematic:
        offers = offers.filter(pk__in=tagged(TagKind.THEMATIC, [thematic]))
    if public:
        offers = offers.filter(pk__in=tagged(TagKind.PUBLIC, [public, "tous-publics"]))
    origin = None
    if commune is not None:
        department = (
            commune.insee_code[:3]
            if commune.insee_code.startswith("97")
            else (commune.insee_code[:2])
        )
        # An offer whose zone is not given is shown too (its page says so).
        codes = [commune.insee_code, department, territory.siren, "france", "99100", "inconnue"]
        offers = offers.filter(pk__in=tagged(TagKind.ZONE, codes))
        origin = centroids(territory).get(commune.insee_code)
    rows = list(offers.values_list("pk", "name", "longitude", "latitude", "opening_hours"))
    if open_now:
        rows = [row for row in rows if opening_state(row[4], now) == "ouvert"]
    total = len(rows)
    if not rows:
        return [], 0
    distances: list[float | None] = [None] * len(rows)
    if origin is not None:
        lon = np.array([r[2] if r[2] is not None else np.nan for r in rows], dtype=float)
        lat = np.array([r[3] if r[3] is not None else np.nan for r in rows], dtype=float)
        lon1, lat1 = np.radians(origin[0]), np.radians(origin[1])
        lon2, lat2 = np.radians(lon), np.radians(lat)
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))
        distances = [None if math.isnan(d) else float(d) for d in km]
    order = sorted(
        range(len(rows)),
        key=lambda i: (distances[i] is None, distances[i] or 0.0, rows[i][1]),
    )[:limit]
    shown = {
        o.pk: o
        for o in Offer.objects.filter(pk__in=[rows[i][0] for i in order]).select_related(
            "structure"
        )
    }
    hits = []
    for i in order:
        pk, _, longitude, latitude, hours = rows[i]
        position = (longitude, latitude) if longitude is not None and latitude is not None else None
        hits.append(Hit(shown[pk], distances[i], opening_state(hours, now), position))
    return hits, total


def structure_by_pk(pk: int) -> Structure:
    return Structure.objects.get(pk=pk)


def offer_by_pk(pk: int) -> Offer:
    return Offer.objects.select_related("structure").get(pk=pk)


def entry_warnings(entry: Structure | Offer) -> list[str]:
    """The quality warnings of a structure or an offer (an offer's hours are
    its own, else its structure's)."""
    if isinstance(entry, Offer):
        return quality_warnings(entry.record, opening_hours=entry.opening_hours)
    return quality_warnings(entry.record)


def quality_report(territory: Territory) -> list[str]:
    """Every entry of the territory that has quality warnings, one line per
    warning (French), structures then offers, by identifier."""
    lines = []
    entries: list[Structure | Offer] = [
        *Structure.objects.filter(territory=territory).order_by("di_id"),
        *Offer.objects.filter(structure__territory=territory).order_by("di_id"),
    ]
    for entry in entries:
        kind = "offre" if isinstance(entry, Offer) else "structure"
        lines += [f"{kind} « {entry.di_id} » ({entry.name}) : {w}" for w in entry_warnings(entry)]
    return lines
