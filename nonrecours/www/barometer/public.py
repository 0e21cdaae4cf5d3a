"""Public pages of a published wave, without login: results, report (HTML,
PDF) and open data (CSV, JSON, dictionary, notes), at stable addresses under
/barometre/<SIREN>/<wave>/, and the list of a territory's published waves.

Everything is drawn from the stored publication (surveys.publication), never
from the answers. Until a wave is published its addresses answer 404, for
everyone (the team has its own pages)."""

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from nonrecours.surveys import open_data, publication, report
from nonrecours.surveys.barometer import dashboard_lines
from nonrecours.surveys.models import Publication
from nonrecours.territories.enums import Stratum
from nonrecours.www.territories.views import territory_or_404

PDF_CACHE_SECONDS = 24 * 3600
NOT_PUBLISHED = "Aucune vague publiée à cette adresse."


def _publication_or_404(siren: str, slug: str) -> Publication:
    try:
        return publication.publication_at(siren, slug)
    except Publication.DoesNotExist:
        raise Http404(NOT_PUBLISHED) from None


def _file(body: bytes | str, content_type: str, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_GET
def public_waves(request: HttpRequest, siren: str) -> HttpResponse:
    territory = territory_or_404(siren)
    return render(
        request,
        "barometer/public/waves.html",
        {"territory": territory, "publications": publication.territory_publications(territory)},
    )


@require_GET
def public_results(request: HttpRequest, siren: str, slug: str) -> HttpResponse:
    found = _publication_or_404(siren, slug)
    results = publication.published_results(found)
    lines = dashboard_lines(results.indicators, results.rows, results.changes)
    chosen = request.GET.get("indicateur", "")
    if chosen not in {line.indicator for line in lines}:
        chosen = lines[0].indicator
    return render(
        request,
        "barometer/public/results.html",
        {
            "publication": found,
            "results": results,
            "lines": lines,
            "strata": [str(s.label) for s in Stratum],
            "map": publication.published_map(results, chosen),
            "tables": publication.published_tables(results, chosen),
        },
    )


@require_GET
def public_report(request: HttpRequest, siren: str, slug: str, fmt: str) -> HttpResponse:
    found = _publication_or_404(siren, slug)
    filename = f"{slug}-rapport.{fmt}"
    if fmt == "html":
        html = report.report_html(report.report_from_publication(found))
        return _file(html, "text/html; charset=utf-8", filename, inline=True)
    if fmt != "pdf":
        raise Http404("Format inconnu : rapport.pdf ou rapport.html.")
    # The content never changes: laid out once a day at most, not per visitor.
    key = f"publication-pdf:{found.pk}:{found.published_at.timestamp()}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = report.report_pdf(report.report_from_publication(found))
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    return _file(pdf, "application/pdf", filename, inline=True)


@require_GET
def public_data(request: HttpRequest, siren: str, slug: str, fmt: str) -> HttpResponse:
    results = publication.published_results(_publication_or_404(siren, slug))
    if fmt == "json":
        response = JsonResponse(
            open_data.data_json(results), json_dumps_params={"ensure_ascii": False}
        )
        response["Content-Disposition"] = f'inline; filename="{slug}-donnees.json"'
        return response
    if fmt != "csv":
        raise Http404("Format inconnu : donnees.csv ou donnees.json.")
    return _file(
        open_data.data_csv(results), "text/csv; charset=utf-8", f"{slug}-donnees.csv", inline=False
    )


@require_GET
def public_dictionary(request: HttpRequest, siren: str, slug: str) -> HttpResponse:
    results = publication.published_results(_publication_or_404(siren, slug))
    return _file(
        open_data.dictionary_csv(results),
        "text/csv; charset=utf-8",
        f"{slug}-dictionnaire.csv",
        inline=False,
    )


@require_GET
def public_notes(request: HttpRequest, siren: str, slug: str) -> HttpResponse:
    results = publication.published_results(_publication_or_404(siren, slug))
    return _file(
        open_data.notes_text(results),
        "text/plain; charset=utf-8",
        f"{slug}-lisezmoi.txt",
        inline=True,
    )
