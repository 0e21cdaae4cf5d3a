"""The barometer's part of the yearly report: the waves published for an
enquiry ended in the year, the indicators of the latest as published and
their change since the previous wave, read here from the stored JSON."""

import datetime

import pytest
import time_machine

from nonrecours.evaluation.report import yearly_report
from nonrecours.evaluation.report_render import report_html, report_pdf
from nonrecours.evaluation.report_sections import barometer_section
from nonrecours.surveys import actions
from nonrecours.surveys.publication import campaign_publish
from tests.outreach.test_posters import save_pages

pytestmark = pytest.mark.django_db
FROZEN = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)


@pytest.fixture
def waves(arras):
    with time_machine.travel(FROZEN, tick=False):
        first, _ = actions.demo_campaign_create(territory=arras, responses=300, seed=1)
        campaign_publish(campaign=first, user=None)
        later, _ = actions.demo_campaign_create(
            territory=arras, responses=300, seed=7, slug="demo-2025"
        )
        later.starts_on, later.ends_on = datetime.date(2025, 9, 1), datetime.date(2025, 11, 28)
        later.save()
        second = campaign_publish(campaign=later, user=None)
    return first, second


def test_indicators_and_changes_are_the_published_ones(arras, waves):
    first, second = waves
    content = second.content
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(arras, 2025, builders=(barometer_section,))
    section = report.section("barometre")
    assert section.available
    answers = section.figure("barometre.reponses", content["wave"]["name"])
    assert answers.value == second.respondents == content["respondents"]
    labels = {i["id"]: i["label"] for i in content["indicators"]}
    overall = {r["indicator"]: r for r in content["rows"] if r["by"] == "ensemble"}
    changes = {c["indicator"]: c for c in content["changes"] if c["domain"] == "ensemble"}
    assert overall and changes
    checked = hidden = 0
    for indicator, row in overall.items():
        share = section.figure("barometre.part", labels[indicator])
        change = section.figure("barometre.evolution", labels[indicator])
        if row["suppressed"]:
            assert share.hidden and share.value is None and change.hidden
            hidden += 1
            continue
        assert share.value == row["estimate"] and not share.hidden
        if indicator in changes:
            assert change.value == pytest.approx(changes[indicator]["difference"])
            checked += 1
    assert checked >= 3
    # The summary counts the wave's answers.
    assert report.section("actions").figure("barometre.reponses").value == second.respondents
    # The 2024 wave is only the reference of the changes, not a wave of 2025.
    assert [f.group for f in section.figures if f.key == "barometre.reponses"] == [
        content["wave"]["name"]
    ]
    html = report_html(report)
    assert "intervalle de confiance à 95" in html and 'role="img"' in html
    save_pages(report_pdf(report), "rapport-annuel-barometre")


def test_a_year_without_a_published_wave_says_so(arras, waves):
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(arras, 2023, builders=(barometer_section,))
    section = report.section("barometre")
    assert not section.available and not section.figures
    assert "Aucune vague" in section.intro


def test_changes_are_read_on_the_benjamini_hochberg_p_value(arras, waves):
    """As the waves page says: many cells are tested, so the report reads
    the adjusted p-value over every cell compared between the two waves
    (evaluation.waves.compare_waves), not p < 0,05 alone."""
    from nonrecours.analysis.waves import reading
    from nonrecours.evaluation.waves import compare_waves
    from nonrecours.french import number

    first, second = waves
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(arras, 2025, builders=(barometer_section,))
        comparison = compare_waves(first, second.campaign)
    section = report.section("barometre")
    labels = {i["id"]: i["label"] for i in second.content["indicators"]}
    cells = {c.indicator: c for c in comparison.cells if c.by == "ensemble" and c.change}
    assert comparison.tested > len(cells) >= 3
    for indicator, cell in cells.items():
        change = section.figure("barometre.evolution", labels[indicator])
        if change.hidden:
            continue
        assert change.note == (
            f"{reading(cell.change.difference, cell.adjusted_p)} (p ajustée = "
            f"{number(cell.adjusted_p, 3)} ; p = {number(cell.change.p_value, 3)})"
        )
    method = section.figure("barometre.evolution", labels[next(iter(cells))]).method
    assert "Benjamini–Hochberg" in method and f"{comparison.tested} cellules" in method


def test_long_indicator_labels_wrap_and_charts_split(arras, waves):
    from django.utils.html import escape

    from nonrecours.evaluation.report_render import CHART_ROWS, barometer_charts

    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(arras, 2025, builders=(barometer_section,))
    section = report.section("barometre")
    charts = barometer_charts(section)
    assert len(charts) == -(-len(section.intervals) // CHART_ROWS)
    drawn = " ".join(charts)
    # Every word of every label is drawn: wrapped, never cut (« (C… »).
    for label, *_ in section.intervals:
        assert all(escape(word) in drawn for word in label.split()), label
