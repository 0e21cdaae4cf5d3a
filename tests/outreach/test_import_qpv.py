"""The QPV reader on small files in the ANCT's format (fixtures/), and on
each kind of broken feature."""

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from nonrecours.errors import UserError, error_lines
from nonrecours.outreach.importers.common import OutreachFileError
from nonrecours.outreach.importers.qpv import PriorityArea, read_priority_areas

FIXTURES = Path(__file__).parent / "fixtures"
CU_ARRAS = {"62041", "62758", "62004", "62764"}
WGS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}


def square(lon: float, lat: float, side: float = 0.01) -> dict[str, Any]:
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: Any = None, **properties: Any) -> dict[str, Any]:
    base = {"code_qp": "QN06201M", "lib_qp": "Arras Ouest", "insee_com": "62041"}
    base.update(properties)
    return {"type": "Feature", "properties": base, "geometry": geometry or square(2.75, 50.28)}


def write(tmp_path: Path, features: list[Any], name: str = "qpv.geojson", **extra: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}))
    return path


def messages(error: pytest.ExceptionInfo[OutreachFileError]) -> list[str]:
    return [problem.message for problem in error.value.problem_list()]


def test_reads_the_territorys_qpv_and_merges_a_qpv_over_two_communes() -> None:
    areas = read_priority_areas(FIXTURES / "QP2024_Arras_WGS84.geojson", communes=CU_ARRAS)

    assert [(a.code, a.name, a.communes) for a in areas] == [
        ("QN06201M", "Arras Ouest", ("62041",)),
        ("QN06202M", "Saint-Michel - Blangy", ("62041", "62758")),
        ("QN06203N", "Les Blancs Monts", ("62004",)),
    ]
    first = areas[0]
    assert first.population is None
    assert first.geometry["type"] == "Polygon"
    assert shape(first.geometry).bounds == pytest.approx((2.755, 50.285, 2.765, 50.295))
    # Two features of one QPV: their adjacent boxes united, the islet kept apart.
    merged = shape(areas[1].geometry)
    assert merged.geom_type == "MultiPolygon"
    assert len(merged.geoms) == 2
    assert merged.area == pytest.approx(0.011 * 0.006 + 0.002 * 0.002)


def test_without_a_filter_every_qpv_is_kept() -> None:
    areas = read_priority_areas(FIXTURES / "QP2024_Arras_WGS84.geojson")

    assert [area.code for area in areas] == ["QN05901M", "QN06201M", "QN06202M", "QN06203N"]


def test_a_self_crossing_ring_is_repaired_into_polygons() -> None:
    areas = read_priority_areas(FIXTURES / "QP2024_Arras_WGS84.geojson", communes={"62004"})

    bow_tie = shape(areas[0].geometry)
    assert bow_tie.is_valid
    assert bow_tie.geom_type == "MultiPolygon"
    assert bow_tie.area == pytest.approx(2 * 0.5 * 0.005 * 0.005)


def test_lambert_93_is_reprojected_to_wgs84() -> None:
    lambert = read_priority_areas(FIXTURES / "QP2024_Arras_LB93.geojson")
    wgs84 = read_priority_areas(FIXTURES / "QP2024_Arras_WGS84.geojson", communes={"62041"})

    assert [a.code for a in lambert] == [a.code for a in wgs84]
    for projected, original in zip(lambert, wgs84, strict=True):
        assert shape(projected.geometry).bounds == pytest.approx(
            shape(original.geometry).bounds, abs=1e-6
        )


def test_coordinates_are_lists_rounded_to_six_decimals(tmp_path: Path) -> None:
    path = write(tmp_path, [feature(geometry=square(2.7512345678, 50.2812345678))])

    [area] = read_priority_areas(path)

    ring = area.geometry["coordinates"][0]
    assert isinstance(ring, list) and all(isinstance(point, list) for point in ring)
    assert [2.751235, 50.281235] in ring
    assert json.loads(json.dumps(area.geometry)) == area.geometry


def test_every_broken_feature_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            feature(code_qp=""),
            {"type": "Feature", "properties": {"code_qp": "QN06202M", "insee_com": "62041"}},
            feature(code_qp="QN06203N", insee_com=None),
            feature(code_qp="QN06204N", geometry={"type": "Point", "coordinates": [2.7, 50.2]}),
            feature(code_qp="QN06205N", insee_com="Arras"),
            "pas un objet",
        ],
        name="QP2024_abime.geojson",
        crs=WGS84,
    )

    with pytest.raises(OutreachFileError) as error:
        read_priority_areas(path)

    assert messages(error) == [
        "QP2024_abime.geojson, objet n° 1, propriété code_qp : propriété absente ou vide.",
        "QP2024_abime.geojson, objet n° 2 (QN06202M), propriété geometry : géométrie absente.",
        "QP2024_abime.geojson, objet n° 3 (QN06203N), propriété insee_com : "
        "propriété absente ou vide.",
        "QP2024_abime.geojson, objet n° 4 (QN06204N), propriété geometry : géométrie « Point » : "
        "Polygon ou MultiPolygon attendu.",
        "QP2024_abime.geojson, objet n° 5 (QN06205N) : « Arras » n'est pas un code commune INSEE.",
        "QP2024_abime.geojson, objet n° 6 : objet GeoJSON Feature avec « properties » attendu.",
    ]
    assert str(error.value).startswith(
        "QP2024_abime.geojson : fichier refusé, rien n'a été importé.\n- "
    )
    assert error_lines(error.value)[1] == "- " + messages(error)[0]


def test_projected_coordinates_without_crs_are_refused(tmp_path: Path) -> None:
    lambert = {
        "type": "Polygon",
        "coordinates": [
            [[682516, 7020817], [683230, 7020815], [683233, 7021929], [682516, 7020817]]
        ],
    }
    path = write(tmp_path, [feature(geometry=lambert)])

    with pytest.raises(OutreachFileError) as error:
        read_priority_areas(path)

    assert messages(error) == [
        "qpv.geojson, objet n° 1 (QN06201M), propriété geometry : coordonnées hors des bornes "
        "longitude/latitude : le fichier ne dit pas sa projection (membre « crs » absent)."
    ]


@pytest.mark.parametrize("name", ["EPSG:3857", "urn:ogc:def:crs:EPSG::2154"])
def test_degrees_under_a_projected_crs_are_refused(tmp_path: Path, name: str) -> None:
    """Reprojected as metres, degrees would put the QPV in the ocean."""
    path = write(tmp_path, [feature()], crs={"type": "name", "properties": {"name": name}})

    with pytest.raises(OutreachFileError) as error:
        read_priority_areas(path)

    [message] = messages(error)
    assert message.startswith("qpv.geojson, objet n° 1 (QN06201M), propriété geometry : ")
    assert "coordonnées en degrés alors que le fichier annonce la projection" in message


def test_an_unknown_crs_is_refused(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "EPSG:999999"}}
    path = write(tmp_path, [feature()], crs=crs)

    with pytest.raises(OutreachFileError) as error:
        read_priority_areas(path)

    assert messages(error) == ["qpv.geojson, membre crs : projection « EPSG:999999 » inconnue."]


def test_a_collection_without_features_is_refused_as_empty(tmp_path: Path) -> None:
    """Before: refused later as « aucun quartier prioritaire du territoire »,
    blaming the territory or the geographic level."""
    path = write(tmp_path, [])

    with pytest.raises(OutreachFileError) as error:
        read_priority_areas(path)

    assert messages(error) == [
        "qpv.geojson : la liste « features » est vide : aucun quartier dans le fichier."
    ]


def test_the_2015_generation_is_refused_with_the_reason(tmp_path: Path) -> None:
    old = {
        "type": "Feature",
        "properties": {"CODE_QP": "QP062004", "NOM_QP": "Saint-Michel", "COMMUNE_QP": "Arras"},
        "geometry": square(2.77, 50.29),
    }
    path = write(tmp_path, [old], name="QP_METROPOLE_WGS84.geojson")

    with pytest.raises(OutreachFileError) as error:
        read_priority_areas(path)

    assert messages(error) == [
        "QP_METROPOLE_WGS84.geojson : ce fichier est de la génération 2015 des quartiers "
        "prioritaires (propriétés CODE_QP, NOM_QP, COMMUNE_QP) ; ses communes y sont nommées, "
        "sans code INSEE. Téléchargez la génération 2024 (QP2024_…_WGS84.geojson) sur "
        "data.gouv.fr."
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"type": "Feature"}', "qpv.geojson : une FeatureCollection GeoJSON est attendue."),
        ('{"type": "FeatureCollection"', "qpv.geojson, ligne 1 : JSON illisible"),
        (
            '{"type": "FeatureCollection", "features": 3}',
            "qpv.geojson : la FeatureCollection n'a pas de liste « features ».",
        ),
    ],
)
def test_a_file_that_is_not_a_feature_collection(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "qpv.geojson"
    path.write_text(content)

    with pytest.raises(OutreachFileError) as error:
        read_priority_areas(path)

    assert messages(error)[0].startswith(expected)


def test_properties_are_read_whatever_their_case(tmp_path: Path) -> None:
    arcgis = {
        "type": "Feature",
        "properties": {"Code_QP": "QN06201M", "Lib_QP": "Arras Ouest", "Insee_Com": "62041"},
        "geometry": square(2.75, 50.28),
    }

    [area] = read_priority_areas(write(tmp_path, [arcgis]))

    assert (area.code, area.name, area.communes) == ("QN06201M", "Arras Ouest", ("62041",))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "coordinates", "code_qp", "insee_com"]), children
        )
    ),
    max_leaves=20,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(properties=json_values, geometry=json_values)
def test_hostile_features_give_a_french_refusal_or_areas(
    tmp_path: Path, properties: Any, geometry: Any
) -> None:
    path = write(
        tmp_path,
        [{"type": "Feature", "properties": properties, "geometry": geometry}],
        name="hostile.geojson",
    )
    try:
        areas = read_priority_areas(path)
    except UserError as error:
        assert str(error).startswith("hostile.geojson")
    else:
        assert all(isinstance(area, PriorityArea) for area in areas)
