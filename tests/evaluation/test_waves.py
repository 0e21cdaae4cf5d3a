"""Two waves compared cell by cell, their difference-in-differences and the
minimum-detectable-effect calculator (evaluation.waves*), on the synthetic
waves of Arras; the figures are recomputed here from the weights alone."""

import datetime
import math
from io import StringIO

import numpy as np
import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from nonrecours.analysis.estimators import difference
from nonrecours.analysis.files import OVERALL
from nonrecours.evaluation.waves import (
    TABLE_LABELS,
    WavesError,
    compare_waves,
    comparison_table,
    wave_pair,
)
from nonrecours.evaluation.waves_did import exposed_by_bus, waves_difference_in_differences
from nonrecours.evaluation.waves_power import (
    StratumInput,
    power_defaults,
    power_plan,
    proposed_targets,
)
from nonrecours.outreach.enums import StopKind, VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit, Stop
from nonrecours.surveys.barometer import campaign_barometer
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.publication import campaign_publish
from nonrecours.surveys.release import STRATA
from nonrecours.territories.models import Commune

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 1, 15, 10, 0, tzinfo=datetime.UTC)
INDICATOR = "non_recours_declare"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def waves(arras):
    """demo-2024 (400 answers) and demo-2025 (400 answers, another seed)."""
    from nonrecours.surveys.actions import demo_campaign_create

    call_command("demo", "--responses", "400", "--seed", "1", stdout=StringIO())
    first = Campaign.objects.get(slug="demo-2024")
    later, _ = demo_campaign_create(territory=arras, responses=400, seed=7, slug="demo-2025")
    later.starts_on = datetime.date(2025, 9, 1)
    later.ends_on = datetime.date(2025, 11, 28)
    later.name = "Baromètre 2025 — démonstration"
    later.save()
    cache.clear()
    return first, later


def _weighted(campaign, indicator, inside=None):
    """The weighted share and its base count, from the weights alone."""
    analysis = campaign_barometer(campaign, potential=False).analysis
    values = analysis.respondents.values[indicator]
    keep = ~np.isnan(values)
    if inside is not None:
        keep &= inside
    w = analysis.raking.weights[keep]
    return float((w * values[keep]).sum() / w.sum()), int(keep.sum())


def test_overall_and_strata_compared_with_the_variances_added(waves):
    first, later = waves
    comparison = compare_waves(later, first)  # any order: the earlier comes first
    assert comparison.first.campaign == first
    cells = {(c.indicator, c.by, c.domain): c for c in comparison.cells}
    overall = cells[(INDICATOR, OVERALL, OVERALL)]
    a, n_a = _weighted(first, INDICATOR)
    b, n_b = _weighted(later, INDICATOR)
    assert overall.first.estimate == pytest.approx(a)
    assert overall.second.estimate == pytest.approx(b)
    assert (overall.first.n, overall.second.n) == (n_a, n_b)
    assert overall.change.difference == pytest.approx(b - a)
    assert overall.change.se == pytest.approx(math.hypot(overall.first.se, overall.second.se))
    z = (b - a) / overall.change.se
    assert overall.change.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    # Every table is there: strata, communes, sex and age.
    assert {c.by for c in comparison.cells} >= {OVERALL, "strate", "commune", "sexe", "age"}
    # Adjusted p-values are never below the raw ones.
    for cell in comparison.cells:
        if cell.change is not None:
            assert cell.adjusted_p >= cell.change.p_value - 1e-12
            assert cell.reading in {
                "hausse significative",
                "baisse significative",
                "pas d'écart décelable",
            }


def test_hidden_cells_are_not_compared(waves):
    first, later = waves
    comparison = compare_waves(first, later)
    hidden = [
        c for c in comparison.cells if (c.first and c.first.suppressed) or
        (c.second and c.second.suppressed)
    ]  # fmt: skip
    assert hidden, "the communes of Arras with few answers are hidden"
    for cell in hidden:
        assert cell.change is None
        assert "secret statistique" in cell.status
        assert math.isnan(cell.adjusted_p)
    header, lines = comparison_table(comparison)
    by_code = {(line[0], line[2], line[4]): line for line in lines}
    cell = hidden[0]
    line = by_code[(cell.indicator, TABLE_LABELS[cell.by], cell.domain)]
    assert line[header.index("ecart_points")] == ""
    assert "secret statistique" in line[header.index("statut")]


def test_a_published_wave_is_read_from_its_publication(waves):
    first, later = waves
    publication = campaign_publish(campaign=first, user=None)
    # The stored content is what is compared, even when it differs from a
    # computation now: change one stored figure and see it come back.
    content = publication.content
    row = next(r for r in content["rows"] if r["indicator"] == INDICATOR and r["by"] == OVERALL)
    row["estimate"] = 0.5
    publication.content = content
    publication.save()
    comparison = compare_waves(first, later)
    assert comparison.first.published and not comparison.second.published
    overall = next(c for c in comparison.cells if (c.indicator, c.by) == (INDICATOR, OVERALL))
    assert overall.first.estimate == 0.5


def test_wave_pair_refusals(waves, arras):
    first, later = waves
    assert wave_pair(arras, later.slug, first.slug) == (first, later)
    with pytest.raises(WavesError, match="n'est pas une vague") as error:
        wave_pair(arras, "inconnue", first.slug)
    assert error.value.field == "first"
    with pytest.raises(WavesError, match="deux vagues différentes"):
        wave_pair(arras, first.slug, first.slug)


def _stratum_codes(territory, stratum):
    return sorted(
        Commune.objects.members_of(territory)
        .filter(stratum=stratum)
        .values_list("insee_code", flat=True)
    )


def test_difference_in_differences_against_the_weights(waves, arras):
    first, later = waves
    exposed = _stratum_codes(arras, "urban")
    did = waves_difference_in_differences(first, later, exposed)
    line = next(line for line in did.lines if line.indicator == INDICATOR)
    assert line.refusal == ""
    groups = {}
    gaps = []
    for campaign in (first, later):
        analysis = campaign_barometer(campaign, potential=False).analysis
        respondents = analysis.respondents
        codes = np.array(respondents.commune_codes)[respondents.communes]
        inside = np.isin(codes, exposed)
        groups[campaign.slug] = (
            _weighted(campaign, INDICATOR, inside),
            _weighted(campaign, INDICATOR, ~inside),
        )
        values = respondents.values[INDICATOR]
        gaps.append(difference(analysis.raking, values, inside, ~inside))
    (ea, n_ea), (ua, n_ua) = groups[first.slug]
    (eb, n_eb), (ub, n_ub) = groups[later.slug]
    result = line.result
    assert result.estimate == pytest.approx((eb - ea) - (ub - ua))
    assert result.exposed_first.estimate == pytest.approx(ea)
    assert line.counts == (n_ea, n_eb, n_ua, n_ub)
    assert result.se == pytest.approx(math.hypot(gaps[0].se, gaps[1].se))
    four = [result.exposed_first, result.exposed_second, result.unexposed_first]
    four.append(result.unexposed_second)
    assert result.se_four == pytest.approx(math.sqrt(sum(e.se**2 for e in four)))
    # The calibration's covariance between the groups counts: not the same SE.
    assert result.se != pytest.approx(result.se_four, rel=1e-3)


def test_difference_in_differences_refusals(waves, arras):
    first, later = waves
    with pytest.raises(WavesError, match="Aucune commune exposée"):
        waves_difference_in_differences(first, later, [])
    every = list(Commune.objects.members_of(arras).values_list("insee_code", flat=True))
    with pytest.raises(WavesError, match="Toutes les communes"):
        waves_difference_in_differences(first, later, every)
    with pytest.raises(WavesError, match="inconnue"):
        waves_difference_in_differences(first, later, ["99999"])
    # One small commune: too few answers, nothing shown.
    small = _stratum_codes(arras, "rural")[:1]
    did = waves_difference_in_differences(first, later, small)
    assert all(line.result is None and "secret statistique" in line.refusal for line in did.lines)
    # A stratum minus one small commune would give that commune away.
    urban = _stratum_codes(arras, "urban")
    almost = [c for c in urban if c != min(urban, key=lambda c: _answers(first, c))]
    did = waves_difference_in_differences(first, later, almost)
    assert any("dévoileraient" in line.refusal for line in did.lines)


def _answers(campaign, code):
    return campaign.responses.filter(commune__insee_code=code).count()


def test_exposed_communes_are_those_the_bus_served(waves, arras):
    first, later = waves
    calendar = BusCalendar.objects.create(
        territory=arras, name="Bus 2025", start=datetime.date(2025, 3, 3), weeks=10,
        problem={}, status="optimal", objective=0, coverage=0, published_at=timezone.now(),
    )  # fmt: skip
    communes = list(Commune.objects.members_of(arras).order_by("insee_code")[:3])
    for n, commune in enumerate(communes):
        stop = Stop.objects.create(
            territory=arras, kind=StopKind.PLACE, name=f"Place {n}", commune=commune,
            latitude=50.29, longitude=2.78,
        )  # fmt: skip
        BusVisit.objects.create(
            calendar=calendar, stop=stop, stop_key=f"lieu-{n}", day=datetime.date(2025, 3, 4),
            half_day="matin", status=VisitStatus.CANCELLED if n == 2 else VisitStatus.PLANNED,
        )  # fmt: skip
    assert exposed_by_bus(arras, first, later) == [c.insee_code for c in communes[:2]]


def test_power_defaults_from_the_last_wave(waves, arras):
    first, later = waves
    defaults = {d.stratum: d for d in power_defaults(later, INDICATOR)}
    analysis = campaign_barometer(later, potential=False).analysis
    strata = analysis.respondents.strata
    for index, stratum in enumerate(STRATA):
        inside = strata == index
        w = analysis.raking.weights[inside]
        assert defaults[stratum].deff == pytest.approx(
            len(w) * (w**2).sum() / w.sum() ** 2, abs=0.005
        )
        share, n = _weighted(later, INDICATOR, inside)
        if defaults[stratum].baseline is not None:
            assert defaults[stratum].baseline == pytest.approx(share)
            assert defaults[stratum].answers == n
    assert sum(d.baseline is not None for d in defaults.values()) >= 3
    with pytest.raises(WavesError, match="n'est pas dans la vague"):
        power_defaults(later, "inconnu")


def test_power_plan_and_the_targets_it_proposes(arras):
    plans = power_plan(
        [
            StratumInput("central_city", 0.5, 0.10, 1.0, planned=385),
            StratumInput("urban", 0.5, -0.10, 2.0, base_share=0.5),
            StratumInput("rural", 0.5, 0.0, 1.0),
        ],
        alpha=0.05,
        power=0.8,
    )
    assert plans[0].needed == 385
    assert plans[0].to_collect == 385
    assert 0.0995 < plans[0].detectable <= 0.10
    assert (plans[1].needed, plans[1].to_collect) == (770, 1540)
    assert plans[2].needed is None and plans[2].field == "change"
    assert "nul" in plans[2].problem
    targets = proposed_targets(arras, plans)
    by_stratum = {}
    for commune in Commune.objects.members_of(arras):
        by_stratum[commune.stratum] = by_stratum.get(commune.stratum, 0) + targets.get(
            commune.insee_code, 0
        )
    assert by_stratum.get("central_city") == 385
    assert by_stratum.get("urban") == 1540
    assert sum(targets.values()) == 385 + 1540


def test_an_exposed_group_without_answers_is_refused_not_divided_by_zero(waves, arras):
    """A commune served by the bus where the running wave has no answer yet:
    every line is refused under secrecy, and no gap is computed on an empty
    group (it divided by zero; the suite turns the warning into an error)."""
    first, later = waves
    code = _stratum_codes(arras, "rural")[0]
    later.responses.filter(commune__insee_code=code).delete()
    assert _answers(later, code) == 0
    cache.clear()
    did = waves_difference_in_differences(first, later, [code])
    assert did.lines
    assert all(line.result is None and "secret statistique" in line.refusal for line in did.lines)
