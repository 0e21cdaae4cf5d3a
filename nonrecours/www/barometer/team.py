"""Pages of the territory's team: new campaign, local questionnaire module,
call-backs, agent targets, dashboard, open data and publishing a wave."""

import datetime
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from nonrecours.accounts.access import (
    access_territory_campaigns,
    has_capability,
)
from nonrecours.accounts.enums import Capability
from nonrecours.evaluation import chain_actions, chain_queries
from nonrecours.surveys import actions, exports, publication, queries, report
from nonrecours.surveys.access import (
    access_campaign_aggregates_by_slug,
    access_campaign_management_by_slug,
    access_campaign_responses_by_slug,
)
from nonrecours.surveys.barometer import campaign_barometer
from nonrecours.surveys.eligibility import potential_lines
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.maps import barometer_map
from nonrecours.surveys.questionnaire import QuestionnaireError
from nonrecours.territories.enums import Stratum
from nonrecours.www.barometer.forms import CampaignForm, DashboardFilterForm, ModuleForm
from nonrecours.www.requests import AuthenticatedRequest
from nonrecours.www.territories.views import territory_or_404


def _stratum_targets_asked(request: AuthenticatedRequest) -> dict[str, int]:
    """The stratum targets a link asks the form to start from
    (``?target_<stratum>=N``, from the answers-to-collect calculator of
    www/evaluation/waves.py); a value that is not a whole number from 1 to
    10,000,000 is left out, the field staying empty."""
    asked = {}
    for stratum in Stratum:
        raw = request.GET.get(f"target_{stratum.value}", "")
        if raw.isdigit() and 1 <= int(raw) <= 10_000_000:
            asked[f"target_{stratum.value}"] = int(raw)
    return asked


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_territory_campaigns(request.user, territory_or_404(siren))
    actions.questionnaire_version_default()  # registered the first time it is offered
    form = CampaignForm(
        request.POST or None, territory=territory, initial=_stratum_targets_asked(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = actions.campaign_create(
                territory=territory,
                slug=data["slug"],
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                channels=[Channel(c) for c in data["channels"]],
                questionnaire=data["questionnaire"],
                commune_targets=actions.commune_targets_by_population(
                    territory=territory,
                    total=data["total_target"] or 0,
                    stratum_extras=form.stratum_targets(),
                    strict_minimum=True,
                ),
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Campagne « {campaign.name} » créée.")
            return redirect("barometer_follow_up", slug=campaign.slug)
    return render(
        request,
        "barometer/campaign_new.html",
        {"territory": territory, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_module(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_territory_campaigns(request.user, territory_or_404(siren))
    form = ModuleForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.questionnaire_version_add_module(
                territory=territory,
                module_yaml=form.cleaned_data["yaml"],
                source=form.cleaned_data["source"],
                user=request.user,
            )
        except QuestionnaireError as error:
            problems = error.problems
        else:
            messages.success(
                request,
                f"Version {version.version} du questionnaire créée : choisissez-la pour une "
                "nouvelle campagne.",
            )
            return redirect("barometer_questionnaire_module", siren=territory.siren)
    return render(
        request,
        "barometer/questionnaire_module.html",
        {
            "territory": territory,
            "form": form,
            "problems": problems,
            "versions": queries.questionnaire_versions_for(territory),
        },
        status=422 if problems or form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_contacts(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    campaign = access_campaign_responses_by_slug(request.user, slug)
    if request.method == "POST":
        contact = queries.contact_of(campaign, request.POST.get("demande", ""))
        if contact is None:
            messages.error(request, "Demande de rappel introuvable.")
        elif request.POST.get("action") == "appeler":
            # The chain of the request (evaluation): calls, rights check, referrals.
            chain = chain_actions.chain_open(contact=contact, user=request.user)
            return redirect("evaluation_chain", token=chain.token)
        else:
            actions.contact_mark_handled(contact=contact, user=request.user)
            messages.success(request, f"Demande de {contact.commune.name} marquée comme traitée.")
        return redirect("barometer_contacts", slug=campaign.slug)
    contacts = queries.campaign_contacts(campaign)
    return render(
        request,
        "barometer/contacts.html",
        {
            "campaign": campaign,
            "contacts": contacts,
            "chains": chain_queries.chain_tokens_of(contacts),
            "retention_days": settings.NONRECOURS_CONTACT_RETENTION_DAYS,
        },
    )


@login_required
@require_http_methods(["POST"])
def campaign_agent_targets(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    campaign = access_campaign_management_by_slug(request.user, slug)
    targets: dict[int, int | None] = {}
    for agent in queries.territory_field_agents(campaign.territory):
        raw = request.POST.get(f"objectif_{agent.pk}", "").strip()
        if not raw:
            targets[agent.pk] = None
        elif re.fullmatch(r"[0-9]{1,6}", raw) and int(raw) <= 100_000:
            targets[agent.pk] = int(raw)
        else:
            name = agent.get_full_name() or agent.get_username()
            messages.error(request, f"Objectif de {name} : « {raw} » n'est pas un nombre entier.")
            return redirect("barometer_follow_up", slug=campaign.slug)
    actions.campaign_set_agent_targets(campaign=campaign, targets=targets)
    messages.success(request, "Objectifs des enquêteur·rices enregistrés.")
    return redirect("barometer_follow_up", slug=campaign.slug)


@login_required
def campaign_dashboard(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    campaign = access_campaign_aggregates_by_slug(request.user, slug)
    published = {
        "publication": publication.publication_of(campaign),
        "can_publish": has_capability(
            request.user,
            campaign.territory,
            Capability.MANAGE_CAMPAIGNS,
        ),
    }
    if not campaign.responses.exists():
        return render(
            request, "barometer/dashboard.html", {"campaign": campaign, "lines": [], **published}
        )
    filter_form = DashboardFilterForm(request.GET or None, campaign=campaign)
    barometer = campaign_barometer(campaign, filter_form.filters())
    indicator_ids = [line.indicator for line in barometer.lines]
    chosen = request.GET.get("indicateur", indicator_ids[0])
    if chosen not in indicator_ids:
        chosen = indicator_ids[0]
    potential = barometer.potential
    return render(
        request,
        "barometer/dashboard.html",
        {
            "campaign": campaign,
            "map": barometer_map(barometer, chosen),
            "previous": barometer.previous,
            "lines": barometer.lines,
            "analysis": barometer.analysis,
            "raking": barometer.analysis.raking,
            "strata": [str(s.label) for s in Stratum],
            "comparisons": barometer.comparisons,
            "filter_form": filter_form,
            "filters": barometer.filters,
            "filtered": barometer.filtered,
            "filtered_refusal": barometer.refusal,
            "potential": potential,
            "potential_lines": potential_lines(potential) if potential is not None else [],
            "declared": barometer.line("non_recours_declare"),
            **published,
        },
        status=422 if filter_form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_publish(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Publish a wave, after a page that says what becomes public (GET)."""
    campaign = access_campaign_management_by_slug(request.user, slug)
    existing = publication.publication_of(campaign)
    problem = None if existing else publication.publication_problem(campaign)
    if request.method == "POST" and existing is None and problem is None:
        try:
            publication.campaign_publish(campaign=campaign, user=request.user)
        except publication.PublicationRefused as error:
            problem = str(error)
        else:
            messages.success(
                request,
                f"La vague « {campaign.name} » est publiée : ses résultats, son rapport et ses "
                "données ouvertes sont en ligne, sans connexion.",
            )
            return redirect("public_results", siren=campaign.territory.siren, slug=campaign.slug)
    return render(
        request,
        "barometer/publish.html",
        {
            "campaign": campaign,
            "problem": problem,
            "publication": existing,
            "grace_until": campaign.ends_on + datetime.timedelta(days=queries.OFFLINE_GRACE_DAYS),
            "today": timezone.localdate(),
        },
        status=422 if request.method == "POST" and problem else 200,
    )


@login_required
def campaign_open_data(request: AuthenticatedRequest, slug: str, fmt: str) -> HttpResponse:
    campaign = access_campaign_aggregates_by_slug(request.user, slug)
    stamp = f"{campaign.slug}-indicateurs"
    if fmt == "json":
        response: HttpResponse = JsonResponse(
            exports.open_data_json(campaign), json_dumps_params={"ensure_ascii": False}
        )
        response["Content-Disposition"] = f'attachment; filename="{stamp}.json"'
        return response
    if fmt != "csv":
        raise Http404("Format inconnu.")
    response = HttpResponse(exports.open_data_csv_zip(campaign), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{stamp}.zip"'
    return response


@login_required
def campaign_report(request: AuthenticatedRequest, slug: str, fmt: str) -> HttpResponse:
    """The published report (same aggregates as the dashboard: partners too)."""
    campaign = access_campaign_aggregates_by_slug(request.user, slug)
    if fmt not in ("pdf", "html"):
        raise Http404("Format inconnu.")
    if not campaign.responses.exists():
        raise Http404("Aucune réponse : pas de rapport.")
    built = report.build_report(campaign)
    filename = f"{campaign.slug}-rapport.{fmt}"
    if fmt == "html":
        response = HttpResponse(report.report_html(built), content_type="text/html; charset=utf-8")
    else:
        response = HttpResponse(report.report_pdf(built), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
