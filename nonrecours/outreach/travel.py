"""Travel times between the bus's depot and each stop, in minutes (no
Django).

Two sources:

- ``osrm_travel``: the JSON answer of an OSRM ``table`` request, which the
  team obtains from its routing server (or the CEREMA's) and gives as a
  file. OSRM documents it (docs/http.md, « Table service »): ``code`` is
  « Ok » when the request succeeded; ``durations[i][j]`` is the travel time
  in seconds from the i-th source to the j-th destination, ``null`` when no
  route between them was found; ``sources`` and ``destinations`` are the
  snapped waypoints, in order. The request must give the depot first, then
  the stops in the order passed here, and leave ``sources`` and
  ``destinations`` to their default (all): row and column 0 are then the
  depot, row and column k the k-th stop.
- ``estimated_travel``: when no such file is given, the great-circle
  (haversine) distance × a detour factor, at a road speed.

Only the trips depot → stop and stop → depot are kept: the bus parks at one
stop a half-day and comes back.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nonrecours.errors import Problem, UserError
from nonrecours.french import short_number
from nonrecours.outreach.planning import PlannedStop
from nonrecours.structured import StructuredError, load_json_bounded

# Mean radius of the Earth (IUGG, R1 = 6 371.0088 km), the sphere of the
# haversine formula.
EARTH_RADIUS_KM = 6371.0
# Road distance ÷ straight-line distance. 1.343 on average to the centre of
# 300 European urban areas (« Road distances and detours to the centre in 300
# European cities », Environment and Planning B, 2023,
# doi:10.1177/23998083231168870); rounded down because the stops of a
# territory are linked by its denser inner network.
DETOUR_FACTOR = 1.3
# Average speed of the bus, in km/h: 50 km/h is the limit in built-up areas
# (Code de la route, art. R413-3) and the bus, a heavy vehicle, does not
# reach 80 km/h between villages for long; a prudent figure, replaced by an
# OSRM matrix whenever the team has one.
ROAD_SPEED_KMH = 50.0
# No trip of the bus lasts a week (and a larger int would not fit a float).
MAX_SECONDS = 7 * 24 * 3600
# An OSRM table for a territory (a few hundred stops at most) stays far
# below this; more is not such a file.
OSRM_MAX_BYTES = 20 * 1024 * 1024
# object > sources > waypoint > location: 4 levels; room for extensions.
OSRM_MAX_DEPTH = 8


class TravelFileError(UserError):
    """A travel-time file refused (French message naming the file, and the
    problems one by one)."""


@dataclass(frozen=True)
class TravelTimes:
    """Minutes from the depot to each stop (``outbound``) and back
    (``inbound``), by stop key; ``source``: where they come from, in French
    (« distancier OSRM (temps.json) », « à vol d'oiseau × 1,3 à 50 km/h »)."""

    outbound: Mapping[str, float] = field(hash=False)
    inbound: Mapping[str, float] = field(hash=False)
    source: str = ""

    def round_trip(self, stop_key: str) -> float:
        """Minutes depot → stop → depot. Raises KeyError for a stop it does
        not know (``has`` tells)."""
        return self.outbound[stop_key] + self.inbound[stop_key]

    def has(self, stop_key: str) -> bool:
        """Whether both trips of ``stop_key`` are known."""
        return stop_key in self.outbound and stop_key in self.inbound


def haversine_km(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points
    in degrees, on a sphere of radius ``EARTH_RADIUS_KM``."""
    lat1, lon1 = map(math.radians, first)
    lat2, lon2 = map(math.radians, second)
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def estimated_minutes(
    first: tuple[float, float],
    second: tuple[float, float],
    *,
    detour_factor: float = DETOUR_FACTOR,
    speed_kmh: float = ROAD_SPEED_KMH,
) -> float:
    """Minutes by road between two (latitude, longitude) points, estimated:
    haversine km × ``detour_factor`` ÷ ``speed_kmh`` × 60."""
    return haversine_km(first, second) * detour_factor / speed_kmh * 60


def estimated_travel(
    stops: Sequence[PlannedStop],
    depot: tuple[float, float],
    *,
    detour_factor: float = DETOUR_FACTOR,
    speed_kmh: float = ROAD_SPEED_KMH,
) -> TravelTimes:
    """Minutes depot ↔ each stop: haversine km × ``detour_factor`` ÷
    ``speed_kmh`` × 60, the same both ways. Raises ValueError when the
    factor is below 1 or the speed not positive (a programming error)."""
    if not detour_factor >= 1 or not speed_kmh > 0:
        raise ValueError("detour_factor must be ≥ 1 and speed_kmh > 0")
    minutes = {
        stop.key: estimated_minutes(
            depot,
            (stop.latitude, stop.longitude),
            detour_factor=detour_factor,
            speed_kmh=speed_kmh,
        )
        for stop in stops
    }
    source = f"à vol d'oiseau × {short_number(detour_factor)} à {short_number(speed_kmh)} km/h"
    return TravelTimes(outbound=minutes, inbound=dict(minutes), source=source)


def _pair(origin: int, destination: int, stops: Sequence[PlannedStop]) -> str:
    """« du dépôt à « Mairie d'Agny » », « de « Mairie d'Agny » au dépôt »
    (index 0: the depot, k: the k-th stop)."""
    start = "du dépôt" if origin == 0 else f"de « {stops[origin - 1].name} »"
    end = "au dépôt" if destination == 0 else f"à « {stops[destination - 1].name} »"
    return f"{start} {end}"


def _matrix_problems(durations: Any, stops: Sequence[PlannedStop]) -> list[str]:
    """What is wrong with ``durations`` for the depot and ``stops``."""
    size = len(stops) + 1
    expected = f"{size} lignes de {size} durées (le dépôt puis les {len(stops)} étapes)"
    if not isinstance(durations, list) or not all(isinstance(row, list) for row in durations):
        return [f"« durations » doit être un tableau de lignes : {expected}"]
    if len(durations) != size or any(len(row) != size for row in durations):
        lengths = sorted({len(row) for row in durations})
        found = f"{len(durations)} lignes de {' ou '.join(map(str, lengths)) or 0} durées"
        return [f"« durations » a {found} ; il en faut {expected}"]
    problems = []
    for i, row in enumerate(durations):
        for j, seconds in enumerate(row):
            if seconds is None:
                problems.append(
                    f"pas d'itinéraire {_pair(i, j, stops)} "
                    f"(durée « null », ligne {i + 1}, colonne {j + 1})"
                )
            elif (
                isinstance(seconds, bool)
                or not isinstance(seconds, int | float)
                or abs(seconds) > MAX_SECONDS  # also an int too large for a float
                or not math.isfinite(seconds)
                or seconds < 0
            ):
                problems.append(
                    f"durée {_pair(i, j, stops)} invalide "
                    f"(ligne {i + 1}, colonne {j + 1}) : un nombre de secondes positif est attendu"
                )
    return problems


def _answer_problems(answer: Any, stops: Sequence[PlannedStop]) -> list[str]:
    """What is wrong with a parsed OSRM ``table`` answer."""
    if not isinstance(answer, dict):
        return ["le fichier doit être un objet JSON, la réponse d'une requête OSRM « table »"]
    code = answer.get("code")
    if code != "Ok":
        detail = answer.get("message")
        said = f" : {str(detail)[:200]}" if isinstance(detail, str) and detail else ""
        return [f"OSRM n'a pas calculé la matrice (code « {str(code)[:40]} »{said})"]
    if "durations" not in answer:
        return ["la réponse n'a pas de « durations » (demander annotations=duration)"]
    problems = _matrix_problems(answer["durations"], stops)
    for key in ("sources", "destinations"):
        waypoints = answer.get(key)
        if waypoints is not None and (
            not isinstance(waypoints, list) or len(waypoints) != len(stops) + 1
        ):
            problems.append(
                f"« {key} » doit lister {len(stops) + 1} points (le dépôt puis chaque étape) : "
                f"la requête doit porter sur tous les points dans les deux sens"
            )
    return problems


def osrm_travel(data: str | bytes, stops: Sequence[PlannedStop], *, file_name: str) -> TravelTimes:
    """Travel times read from the JSON answer of an OSRM ``table`` request
    (``data``, the file's content; ``file_name`` to name it in errors).

    Row and column 0 are the depot, row and column k the k-th of ``stops``:
    the order of the coordinates of the request. Durations in seconds are
    turned into minutes.

    Raises TravelFileError (French, naming the file, one ``Problem`` per
    fault) for: a file that is not bounded JSON, an answer whose ``code`` is
    not « Ok », a missing or non-square ``durations`` of the wrong size, a
    ``null`` duration (no route between two points), a duration that is not
    a number ≥ 0, ``sources``/``destinations`` of the wrong length.
    """
    try:
        answer = load_json_bounded(data, max_bytes=OSRM_MAX_BYTES, max_depth=OSRM_MAX_DEPTH)
    except StructuredError as error:
        problems = [str(p) for p in error.problems]
    else:
        problems = _answer_problems(answer, stops)
    if problems:
        shown = problems[:10]
        more = len(problems) - len(shown)
        lines = "\n".join(f"- {p}" for p in shown)
        tail = f"\n… et {more} autres problèmes" if more else ""
        raise TravelFileError(
            f"Fichier des temps de trajet « {file_name} » refusé :\n{lines}{tail}",
            problems=[Problem(p, file=file_name) for p in problems],
        )
    durations = answer["durations"]
    outbound = {stop.key: durations[0][k] / 60 for k, stop in enumerate(stops, start=1)}
    inbound = {stop.key: durations[k][0] / 60 for k, stop in enumerate(stops, start=1)}
    return TravelTimes(outbound=outbound, inbound=inbound, source=f"distancier OSRM ({file_name})")
