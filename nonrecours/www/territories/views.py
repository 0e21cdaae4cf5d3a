from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from nonrecours.accounts.access import access_territory_administration, capabilities_on
from nonrecours.accounts.enums import Capability
from nonrecours.surveys import queries as survey_queries
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.publication import territory_publications
from nonrecours.territories import actions, queries
from nonrecours.territories.models import Territory
from nonrecours.www.requests import AuthenticatedRequest
from nonrecours.www.territories.forms import StrataForm


def territory_or_404(siren: str) -> Territory:
    try:
        return queries.territory_by_siren(siren)
    except Territory.DoesNotExist:
        raise Http404(f"Aucun territoire n'a le code SIREN {siren}.") from None


def _render_territory(request: HttpRequest, territory: Territory) -> HttpResponse:
    """A territory's page: first what a resident can do here (check their
    rights, answer the barometer, find help), then the territory's facts."""
    measure = request.GET.get("carte", queries.MapMeasure.DENSITY)
    capabilities = capabilities_on(request.user, territory)
    today = timezone.localdate()
    campaigns = survey_queries.territory_campaigns(territory)
    return render(
        request,
        "territories/detail.html",
        {
            "territory": territory,
            "communes": queries.commune_list(territory),
            "strata": queries.strata_summary(territory),
            "rule": queries.strata_rule(territory),
            "map": queries.territory_map(territory, measure),
            "measures": queries.MapMeasure.CHOICES,
            "can_administer": Capability.ADMINISTER in capabilities,
            "can_invite": Capability.INVITE in capabilities,
            "can_manage_campaigns": Capability.MANAGE_CAMPAIGNS in capabilities,
            "can_see_referrals": Capability.VIEW_REFERRAL_STATISTICS in capabilities,
            "can_collect": Capability.COLLECT in capabilities,
            "can_view_aggregates": Capability.VIEW_AGGREGATES in capabilities,
            "campaigns": campaigns,
            # A resident is asked to answer only a real campaign (not the
            # synthetic demonstration) that takes online answers today.
            "open_online": [
                c
                for c in campaigns
                if not c.is_synthetic
                and survey_queries.campaign_accepts(c, Channel.ONLINE, today) is None
            ],
            # The simulator and the directory serve the default territory.
            "resident_tools": territory == queries.territory_default(),
            "published": {wave.slug for wave in territory_publications(territory)},
            "today": today,
            "other_territories": [t for t in queries.territory_list() if t.pk != territory.pk],
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    territory = queries.territory_default()
    if territory is None:
        return render(request, "territories/empty.html")
    return _render_territory(request, territory)


def territory_index(request: HttpRequest) -> HttpResponse:
    return render(request, "territories/index.html", {"territories": queries.territory_list()})


def territory_detail(request: HttpRequest, siren: str) -> HttpResponse:
    return _render_territory(request, territory_or_404(siren))


@login_required
@require_http_methods(["GET", "POST"])
def territory_strata_edit(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_territory_administration(request.user, territory_or_404(siren))
    communes = queries.commune_list(territory)
    form = StrataForm(request.POST or None, territory=territory, communes=communes)
    if request.method == "POST" and form.is_valid():
        actions.territory_edit_strata(
            territory=territory,
            small_commune_threshold=form.cleaned_data["small_commune_threshold"],
            density_threshold=form.cleaned_data["density_threshold"],
            choices=form.stratum_choices(),
        )
        messages.success(request, "Les strates ont été enregistrées.")
        return redirect("territory_detail", siren=territory.siren)
    return render(
        request,
        "territories/strata_edit.html",
        {"territory": territory, "form": form, "rule": queries.strata_rule(territory)},
    )
