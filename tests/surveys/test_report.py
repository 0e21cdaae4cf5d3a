"""The published report: same numbers as the dashboard and the JSON."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nonrecours.surveys.analysis import campaign_analysis
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.report import build_report, report_html, report_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(arras):
    call_command("demo", "--responses", "2500", "--seed", "2024", stdout=StringIO())
    return Campaign.objects.get(slug="demo-2024")


def test_report_reproduces_every_published_figure_and_says_so(demo):
    report = build_report(demo)
    assert len(report.published) == 19
    assert report.published_inside == 19, [
        (c.label, c.domain, c.published, c.row.ci_low, c.row.ci_high)
        for c in report.published
        if not c.inside
    ]
    html = report_html(report)
    assert "19 chiffres publiés sur 19 se trouvent dans l'intervalle" in html
    assert html.count('class="ok">oui') == 19


def test_report_has_one_section_per_theme_and_the_methodology_annex(demo):
    report = build_report(demo)
    assert [t.title for t in report.themes] == [
        "Situation financière",
        "Accès aux services publics",
        "Démarches administratives",
        "Numérique",
        "Confiance dans les institutions",
        "Non-recours aux droits",
    ]
    html = report_html(report)
    for heading in ("L'essentiel", "Écarts entre strates", "Annexe — méthode", "Collecte",
                    "Pondération", "Intervalles de confiance et tests", "Secret statistique",
                    "Réponses par commune"):  # fmt: skip
        assert f">{heading}</h" in html, heading
    # One chart per indicator, and one of potential non-take-up.
    assert html.count('<svg viewBox="0 0 610') == 16 + 1
    assert "Non-recours potentiel, estimé par simulation" in html
    assert html.count('class="map"') == 6  # one map per theme
    assert "données synthétiques" in html
    assert "approximation nationale" in html
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", html)  # self-contained


def test_report_numbers_are_the_dashboard_numbers(demo):
    analysis = campaign_analysis(demo)
    report = build_report(demo)
    rows = {(r.indicator, r.domain): r for r in analysis.rows}
    for theme in report.themes:
        for item in theme.indicators:
            assert item.overall == rows[(item.id, "ensemble")]
            strata = ("central_city", "small_commune", "urban", "rural")
            for (_, row, _), stratum in zip(item.strata, strata, strict=True):
                assert row == rows[(item.id, stratum)]


def test_pdf_and_cli(demo, tmp_path):
    from io import BytesIO

    from pypdf import PdfReader

    report = build_report(demo)
    pdf = PdfReader(BytesIO(report_pdf(report)))
    assert len(pdf.pages) >= 10
    text = " ".join(page.extract_text() for page in pdf.pages)
    first = report.headline[0]
    assert f"{round(100 * first.overall.estimate)} %" in text
    assert "Annexe — méthode" in text and "19 chiffres publiés sur 19" in text
    assert re.search(r"page 2 / \d+", text)
    out = tmp_path / "rapport.html"
    call_command(
        "report", "--campaign", demo.slug, "--format", "html", "--out", str(out), stdout=StringIO()
    )
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    with pytest.raises(CommandError, match="Aucune campagne « absente »"):
        call_command("report", "--campaign", "absente", "--out", str(out))
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("report", "--campaign", demo.slug, "--out", str(tmp_path / "x" / "r.pdf"))
