"""Referral pages: send one from the directory, a partner's lists, a
referral's page (answer, outcome, audit trail), the page the e-mailed link
opens, and the territory's statistics with their export."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from nonrecours import french
from nonrecours.accounts.access import referral_organisations
from nonrecours.accounts.models import User
from nonrecours.evaluation import chain_actions
from nonrecours.mailing.watch import mail_watch
from nonrecours.outreach.access import access_bus_visit_log_by_id
from nonrecours.outreach.activity import bus_referral_send, visit_title
from nonrecours.outreach.models import BusVisit
from nonrecours.referrals import actions, queries
from nonrecours.referrals import statistics as referral_stats
from nonrecours.referrals.access import (
    ReferralAccess,
    ReferralLinkClosed,
    access_refer,
    access_refer_to,
    access_referral_answer_by_id,
    access_referral_by_id,
    access_referral_statistics_by_siren,
    referral_list_rows,
)
from nonrecours.referrals.enums import Status
from nonrecours.referrals.exports import statistics_export
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.referrals.notifications import read_token
from nonrecours.referrals.outcome_actions import referral_correct_outcome
from nonrecours.rights.catalogue import IN_KIND, benefits, in_kind_text
from nonrecours.www.errors import add_to_form
from nonrecours.www.evaluation import chain as chain_views
from nonrecours.www.mail_messages import warn_unsent
from nonrecours.www.ratelimit import simulation_code_refusal
from nonrecours.www.referrals.forms import (
    AnswerForm,
    CorrectionForm,
    OutcomeForm,
    ReferralForm,
)
from nonrecours.www.requests import AuthenticatedRequest


def _count_code_lookup(request: HttpRequest, code: str) -> None:
    """A simulation code given with a referral is looked up: counted like a
    reopening (www.ratelimit). Raises ReferralError past the limit."""
    if code.strip():
        refusal = simulation_code_refusal(request)
        if refusal:
            raise actions.ReferralError(refusal, "simulation_code")


def _bus_visit(request: AuthenticatedRequest) -> BusVisit | None:
    """The visit of the bus the referral is sent from (``passage``, in the
    address then in the form's hidden field), None when not from the bus.
    Raises Http404 (« Passage inconnu. ») when the user may not log it."""
    passage = request.POST.get("passage", "") if request.method == "POST" else ""
    passage = passage or request.GET.get("passage", "")
    if not passage:
        return None
    return access_bus_visit_log_by_id(request.user, passage)


@never_cache
@login_required
def referral_new(request: AuthenticatedRequest) -> HttpResponse:
    structure, offer, organisations = access_refer_to(
        request.user,
        structure_id=request.GET.get("structure", ""),
        offer_id=request.GET.get("offre", ""),
    )
    visit = _bus_visit(request)
    # From a barometer call-back's chain (``rappel``): counted in its funnel.
    chain = chain_views.chain_of_request(request)
    territory = structure.territory
    destination = f"{offer.name} — {structure.name}" if offer else structure.name
    receiver, email = actions.receiver_of(structure, offer)
    form = ReferralForm(
        request.POST or None,
        territory=territory,
        organisations=organisations,
        consent_text=actions.consent_text(destination),
        initial={
            "simulation_code": request.GET.get("simulation", ""),
            **(chain_views.chain_referral_initial(chain) if chain is not None else {}),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _count_code_lookup(request, data["simulation_code"])
            organisation = access_refer(
                request.user,
                territory,
                data["sender_organisation"],
            )
            send: dict[str, Any] = {
                "territory": territory,
                "sender": request.user,
                "sender_organisation": organisation,
                "structure": structure,
                "offer": offer,
                "person": actions.Person(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                    email=data["email"],
                    commune=data["commune"],
                    age_band=data["age_band"],
                    message=data["message"],
                ),
                "consent": data["consent"],
                "consent_mode": data["consent_mode"],
                "scheme": data["scheme"],
                "simulation_code": data["simulation_code"],
            }
            # From the bus: sent and tagged with the visit, both or neither.
            with mail_watch() as watch:
                if chain is not None:
                    referral = chain_actions.chain_referral_send(chain=chain, **send)
                else:
                    referral = (
                        bus_referral_send(visit=visit, **send)
                        if visit is not None
                        else actions.referral_send(**send)
                    )
        except actions.ReferralError as error:
            add_to_form(form, error)
        else:
            messages.success(
                request,
                f"Orientation n° {referral.pk} envoyée à {referral.structure_name}. "
                "Vous serez prévenu·e de sa réponse.",
            )
            warn_unsent(request, watch)
            if visit is not None:
                return redirect("outreach_log_visit", pk=visit.pk)
            if chain is not None:
                return redirect("evaluation_chain", token=chain.token)
            return redirect("referral_detail", pk=referral.pk)
    return render(
        request,
        "referrals/new.html",
        {
            "form": form,
            "structure": structure,
            "offer": offer,
            "reachable": receiver is not None or bool(email),
            "receiver": receiver,
            "visit": visit,
            "visit_title": visit_title(visit) if visit is not None else "",
            "chain": chain,
        },
        status=422 if form.errors else 200,
    )


STATUS_FILTERS = {"": "Toutes", **{s.value: s.label for s in Status}}


@never_cache
@login_required
def referral_list(request: AuthenticatedRequest) -> HttpResponse:
    organisations = referral_organisations(request.user)
    side = request.GET.get("sens", "")
    status = request.GET.get("statut", "")
    referrals = queries.referrals_of(organisations)
    if side == "envoyees":
        referrals = referrals.filter(sender_organisation_id__in=organisations)
    elif side == "recues":
        referrals = referrals.filter(receiver_organisation_id__in=organisations)
    if status in Status.values:
        referrals = referrals.filter(status=status)
    page = Paginator(referrals, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/list.html",
        {
            "page": page,
            "rows": referral_list_rows(request.user, page),
            "side": side,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "organisations": organisations,
            "has_organisation": bool(organisations),
        },
    )


def _context(access: ReferralAccess) -> dict[str, Any]:
    referral, sides = access.referral, access.sides
    receiver = "receiver" in sides
    overdue = referral.overdue
    open_ = not referral.anonymised_at and not overdue
    labels = {b.id: b.label for b in benefits()}
    reminder, expiry = queries.due_dates(referral)
    histories = queries.outcome_histories(referral)
    return {
        "referral": referral,
        "sides": sides,
        "is_receiver": receiver,
        "show_person": access.show_person,
        "overdue": overdue,
        "answer_form": AnswerForm(prefix="reponse")
        if receiver and referral.status == Status.SENT and open_
        else None,
        "outcome_form": OutcomeForm(prefix="resultat", simulated=referral.simulated_amounts)
        if receiver and referral.status == Status.ACCEPTED and not referral.anonymised_at
        else None,
        "outcomes": [
            (history, labels.get(history.outcome.benefit, history.outcome.benefit))
            for history in histories
        ],
        "correction_error": None,  # a correction of no outcome in force, refused
        # One « Corriger » form per outcome in force (correction_form_for).
        "corrections": {}
        if not receiver or referral.status != Status.ACCEPTED
        else {
            history.outcome.pk: correction_form_for(history.outcome, referral)
            for history in histories
        },
        "simulated": [
            (labels.get(k, k), v, in_kind_text(v) if k in IN_KIND else "")
            for k, v in referral.simulated_amounts.items()
        ],
        "in_kind": IN_KIND,
        "events": referral.events.all(),
        "commune_name": referral.territory.communes.filter(insee_code=referral.commune)
        .values_list("name", flat=True)
        .first(),
        "reminder_on": reminder,
        "expires_on": expiry,
    }


def correction_form_for(outcome: Outcome, referral: Referral) -> CorrectionForm:
    """The « Corriger » form of one outcome in force, filled with its value."""
    return CorrectionForm(
        prefix=f"correction-{outcome.pk}",
        simulated=referral.simulated_amounts,
        initial={
            "kind": outcome.kind,
            "benefit": outcome.benefit,
            "monthly_amount": ""
            if outcome.monthly_amount is None
            else french.number(float(outcome.monthly_amount), 2, grouping=False),
        },
    )


def _correct(request: HttpRequest, access: ReferralAccess, context: dict[str, Any]) -> bool:
    """Handle a posted « Corriger » form; True when the correction was
    recorded, else the bound form with its errors is put in `context`."""
    referral = access.referral
    raw = request.POST.get("resultat_corrige", "")
    form = CorrectionForm(
        request.POST, prefix=f"correction-{raw[:12]}", simulated=referral.simulated_amounts
    )
    corrections = context["corrections"]
    if raw in {str(pk) for pk in corrections}:
        corrections[int(raw)] = form
    else:
        context["correction_error"] = form
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        referral_correct_outcome(
            referral,
            outcome_id=raw,
            kind=data["kind"],
            benefit=data["benefit"],
            monthly_amount=data["monthly_amount"],
            reason=data["reason"],
            user=_user(request),
            via=access.channel,
        )
    except actions.ReferralError as error:
        add_to_form(form, error)
        return False
    return True


# The link sent by e-mail is exchanged for a grant kept in the session: the
# token is then in no other address (logs, history, Referer).
LINK_GRANTS = "orientations_par_lien"
GRANT_HOURS = 8  # a working day on the shared computer of a reception desk


def _granted(request: HttpRequest, pk: int) -> str | None:
    """The link key the session was granted for this referral, if any and
    still valid (a grant lasts a working day, and ends at any login)."""
    grants = request.session.get(LINK_GRANTS, {})
    grant = grants.get(str(pk)) if isinstance(grants, dict) else None
    if not isinstance(grant, list) or len(grant) != 2:
        return None
    key, until = grant
    return str(key) if timezone.now().timestamp() < float(until) else None


@receiver(user_logged_in)
def _forget_link_grants(request: HttpRequest | None, **kwargs: Any) -> None:
    """Whoever logs in on this browser does not inherit what a link opened."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(LINK_GRANTS, None)


def _access(
    request: HttpRequest, pk: int, *, answer: bool = False
) -> ReferralAccess | HttpResponse:
    """The referral as this request may see it (referrals.access decides),
    ``answer``: to answer it; or the response to give (the login page, or
    the page of a link that no longer opens it)."""
    key = _granted(request, pk)
    if not request.user.is_authenticated and key is None:
        return redirect_to_login(request.get_full_path())
    check = access_referral_answer_by_id if answer else access_referral_by_id
    try:
        return check(request.user, pk, link_key=key)
    except ReferralLinkClosed as closed:
        return render(request, "referrals/link_closed.html", {"referral": closed.referral})


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


@never_cache
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, pk)
    if isinstance(access, HttpResponse):
        return access
    actions.referral_viewed(access.referral, user=_user(request), via=access.channel)
    return render(request, "referrals/detail.html", _context(access))


def _answer(request: HttpRequest, access: ReferralAccess) -> HttpResponse | None:
    """Handle the answer or outcome form posted; None when it was recorded."""
    referral, via = access.referral, access.channel
    context = _context(access)
    form: forms.Form
    if request.POST.get("formulaire") == "correction":
        if _correct(request, access, context):
            return None
        return render(request, "referrals/detail.html", context, status=422)
    try:
        if request.POST.get("formulaire") == "reponse":
            form = AnswerForm(request.POST, prefix="reponse")
            context["answer_form"] = form
            if form.is_valid():
                data = form.cleaned_data
                actions.referral_answer(
                    referral,
                    accept=data["decision"] == "accept",
                    reason=data["reason"],
                    detail=data["detail"],
                    user=_user(request),
                    via=via,
                )
                return None
        else:
            outcome = OutcomeForm(
                request.POST, prefix="resultat", simulated=referral.simulated_amounts
            )
            context["outcome_form"] = outcome
            form = outcome
            if outcome.is_valid():
                data = outcome.cleaned_data
                actions.referral_record_outcome(
                    referral,
                    kind=data["kind"],
                    benefit=data["benefit"],
                    monthly_amount=data["monthly_amount"],
                    user=_user(request),
                    via=via,
                )
                return None
    except actions.ReferralError as error:
        add_to_form(form, error)
    return render(request, "referrals/detail.html", context, status=422)


@require_POST
@never_cache
def referral_act(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, pk, answer=True)
    if isinstance(access, HttpResponse):
        return access
    with mail_watch() as watch:
        response = _answer(request, access)
    if response is not None:
        return response
    if watch.warnings():
        messages.success(request, "C'est enregistré.")
        warn_unsent(request, watch)
    else:
        messages.success(request, "C'est enregistré ; l'organisation qui a orienté est prévenue.")
    return redirect("referral_detail", pk=access.referral.pk)


@never_cache
def referral_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link the structure receives by e-mail. Opening it shows a button
    (mail scanners that follow links open nothing); the button opens the
    referral in this browser for a working day, at an address without the
    link."""
    referral, current = read_token(token)
    if referral is None:
        return render(request, "referrals/link_invalid.html", status=404)
    if not current:
        return render(request, "referrals/link_closed.html", {"referral": referral}, status=410)
    if request.method != "POST":
        # Not "no-referrer": the button's form would be sent with `Origin:
        # null`, which Django's CSRF check refuses; the address goes to this
        # site only.
        response = render(request, "referrals/link_open.html", {"referral": referral})
        response["Referrer-Policy"] = "same-origin"
        return response
    request.session.cycle_key()  # a new session id: none given beforehand is reused
    grants = request.session.get(LINK_GRANTS, {})
    if not isinstance(grants, dict):
        grants = {}
    until = timezone.now() + datetime.timedelta(hours=GRANT_HOURS)
    grants[str(referral.pk)] = [referral.link_key, until.timestamp()]
    request.session[LINK_GRANTS] = grants
    return redirect("referral_detail", pk=referral.pk)


class _UnknownYear(Exception):
    """The year asked has no referral: the page says so from the latest one."""


def _statistics(request: AuthenticatedRequest, siren: str) -> referral_stats.ReferralDashboard:
    """A calendar year's statistics, exact and published (periods never
    overlap: their difference would show what the rule hides). Raises
    _UnknownYear for a year with no referral."""
    territory = access_referral_statistics_by_siren(request.user, siren)
    raw = request.GET.get("annee", "")
    # ASCII digits only: « ² » is a digit to str.isdigit(), not to int().
    year = int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100 else None
    if raw and year is None:
        raise _UnknownYear(raw)
    dashboard = referral_stats.referral_dashboard(territory, year=year)
    if year is not None and year not in dashboard.published.years:
        raise _UnknownYear(raw)  # its dashboard was empty: cheap, and nothing is shown
    return dashboard


def _unknown_year(request: AuthenticatedRequest, siren: str, raw: str) -> HttpResponse:
    territory = access_referral_statistics_by_siren(request.user, siren)
    years = ", ".join(str(y) for y in referral_stats.statistics_years(territory))
    messages.warning(
        request,
        f"Année « {raw[:20]} » : aucune orientation envoyée cette année-là "
        f"(années avec des orientations : {years or 'aucune'}). Voici la dernière.",
    )
    return redirect("referral_dashboard", siren=siren)


PUBLISHED_VIEW = "publiee"  # ?vue=publiee: the funders' view; otherwise the exact one
EXPORT_URLS = {
    "csv": "referral_export",
    "xlsx": "referral_export_xlsx",
    "notes": "referral_export_notes",
    "internal": "referral_export_internal",
}


def _query(**params: object) -> str:
    """``?key=value&…`` of the params that are set, or ""."""
    query = urlencode({key: value for key, value in params.items() if value})
    return f"?{query}" if query else ""


@never_cache
@login_required
def referral_dashboard(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The team's statistics page: exact counts (« usage interne ») by
    default, the funders' published view with ``?vue=publiee``; a year
    with no referral (``?annee=``) is said, then the latest is shown."""
    try:
        dashboard = _statistics(request, siren)
    except _UnknownYear as error:
        return _unknown_year(request, siren, str(error))
    view = PUBLISHED_VIEW if request.GET.get("vue") == PUBLISHED_VIEW else ""
    year = dashboard.published.year
    page = reverse("referral_dashboard", args=[siren])
    return render(
        request,
        "referrals/dashboard.html",
        {
            "territory": dashboard.published.territory,
            "stats": dashboard.exact if not view else dashboard.published,
            "coverage": dashboard.coverage,
            "published_view": bool(view),
            "years": [(y, page + _query(annee=y, vue=view)) for y in dashboard.published.years],
            "exact_url": page + _query(annee=year),
            "published_url": page + _query(annee=year, vue=PUBLISHED_VIEW),
            "parts": referral_stats.PARTS,
            "exports": {
                kind: reverse(name, args=[siren]) + _query(annee=year)
                for kind, name in EXPORT_URLS.items()
            },
        },
    )


@never_cache
@login_required
def referral_export(request: AuthenticatedRequest, siren: str, kind: str = "csv") -> HttpResponse:
    """A download of the statistics page (see exports.statistics_export):
    the published view for the funders, or the exact one for the team."""
    try:
        dashboard = _statistics(request, siren)
    except _UnknownYear as error:
        return _unknown_year(request, siren, str(error))
    exported = statistics_export(dashboard, kind)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response
