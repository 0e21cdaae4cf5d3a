"""Filosofi's 200 m squares summed by commune (no Django, no database).

Source
------
Producer: INSEE. « Revenus, pauvreté et niveau de vie en <année> - Données
carroyées » (Filosofi carroyé), squares of 200 m. Millésime 2019:
https://www.insee.fr/fr/statistiques/7655475?sommaire=7655515, file
https://www.insee.fr/fr/statistiques/fichier/7655475/Filosofi2019_carreaux_200m_csv.zip
(a 7-Zip archive inside, holding `carreaux_200m_met.csv` for metropolitan
France and one file per overseas département); millésime 2017:
https://www.insee.fr/fr/statistiques/6215138?sommaire=6215217, file
`Filosofi2017_carreaux_200m_csv.zip` → `Filosofi2017_carreaux_200m_met.csv`.
The CSV is separated by commas (the separator is detected anyway). The
GeoPackage and shapefile editions (`…_gpkg.zip`, `…_shp.zip`) are not read
here: take the CSV. The metropolitan file holds about 2.3 million squares
and is read whole into memory (about 1 GB): cut it to the territory's
département beforehand on a small machine.

Columns read (names compared without regard to case: the 2017 edition
writes `Idcar_200m`, `Ind`, `Men_pauv`; the 2019 one `idcar_200m`, `ind`,
`men_pauv`), the others (`i_est_200`, `idcar_1km`, `men_1ind`, `log_soc`,
`ind_0_3`…, `lcog_geo`) being ignored:

- `Idcar_200m`: the square's INSPIRE identifier,
  « CRS3035RES200mN2029800E4252400 »: projection EPSG:3035 (ETRS89-LAEA),
  resolution 200 m, then the northing (N) and easting (E) of the square's
  SOUTH-WEST corner in metres. Its centre is (E + 100, N + 100);
- `Ind`: people living in the square;
- `Men`: households;
- `Men_pauv`: poor households (standard of living below 60 % of the
  median).

Counts may hold decimals: INSEE spreads over the squares of a group the
households of squares too small to be published alone (`I_est_200` = 1),
so nothing is masked, but the small squares' figures are estimates.
Confirmed by two public readers of these files (both decode N then E as
the south-west corner), not by INSEE's documentation.

A square goes to the commune whose contour holds its centre (shapely, with
an STRtree, in EPSG:3035). A square whose centre falls in none of the
given communes is left out: the national file covers all of France.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from nonrecours.french import number
from nonrecours.outreach.importers.common import (
    ProblemLog,
    TooManyProblems,
    csv_rows,
    find_column,
    missing_columns,
    read_number,
)
from nonrecours.textrules import shown

_SQUARE_ID = re.compile(r"CRS3035RES200mN(\d+)E(\d+)", re.IGNORECASE)
HALF_SIDE = 100  # metres: from the south-west corner to the centre
_COUNTS = {"people": "Ind", "households": "Men", "poor_households": "Men_pauv"}


@dataclass(frozen=True)
class SquarePoverty:
    """The 200 m squares of one commune summed: ``people``, ``households``
    and ``poor_households`` (decimals: INSEE's estimates for small
    squares), ``squares`` the number of squares whose centre lies in the
    commune."""

    insee_code: str
    people: float
    poor_households: float
    households: float
    squares: int


def square_centre(identifier: str) -> tuple[float, float] | None:
    """(easting, northing) in EPSG:3035 of the centre of the square
    « CRS3035RES200mN2029800E4252400 » (here (4252500, 2029900)), or None
    when the text is not such an identifier."""
    match = _SQUARE_ID.fullmatch(identifier.strip())
    if match is None:
        return None
    return float(match.group(2)) + HALF_SIDE, float(match.group(1)) + HALF_SIDE


def _communes_3035(geometries: Mapping[str, dict[str, Any]]) -> tuple[list[str], list[Any]]:
    """Commune codes and their contours (GeoJSON, WGS 84) in EPSG:3035,
    made valid. Raises ValueError for a mapping without contour."""
    if not geometries:
        raise ValueError("commune_geometries is empty: the territory's contours are needed")
    to_laea = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)

    def project(xy: Any) -> Any:
        x, y = to_laea.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    codes, shapes = [], []
    for code, geometry in sorted(geometries.items()):
        geom = shapely.make_valid(shapely.transform(shape(geometry), project))
        codes.append(code)
        shapes.append(geom)
    return codes, shapes


# The most people (or households) a 200 m square can hold: 40 000 m² of
# tower blocks at 25 m² a person; a larger count is not a square's.
MAX_PER_SQUARE = 100_000


def _read_rows(path: Path, bounds: tuple[float, float, float, float], log: ProblemLog) -> Any:
    """(centres, counts) of the squares whose centre is inside ``bounds``
    (EPSG:3035): an array of (x, y) and one of (people, households, poor
    households). Every identifier is checked; the counts only of squares
    inside the bounds."""
    header, rows = csv_rows(path)
    columns = {"id": find_column(header, "Idcar_200m")}
    columns |= {key: find_column(header, name) for key, name in _COUNTS.items()}
    missing = [
        name for key, name in (("id", "Idcar_200m"), *_COUNTS.items()) if columns[key] is None
    ]
    if missing:
        raise missing_columns(path.name, missing, header)
    id_column = columns["id"] or ""
    count_columns = [columns[key] or "" for key in _COUNTS]
    min_x, min_y, max_x, max_y = bounds
    centres, counts = [], []
    seen: dict[str, int] = {}
    for line, row in rows:
        identifier = row[id_column].strip()
        if identifier in seen:
            log.add(
                f"carreau « {shown(identifier)} » déjà donné ligne {seen[identifier]}.",
                line=line,
                field=id_column,
            )
            continue
        seen[identifier] = line
        centre = square_centre(row[id_column])
        if centre is None:
            log.add(
                f"« {shown(row[id_column])} » n'est pas un identifiant de carreau "
                "(CRS3035RES200mN…E…).",
                line=line,
                field=id_column,
            )
            continue
        if not (min_x <= centre[0] <= max_x and min_y <= centre[1] <= max_y):
            continue
        values = []
        for column in count_columns:
            _, value = read_number(row[column], (), log, line, column)
            if value is not None and value < 0:
                log.add(f"effectif négatif ({value:g}).", line=line, field=column)
                value = None
            elif value is not None and value > MAX_PER_SQUARE:
                log.add(
                    f"{value:g} : plus que les {number(MAX_PER_SQUARE)} habitants ou ménages "
                    "qu'un carreau de 200 m peut compter.",
                    line=line,
                    field=column,
                )
                value = None
            values.append(value)
        known = [value for value in values if value is not None]
        if len(known) < len(values):
            continue
        if known[2] > known[1]:
            log.add(
                f"{known[2]:g} ménages pauvres pour {known[1]:g} ménages.",
                line=line,
                field=count_columns[2],
            )
            continue
        centres.append(centre)
        counts.append(known)
    return np.array(centres, dtype=float).reshape(-1, 2), np.array(counts).reshape(-1, 3)


def read_square_poverty(
    path: Path, *, commune_geometries: Mapping[str, dict[str, Any]]
) -> list[SquarePoverty]:
    """The squares of a Filosofi carroyé CSV (see the module's docstring)
    summed by commune, sorted by code; a commune with no square's centre
    is absent from the result.

    ``commune_geometries``: INSEE code → GeoJSON (Multi)Polygon in WGS 84
    (the territory's communes, as the project keeps them).

    Raises OutreachFileError (French) listing every problem with its line
    and column (an identifier that is not a square's, a count that is not
    a number or is negative), up to MAX_PROBLEMS; ValueError when
    ``commune_geometries`` is empty.
    """
    codes, shapes = _communes_3035(commune_geometries)
    bounds = tuple(shapely.total_bounds(shapes))
    log = ProblemLog(path.name)
    try:
        centres, counts = _read_rows(path, (bounds[0], bounds[1], bounds[2], bounds[3]), log)
    except TooManyProblems:
        raise log.refuse() from None
    log.check()
    tree = shapely.STRtree(shapes)
    points = shapely.points(centres)
    point_index, commune_index = tree.query(points, predicate="within")
    # A centre on a shared border lies in both communes: the first (by
    # code) takes it, so that no square counts twice.
    first: dict[int, int] = {}
    for point, commune in zip(point_index.tolist(), commune_index.tolist(), strict=True):
        first[point] = min(commune, first.get(point, commune))
    sums: dict[int, list[float]] = {}
    values = counts.tolist()
    for point, commune in first.items():
        people, households, poor = values[point]
        total = sums.setdefault(commune, [0.0, 0.0, 0.0, 0.0])
        total[0] += people
        total[1] += households
        total[2] += poor
        total[3] += 1
    return [
        SquarePoverty(
            insee_code=codes[commune],
            people=round(total[0], 6),
            poor_households=round(total[2], 6),
            households=round(total[1], 6),
            squares=int(total[3]),
        )
        for commune, total in sorted(sums.items())
    ]
