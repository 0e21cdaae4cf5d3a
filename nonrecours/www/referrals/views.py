"""Referral pages: send one from the directory, a partner's lists, a
referral's page (answer, outcome, audit trail), the page the e-mailed link
opens, and the territory's statistics with their export."""

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from nonrecours.accounts.access import (
    access_refer,
    access_referral,
    access_referral_answer,
    access_referral_statistics,
    referral_organisations,
    referral_sender_organisations,
)
from nonrecours.accounts.models import User
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals import actions, queries
from nonrecours.referrals.enums import Channel, OutcomeKind, Status
from nonrecours.referrals.exports import statistics_csv
from nonrecours.referrals.models import Referral
from nonrecours.referrals.notifications import referral_from_token
from nonrecours.rights.catalogue import benefits
from nonrecours.territories.models import Territory
from nonrecours.www.referrals.forms import AnswerForm, OutcomeForm, ReferralForm


def _form_error(form: forms.Form, error: actions.ReferralError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _destination(request: HttpRequest) -> tuple[Structure, Offer | None]:
    offer = None
    if request.GET.get("offre", "").isdigit():
        offer = Offer.objects.select_related("structure").filter(pk=request.GET["offre"]).first()
        if offer is None:
            raise Http404("Offre inconnue.")
        return offer.structure, offer
    if not request.GET.get("structure", "").isdigit():
        raise Http404("Choisissez dans l'annuaire la structure ou l'offre où orienter la personne.")
    return get_object_or_404(Structure, pk=request.GET["structure"]), None


@login_required
def referral_new(request: HttpRequest) -> HttpResponse:
    structure, offer = _destination(request)
    territory = structure.territory
    organisations = referral_sender_organisations(request.user, territory)  # type: ignore[arg-type]
    if not organisations:
        raise PermissionDenied(
            "Seul·es les professionnel·les partenaires et l'équipe du territoire peuvent "
            "orienter une personne."
        )
    destination = f"{offer.name} — {structure.name}" if offer else structure.name
    receiver, email = actions.receiver_of(structure, offer)
    form = ReferralForm(
        request.POST or None,
        territory=territory,
        organisations=organisations,
        consent_text=actions.consent_text(destination),
        initial={"simulation_code": request.GET.get("simulation", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = access_refer(
                request.user,  # type: ignore[arg-type]
                territory,
                data["sender_organisation"],
            )
            referral = actions.referral_send(
                territory=territory,
                sender=request.user,  # type: ignore[arg-type]
                sender_organisation=organisation,
                structure=structure,
                offer=offer,
                person=actions.Person(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                    email=data["email"],
                    commune=data["commune"],
                    age_band=data["age_band"],
                    message=data["message"],
                ),
                consent=data["consent"],
                consent_mode=data["consent_mode"],
                scheme=data["scheme"],
                simulation_code=data["simulation_code"],
            )
        except actions.ReferralError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                f"Orientation n° {referral.pk} envoyée à {referral.structure_name}. "
                "Vous serez prévenu·e de sa réponse.",
            )
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
        },
        status=422 if form.errors else 200,
    )


STATUS_FILTERS = {"": "Toutes", **{s.value: s.label for s in Status}}


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
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
            "side": side,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "organisations": organisations,
            "has_organisation": bool(organisations),
        },
    )


def _context(referral: Referral, sides: set[str], *, link_token: str = "") -> dict[str, Any]:
    receiver = "receiver" in sides
    labels = {b.id: b.label for b in benefits()}
    reminder, expiry = queries.due_dates(referral)
    return {
        "referral": referral,
        "sides": sides,
        "is_receiver": receiver,
        "link_token": link_token,
        "answer_form": AnswerForm(prefix="reponse")
        if receiver and referral.status == Status.SENT and not referral.anonymised_at
        else None,
        "outcome_form": OutcomeForm(prefix="resultat", simulated=referral.simulated_amounts)
        if receiver and referral.status == Status.ACCEPTED and not referral.anonymised_at
        else None,
        "outcomes": [(o, labels.get(o.benefit, o.benefit)) for o in referral.outcomes.all()],
        "simulated": [(labels.get(k, k), v) for k, v in referral.simulated_amounts.items()],
        "events": referral.events.all(),
        "commune_name": referral.territory.communes.filter(insee_code=referral.commune)
        .values_list("name", flat=True)
        .first(),
        "reminder_on": reminder,
        "expires_on": expiry,
    }


def _referral_or_404(pk: int) -> Referral:
    referral = queries.referral_by_pk(pk)
    if referral is None:
        raise Http404("Orientation inconnue.")
    return referral


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral_or_404(pk)
    sides = access_referral(request.user, referral)
    actions.referral_viewed(referral, user=request.user, via=Channel.ACCOUNT)  # type: ignore[arg-type]
    return render(request, "referrals/detail.html", _context(referral, sides))


def _answer(
    request: HttpRequest, referral: Referral, via: str, sides: set[str], token: str = ""
) -> HttpResponse | None:
    """Handle the answer or outcome form posted; None when it was recorded."""
    user = (
        request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    )
    context = _context(referral, sides, link_token=token)
    form: forms.Form
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
                    user=user,
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
                    user=user,
                    via=via,
                )
                return None
    except actions.ReferralError as error:
        _form_error(form, error)
    return render(request, "referrals/detail.html", context, status=422)


@require_POST
@login_required
def referral_act(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral_or_404(pk)
    access_referral_answer(request.user, referral)
    sides = access_referral(request.user, referral)
    response = _answer(request, referral, Channel.ACCOUNT, sides)
    if response is not None:
        return response
    messages.success(request, "C'est enregistré ; l'organisation qui a orienté est prévenue.")
    return redirect("referral_detail", pk=referral.pk)


def referral_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page the structure opens from its e-mail, without an account."""
    referral = referral_from_token(token)
    if referral is None:
        return render(request, "referrals/link_invalid.html", status=404)
    sides = {"receiver"}
    if request.method == "POST":
        response = _answer(request, referral, Channel.LINK, sides, token)
        if response is not None:
            return response
        messages.success(request, "C'est enregistré ; l'organisation qui a orienté est prévenue.")
        return redirect("referral_link", token=token)
    actions.referral_viewed(referral, user=None, via=Channel.LINK)
    response = render(request, "referrals/detail.html", _context(referral, sides, link_token=token))
    # Never sent to another site; "no-referrer" would make the browser post
    # the forms with `Origin: null`, which Django's CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


class PeriodForm(forms.Form):
    debut = forms.DateField(
        label="Envoyées à partir du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    fin = forms.DateField(
        label="jusqu'au", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("debut") and data.get("fin") and data["debut"] > data["fin"]:
            raise forms.ValidationError("La date de début est après la date de fin.")
        return data


def _statistics(
    request: HttpRequest, siren: str
) -> tuple[Territory, PeriodForm, queries.ReferralStatistics]:
    territory = get_object_or_404(Territory, siren=siren)
    access_referral_statistics(request.user, territory)  # type: ignore[arg-type]
    form = PeriodForm(request.GET or None)
    start: datetime.date | None = None
    end: datetime.date | None = None
    if request.GET and form.is_valid():
        start, end = form.cleaned_data.get("debut"), form.cleaned_data.get("fin")
    return territory, form, queries.referral_statistics(territory, start=start, end=end)


@login_required
def referral_dashboard(request: HttpRequest, siren: str) -> HttpResponse:
    territory, form, stats = _statistics(request, siren)
    return render(
        request,
        "referrals/dashboard.html",
        {
            "territory": territory,
            "form": form,
            "stats": stats,
            "statuses": [(s.value, s.label) for s in queries.STATUS_ORDER],
            "outcome_kinds": OutcomeKind.choices,
            "export_url": reverse("referral_export", args=[siren])
            + (f"?{request.GET.urlencode()}" if request.GET else ""),
        },
        status=422 if form.errors else 200,
    )


@login_required
def referral_export(request: HttpRequest, siren: str) -> HttpResponse:
    territory, _, stats = _statistics(request, siren)
    response = HttpResponse(
        "\ufeff" + statistics_csv(stats), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="orientations-{territory.siren}.csv"'
    return response
