"""The follow-up after a simulation (issue 17, part 2), HTTP only: the
consent form of the results page, the answer page opened from a message
(no login: a signed link), unsubscribing, and the team's statistics page.

A GET of a message's link never records anything (mail scanners open
links): it shows the answer form prefilled with the clicked answer, which
the person confirms (POST)."""

import datetime
import secrets
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from nonrecours.evaluation import followup_actions as actions
from nonrecours.evaluation.access import access_followup_statistics_by_siren
from nonrecours.evaluation.followup_enums import BlockedReason, FollowUpAnswer
from nonrecours.evaluation.followup_models import FollowUp
from nonrecours.evaluation.followup_queries import (
    benefit_label,
    followup_statistics,
    simulations_count,
)
from nonrecours.evaluation.followup_sending import read_token
from nonrecours.rights.engine import SimulationResult
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory
from nonrecours.www.errors import add_to_form
from nonrecours.www.ratelimit import limit_kept_simulations
from nonrecours.www.requests import AuthenticatedRequest

CONSENT_SALT = "nonrecours.evaluation.followup.consent"
CONSENT_MAX_AGE = 6 * 3600  # as the simulator's own tokens


class FollowUpConsentForm(forms.Form):
    """The results page's form: consent (unticked), e-mail and/or mobile."""

    consentement = forms.BooleanField(label="J'accepte d'être recontacté·e", required=False)
    courriel = forms.CharField(
        label="Votre courriel (facultatif)",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    telephone = forms.CharField(
        label="Votre numéro de mobile (facultatif)",
        required=False,
        max_length=30,
        help_text="Par exemple 06 12 34 56 78.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


def followup_context(
    result: SimulationResult, situation: dict[str, Any], territory: Territory | None
) -> dict[str, Any]:
    """What the results page needs to offer the follow-up: a signed token
    holding only the benefits found (id, euros per month) and the commune;
    nothing when no benefit was found or no territory is set."""
    found = [(b.benefit.id, round(float(b.monthly or 0.0), 2)) for b in result.found]
    if not found or territory is None:
        return {"followup_token": ""}
    token = signing.dumps(
        {"b": found, "c": str(situation.get("commune") or ""), "n": secrets.token_hex(16)},
        salt=CONSENT_SALT,
    )
    return {
        "followup_token": token,
        "followup_consent_text": actions.consent_text(),
        "followup_form": FollowUpConsentForm(),
        "followup_sms": actions.sms_enabled(),
    }


def _consent_token(token: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=CONSENT_SALT, max_age=CONSENT_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("b"), list):
        return None
    return data


@require_POST
@limit_kept_simulations
def simulator_followup(request: HttpRequest) -> HttpResponse:
    """Record the consent to be followed up (the results page's form)."""
    data = _consent_token(request.POST.get("suivi", ""))
    if data is None:
        return render(request, "evaluation/followup_invalid.html", {"expired": True}, status=400)
    form = FollowUpConsentForm(request.POST)
    if form.is_valid():
        try:
            follow_up = actions.followup_create(
                territory=territory_queries.territory_default(),
                commune_code=str(data.get("c") or ""),
                benefits=[(str(b), float(m)) for b, m in data["b"]],
                email=form.cleaned_data["courriel"],
                phone=form.cleaned_data["telephone"],
                consent=form.cleaned_data["consentement"],
                nonce=str(data.get("n") or ""),
            )
        except actions.FollowUpError as error:
            add_to_form(form, error)
        except (TypeError, ValueError):
            return render(request, "evaluation/followup_invalid.html", {}, status=400)
        else:
            return render(
                request,
                "evaluation/followup_consented.html",
                {"follow_up": follow_up, "first": actions.FIRST_DAY, "second": actions.SECOND_DAY},
            )
    return render(
        request,
        "evaluation/followup_consent_page.html",
        {
            "followup_token": request.POST.get("suivi", ""),
            "followup_form": form,
            "followup_consent_text": actions.consent_text(),
            "followup_sms": actions.sms_enabled(),
            "form_has_errors": True,
        },
        status=422,
    )


def _invalid(request: HttpRequest, expired: bool) -> HttpResponse:
    return render(
        request,
        "evaluation/followup_invalid.html",
        {"expired": expired},
        status=410 if expired else 404,
    )


def _answer_form(follow_up: FollowUp, data: Any, initial: dict[str, str]) -> forms.Form:
    form = forms.Form(data, initial=initial)
    for row in follow_up.benefits.order_by("pk"):
        form.fields[f"aide_{row.benefit_id}"] = forms.ChoiceField(
            label=benefit_label(row.benefit_id),
            choices=FollowUpAnswer.choices,
            widget=forms.RadioSelect,
            required=False,
        )
    form.fields["raison"] = forms.ChoiceField(
        label="Où avez-vous été bloqué·e ?",
        choices=[("", "Je n'ai pas été bloqué·e"), *BlockedReason.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    return form


@require_http_methods(["GET", "POST"])
def followup_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The answer page of a message's link: GET shows the form prefilled
    (``?aide=<id>&reponse=<answer>``), POST records it."""
    follow_up, round_number, expired = read_token(token)
    if follow_up is None:
        return _invalid(request, expired)
    initial = {f"aide_{b.benefit_id}": b.answer for b in follow_up.benefits.all() if b.answer}
    initial["raison"] = follow_up.reason
    clicked, answer = request.GET.get("aide", ""), request.GET.get("reponse", "")
    if answer in FollowUpAnswer.values:
        initial[f"aide_{clicked}"] = answer
    form = _answer_form(follow_up, request.POST if request.method == "POST" else None, initial)
    if request.method == "POST" and form.is_valid():
        answers = {
            name.removeprefix("aide_"): value
            for name, value in form.cleaned_data.items()
            if name.startswith("aide_") and value
        }
        if answers or form.cleaned_data["raison"]:
            actions.followup_answer(
                follow_up=follow_up, answers=answers, reason=form.cleaned_data["raison"]
            )
            return render(request, "evaluation/followup_thanks.html", {"token": token})
        form.add_error(None, "Choisissez au moins une réponse avant de l'envoyer.")
    return render(
        request,
        "evaluation/followup_answer.html",
        {"form": form, "token": token, "round": round_number, "form_has_errors": bool(form.errors)},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def followup_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """« Ne plus recevoir de message »: GET asks to confirm, POST erases the
    contact at once."""
    follow_up, _, expired = read_token(token)
    if follow_up is None:
        return _invalid(request, expired)
    if request.method == "POST":
        actions.followup_unsubscribe(follow_up=follow_up)
        return render(request, "evaluation/followup_unsubscribed.html", {})
    return render(
        request,
        "evaluation/followup_unsubscribe.html",
        {"token": token, "erased": follow_up.contact_erased_at is not None},
    )


class YearForm(forms.Form):
    annee = forms.IntegerField(label="Année", min_value=2000, max_value=2100, required=False)


@login_required
def followup_statistics_page(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The take-up after a simulation for one civil year (``?annee=``),
    under the secrecy rule: a whole year, never a free period, so that two
    overlapping periods cannot give back a hidden count by difference."""
    territory = access_followup_statistics_by_siren(request.user, siren)
    form = YearForm(request.GET or None)
    year = timezone.localdate().year
    if form.is_valid() and form.cleaned_data["annee"]:
        year = form.cleaned_data["annee"]
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return render(
        request,
        "evaluation/followup_statistics.html",
        {
            "territory": territory,
            "form": form,
            "year": year,
            "statistics": followup_statistics(territory, start, end),
            "simulations": simulations_count(territory, start, end),
        },
        status=422 if form.errors else 200,
    )
