"""Door-to-door collection: the offline web app and its submission API."""

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from nonrecours.accounts.access import access_territory_collect
from nonrecours.surveys import actions, queries
from nonrecours.surveys.access import (
    access_campaign_collect_by_slug,
)
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.questionnaire import Questionnaire, clean_key, parse_moment
from nonrecours.www.errors import json_response
from nonrecours.www.offline import (
    EXPIRED,
    BadSubmission,
    json_error,
    manifest,
    read_json_object,
    service_worker,
)
from nonrecours.www.requests import AuthenticatedRequest

SCOPE = "/collecte/"


def _config(
    request: HttpRequest, questionnaire: Questionnaire, slug: str, communes: list[Any]
) -> dict[str, Any]:
    return {
        "questions": [
            {
                "name": q.name,
                "type": q.type.value,
                "label": q.label,
                "hint": q.hint,
                "required": q.required,
                "relevant": q.relevant.to_data() if q.relevant else None,
                "choices": [
                    {"code": c.code, "label": c.label, "exclusive": c.exclusive} for c in q.choices
                ],
            }
            for q in questionnaire.questions
        ],
        "pages": [
            {
                "number": p.number,
                "title": p.section.title,
                "questions": [q.name for q in p.questions],
            }
            for p in questionnaire.pages()
        ],
        "communes": [[c.insee_code, c.name] for c in communes],
        "submit_url": reverse("barometer_collect_submit", args=[slug]),
        "service_worker_url": reverse("barometer_collect_sw"),
        "scope": SCOPE,
        "campaign": slug,
        "user_id": request.user.pk,
    }


@login_required
def collect_index(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    campaigns = [
        c
        for c in queries.campaigns_open_for(Channel.DOOR_TO_DOOR, today)
        if _can_collect(request, c.territory)
    ]
    return render(request, "barometer/collect_index.html", {"campaigns": campaigns})


def _can_collect(request: AuthenticatedRequest, territory: Any) -> bool:
    try:
        access_territory_collect(request.user, territory)
    except PermissionDenied:
        return False
    return True


@login_required
def collect_app(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    campaign = access_campaign_collect_by_slug(request.user, slug)
    reason = queries.campaign_accepts(campaign, Channel.DOOR_TO_DOOR, timezone.localdate())
    if reason is not None:
        return render(
            request, "barometer/online_closed.html", {"campaign": campaign, "reason": reason}
        )
    questionnaire = campaign.questionnaire.questionnaire()
    config = _config(request, questionnaire, slug, queries.campaign_communes(campaign))
    return render(request, "barometer/collect.html", {"campaign": campaign, "config": config})


@require_GET
def collect_service_worker(request: HttpRequest) -> HttpResponse:
    return service_worker(
        request, scripts=["js/collect.js"], scope=SCOPE, cache_prefix="nonrecours-collecte-"
    )


@require_GET
def collect_manifest(request: HttpRequest) -> JsonResponse:
    return manifest(
        name="nonrecours — collecte porte-à-porte",
        short_name="Collecte",
        start_url=reverse("barometer_collect_index"),
        scope=SCOPE,
    )


UNREADABLE = "Envoi illisible : JSON attendu avec « idempotency_key » et « answers »."


def _read_payload(request: HttpRequest) -> dict[str, Any]:
    """The answer sent: a JSON object with its key and answers (bounded, see
    www.offline). Raises BadSubmission."""
    payload = read_json_object(request, unreadable=UNREADABLE)
    if not isinstance(payload.get("answers"), dict) or "idempotency_key" not in payload:
        raise BadSubmission(UNREADABLE)
    return payload


def _moment(payload: dict[str, Any], name: str, what: str) -> datetime.datetime | None:
    try:
        return parse_moment(
            payload.get(name),
            now=timezone.now(),
            naive_zone=timezone.get_current_timezone(),
            what=what,
        )
    except ValueError as error:
        raise BadSubmission(str(error), 422) from None


@require_POST
def collect_submit(request: HttpRequest, slug: str) -> JsonResponse:
    """Receive one answer from the door-to-door app: 201 stored, 200 already
    stored (same key), 422 refused with the errors by question."""
    if not request.user.is_authenticated:
        return json_error(EXPIRED, 401)
    try:
        campaign = access_campaign_collect_by_slug(request.user, slug)
    except PermissionDenied as denied:
        return json_error(str(denied), 403)
    try:
        payload = _read_payload(request)
        answers = payload["answers"]
        key = clean_key(payload["idempotency_key"])
    except BadSubmission as bad:
        return json_error(str(bad), bad.status)
    except ValueError as error:
        return JsonResponse({"errors": {"idempotency_key": str(error)}}, status=422)
    try:
        started_at = _moment(payload, "started_at", "Le début")
        submitted_at = _moment(payload, "submitted_at", "L'envoi")
    except BadSubmission as bad:
        return JsonResponse({"errors": {"date": str(bad)}}, status=bad.status)
    reason = queries.campaign_accepts_offline_answer(
        campaign, submitted_at=submitted_at, received_on=timezone.localdate()
    )
    if reason is not None:
        return JsonResponse({"errors": {"campagne": reason}}, status=422)
    try:
        response, created = actions.response_submit(
            campaign=campaign,
            answers=answers,
            channel=Channel.DOOR_TO_DOOR,
            idempotency_key=key,
            agent=request.user,
            started_at=started_at,
            submitted_at=submitted_at,
        )
    except actions.ResponseRejected as rejected:
        # {error, errors by question, problems}: the JSON adapter of every
        # UserError (www.errors); the app reads `errors`.
        return json_response(rejected)
    return JsonResponse({"id": response.pk, "created": created}, status=201 if created else 200)
