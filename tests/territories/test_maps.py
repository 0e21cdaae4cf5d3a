import re

import pytest

from nonrecours.territories import actions, queries


@pytest.mark.django_db
def test_density_map_draws_every_commune_from_its_geometry(arras):
    territory_map = queries.territory_map(arras, queries.MapMeasure.DENSITY)
    features = territory_map.projected.features
    assert len(features) == 46
    width, height = territory_map.projected.width, territory_map.projected.height
    for feature in features:
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", feature.path)]
        assert numbers, feature.key
        assert all(-1 <= n <= max(width, height) + 1 for n in numbers)
    colors = {f.key: f.color for f in features}
    assert colors["62041"] == "#08519c"  # Arras, 3 454 hab./km²
    assert colors["62085"] == "#eff3ff"  # Basseux, 40 hab./km²


@pytest.mark.django_db
def test_stratum_map_uses_the_strata_colors_and_legend(arras):
    territory_map = queries.territory_map(arras, queries.MapMeasure.STRATUM)
    assert [c.label for c in territory_map.legend] == [
        "Ville-centre",
        "Petite commune",
        "Urbain",
        "Rural",
    ]
    assert {f.color for f in territory_map.projected.features} == set(
        queries.STRATUM_COLORS.values()
    )


@pytest.mark.django_db
def test_unknown_measure_falls_back_to_density(arras):
    assert queries.territory_map(arras, "n'importe quoi").measure == queries.MapMeasure.DENSITY


@pytest.mark.django_db
def test_map_of_an_overseas_territory_keeps_its_proportions(db):
    cinor = actions.territory_import(siren="249740119").territory
    territory_map = queries.territory_map(cinor)
    assert len(territory_map.projected.features) == 3
    assert 0.2 < territory_map.projected.height / territory_map.projected.width < 5
