"""Publishing a wave: what is stored is what the secrecy released, once and
for all; afterwards the wave's answers cannot change."""

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from nonrecours.surveys import actions, open_data
from nonrecours.surveys.analysis import campaign_analysis
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.importers.files import SourceFormat
from nonrecours.surveys.maps import CLASS_KEYS, EMPTY_CLASS, HIDDEN_CLASS, estimate_class
from nonrecours.surveys.models import Publication, Response
from nonrecours.surveys.publication import (
    PublicationRefused,
    campaign_publish,
    published_map,
    published_results,
    published_tables,
    territory_publications,
)
from nonrecours.surveys.report import report_from_publication, report_html
from tests.surveys.test_questionnaire import complete_answers

pytestmark = pytest.mark.django_db
CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases" / "2026-11-30"
VALUES = ("estimate", "se", "ci_low", "ci_high", "n")


@pytest.fixture
def demo(arras):
    campaign, _ = actions.demo_campaign_create(territory=arras, responses=300, seed=1)
    return campaign


def hidden_rows(node):
    """Every stored row marked hidden, wherever it is in the JSON."""
    if isinstance(node, dict):
        if node.get("suppressed") is True:
            yield node
        for value in node.values():
            yield from hidden_rows(value)
    elif isinstance(node, list):
        for value in node:
            yield from hidden_rows(value)


def test_publication_stores_no_hidden_value_nor_count(demo):
    analysis = campaign_analysis(demo)
    every_row = [*analysis.rows, *analysis.commune_rows, *analysis.tables]
    hidden_in_analysis = [r for r in every_row if r.suppressed]
    # The analysis knows the count of its hidden cells: the test can fail.
    assert any(r.n > 0 for r in hidden_in_analysis)
    publication = campaign_publish(campaign=demo, user=None)
    content = json.loads(json.dumps(publication.content))  # as stored
    hidden = list(hidden_rows(content))
    assert len(hidden) == len(hidden_in_analysis)
    assert all(row[name] is None for row in hidden for name in VALUES)
    shown = {(r.indicator, r.by, r.domain): r for r in analysis.rows if not r.suppressed}
    for row in content["rows"]:
        if not row["suppressed"]:
            assert row["estimate"] == shown[(row["indicator"], row["by"], row["domain"])].estimate
    # Nothing tells a small zone's count: no weights, no answers by commune.
    assert "weight_range" not in content["weighting"]
    assert all(
        set(c) == {"code", "name", "stratum", "population"}
        for c in content["territory"]["communes"]
    )
    assert publication.respondents == analysis.raking.n == 300
    # The open data built from it carries no hidden value either.
    records = open_data.records(published_results(publication))
    masked = [r for r in records if r["statut"] == open_data.HIDDEN]
    assert len(masked) == len(hidden)
    assert all(r[k] is None for r in masked for k in ("estimation", "ic95_bas", "effectif"))


def test_a_wave_is_published_once_after_its_collection_with_answers(arras, demo):
    empty = actions.campaign_create(
        territory=arras, slug="vide", name="Vague vide", starts_on=datetime.date(2025, 1, 6),
        ends_on=datetime.date(2025, 3, 28), channels=[Channel.ONLINE],
    )  # fmt: skip
    with pytest.raises(PublicationRefused, match="n'a aucune réponse"):
        campaign_publish(campaign=empty, user=None)
    with pytest.raises(PublicationRefused, match="collecte des réponses jusqu'au 29/11/2024"):
        campaign_publish(campaign=demo, user=None, today=datetime.date(2024, 11, 29))
    assert not Publication.objects.exists()
    campaign_publish(campaign=demo, user=None, today=datetime.date(2024, 11, 30))
    with pytest.raises(PublicationRefused, match="déjà publiée"):
        campaign_publish(campaign=demo, user=None)
    assert Publication.objects.count() == 1


@time_machine.travel(datetime.datetime(2025, 1, 15, 10, tzinfo=datetime.UTC), tick=False)
def test_answers_and_imports_are_refused_once_published(demo):
    publication = campaign_publish(campaign=demo, user=None)
    before = publication.content
    count = Response.objects.count()
    with pytest.raises(actions.ResponseRejected) as refused:
        actions.response_submit(
            campaign=demo, answers=complete_answers(), channel=Channel.ONLINE,
            idempotency_key="apres-publication-1",
        )  # fmt: skip
    assert refused.value.errors == {
        "campagne": "La vague « Baromètre 2024 — données de démonstration (synthétiques) » est "
        "publiée le 15/01/2025 : ses réponses ne peuvent plus changer, pour que les résultats "
        "publiés restent ceux de ses réponses. Rien n'a été enregistré ; une nouvelle réponse a "
        "sa place dans une nouvelle vague."
    }
    with (CASES / "02-kobo-validation-status.csv").open("rb") as stream:
        with pytest.raises(actions.ImportRejected, match="est publiée le 15/01/2025"):
            actions.responses_import(
                campaign=demo, stream=stream, filename="kobo.csv", source=SourceFormat.KOBO
            )
    assert Response.objects.count() == count
    publication.refresh_from_db()
    assert publication.content == before


def test_an_answer_racing_the_publication_is_undone(demo, monkeypatch):
    """The publication commits between the first check and the answer's
    write: the check after the write sees it and nothing stays."""
    manager = Response.objects
    create = manager.create

    def create_then_publish(**fields):
        response = create(**fields)
        Publication.objects.create(campaign=demo, respondents=1, threshold=11, content={})
        return response

    monkeypatch.setattr(manager, "create", create_then_publish)
    count = Response.objects.count()
    with pytest.raises(actions.ResponseRejected, match="est publiée le"):
        actions.response_submit(
            campaign=demo, answers=complete_answers(), channel=Channel.ONLINE,
            idempotency_key="course-1",
        )  # fmt: skip
    assert Response.objects.count() == count


def test_the_published_report_and_data_stay_when_answers_are_erased(demo):
    publication = campaign_publish(campaign=demo, user=None)
    results = published_results(publication)
    html = report_html(report_from_publication(publication))
    data = open_data.data_csv(results)
    assert "Plan de sondage supposé" in html and "à un seul degré, avec remise" in html
    assert "Réponses par commune" not in html  # a hidden commune's count would be there
    Response.objects.filter(campaign=demo).delete()
    call_command("purge", stdout=StringIO())
    publication = Publication.objects.get(pk=publication.pk)
    assert report_html(report_from_publication(publication)) == html
    assert open_data.data_csv(published_results(publication)) == data


def test_changes_since_the_previous_published_wave(arras, demo):
    first = campaign_publish(campaign=demo, user=None)
    later, _ = actions.demo_campaign_create(
        territory=arras, responses=300, seed=7, slug="demo-2025"
    )
    later.starts_on, later.ends_on = datetime.date(2025, 9, 1), datetime.date(2025, 11, 28)
    later.save()
    second = campaign_publish(campaign=later, user=None)
    assert second.content["previous"] == {"slug": demo.slug, "name": demo.name}
    results = published_results(second)
    change = results.changes[("situation_financiere_difficile", "ensemble")]
    overall = {r.indicator: r for r in results.rows if r.by == "ensemble"}
    previous = {r.indicator: r for r in published_results(first).rows if r.by == "ensemble"}
    assert change.previous == previous["situation_financiere_difficile"].estimate
    assert change.difference == pytest.approx(
        overall["situation_financiere_difficile"].estimate - change.previous
    )
    assert [w.slug for w in territory_publications(arras)] == ["demo-2025", "demo-2024"]


def test_the_published_map_colours_each_commune_by_its_stored_row(demo):
    """Hidden communes hatched, a commune with nobody in the indicator's
    base dotted (unlike any share's colour), the others by their share."""
    publication = campaign_publish(campaign=demo, user=None)
    stored = [r for r in publication.content["commune_rows"] if r["indicator"] == "illectronisme"]
    empty = next(r for r in stored if not r["suppressed"])
    empty.update(estimate=None, se=None, ci_low=None, ci_high=None, n=0)
    found = published_map(published_results(publication), "illectronisme")
    classes = {feature.key: feature.class_key for feature in found.projected.features}
    expected = {}
    for row in stored:
        if row["suppressed"]:
            expected[row["domain"]] = HIDDEN_CLASS
        elif row["estimate"] is None:
            expected[row["domain"]] = EMPTY_CLASS
        else:
            expected[row["domain"]] = estimate_class(row["estimate"])
    assert classes == expected
    assert {HIDDEN_CLASS, EMPTY_CLASS} < set(classes.values())
    assert found.legend == (*CLASS_KEYS, EMPTY_CLASS, HIDDEN_CLASS)


def test_tables_render_hidden_and_empty_cells_by_the_rules(demo):
    """Sex and age tables as the secrecy hands them over: a hidden cell has
    neither value nor count, an empty one says so."""
    publication = campaign_publish(campaign=demo, user=None)
    row = {"indicator": "situation_financiere_difficile", "se": 0.05, "ci_low": 0.2, "ci_high": 0.4}
    publication.content["tables"] = [
        {**row, "by": "sexe_age", "domain": "femme|18_24", "estimate": 0.3, "n": 40,
         "suppressed": False},
        {**row, "by": "sexe_age", "domain": "homme|18_24", "estimate": 0.31, "n": 7,
         "suppressed": True},
        {**row, "by": "sexe_age", "domain": "femme|25_34", "estimate": None, "se": None,
         "ci_low": None, "ci_high": None, "n": 0, "suppressed": False},
    ]  # fmt: skip
    publication.save()
    results = published_results(Publication.objects.get(pk=publication.pk))
    (table,) = published_tables(results, "situation_financiere_difficile")
    assert table.title == "par sexe et tranche d'âge"
    assert table.columns == ["Femmes", "Hommes"]
    assert [label for label, _ in table.lines] == ["18 à 24 ans", "25 à 34 ans"]
    (young_women, young_men), (women, men) = (cells for _, cells in table.lines)
    assert young_women.estimate == 0.3 and young_women.n == 40
    assert young_men.suppressed and young_men.estimate is None and young_men.n == 0
    assert not women.suppressed and women.estimate is None
    assert men is None
    records = {
        r["code_domaine"]: r for r in open_data.records(results) if r["ventilation"] == "sexe_age"
    }
    assert (
        records["homme|18_24"]["effectif"] is None and records["homme|18_24"]["statut"] == "masquée"
    )
    assert records["femme|25_34"]["statut"] == "aucune réponse"
    assert records["femme|18_24"]["domaine"] == "Femmes · 18 à 24 ans"


def test_cli_publishes_a_wave_once(demo):
    out = StringIO()
    call_command("campaign", "publish", demo.slug, stdout=out)
    assert "publiée (300 réponses)" in out.getvalue()
    assert f"/barometre/200033579/{demo.slug}/" in out.getvalue()
    with pytest.raises(CommandError, match="déjà publiée"):
        call_command("campaign", "publish", demo.slug, stdout=StringIO())
    with pytest.raises(CommandError, match="Aucune campagne « absente »"):
        call_command("campaign", "publish", "absente", stdout=StringIO())
