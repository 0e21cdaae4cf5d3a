"""The register of processing (RGPD article 30), for administrators: a page
and its CSV download."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from nonrecours.accounts.access import access_privacy_register
from nonrecours.privacy import exports, queries
from nonrecours.www.requests import AuthenticatedRequest


@login_required
@require_GET
def privacy_register(request: AuthenticatedRequest) -> HttpResponse:
    access_privacy_register(request.user)
    return render(request, "privacy/register.html", {"lines": queries.register()})


@login_required
@require_GET
def privacy_register_csv(request: AuthenticatedRequest) -> HttpResponse:
    access_privacy_register(request.user)
    # The byte order mark tells spreadsheets the file is UTF-8; the header
    # is the first line.
    response = HttpResponse(
        "\ufeff" + exports.register_csv(queries.register()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="registre-des-traitements.csv"'
    return response
