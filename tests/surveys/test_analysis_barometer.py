"""The barometer's read model (surveys.barometer) and the indicator values
it is built on."""

import datetime
import pickle
from io import StringIO

import numpy as np
import pytest
from django.core.cache import cache
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.surveys.analysis import campaign_analysis, indicator_values
from nonrecours.surveys.answer_columns import AnswerColumns
from nonrecours.surveys.barometer import campaign_barometer, changes_since
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.questionnaire import Indicator, default_questionnaire
from nonrecours.surveys.subgroups import Filters, filtered_lines
from nonrecours.surveys.weighting import Weighting

pytestmark = pytest.mark.django_db


def _one_by_one(indicator: Indicator, answers: dict) -> float:
    base = indicator.base_condition
    if base is not None and not base.evaluate(answers):
        return np.nan
    return 1.0 if indicator.numerator.evaluate(answers) else 0.0


_values = st.one_of(
    st.none(),
    st.sampled_from(["oui", "non", "femme", "", "nsp", "1"]),
    st.integers(-2, 2),
    st.booleans(),
    st.lists(st.sampled_from(["rsa", "aah", "apl", "oui"]), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.lists(st.integers(), max_size=1), max_size=2),
)


def _questions() -> list[str]:
    names: set[str] = set()
    for indicator in default_questionnaire().indicators:
        names |= indicator.numerator.questions()
        if indicator.base_condition is not None:
            names |= indicator.base_condition.questions()
    return sorted(names)


@settings(max_examples=60, deadline=None)
@given(answers=st.lists(st.dictionaries(st.sampled_from(_questions()), _values), max_size=40))
def test_indicator_values_are_those_of_each_respondent_alone(answers):
    indicators = default_questionnaire().indicators
    values = indicator_values(indicators, AnswerColumns.from_answers(answers, _questions()))
    for indicator in indicators:
        expected = np.array([_one_by_one(indicator, a) for a in answers])
        assert values[indicator.id].shape == (len(answers),)
        np.testing.assert_array_equal(values[indicator.id], expected)


@pytest.fixture
def waves(arras):
    from nonrecours.surveys.actions import demo_campaign_create

    call_command("demo", "--responses", "400", "--seed", "1", stdout=StringIO())
    first = Campaign.objects.get(slug="demo-2024")
    later, _ = demo_campaign_create(territory=arras, responses=400, seed=7, slug="demo-2025")
    later.starts_on = datetime.date(2025, 9, 1)
    later.ends_on = datetime.date(2025, 11, 28)
    later.save()
    cache.clear()
    return first, later


def test_barometer_assembles_analysis_previous_wave_and_changes(waves):
    first, later = waves
    barometer = campaign_barometer(later, potential=False)
    analysis = campaign_analysis(later)
    assert barometer.analysis.rows == analysis.rows
    assert barometer.previous == first
    assert barometer.changes == changes_since(analysis.rows, campaign_analysis(first).rows)
    assert [line.indicator for line in barometer.lines] == [
        i.id for i in later.questionnaire.questionnaire().indicators
    ]
    line = barometer.line("situation_financiere_difficile")
    assert line is not None
    assert line.change == barometer.changes[("situation_financiere_difficile", "ensemble")]
    assert barometer.potential is None
    assert campaign_barometer(first, potential=False).previous is None


def test_barometer_is_picklable_and_read_back_from_the_cache(waves, django_assert_max_num_queries):
    _, later = waves
    barometer = campaign_barometer(later)
    assert barometer.potential is not None
    again = pickle.loads(pickle.dumps(barometer))  # noqa: S301 (made just above)
    assert again.analysis.rows == barometer.analysis.rows
    # Read back: a handful of queries for the key, none per answer.
    with django_assert_max_num_queries(12):
        cached = campaign_barometer(later)
    assert cached.potential == barometer.potential
    assert cached.campaign is later


def test_a_new_answer_changes_the_key(waves):
    _, later = waves
    before = campaign_barometer(later, potential=False)
    response = later.responses.order_by("pk").first()
    response.pk = None
    response.idempotency_key = "une-autre"
    response.save()
    after = campaign_barometer(later, potential=False)
    assert after.analysis.raking.n == before.analysis.raking.n + 1
    response.delete()
    assert campaign_barometer(later, potential=False).analysis.raking.n == before.analysis.raking.n


def test_weighting_is_part_of_the_key(waves):
    _, later = waves
    plain = campaign_barometer(later, potential=False)
    stricter = campaign_barometer(later, weighting=Weighting(threshold=20), potential=False)
    assert stricter.analysis.weighting.threshold == 20
    assert plain.analysis.weighting.threshold != 20
    assert sum(r.suppressed for r in stricter.analysis.rows) >= sum(
        r.suppressed for r in plain.analysis.rows
    )


def test_filters_give_the_subgroup_lines(waves):
    _, later = waves
    women = Filters(sex="femme")
    barometer = campaign_barometer(later, women, potential=False)
    expected, refusal = filtered_lines(later, campaign_analysis(later), women)
    assert barometer.filters == women
    assert barometer.refusal == refusal == ""
    assert [line.subgroup for line in barometer.filtered] == [line.subgroup for line in expected]
    assert campaign_barometer(later, Filters(), potential=False).filtered == []


def test_the_potential_non_take_up_is_computed_once_per_version_and_kept(waves, monkeypatch):
    """Another process (the command line's report, cache empty) reads the
    stored potential non-take-up instead of simulating every answer again;
    a new answer (another version) computes it again."""
    from nonrecours.surveys import barometer as module
    from nonrecours.surveys.models import StoredPotential

    _, later = waves
    computed = campaign_barometer(later).potential
    assert computed is not None
    stored = StoredPotential.objects.get(campaign=later)
    # Hidden cells are stored without their figures.
    hidden = [row for row in stored.content["rows"] if row[4]]
    assert hidden and all(row[5:] == [None, None, None, None] for row in hidden)
    assert any(not row[4] and row[5] is not None for row in stored.content["rows"])

    def no_simulation(*args, **kwargs):
        raise AssertionError("simulé une seconde fois")

    monkeypatch.setattr(module, "potential_non_take_up", no_simulation)
    cache.clear()
    assert campaign_barometer(later).potential == computed
    # A new answer: another version of the wave, computed again.
    response = later.responses.order_by("pk").first()
    response.pk = None
    response.idempotency_key = "une-autre"
    response.save()
    cache.clear()
    with pytest.raises(AssertionError, match="simulé une seconde fois"):
        campaign_barometer(later)
    monkeypatch.undo()
    again = campaign_barometer(later).potential
    assert again is not None and again.simulated >= computed.simulated
    assert StoredPotential.objects.filter(campaign=later).count() == 1
