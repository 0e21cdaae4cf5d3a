"""Pages of the chain, from a barometer call-back request to a right
opened: one request's page (the calls, the rights check, the referrals and
their outcomes) and the funnel of a territory's chains with its exports
(docs/guide/rappels.md)."""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from nonrecours import french
from nonrecours.accounts.access import has_capability
from nonrecours.accounts.enums import Capability
from nonrecours.evaluation import chain_actions, chain_queries
from nonrecours.evaluation.access import access_chain_by_token, access_chain_funnel_by_siren
from nonrecours.evaluation.chain_exports import XLSX, chain_csv, chain_export_check, chain_xlsx
from nonrecours.evaluation.chain_funnel import STEPS, FunnelError
from nonrecours.evaluation.chain_models import Chain
from nonrecours.evaluation.chain_rights import published_on
from nonrecours.referrals.enums import ConsentMode
from nonrecours.rights.catalogue import benefits
from nonrecours.territories.models import Territory
from nonrecours.www.requests import AuthenticatedRequest
from nonrecours.www.rights.path import expert_initial

CALLS = {"joint": True, "non-joint": False}


def benefit_labels() -> dict[str, str]:
    return {b.id: b.label for b in benefits()}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def chain_detail(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """A call-back request being worked: POST ``appel=joint|non-joint``
    records a call."""
    chain = access_chain_by_token(request.user, token)
    if request.method == "POST":
        call = request.POST.get("appel", "")
        if call not in CALLS:
            messages.error(request, "Appel : choisissez « Personne jointe » ou « Pas de réponse ».")
        else:
            try:
                chain_actions.chain_call_record(chain=chain, reached=CALLS[call])
            except chain_actions.ChainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    "Appel noté : personne jointe."
                    if CALLS[call]
                    else "Appel noté : pas de réponse. Vous pourrez rappeler.",
                )
        return redirect("evaluation_chain", token=chain.token)
    return render(
        request,
        "evaluation/chain_detail.html",
        {"view": chain_queries.chain_view(chain), "benefit_labels": benefit_labels()},
    )


def chain_of_request(request: HttpRequest) -> Chain | None:
    """The chain whose rights check the simulator's page is doing
    (``rappel``, in the address then in the form's hidden field), None
    when it is not a call-back's. Raises Http404 (CHAIN_NOT_FOUND) when the
    user may not work it."""
    token = request.POST.get("rappel", "") if request.method == "POST" else ""
    token = token or request.GET.get("rappel", "")
    if not token:
        return None
    return access_chain_by_token(request.user, token)


def chain_expert_data(chain: Chain, month: str) -> dict[str, Any]:
    """The one-page simulator's form data pre-filled from the chain's
    situation (surveys.contacts.contact_prefill), for ``month``; {} when the
    respondent did not describe their situation. Raises Http404 (French)
    once the call-back request is erased."""
    try:
        prefill = chain_actions.chain_prefill(chain)
    except chain_actions.ChainError as error:
        raise Http404(error.message) from None
    return expert_initial(prefill, month) if prefill else {}


def chain_rights_checked(chain: Chain, situation: dict[str, Any]) -> list[str]:
    """Record the rights check of the chain (chain_actions.chain_rights_check);
    the French problems when it cannot be, else []."""
    try:
        chain_actions.chain_rights_check(chain=chain, situation=situation)
    except chain_actions.ChainError as error:
        return [error.message]
    return []


def chain_referral_initial(chain: Chain) -> dict[str, str]:
    """What the referral form starts with when sent from a chain: the
    request's phone and e-mail (while it is kept), its commune, and consent
    given on the phone."""
    view = chain_queries.chain_view(chain)
    initial = {"commune": chain.commune.insee_code, "consent_mode": ConsentMode.PHONE.value}
    if view.contact is not None:
        initial.update(phone=view.contact.phone, email=view.contact.email)
    return initial


def _year(raw: str, today: datetime.date) -> int | None:
    """The year asked for (four digits), None when absent or malformed."""
    if raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= today.year:
        return int(raw)
    return None


@never_cache
@login_required
@require_GET
def chain_funnel_page(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The activity of a civil year (``annee``): each step counted in the
    year it happened. Partners see a year from 1 April of the following
    year, stopped at its cut-off (31 March), and may export it
    (``format=csv|xlsx``); the team (those who work the call-back
    requests) also sees the live, provisional figures of any year, the
    current one by default. Only years with a step are offered."""
    territory = access_chain_funnel_by_siren(request.user, siren)
    today = timezone.localdate()
    team = has_capability(request.user, territory, Capability.VIEW_RESPONSES)
    years = chain_queries.chain_years(territory, published=not team, today=today)
    raw = request.GET.get("annee", "")
    year = _year(raw, today)
    problem = ""
    if raw and year is None:
        problem = f"Année « {raw[:20]} » invalide : attendu une année de 2000 à {today.year}."
    kind = request.GET.get("format", "")
    if year is not None and kind in ("csv", "xlsx") and not problem:
        try:
            chain_export_check(year, today=today)
        except FunnelError as error:
            problem = error.message
        else:
            return _export(territory, year, kind)
    if year is not None and not team and today < published_on(year):
        problem = problem or (
            f"Les chiffres de {year} sont arrêtés au 31 mars {year + 1} et montrés aux "
            f"partenaires à partir du {french.date_text(published_on(year))} ; d'ici là, ils "
            "sont réservés à l'équipe du territoire."
        )
        year = None
    if year is None and years:
        year = years[0]
    elif year is None:
        # The team: the current year; a partner: the last year stopped (before
        # 1 April, the year before last), never a year still live.
        year = today.year if team else today.year - 1
        if not team and today < published_on(year):
            year -= 1
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    funnel = chain_queries.chain_year(territory, year, live=team)
    return render(
        request,
        "evaluation/chain_funnel.html",
        {
            "territory": territory,
            "funnel": funnel,
            "total_rows": (funnel.total,),
            "year": year,
            "years": years,
            "team": team,
            "steps": [label for _, label in STEPS],
            "problem": problem,
            "exportable": today >= published_on(year),
            "published_on": published_on(year),
            "cutoff_day": published_on(year) - datetime.timedelta(days=1),
        },
        status=422 if problem else 200,
    )


def _export(territory: Territory, year: int, kind: str) -> HttpResponse:
    stem = f"parcours-rappels-{territory.siren}-{year}"
    if kind == "csv":
        text = "\ufeff" + chain_csv(territory, year)
        response = HttpResponse(text.encode(), content_type="text/csv; charset=utf-8")
        filename = f"{stem}.csv"
    else:
        response = HttpResponse(chain_xlsx(territory, year), content_type=XLSX)
        filename = f"{stem}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
