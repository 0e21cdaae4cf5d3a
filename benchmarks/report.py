"""The published report of a 2,500-answer campaign: HTML and PDF.

Goal (#4): the complete report (HTML + PDF) in under 15 s. Baseline in the
same run: WeasyPrint laying out the same number of pages of plain text, to
tell our own cost (analysis, charts, maps, template) from the PDF engine's.
"""

import time
from typing import Any


def run(territory: Any) -> None:
    from django.core.cache import cache

    from nonrecours.surveys.actions import demo_campaign_create
    from nonrecours.surveys.report import build_report, report_html, report_pdf

    campaign, _ = demo_campaign_create(
        territory=territory, responses=2500, seed=2024, slug="bench-rapport"
    )
    cache.clear()  # the analysis is computed, not read from the cache
    start = time.perf_counter()
    report = build_report(campaign)
    built = time.perf_counter()
    html = report_html(report)
    rendered = time.perf_counter()
    pdf = report_pdf(report)
    done = time.perf_counter()

    from io import BytesIO

    from pypdf import PdfReader
    from weasyprint import HTML

    pages = len(PdfReader(BytesIO(pdf)).pages)
    paragraphs = "".join(
        f"<h2>Page {i}</h2>" + "<p>Texte de référence, sans graphique ni carte.</p>" * 40
        for i in range(pages)
    )
    plain = f"<html lang='fr'><body>{paragraphs}</body></html>"
    base_start = time.perf_counter()
    HTML(string=plain).write_pdf()
    baseline = time.perf_counter() - base_start

    total = done - start
    print(
        f"Rapport de 2 500 réponses : analyse et graphiques {built - start:.2f} s, HTML "
        f"{rendered - built:.2f} s ({len(html) / 1024:.0f} Kio), PDF {done - rendered:.2f} s "
        f"({pages} pages, {len(pdf) / 1024:.0f} Kio) ; total {total:.2f} s (objectif < 15 s)"
    )
    print(
        f"  WeasyPrint sur {pages} pages de texte simple (référence) : {baseline:.2f} s ; "
        f"le rapport coûte {total / baseline:.1f} × la référence"
    )
