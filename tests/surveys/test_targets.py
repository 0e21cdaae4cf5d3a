"""Campaign targets add up (issue #11): one rounding, total preserved."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.surveys import actions, queries
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.targets import (
    CommuneWeight,
    TargetError,
    apportion,
    commune_targets,
)

weights_lists = st.lists(st.integers(min_value=0, max_value=2_000_000), max_size=60)


@settings(max_examples=300, deadline=None)
@given(weights=weights_lists, total=st.integers(0, 100_000), minimum=st.integers(0, 20))
def test_apportion_keeps_the_total_and_the_minimum(weights, total, minimum):
    if total < minimum * len(weights) or (total and not weights):
        with pytest.raises(TargetError, match="réponses"):
            apportion(total, weights, minimum=minimum)
        return
    shares = apportion(total, weights, minimum=minimum)
    assert len(shares) == len(weights)
    assert sum(shares) == total
    assert all(share >= minimum for share in shares)


@settings(max_examples=300, deadline=None)
@given(weights=weights_lists, total=st.integers(0, 100_000), minimum=st.integers(0, 20))
def test_apportion_is_monotone_in_population(weights, total, minimum):
    if total < minimum * len(weights) or not weights:
        return
    shares = apportion(total, weights, minimum=minimum)
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > wj:
                assert shares[i] >= shares[j], (weights, shares)


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(st.integers(1, 100_000), min_size=1, max_size=40), total=st.integers(0, 50_000)
)
def test_apportion_stays_within_one_of_the_exact_share(weights, total):
    # Without a minimum this is Hamilton's method: quota rule.
    shares = apportion(total, weights)
    whole = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert total * weight // whole <= share <= -(-total * weight // whole)


def test_apportion_refusals_are_french():
    with pytest.raises(TargetError, match="inférieur au minimum de 5 réponses par commune"):
        apportion(20, [10, 20, 30, 40, 50], minimum=5)
    with pytest.raises(TargetError, match="ne peut pas être négatif"):
        apportion(-1, [1])
    with pytest.raises(TargetError, match="Aucune commune"):
        apportion(3, [])
    assert apportion(0, []) == []
    assert apportion(7, [0, 0, 0]) == [3, 2, 2]


@settings(max_examples=200, deadline=None)
@given(
    communes=st.lists(
        st.tuples(st.integers(0, 200_000), st.sampled_from(["rural", "urban", "central_city"])),
        min_size=1,
        max_size=30,
    ),
    total=st.integers(0, 20_000),
    extras=st.dictionaries(st.sampled_from(["rural", "urban"]), st.integers(0, 2_000)),
)
def test_commune_targets_add_up_by_stratum(communes, total, extras):
    weights = [CommuneWeight(f"{i:05}", p, s) for i, (p, s) in enumerate(communes)]
    try:
        targets = commune_targets(weights, total=total, stratum_extras=extras)
    except TargetError as error:
        assert str(error)[0].isupper()
        return
    assert sum(targets.values()) == total + sum(extras.values())
    populations = [c.population for c in weights]
    shares = apportion(total, populations, minimum=5) if total else [0] * len(weights)
    base = dict(zip([c.insee_code for c in weights], shares, strict=True))
    for stratum, extra in extras.items():
        codes = [c.insee_code for c in weights if c.stratum == stratum]
        assert sum(targets.get(code, 0) for code in codes) == sum(base[c] for c in codes) + extra
    if total:
        assert all(targets[c.insee_code] >= 5 for c in weights)


def test_one_thousand_plus_150_rural_agree_on_arras(arras):
    """The case of the issue: header 1,023, strata 1,027, communes 1,023."""
    campaign = actions.campaign_create(
        territory=arras,
        slug="barometre-2026",
        name="Baromètre 2026",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 11, 30),
        channels=[Channel.DOOR_TO_DOOR],
        commune_targets=actions.commune_targets_by_population(
            territory=arras, total=1000, stratum_extras={"rural": 150}
        ),
    )
    progress = queries.campaign_progress(campaign)
    by_commune = sum(row.target or 0 for row in progress.by_commune)
    by_stratum = sum(row.target or 0 for row in progress.by_stratum)
    assert progress.target == by_stratum == by_commune == 1150
    assert all(row.target is not None and row.target >= 5 for row in progress.by_commune)
    rural = next(row for row in progress.by_stratum if row.stratum == "rural")
    rural_base = actions.commune_targets_by_population(territory=arras, total=1000)
    rural_codes = set(arras.communes.filter(stratum="rural").values_list("insee_code", flat=True))
    assert rural.target == sum(t for c, t in rural_base.items() if c in rural_codes) + 150


def test_campaign_refuses_a_stratum_target_that_disagrees_with_its_communes(arras):
    with pytest.raises(ValueError, match="diffère de la somme des objectifs de ses communes"):
        actions.campaign_create(
            territory=arras, slug="x", name="X", starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 2, 1), channels=[Channel.ONLINE],
            commune_targets={"62041": 900}, stratum_targets={"rural": 150},
        )  # fmt: skip
    with pytest.raises(ValueError, match="ne peut pas être négatif"):
        actions.campaign_create(
            territory=arras, slug="x", name="X", starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 2, 1), channels=[Channel.ONLINE],
            commune_targets={"62041": -3},
        )  # fmt: skip
    assert not actions.Campaign.objects.exists()


def test_a_total_below_the_minimum_per_commune_is_refused(arras):
    with pytest.raises(TargetError, match="minimum de 5 réponses par commune pour 46 communes"):
        actions.commune_targets_by_population(territory=arras, total=100, strict_minimum=True)
    lowered = actions.commune_targets_by_population(territory=arras, total=100)
    assert sum(lowered.values()) == 100
    assert min(lowered.values()) == 100 // 46
