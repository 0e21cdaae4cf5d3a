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
