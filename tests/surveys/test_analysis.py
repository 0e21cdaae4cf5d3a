"""The weighted barometer of a stored campaign."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nonrecours.surveys.analysis import campaign_analysis
from nonrecours.surveys.demo import BREAKDOWN_STRATA, published_targets
from nonrecours.surveys.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(arras):
    call_command("demo", "--responses", "2500", "--seed", "2024", stdout=StringIO())
    return Campaign.objects.get(slug="demo-2024")


def test_demo_reproduces_each_published_figure_within_its_interval(demo):
    analysis = campaign_analysis(demo)
    rows = {(r.indicator, r.domain): r for r in analysis.rows}
    assert analysis.raking.converged
    checked = 0
    for ident, published in published_targets().items():
        if "value" in published:
            row = rows[(ident, "ensemble")]
            assert row.ci_low <= published["value"] <= row.ci_high, (ident, row)
            checked += 1
        for name, value in (published.get("breakdowns") or {}).items():
            row = rows[(ident, BREAKDOWN_STRATA[name].value)]
            assert row.ci_low <= value <= row.ci_high, (ident, name, row)
            checked += 1
    assert checked == 19


def test_weights_add_up_to_the_population_and_bases_are_respected(demo, arras):
    analysis = campaign_analysis(demo)
    assert analysis.raking.weights.sum() == pytest.approx(arras.population, rel=1e-9)
    rows = {(r.indicator, r.domain): r for r in analysis.rows}
    in_difficulty = rows[("situation_financiere_difficile", "ensemble")]
    helped = rows[("recours_aide_proches", "ensemble")]
    assert helped.n < in_difficulty.n  # only those in difficulty are asked


def test_cli_compute(demo, tmp_path):
    out = tmp_path / "resultats.json"
    call_command(
        "barometer", "compute", "--campaign", "demo-2024", "--out", str(out), stdout=StringIO()
    )
    data = json.loads(out.read_text())
    assert data["ponderation"]["converge"] is True
    assert len(data["resultats"]) == 16 * 5
    with pytest.raises(CommandError, match="Aucune campagne « absente »"):
        call_command("barometer", "compute", "--campaign", "absente")


def test_weights_are_calibrated_on_sex_and_age_too(demo, arras):
    import numpy as np

    from nonrecours.territories.population import AGE_BANDS

    analysis = campaign_analysis(demo)
    assert analysis.structure_approximation  # the territory gave no census file
    assert any("sexe croisé avec l'âge" in m for m in analysis.margins)
    people = analysis.respondents
    weights = analysis.raking.weights
    structure = arras.age_sex_structure().by_band(AGE_BANDS)
    everyone = sum(sum(b.values()) for b in structure.values())
    given = (people.sexes != "non_renseigne") & (people.sexes != "autre")
    share_given = weights[given].sum() / weights.sum()
    for sex, bands in structure.items():
        for band, count in bands.items():
            cell = (people.sexes == sex) & (people.ages == band)
            got = weights[cell].sum() / weights.sum()
            assert got == pytest.approx(share_given * count / everyone, rel=1e-6)
    # The demo's sample has more women than the population; weighting corrects it.
    women = people.sexes == "femme"
    assert women.mean() > 0.55 > weights[women].sum() / weights[given].sum()
    assert np.isclose(weights.sum(), arras.population)


def test_bounds_and_cap_options(demo):
    from nonrecours.analysis.raking import RakingError
    from nonrecours.surveys.weighting import Weighting

    capped = campaign_analysis(demo, Weighting(cap=4))
    weights = capped.raking.weights
    assert weights.max() <= 4 * weights.mean() * (1 + 1e-9) and capped.raking.bounded > 0
    assert "4 fois le poids moyen" in capped.weighting.describe()
    with pytest.raises(RakingError, match="ne peut pas respecter les bornes"):
        campaign_analysis(demo, Weighting(bounds=(0.9, 1.1)))
    with pytest.raises(CommandError, match="ne peut pas respecter les bornes"):
        call_command(
            "barometer",
            "compute",
            "--campaign",
            demo.slug,
            "--bornes",
            "0.9:1.1",
            stdout=StringIO(),
        )


def test_few_answers_fall_back_to_coarser_margins(arras):
    call_command("demo", "--responses", "60", "--seed", "1", stdout=StringIO())
    campaign = Campaign.objects.get(slug="demo-2024")
    analysis = campaign_analysis(campaign)
    assert analysis.raking.converged
    assert not any("croisé" in m for m in analysis.margins)
    assert analysis.margins[0].startswith("population municipale")
