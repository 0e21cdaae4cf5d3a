"""The priority index of aller-vers (outreach.priorities): which factors
it uses, what each line says, and how the weights change the ranking."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from nonrecours.directory.imports import directory_import
from nonrecours.outreach.enums import FigureSource
from nonrecours.outreach.models import CommuneFigure, PriorityArea, PriorityWeights
from nonrecours.outreach.priorities import (
    DEFAULT_WEIGHTS,
    FACTOR_KEYS,
    priority_index,
    territory_weights,
)
from nonrecours.outreach.travel import estimated_minutes
from nonrecours.territories.models import Commune
from tests.factories import structure_record

pytestmark = pytest.mark.django_db

ARRAS = "62041"
# Arras's town hall square, and a commune at the edge of the CU.
ARRAS_POINT = (50.2910, 2.7775)


def _help_point(
    territory, name="France Services d'Arras", networks=("france-service",), point=ARRAS_POINT
):
    record = structure_record(
        id=f"nonrecours--{name}",
        nom=name,
        latitude=point[0],
        longitude=point[1],
        reseaux_porteurs=list(networks),
    )
    report = directory_import(records=[record], territory=territory)
    assert report.structures_created == 1


def _place(index, key):
    return next(p for p in index.places if p.key == key)


def test_with_population_only_the_index_says_what_is_missing(arras):
    index = priority_index(arras)

    assert index.used == ("population",)
    assert [label for label, _ in index.missing] == [
        "difficultés financières",
        "difficultés avec les démarches",
        "illectronisme",
        "non-recours déclaré",
        "non-recours potentiel au RSA",
        "temps de route jusqu'à un accueil",
        "taux de pauvreté",
        "foyers allocataires du RSA pour 100 habitants",
    ]
    assert dict(index.missing)["taux de pauvreté"] == (
        "fichier Filosofi (par commune ou carroyé) non importé"
    )
    assert len(index.places) == Commune.objects.members_of(arras).count() == 46
    first = index.places[0]
    assert (first.key, first.rank, round(first.score, 6)) == (ARRAS, 1, 100.0)
    assert first.reasons == f"{first.population:,} habitants".replace(",", "\u202f")
    assert all(0 <= p.score <= 100 for p in index.places)


def test_remoteness_counts_minutes_to_the_nearest_counter_not_the_town_hall(arras):
    _help_point(arras)
    index = priority_index(arras, {"population": 0})

    assert index.used == ("eloignement",) and index.help_points == 1
    assert _place(index, ARRAS).rank == len(index.places)  # the counter is there
    farthest = index.places[0]
    assert farthest.reasons.startswith(
        "France Services le plus proche : France Services d'Arras, "
    ) and farthest.reasons.endswith(" min de route")


def test_a_commune_far_from_any_counter_counts_its_inhabitants(arras):
    # A CCAS 46 km away (Lille): every commune of the CU is beyond 20 min.
    _help_point(arras, "CCAS de Lille", ("ccas-cias",), (50.6372, 3.0633))
    index = priority_index(arras, {"population": 0})

    line = _place(index, ARRAS)
    (value,) = line.values
    assert value.scaled == 1.0  # beyond 30 min: counts in full
    population = f"{line.population:,}".replace(",", "\u202f")
    assert value.text.startswith(
        f"{population} habitants à plus de 20 min d'un accueil (CCAS ou CIAS le plus proche : "
        "CCAS de Lille, "
    )


def test_the_weights_change_the_ranking(arras):
    _help_point(arras)
    by_size = priority_index(arras, {"eloignement": 0})
    by_distance = priority_index(arras, {"population": 0})
    mixed = priority_index(arras)

    assert by_size.places[0].key == ARRAS
    assert by_distance.places[0].key != ARRAS
    assert [p.key for p in mixed.places] != [p.key for p in by_size.places]
    # The contributions add up to the score.
    for place in mixed.places:
        assert sum(place.contributions.values()) == pytest.approx(place.score)


def test_saved_weights_are_read_unknown_or_negative_ones_ignored(arras):
    PriorityWeights.objects.create(
        territory=arras,
        weights={"population": 3, "inconnu": 9, "pauvrete": -1, "illectronisme": "x"},
    )
    weights = territory_weights(arras)
    assert set(weights) == set(FACTOR_KEYS)
    assert weights["population"] == 3.0
    assert weights["pauvrete"] == DEFAULT_WEIGHTS["pauvrete"]
    assert weights["illectronisme"] == DEFAULT_WEIGHTS["illectronisme"]


def test_a_commune_masked_by_insee_gets_its_stratum_mean_and_says_so(arras):
    communes = list(Commune.objects.members_of(arras).order_by("insee_code"))
    masked = communes[1]
    peers = [c for c in communes if c.stratum == masked.stratum and c != masked][:2]
    now = timezone.now()
    for commune, value in [(masked, None), (peers[0], 0.10), (peers[1], 0.20)]:
        CommuneFigure.objects.create(
            territory=arras, commune=commune, source=FigureSource.FILOSOFI_COMMUNE,
            name="taux_pauvrete", value=value, year=2021, file_name="f.csv", imported_at=now,
        )  # fmt: skip

    index = priority_index(arras, {"population": 0})

    line = _place(index, masked.insee_code)
    (value,) = line.values
    assert value.from_stratum and value.scaled == pytest.approx(0.15)
    assert "moyenne de la strate" in value.text and "Filosofi 2021" in value.text
    assert (
        _place(index, peers[0].insee_code).values[0].text
        == "taux de pauvreté 10\u00a0% (Filosofi 2021)"
    )


def test_a_qpv_takes_its_commune_values_and_its_own_distance(arras):
    _help_point(arras)
    now = timezone.now()
    PriorityArea.objects.create(
        territory=arras, code="QN06201M", name="Quartier d'essai", insee_codes=[ARRAS],
        geometry={"type": "Point", "coordinates": [2.80, 50.30]}, latitude=50.30, longitude=2.80,
        population=3000, file_name="qpv.geojson", imported_at=now,
    )  # fmt: skip

    index = priority_index(arras)

    qpv = _place(index, "QN06201M")
    assert qpv.kind == "qpv" and qpv.name == "Quartier d'essai (QPV, Arras)"
    values = {v.factor: v for v in qpv.values}
    # Its commune's figures, but not its commune's population: its own.
    assert "population" not in values and qpv.population == 3000
    assert values["eloignement"].text.startswith("France Services le plus proche")
    expected = estimated_minutes((50.30, 2.80), ARRAS_POINT)
    assert values["eloignement"].scaled == pytest.approx(expected / 30)


@pytest.fixture
def demo(arras):
    call_command("demo", "--responses", "400", "--seed", "2", stdout=StringIO())


@pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC))
def test_the_barometer_gives_commune_figures_or_their_stratum(arras, demo):
    index = priority_index(arras, {"population": 0})

    assert index.campaign is not None
    assert {"difficultes_financieres", "illectronisme", "non_recours_potentiel"} <= set(index.used)
    texts = [v.text for p in index.places for v in p.values if v.factor == "illectronisme"]
    own = [t for t in texts if "strate" not in t]
    pooled = [t for t in texts if "(strate « " in t]
    assert own and pooled
    assert all(t.startswith("illectronisme ") and "\u00a0% ± " in t for t in texts)
    # With 400 answers the strata of the simulation are hidden (or empty):
    # every commune gets the territory's figure, and its line says why.
    potential = [v for p in index.places for v in p.values if v.factor == "non_recours_potentiel"]
    assert len(potential) == 46 and all(v.from_stratum for v in potential)
    assert {v.text.split(" (")[0] for v in potential} == {
        "non-recours potentiel au RSA estimé 33\u00a0% ± 28"
    }
    assert all(v.text.endswith(" masquée)") for v in potential)
