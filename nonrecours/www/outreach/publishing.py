"""The bus's published calendar, without login (/bus/<SIREN>/…): the
calendar by commune, a commune's visits, its iCalendar feed and A4 poster,
the season leaflet; and the team's « Publier le calendrier ».

Only published calendars are public: until one is, these addresses answer
404 for everyone (the team has its own pages)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from nonrecours.directory.imports import DirectoryImportError
from nonrecours.outreach import posters, publishing
from nonrecours.outreach.access import access_outreach_planning_by_siren
from nonrecours.outreach.models import BusCalendar
from nonrecours.outreach.posters import PublicVisit, Season
from nonrecours.territories.models import Territory
from nonrecours.www.qr import qr_svg
from nonrecours.www.requests import AuthenticatedRequest
from nonrecours.www.territories.views import territory_or_404

NOT_PUBLISHED = "Aucun calendrier du bus publié pour ce territoire."
NOT_VISITED = "Le bus ne passe pas dans cette commune cette saison."
# How many visits « Prochains passages » lists on the territory's page.
NEXT_VISITS = 12


def _season_or_404(siren: str) -> tuple[Territory, Season]:
    territory = territory_or_404(siren)
    season = publishing.public_season(territory, today=timezone.localdate())
    if season is None:
        raise Http404(NOT_PUBLISHED)
    return territory, season


def _commune_or_404(season: Season, insee: str) -> tuple[str, list[PublicVisit]]:
    visits = season.of_commune(insee)
    if not visits:
        raise Http404(NOT_VISITED)
    return visits[0].commune, visits


def _address(name: str, *args: str) -> str:
    """A page's full address (NONRECOURS_BASE_URL): printed on posters."""
    return settings.NONRECOURS_BASE_URL + reverse(name, args=args)


def _upcoming(visits: list[PublicVisit]) -> list[PublicVisit]:
    now = timezone.now()
    return [v for v in visits if v.ends_at() >= now]


def _file(body: bytes, content_type: str, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_GET
def public_bus(request: HttpRequest, siren: str) -> HttpResponse:
    """The published calendar: next visits, changes, the communes."""
    territory, season = _season_or_404(siren)
    upcoming = _upcoming(list(season.visits))
    communes = [
        (code, name, [v for v in upcoming if v.insee_code == code and not v.is_cancelled])
        for code, name in season.communes()
    ]
    return render(
        request,
        "outreach/public_bus.html",
        {
            "territory": territory,
            "season": season,
            "next_visits": [v for v in upcoming if not v.is_cancelled][:NEXT_VISITS],
            "changes": [v for v in upcoming if v.change_text],
            "communes": communes,
            "services": posters.WHAT_THE_BUS_DOES,
        },
    )


@require_GET
def public_bus_commune(request: HttpRequest, siren: str, insee: str) -> HttpResponse:
    """A commune's visits (the past ones of the season too, marked)."""
    territory, season = _season_or_404(siren)
    commune, visits = _commune_or_404(season, insee)
    upcoming = set(_upcoming(visits))
    return render(
        request,
        "outreach/public_bus_commune.html",
        {
            "territory": territory,
            "season": season,
            "commune": commune,
            "insee": insee,
            "visits": [(v, v in upcoming) for v in visits],
            "changes": [v for v in visits if v.change_text and v in upcoming],
            "stops": sorted({(v.stop_name, v.address) for v in visits}),
            "services": posters.WHAT_THE_BUS_DOES,
        },
    )


@require_GET
def public_bus_ics(request: HttpRequest, siren: str, insee: str) -> HttpResponse:
    _territory, season = _season_or_404(siren)
    _commune_or_404(season, insee)
    body = posters.commune_ics(season, insee)
    return _file(body, "text/calendar; charset=utf-8", f"bus-{insee}.ics", inline=True)


@require_GET
def public_bus_poster(request: HttpRequest, siren: str, insee: str) -> HttpResponse:
    """The commune's A4 poster (PDF), with the QR code of its page."""
    _territory, season = _season_or_404(siren)
    commune, _visits = _commune_or_404(season, insee)
    url = _address("outreach_public_commune", siren, insee)
    qr = qr_svg(url, title=f"Code QR vers les passages du bus à {commune}", fluid=True)
    body = posters.poster_pdf(season, insee, qr_svg=qr, url=url)
    return _file(body, "application/pdf", f"affiche-bus-{insee}.pdf", inline=True)


@require_GET
def public_bus_leaflet(request: HttpRequest, siren: str) -> HttpResponse:
    """The season leaflet (PDF), with the QR code of the calendar's page."""
    _territory, season = _season_or_404(siren)
    url = _address("outreach_public", siren)
    qr = qr_svg(url, title="Code QR vers le calendrier du bus", fluid=True)
    body = posters.leaflet_pdf(season, qr_svg=qr, url=url)
    return _file(body, "application/pdf", f"depliant-bus-{siren}.pdf", inline=True)


def _calendar_page(siren: str, pk: int) -> str:
    try:
        return reverse("outreach_calendar", args=[siren, pk])
    except NoReverseMatch:  # the team's calendar page comes with its own change
        return reverse("outreach_public", args=[siren])


@require_POST
@login_required
def outreach_calendar_publish(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """« Publier le calendrier » (POST): the calendar becomes public and the
    bus's stops are written into the directory."""
    territory = access_outreach_planning_by_siren(request.user, siren)
    calendar = get_object_or_404(BusCalendar, pk=pk, territory=territory)
    try:
        report = publishing.calendar_publish(calendar=calendar, user=request.user)
    except (publishing.PublishError, DirectoryImportError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, report.summary())
    return redirect(_calendar_page(siren, pk))
