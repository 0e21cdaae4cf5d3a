"""Travel times of the bus: great-circle estimate and OSRM table files."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.outreach.planning import PlannedStop
from nonrecours.outreach.travel import (
    DETOUR_FACTOR,
    EARTH_RADIUS_KM,
    ROAD_SPEED_KMH,
    TravelFileError,
    TravelTimes,
    estimated_travel,
    haversine_km,
    osrm_travel,
)

DEPOT = (50.2931, 2.7785)  # Arras town hall
AGNY = PlannedStop("agny", "Mairie d'Agny", 50.2605, 2.7584, 0.5, kind="mairie")
FEUCHY = PlannedStop("feuchy", "Mairie de Feuchy", 50.2943, 2.8449, 0.3, kind="mairie")


def osrm_answer(durations, **extra):
    return json.dumps({"code": "Ok", "durations": durations, **extra})


def test_haversine_on_the_mean_sphere():
    # One degree of a meridian: 2πR / 360; a quarter of the equator: πR / 2.
    assert haversine_km((0, 0), (1, 0)) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)
    assert haversine_km((0, 0), (0, 90)) == pytest.approx(math.pi * EARTH_RADIUS_KM / 2)
    assert haversine_km(DEPOT, DEPOT) == 0


def test_estimate_is_distance_times_detour_at_road_speed():
    travel = estimated_travel([AGNY, FEUCHY], DEPOT)
    km = haversine_km(DEPOT, (AGNY.latitude, AGNY.longitude))
    assert 3.5 < km < 4.5  # Arras → Agny, as the crow flies
    assert travel.outbound["agny"] == pytest.approx(km * DETOUR_FACTOR / ROAD_SPEED_KMH * 60)
    assert travel.inbound["agny"] == travel.outbound["agny"]
    assert travel.round_trip("agny") == pytest.approx(2 * travel.outbound["agny"])
    assert travel.source == "à vol d'oiseau × 1,3 à 50 km/h"


def test_estimate_settings():
    slow = estimated_travel([AGNY], DEPOT, detour_factor=1.5, speed_kmh=30)
    default = estimated_travel([AGNY], DEPOT)
    assert slow.outbound["agny"] == pytest.approx(default.outbound["agny"] * 1.5 / 1.3 * 50 / 30)
    assert slow.source == "à vol d'oiseau × 1,5 à 30 km/h"
    with pytest.raises(ValueError):
        estimated_travel([AGNY], DEPOT, detour_factor=0.9)


def test_osrm_table_depot_first_then_stops_in_order():
    # Row i → column j, seconds; asymmetric as real roads are.
    durations = [[0, 600, 900], [660, 0, 300], [840, 310, 0]]
    waypoints = [{"location": [2.7785, 50.2931]}] * 3
    data = osrm_answer(durations, sources=waypoints, destinations=waypoints)
    travel = osrm_travel(data, [AGNY, FEUCHY], file_name="temps.json")
    assert travel.outbound == {"agny": 10, "feuchy": 15}
    assert travel.inbound == {"agny": 11, "feuchy": 14}
    assert travel.source == "distancier OSRM (temps.json)"
    assert travel.has("agny") and not travel.has("inconnue")


def refusal(data, stops=(AGNY, FEUCHY)) -> TravelFileError:
    with pytest.raises(TravelFileError) as caught:
        osrm_travel(data, list(stops), file_name="temps.json")
    error = caught.value
    assert all(problem.file == "temps.json" for problem in error.problem_list())
    assert str(error).startswith("Fichier des temps de trajet « temps.json » refusé :\n- ")
    return error


def test_unreachable_pair_is_refused_naming_both_places():
    error = refusal(osrm_answer([[0, 600, None], [660, 0, 300], [840, None, 0]]))
    assert [p.message for p in error.problem_list()] == [
        "pas d'itinéraire du dépôt à « Mairie de Feuchy » (durée « null », ligne 1, colonne 3)",
        "pas d'itinéraire de « Mairie de Feuchy » à « Mairie d'Agny » "
        "(durée « null », ligne 3, colonne 2)",
    ]


def test_matrix_of_the_wrong_size_is_refused():
    error = refusal(osrm_answer([[0, 600], [660, 0]]))
    assert error.problem_list()[0].message == (
        "« durations » a 2 lignes de 2 durées ; il en faut 3 lignes de 3 durées "
        "(le dépôt puis les 2 étapes)"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("{", "ligne 1 : JSON illisible (Expecting property name enclosed in double quotes)"),
        ("[]", "le fichier doit être un objet JSON, la réponse d'une requête OSRM « table »"),
        (
            json.dumps({"code": "NoTable", "message": "No route found"}),
            "OSRM n'a pas calculé la matrice (code « NoTable » : No route found)",
        ),
        (
            json.dumps({"code": "Ok"}),
            "la réponse n'a pas de « durations » (demander annotations=duration)",
        ),
        (
            osrm_answer([[0, -1, 2], [1, 0, 2], [1, 2, 0]]),
            "durée du dépôt à « Mairie d'Agny » invalide (ligne 1, colonne 2) : "
            "un nombre de secondes positif est attendu",
        ),
        (
            osrm_answer([[0, 1, 2], [1, 0, 2], [1, 2, 0]], sources=[{}]),
            "« sources » doit lister 3 points (le dépôt puis chaque étape) : la requête doit "
            "porter sur tous les points dans les deux sens",
        ),
        ('{"code": "Ok", "durations": [[NaN]]}', "fichier : JSON illisible"),
    ],
)
def test_malformed_files_are_refused_in_french(data, expected):
    assert refusal(data).problem_list()[0].message.startswith(expected)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
ANSWERS = st.fixed_dictionaries(
    {"code": st.sampled_from(["Ok", "NoRoute", 3])},
    optional={
        "durations": st.one_of(
            JSON, st.lists(st.lists(st.one_of(st.none(), st.floats(), st.integers()), max_size=4))
        ),
        "sources": JSON,
        "message": JSON,
    },
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(JSON, ANSWERS))
def test_any_json_gives_travel_times_or_a_french_refusal(value):
    try:
        data = json.dumps(value)
    except ValueError:
        data = str(value)
    try:
        travel = osrm_travel(data, [AGNY, FEUCHY], file_name="x.json")
    except TravelFileError as error:
        assert error.problem_list()
    else:
        assert isinstance(travel, TravelTimes)
        assert all(minutes >= 0 for minutes in travel.outbound.values())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_travel_times_or_a_french_refusal(data):
    try:
        osrm_travel(data, [AGNY], file_name="x.json")
    except TravelFileError as error:
        assert "x.json" in str(error)
