"""The quartiers prioritaires de la politique de la ville (QPV) of a
territory, read from the ANCT's GeoJSON (no Django, no database).

Source
------
Producer: ANCT (Agence nationale de la cohésion des territoires), with the
SIG Ville (https://sig.ville.gouv.fr). Dataset « Quartiers prioritaires de
la politique de la ville (QPV) » on data.gouv.fr
(https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/),
generation 2024 (décret n° 2023-1314 du 28 décembre 2023, corrected by
décret n° 2024-806 du 13 juillet 2024; the overseas QPV were renewed on
1 January 2025). The resource is a ZIP (`qpv-2024-geojson.zip`, stable
address https://www.data.gouv.fr/api/1/datasets/r/942d4ee8-8142-4556-8ea1-335537ce1119)
whose `GEOJSON/` folder holds `QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson`
(all of France in WGS 84) and, per territory, files in a local projection
(`QP2024_France_hexagonale_LB93…` in Lambert-93, EPSG:2154; Guadeloupe,
Guyane, La Réunion in UTM). Verified against three public readers of that
file (an Airflow DAG of the Société numérique, a Go gazetteer and a Python
ingestion of the same ZIP), not against the ANCT's own documentation.

What is read
------------
A FeatureCollection; each feature's properties (names compared without
regard to case: an ArcGIS copy writes `Code_QP`):

- `code_qp`: the QPV's code, « QNXXXYYZ » in the 2024 generation: QN, the
  département on 3 characters (062 for the Pas-de-Calais, 974 for La
  Réunion), a number on 2 digits, and a letter (N: new in 2024; M: a 2015
  QPV whose contour changed; I: a pre-existing 2015 QPV — data.gouv.fr's
  description, whose text for I was not read in full). Example
  « QN06201M » (« QN04901M » is Angers' Belle-Beille). The
  code is not checked against this pattern (an overseas or corrected code
  may differ): it must be a non-empty text;
- `lib_qp`: its name;
- `insee_com`: the INSEE code of its commune. The file gives one feature
  per QPV and commune, so a QPV over two communes comes as two features
  with the same code: they are merged (contours united, communes listed).
  A list « 62041, 62758 » in one property is read too;
- other properties (`lib_com`, `insee_dep`, `siren_epci`…) are ignored.

The file carries no population: ``population`` is None (INSEE publishes
the population of the QPV 2024 apart, from the census).

The 2015 generation (properties `CODE_QP`, `NOM_QP`, `COMMUNE_QP`) names
its communes without their INSEE code: it is refused with a message that
says so, rather than read by guessing communes from their names.

Geometry: Polygon or MultiPolygon; the file's `crs` member
(« urn:ogc:def:crs:EPSG::2154 », « EPSG:2154 », CRS84…) says its
projection, and anything other than WGS 84 is reprojected by pyproj. A
file without `crs` must be in longitude/latitude (RFC 7946); coordinates
beyond ±180/±90 are refused as « projection non dite », and coordinates
all within them in a file that says a projected CRS (metres) are refused
as degrees under the wrong name. An invalid
contour (self-intersecting ring) is repaired by shapely's `make_valid`,
keeping its polygons. Coordinates are rounded to 6 decimals (about 10 cm),
as the project keeps every contour.
"""

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from nonrecours.csvtext import UnreadableFile, decode
from nonrecours.errors import Problem
from nonrecours.outreach.importers.common import (
    OutreachFileError,
    ProblemLog,
    TooManyProblems,
)
from nonrecours.structured import StructuredError, load_json_bounded
from nonrecours.textrules import shown

# The national file (metropolitan France and overseas, WGS 84) weighs tens
# of megabytes; a MultiPolygon lies 8 levels deep in a FeatureCollection.
MAX_BYTES = 400 * 1024 * 1024
MAX_DEPTH = 12
DECIMALS = 6
_INSEE = re.compile(r"[0-9][0-9AB][0-9]{3}")


@dataclass(frozen=True)
class PriorityArea:
    """One QPV: ``code`` (« QN06201M »), ``name``, ``communes`` (INSEE
    codes, sorted), ``geometry`` (GeoJSON Polygon or MultiPolygon, WGS 84
    longitude/latitude, 6 decimals, valid) and ``population`` (None: the
    ANCT file gives none)."""

    code: str
    name: str
    communes: tuple[str, ...]
    geometry: dict[str, Any]
    population: int | None = None


@dataclass
class _Part:
    name: str
    communes: set[str]
    shapes: list[Any]


def _load(path: Path) -> Any:
    """The file's JSON, bounded; raises OutreachFileError."""
    name = path.name
    try:
        text = decode(path.read_bytes(), name)
        return load_json_bounded(text, max_bytes=MAX_BYTES, max_depth=MAX_DEPTH)
    except FileNotFoundError:
        raise OutreachFileError(name, [Problem(f"{path} : fichier introuvable.")]) from None
    except UnreadableFile as error:
        raise OutreachFileError(name, [Problem(str(error), file=name)]) from None
    except StructuredError as error:
        problems = [Problem(f"{name}, {problem}", file=name) for problem in error.problems]
        raise OutreachFileError(name, problems) from None


def _transformer(data: dict[str, Any], name: str) -> Transformer | None:
    """The reprojection to WGS 84 the file's `crs` member asks for (None:
    already longitude/latitude). Raises OutreachFileError for a `crs` that
    pyproj does not know."""
    crs = data.get("crs")
    if crs is None:
        return None
    given = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(given, str):
        problem = f"{name}, membre crs : nom de projection attendu, lu « {shown(crs)} »."
        raise OutreachFileError(name, [Problem(problem, field="crs", file=name)])
    try:
        source = CRS.from_user_input(given)
    except CRSError:
        problem = f"{name}, membre crs : projection « {shown(given)} » inconnue."
        raise OutreachFileError(name, [Problem(problem, field="crs", file=name)]) from None
    wgs84 = CRS.from_epsg(4326)
    if source.equals(wgs84, ignore_axis_order=True):
        return None
    return Transformer.from_crs(source, wgs84, always_xy=True)


def _features(data: Any, name: str) -> list[Any]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        problem = f"{name} : une FeatureCollection GeoJSON est attendue."
        raise OutreachFileError(name, [Problem(problem, file=name)])
    features = data.get("features")
    if not isinstance(features, list):
        problem = f"{name} : la FeatureCollection n'a pas de liste « features »."
        raise OutreachFileError(name, [Problem(problem, file=name)])
    if not features:
        problem = f"{name} : la liste « features » est vide : aucun quartier dans le fichier."
        raise OutreachFileError(name, [Problem(problem, file=name)])
    return features


def _refuse_2015(features: list[Any], name: str) -> None:
    """The 2015 generation names its communes without INSEE codes."""
    for feature in features[:1]:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        keys = {str(key).lower() for key in properties} if isinstance(properties, dict) else set()
        if "nom_qp" in keys and "insee_com" not in keys:
            problem = (
                f"{name} : ce fichier est de la génération 2015 des quartiers prioritaires "
                "(propriétés CODE_QP, NOM_QP, COMMUNE_QP) ; ses communes y sont nommées, sans "
                "code INSEE. Téléchargez la génération 2024 (QP2024_…_WGS84.geojson) sur "
                "data.gouv.fr."
            )
            raise OutreachFileError(name, [Problem(problem, file=name)])


def _text(properties: dict[str, Any], key: str) -> str:
    value = properties.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # an INSEE code a tool stored as a number
    return value.strip() if isinstance(value, str) else ""


def _shape(geometry: Any, transformer: Transformer | None) -> tuple[Any, str]:
    """(shapely geometry in WGS 84, "") or (None, the French reason)."""
    if not isinstance(geometry, dict):
        return None, "géométrie absente."
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return (
            None,
            f"géométrie « {shown(geometry.get('type'))} » : Polygon ou MultiPolygon attendu.",
        )
    try:
        geom = shape(geometry)
        coordinates = shapely.get_coordinates(geom)
    except (ValueError, TypeError, AttributeError, IndexError, ShapelyError):
        return None, "coordonnées illisibles."
    if geom.is_empty or not all(math.isfinite(value) for value in coordinates.flat):
        return None, "géométrie vide ou coordonnées non numériques."
    degrees = (abs(coordinates[:, 0]) <= 180).all() and (abs(coordinates[:, 1]) <= 90).all()
    source = transformer.source_crs if transformer is not None else None
    if source is not None and source.is_projected and degrees:
        # Metres of Lambert-93 or Web Mercator are never all this small: the
        # file says a projection its coordinates are not in.
        return None, (
            f"coordonnées en degrés alors que le fichier annonce la projection « {source.name} » "
            "(membre « crs ») : corrigez le membre crs ou reprojetez le fichier."
        )
    if transformer is not None:
        geom = shapely.transform(geom, lambda xy: _project(transformer, xy))
    elif (abs(coordinates[:, 0]) > 180).any() or (abs(coordinates[:, 1]) > 90).any():
        return None, (
            "coordonnées hors des bornes longitude/latitude : le fichier ne dit pas sa "
            "projection (membre « crs » absent)."
        )
    return geom, ""


def _project(transformer: Transformer, xy: Any) -> Any:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    xy[:, 0], xy[:, 1] = x, y
    return xy


def _polygonal(geom: Any) -> Any:
    """The valid polygonal part of a geometry (``make_valid`` may add the
    lines of a collapsed ring), or None when nothing polygonal is left."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [part for part in getattr(geom, "geoms", [geom]) if isinstance(part, Polygon)]
    parts += [
        polygon
        for part in getattr(geom, "geoms", [geom])
        if isinstance(part, MultiPolygon)
        for polygon in part.geoms
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _geojson(geom: Any) -> dict[str, Any]:
    """A shapely (Multi)Polygon as GeoJSON with lists and 6 decimals."""
    rounded = shapely.set_precision(geom, 10**-DECIMALS)
    if rounded.is_empty:
        rounded = geom

    def lists(value: Any) -> Any:
        if isinstance(value, tuple | list):
            if value and isinstance(value[0], float | int):
                return [round(float(number), DECIMALS) for number in value]
            return [lists(item) for item in value]
        return value

    data = mapping(rounded)
    return {"type": data["type"], "coordinates": lists(data["coordinates"])}


# The lengths the territory keeps (outreach.models.PriorityArea): a QPV
# code is 8 characters, its name a few words.
MAX_CODE = 20
MAX_NAME = 200


def _read_feature(
    feature: Any,
    place: str,
    transformer: Transformer | None,
    log: ProblemLog,
) -> tuple[str, str, set[str], Any] | None:
    """(code, name, communes, shapely geometry) of a feature, or None after
    logging each of its problems."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        log.add("objet GeoJSON Feature avec « properties » attendu.", place=place)
        return None
    properties = {str(key).lower(): value for key, value in feature["properties"].items()}
    code = _text(properties, "code_qp")
    ok = True
    if not code:
        log.add("propriété absente ou vide.", place=place, field="code_qp")
        ok = False
    name = _text(properties, "lib_qp")
    if len(code) > MAX_CODE or len(name) > MAX_NAME:
        log.add(
            f"code ou nom trop long (au plus {MAX_CODE} et {MAX_NAME} caractères).",
            place=place,
            field="code_qp" if len(code) > MAX_CODE else "lib_qp",
        )
        return None
    where = f"{place} ({code})" if code else place
    communes = {part.strip() for part in _text(properties, "insee_com").split(",") if part.strip()}
    if not communes:
        log.add("propriété absente ou vide.", place=where, field="insee_com")
        ok = False
    for commune in sorted(communes):
        if not _INSEE.fullmatch(commune):
            log.add(f"« {shown(commune)} » n'est pas un code commune INSEE.", place=where)
            ok = False
    geom, reason = _shape(feature.get("geometry"), transformer)
    if geom is None:
        log.add(reason, place=where, field="geometry")
        return None
    polygonal = _polygonal(geom)
    if polygonal is None:
        log.add("contour invalide et irréparable (aucune surface).", place=where)
        return None
    return (code, name, communes, polygonal) if ok else None


def read_priority_areas(
    path: Path, *, communes: Collection[str] | None = None
) -> list[PriorityArea]:
    """The QPV of an ANCT GeoJSON file, sorted by code (see the module's
    docstring for the format).

    ``communes``: keep only the QPV touching one of these INSEE codes (the
    territory's communes); None keeps them all. A kept QPV lists all its
    communes, those of the territory or not.

    Raises OutreachFileError (French) when the file cannot be read, is not
    a FeatureCollection, has no feature, is of the 2015 generation, or when
    a feature lacks its code, commune or geometry — every feature's problem
    is listed (« QP2024.geojson, objet n° 3, propriété code_qp : propriété absente ou
    vide. »), up to MAX_PROBLEMS; nothing is returned then.
    """
    data = _load(path)
    features = _features(data, path.name)
    _refuse_2015(features, path.name)
    transformer = _transformer(data, path.name)
    log = ProblemLog(path.name)
    parts: dict[str, _Part] = {}
    try:
        for number, feature in enumerate(features, start=1):
            read = _read_feature(feature, f"objet n° {number}", transformer, log)
            if read is None:
                continue
            code, name, its_communes, geom = read
            part = parts.setdefault(code, _Part(name, set(), []))
            part.communes |= its_communes
            part.shapes.append(geom)
    except TooManyProblems:
        raise log.refuse() from None
    log.check()
    wanted = set(communes) if communes is not None else None
    areas = []
    for code, part in sorted(parts.items()):
        if wanted is not None and not part.communes & wanted:
            continue
        geom = part.shapes[0] if len(part.shapes) == 1 else shapely.union_all(part.shapes)
        areas.append(
            PriorityArea(
                code=code,
                name=part.name,
                communes=tuple(sorted(part.communes)),
                geometry=_geojson(_polygonal(geom) or geom),
            )
        )
    return areas
