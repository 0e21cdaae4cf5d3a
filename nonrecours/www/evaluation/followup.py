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

from nonrecours.accounts.access import has_capability
from nonrecours.accounts.enums import Capability
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD
from nonrecours.evaluation import followup_actions as actions
from nonrecours.evaluation.access import access_followup_statistics_by_siren
from nonrecours.evaluation.followup_enums import BlockedReason, FollowUpAnswer
from nonrecours.evaluation.followup_models import FollowUp
from nonrecours.evaluation.followup_queries import (
    answers_cutoff,
    benefit_label,
    followup_statistics,
    simulations_count,
)
from nonrecours.evaluation.followup_sending import read_token
from nonrecours.rights.catalogue import IN_KIND
from nonrecours.rights.engine import SimulationResult
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory
from nonrecours.www.errors import add_to_form
from nonrecours.www.ratelimit import limit_kept_simulations
from nonrecours.www.requests import AuthenticatedRequest

CONSENT_SALT = "nonrecours.evaluation.followup.consent"
CONSENT_MAX_AGE = 6 * 3600  # as the simulator's own tokens


class OneOfTwoField(forms.CharField):
    """A field of a pair of which at least one must be given (the action
    says so when neither is): marked required, so that form_field does not
    call it « (facultatif) », yet an empty value is valid on its own."""

    def validate(self, value: Any) -> None:
        if value in self.empty_values:
            return
        super().validate(value)


class FollowUpConsentForm(forms.Form):
    """The results page's form: consent (unticked), e-mail and/or mobile
    (at least one of the two: the fieldset's legend says so; no browser
    ``required`` on either)."""

    use_required_attribute = False

    consentement = forms.BooleanField(label="J'accepte d'être recontacté·e", required=False)
    courriel = OneOfTwoField(
        label="Votre courriel",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    telephone = OneOfTwoField(
        label="Votre numéro de mobile",
        max_length=30,
        help_text="Par exemple 06 12 34 56 78.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


def followup_context(
    result: SimulationResult, situation: dict[str, Any], territory: Territory | None
) -> dict[str, Any]:
    """What the results page needs to offer the follow-up: a signed token
    holding only the benefits found (id, euros per month), the
    participation of a right in kind (the complémentaire santé solidaire)
    and the commune; nothing when no benefit was found or no territory is
    set."""
    found = [(b.benefit.id, round(float(b.monthly or 0.0), 2)) for b in result.found]
    if not found or territory is None:
        return {"followup_token": ""}
    participations = {
        b.benefit.id: round(float(b.participation), 2)
        for b in result.found
        if b.benefit.id in IN_KIND and b.participation is not None
    }
    token = signing.dumps(
        {
            "b": found,
            "p": participations,
            "c": str(situation.get("commune") or ""),
            "n": secrets.token_hex(16),
        },
        salt=CONSENT_SALT,
    )
    return {
        "followup_token": token,
        "followup_consent_text": actions.consent_text(),
        "followup_last_day": actions.CONTACT_MAX_DAYS,
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


def _participations(value: Any) -> dict[str, float]:
    """The token's participations ({benefit id: euros per month}); a
    malformed value (an older token) is none. Raises ValueError for a
    number that is not one (a forged token cannot be signed)."""
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items()}


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
                participations=_participations(data.get("p")),
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
            "followup_last_day": actions.CONTACT_MAX_DAYS,
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
    if follow_up is None or not actions.answers_open(follow_up):
        return _invalid(request, expired or follow_up is not None)
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
            try:
                actions.followup_answer(
                    follow_up=follow_up, answers=answers, reason=form.cleaned_data["raison"]
                )
            except actions.FollowUpError:  # closed meanwhile (the cut-off passed)
                return _invalid(request, True)
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
    annee = forms.CharField(label="Année", required=False, max_length=20)


def _is_team(user: Any, territory: Territory) -> bool:
    """The territory's team: those who may read the answers themselves
    (VIEW_RESPONSES) or run the campaigns (MANAGE_CAMPAIGNS); partners hold
    neither."""
    return has_capability(user, territory, Capability.VIEW_RESPONSES) or has_capability(
        user, territory, Capability.MANAGE_CAMPAIGNS
    )


def _last_closed_year(now: datetime.datetime) -> int:
    """The latest year whose figures are fixed at ``now`` (its cut-off,
    31 March of the following year, passed)."""
    year = timezone.localtime(now).year - 1
    return year if now >= answers_cutoff(year) else year - 1


def _year_problem(raw: str, team: bool, now: datetime.datetime) -> tuple[int, str, int]:
    """The year asked for (``annee``), or the default one (the team: the
    current year; partners: the last one fixed), and the French problem
    with its status when it cannot be shown (nonsense or future: 422; a
    year not fixed yet, to a partner: 403)."""
    current = timezone.localtime(now).year
    closed = _last_closed_year(now)
    raw = raw.strip()
    if not raw:
        return (current if team else closed), "", 200
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and int(raw) >= 2000):
        return (
            0,
            (
                f"Année « {raw[:20]} » invalide : écrivez une année sur quatre chiffres, par "
                f"exemple {closed}."
            ),
            422,
        )
    year = int(raw)
    if year > current:
        return year, f"L'année {year} n'a pas commencé : il n'y a encore aucun chiffre.", 422
    if not team and year > closed:
        return (
            year,
            (
                f"Les chiffres de {year} sont arrêtés le 31 mars {year + 1} et publiés à partir du "
                f"1er avril {year + 1} : d'ici là, ils sont réservés à l'équipe du territoire."
            ),
            403,
        )
    return year, "", 200


@login_required
def followup_statistics_page(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The take-up after a simulation for one civil year (``?annee=``),
    under the secrecy rule: a whole year, never a free period, so that two
    overlapping periods cannot give back a hidden count by difference.
    Partners see a year once it is fixed (from 1 April of the following
    year), counted with the answers recorded up to its cut-off, so that two
    looks never differ by one person's answer; the team sees the figures
    as they are, marked provisional until the cut-off."""
    territory = access_followup_statistics_by_siren(request.user, siren)
    team = _is_team(request.user, territory)
    now = timezone.now()
    form = YearForm(request.GET or None)
    raw = str(request.GET.get("annee", ""))
    year, problem, status = _year_problem(raw, team, now)
    context: dict[str, Any] = {
        "territory": territory,
        "form": form,
        "year": year,
        "team": team,
        "problem": problem,
        "threshold": DEFAULT_THRESHOLD,
        "statistics": None,
        "simulations": None,
    }
    if problem:
        form.is_valid()
        form.add_error("annee", problem)
        return render(request, "evaluation/followup_statistics.html", context, status=status)
    cutoff = answers_cutoff(year)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    context.update(
        statistics=followup_statistics(
            territory, start, end, recorded_before=None if team else cutoff
        ),
        simulations=simulations_count(territory, start, end),
        provisional=now < cutoff,
        cutoff_day=(cutoff - datetime.timedelta(days=1)).date(),
    )
    return render(request, "evaluation/followup_statistics.html", context)
