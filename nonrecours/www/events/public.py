"""The public pages of an event, reached without an account through the
secret token of their link: registering, and answering the quizzes and the
satisfaction questionnaire on a phone. Each POST is counted per address
(www.ratelimit); a filled honeypot is thanked and dropped."""

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from nonrecours.events import actions, queries
from nonrecours.events.enums import QuizMoment
from nonrecours.events.models import Event, Registration
from nonrecours.events.programmes import programme_by_slug
from nonrecours.surveys.questionnaire import Questionnaire, QuestionType
from nonrecours.textrules import database_id
from nonrecours.www.errors import add_to_form
from nonrecours.www.events.forms import OTHER, PublicRegistrationForm
from nonrecours.www.ratelimit import Limit, too_many

HONEYPOT = "site_web"
# A room of participants often shares one connection (the venue's Wi-Fi).
REGISTRATIONS_PER_HOUR = Limit("event-registration", 60, 3600)
ANSWERS_PER_HOUR = Limit("event-answers", 200, 3600)
TOO_MANY = "Trop d'envois depuis cette connexion ; réessayez dans quelques minutes."
MOMENTS = {
    "avant": QuizMoment.BEFORE,
    "apres": QuizMoment.AFTER,
    "satisfaction": QuizMoment.SATISFACTION,
}
MOMENT_SLUGS = {moment: slug for slug, moment in MOMENTS.items()}


def _registration_event(siren: str, token: str) -> Event:
    event = queries.event_by_registration_token(siren, token)
    if event is None:
        raise Http404("Lien d'inscription inconnu.")
    return event


def _structures(event: Event) -> dict[str, str]:
    """Choice value → structure's name: the invited organisations (« o12 »)
    and the invited structures without an account (« n0 »)."""
    choices = {f"o{o.pk}": o.name for o in event.invited_organisations.order_by("name")}
    choices |= {f"n{i}": str(name) for i, name in enumerate(event.invited_names)}
    return choices


@never_cache
@require_http_methods(["GET", "POST"])
def public_register(request: HttpRequest, siren: str, token: str) -> HttpResponse:
    """A participant registers, choosing their structure among those invited."""
    event = _registration_event(siren, token)
    today = timezone.localdate()
    context: dict[str, Any] = {"event": event, "places_left": queries.places_left(event)}
    if not event.registration_open or today > event.ends_on:
        return render(request, "events/public_closed.html", context, status=410)
    if context["places_left"] == 0:
        return render(request, "events/public_full.html", context)
    structures = _structures(event)
    form = PublicRegistrationForm(
        request.POST if request.method == "POST" else None, structures=list(structures.items())
    )
    if request.method == "POST":
        refused = too_many(request, REGISTRATIONS_PER_HOUR, TOO_MANY)
        if refused is not None:
            return refused
        if request.POST.get(HONEYPOT, "").strip():
            return render(request, "events/public_registered.html", {"event": event})
        if form.is_valid():
            data = form.cleaned_data
            choice = data["structure"]
            organisation = None
            organisation_id = database_id(choice[1:]) if choice.startswith("o") else None
            if organisation_id is not None:
                organisation = event.invited_organisations.filter(pk=organisation_id).first()
            name = data["other_structure"] if choice == OTHER else structures.get(choice, "")
            try:
                actions.registration_public(
                    event=event, last_name=data["last_name"], first_name=data["first_name"],
                    email=data["email"], organisation=organisation, organisation_name=name,
                    job_title=data["job_title"], today=today,
                )  # fmt: skip
            except actions.RegistrationError as error:
                add_to_form(form, error)
            else:
                return render(request, "events/public_registered.html", {"event": event})
    context |= {"form": form, "honeypot": HONEYPOT}
    return render(
        request, "events/public_register.html", context, status=422 if form.errors else 200
    )


def _quiz_event(siren: str, token: str) -> Event:
    event = queries.event_by_quiz_token(siren, token)
    if event is None or programme_by_slug(event.programme) is None:
        raise Http404("Lien des questionnaires inconnu.")
    return event


@never_cache
@require_http_methods(["GET"])
def public_quiz_start(request: HttpRequest, siren: str, token: str) -> HttpResponse:
    """The event's questionnaires, those open today first."""
    event = _quiz_event(siren, token)
    today = timezone.localdate()
    programme = programme_by_slug(event.programme)
    assert programme is not None  # noqa: S101 - _quiz_event checked it
    present = {
        QuizMoment.BEFORE: programme.quiz,
        QuizMoment.AFTER: programme.quiz,
        QuizMoment.SATISFACTION: programme.satisfaction,
    }
    moments = [
        (MOMENT_SLUGS[QuizMoment(moment)], label, queries.quiz_refusal(event, moment, today))
        for moment, label in QuizMoment.choices
        if present[QuizMoment(moment)] is not None
    ]
    return render(
        request,
        "events/public_quiz_start.html",
        {"event": event, "token": token, "moments": moments},
    )


def _questionnaire(event: Event, moment: QuizMoment) -> Questionnaire:
    programme = programme_by_slug(event.programme)
    assert programme is not None  # noqa: S101 - _quiz_event checked it
    found = programme.satisfaction if moment == QuizMoment.SATISFACTION else programme.quiz
    if found is None:
        raise Http404("Cet événement n'a pas ce questionnaire.")
    return found


def _values(request: HttpRequest, questionnaire: Questionnaire) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.type == QuestionType.SELECT_MULTIPLE:
            values[question.name] = request.POST.getlist(question.name)
        else:
            values[question.name] = request.POST.get(question.name, "")
    return values


def _candidate_label(registration: Registration) -> str:
    """« Camille L. — CCAS d'Arras »: enough to find oneself in the room."""
    initial = registration.last_name[:1]
    return f"{registration.first_name} {initial}. — {registration.organisation_name}"


@never_cache
@require_http_methods(["GET", "POST"])
def public_quiz(request: HttpRequest, siren: str, token: str, moment: str) -> HttpResponse:
    """One questionnaire on one page: the quiz (the participant picks their
    name, so that before and after pair up) or the satisfaction (anonymous)."""
    event = _quiz_event(siren, token)
    if moment not in MOMENTS:
        raise Http404("Questionnaire inconnu.")
    kind = MOMENTS[moment]
    questionnaire = _questionnaire(event, kind)
    today = timezone.localdate()
    refusal = queries.quiz_refusal(event, kind, today)
    if refusal:
        return render(
            request,
            "events/public_quiz_closed.html",
            {"event": event, "token": token, "reason": refusal},
            status=410,
        )
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    chosen = ""
    key = uuid.uuid4().hex
    if request.method == "POST":
        refused = too_many(request, ANSWERS_PER_HOUR, TOO_MANY)
        if refused is not None:
            return refused
        if request.POST.get(HONEYPOT, "").strip():
            return render(
                request, "events/public_quiz_thanks.html", {"event": event, "token": token}
            )
        key = request.POST.get("cle", "")[:100] or key
        values = _values(request, questionnaire)
        chosen = request.POST.get("inscription", "")[:20]
        pk = database_id(chosen)
        registration = event.registrations.filter(pk=pk).first() if pk is not None else None
        try:
            response = actions.quiz_submit(
                event=event, moment=kind, registration=registration, raw_answers=values,
                key=key, today=today,
            )  # fmt: skip
        except actions.QuizError as error:
            errors = {p.field or error.field: p.message for p in error.problem_list()}
            if not errors:
                errors = {error.field: str(error)}
        else:
            return render(
                request,
                "events/public_quiz_thanks.html",
                {"event": event, "token": token, "response": response},
            )
    fields = [
        {
            "question": q,
            "value": values.get(q.name, [] if q.type == QuestionType.SELECT_MULTIPLE else ""),
            "error": errors.get(q.name, ""),
            "anchor": f"{q.name}-{q.choices[0].code}" if q.choices else f"id_{q.name}",
        }
        for q in questionnaire.questions
    ]
    candidates = [] if kind == QuizMoment.SATISFACTION else queries.quiz_candidates(event, kind)
    return render(
        request,
        "events/public_quiz.html",
        {
            "event": event,
            "token": token,
            "moment": moment,
            "kind": kind,
            "questionnaire": questionnaire,
            "fields": fields,
            "errors": errors,
            "general_error": errors.get("", ""),
            "registration_error": errors.get("registration", ""),
            "candidates": [(str(r.pk), _candidate_label(r)) for r in candidates],
            "chosen": chosen,
            "key": key,
            "honeypot": HONEYPOT,
        },
        status=422 if errors else 200,
    )
