import pytest

from nonrecours.territories import actions, queries
from nonrecours.territories.enums import Stratum, StratumSource
from nonrecours.territories.models import Commune
from nonrecours.territories.strata import CommuneFacts, describe_rule, strata_by_rule


def rule(*facts: tuple[str, int, float], small: int = 1000, density: int = 300):
    return strata_by_rule(
        [CommuneFacts(*f) for f in facts], small_commune_threshold=small, density_threshold=density
    )


def test_largest_commune_is_the_central_city_even_if_sparse():
    assert rule(("1", 5000, 100.0), ("2", 4000, 1.0))["1"] == Stratum.CENTRAL_CITY


def test_ties_for_largest_go_to_the_smallest_insee_code():
    result = rule(("2", 5000, 1.0), ("1", 5000, 1.0))
    assert result == {"1": Stratum.CENTRAL_CITY, "2": Stratum.URBAN}


def test_thresholds_are_inclusive_for_urban_and_exclusive_for_small():
    result = rule(
        ("0", 100_000, 10.0),
        ("a", 999, 0.1),  # dense but small: small commune first
        ("b", 1000, 1000 / 300),  # exactly 300 hab./km²: urban
        ("c", 1000, 1000 / 299),  # just under: rural
        ("d", 1500, None),  # no area known: density unknown, rural
        ("e", None, 3.0),  # no population known: rural, never small nor central
    )
    assert result["a"] == Stratum.SMALL_COMMUNE
    assert result["b"] == Stratum.URBAN
    assert result["c"] == Stratum.RURAL
    assert result["d"] == Stratum.RURAL
    assert result["e"] == Stratum.RURAL


def test_thresholds_are_parameters():
    facts = (("0", 100_000, 10.0), ("a", 1500, 10.0))
    assert rule(*facts)["a"] == Stratum.RURAL
    assert rule(*facts, density=100)["a"] == Stratum.URBAN
    assert rule(*facts, small=2000)["a"] == Stratum.SMALL_COMMUNE


def test_empty_territory_has_no_strata():
    assert rule() == {}


def test_rule_is_described_in_french_with_the_thresholds():
    text = " ".join(describe_rule(small_commune_threshold=1500, density_threshold=250))
    assert "1\u202f500 habitants" in text
    assert "250 habitants par km²" in text
    assert "ville-centre" in text


@pytest.mark.django_db
def test_strata_of_the_cu_arras(arras):
    summary = {row.stratum: row for row in queries.strata_summary(arras)}
    assert summary[Stratum.CENTRAL_CITY].communes == 1
    assert Commune.objects.get(stratum=Stratum.CENTRAL_CITY).name == "Arras"
    assert summary[Stratum.SMALL_COMMUNE].communes == 25
    assert summary[Stratum.URBAN].communes == 8
    assert summary[Stratum.RURAL].communes == 12
    assert sum(row.population for row in summary.values()) == 107_763


@pytest.mark.django_db
def test_changing_thresholds_reapplies_the_rule_but_keeps_manual_choices(arras):
    manual = Commune.objects.get(insee_code="62609")  # Neuville-Saint-Vaast, rural
    actions.commune_set_stratum(commune=manual, stratum=Stratum.RURAL)
    changed = actions.territory_update_strata_rule(
        territory=arras, small_commune_threshold=1000, density_threshold=100
    )
    assert changed > 0
    assert Commune.objects.get(insee_code="62557").stratum == Stratum.URBAN  # 209 hab./km²
    manual.refresh_from_db()
    assert manual.stratum == Stratum.RURAL


@pytest.mark.django_db
def test_giving_a_commune_back_to_the_rule(arras):
    commune = Commune.objects.get(insee_code="62557")
    actions.commune_set_stratum(commune=commune, stratum=Stratum.URBAN)
    commune = actions.commune_set_stratum(commune=commune, stratum=None)
    assert (commune.stratum, commune.stratum_source) == (Stratum.RURAL, StratumSource.RULE)


@pytest.mark.django_db
def test_negative_thresholds_are_refused_in_french(arras):
    with pytest.raises(ValueError, match="Le seuil de densité urbaine doit être positif ou nul"):
        actions.territory_update_strata_rule(
            territory=arras, small_commune_threshold=1000, density_threshold=-1
        )
    arras.refresh_from_db()
    assert arras.density_threshold == 300
