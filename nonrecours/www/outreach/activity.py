"""The bus's activity log: the list of the visits to log, the offline app
of one visit (persons received, hours of presence; static/js/bus_log.js on
static/js/outbox.js, as the door-to-door collection), its service worker,
and the two JSON endpoints the app posts to."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from nonrecours.accounts.access import DENIAL_MESSAGES
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.directory.models import Structure
from nonrecours.outreach import activity
from nonrecours.outreach.access import access_bus_visit_log_by_id
from nonrecours.outreach.enums import VisitStatus, VisitTheme
from nonrecours.outreach.models import BusVisit, BusVisitor
from nonrecours.outreach.planning import day_text
from nonrecours.referrals.access import can_refer
from nonrecours.referrals.enums import AgeBand
from nonrecours.surveys.questionnaire import clean_key
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

SCOPE = "/aller-vers/journal/"
UNREADABLE = "Envoi illisible : JSON attendu avec « idempotency_key » et « person »."
UNREADABLE_PRESENCE = (
    "Envoi illisible : JSON attendu avec « idempotency_key », « arrived_at » et « left_at »."
)


@never_cache
@login_required
def log_index(request: AuthenticatedRequest) -> HttpResponse:
    """The visits of the last and the next seven days in the user's
    territories, each opening its log."""
    territories = activity.log_territories(request.user)
    if not territories:
        raise PermissionDenied(DENIAL_MESSAGES[Capability.LOG_OUTREACH])
    today = timezone.localdate()
    visits = activity.visits_to_log(territories, today=today)
    counts = _visitor_counts(visits)
    rows = [
        {
            "visit": visit,
            "day": day_text(visit.day),
            "hours": activity.half_day_hours(visit),
            "cancelled": visit.status == VisitStatus.CANCELLED,
            "count": counts.get(visit.pk, 0),
            "is_today": visit.day == today,
        }
        for visit in visits
    ]
    return render(
        request,
        "outreach/log_index.html",
        {"rows": rows, "territories": territories, "several": len(territories) > 1},
    )


def _visitor_counts(visits: list[BusVisit]) -> dict[int, int]:
    """Persons noted per visit (visit pk -> count)."""
    return dict(
        BusVisitor.objects.filter(visit__in=visits)
        .values("visit")
        .annotate(n=Count("pk"))
        .values_list("visit", "n")
    )


def _config(request: AuthenticatedRequest, visit: BusVisit) -> dict[str, Any]:
    territory = visit.calendar.territory
    return {
        "visit": visit.pk,
        "user_id": request.user.pk,
        "submit_url": reverse("outreach_log_submit", args=[visit.pk]),
        "presence_url": reverse("outreach_log_presence", args=[visit.pk]),
        "service_worker_url": reverse("outreach_log_sw"),
        "scope": SCOPE,
        "recorded_keys": activity.visitor_keys(visit),
        "areas": [
            [code, name, codes] for code, name, codes in activity.priority_area_choices(territory)
        ],
        "themes": dict(VisitTheme.choices),
        "arrived_at": f"{visit.arrived_at:%H:%M}" if visit.arrived_at else "",
        "left_at": f"{visit.left_at:%H:%M}" if visit.left_at else "",
    }


@login_required
def log_app(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The offline app of one visit: the form of a person received, the
    hours of presence, the counts, the refused ones; and, for who may
    refer, the choice of the structure to refer a person to."""
    visit = access_bus_visit_log_by_id(request.user, pk)
    territory = visit.calendar.territory
    refer = can_refer(request.user, territory)
    structures = (
        list(Structure.objects.filter(territory=territory).order_by("name").only("pk", "name"))
        if refer
        else []
    )
    return render(
        request,
        "outreach/log.html",
        {
            "visit": visit,
            "title": activity.visit_title(visit),
            "hours": activity.half_day_hours(visit),
            "cancelled": visit.status == VisitStatus.CANCELLED,
            "config": _config(request, visit),
            "communes": activity.commune_choices(territory),
            "areas": activity.priority_area_choices(territory),
            "age_bands": AgeBand.choices,
            "themes": VisitTheme.choices,
            "max_count": activity.MAX_COUNT,
            "counts": [(name, activity.LABELS[name]) for name in activity.COUNTS],
            "referrals_label": activity.LABELS["referrals"],
            "can_refer": refer,
            "structures": structures,
        },
    )


@require_GET
def log_service_worker(request: HttpRequest) -> HttpResponse:
    return service_worker(
        request, scripts=["js/bus_log.js"], scope=SCOPE, cache_prefix="nonrecours-journal-"
    )


@require_GET
def log_manifest(request: HttpRequest) -> JsonResponse:
    return manifest(
        name="nonrecours — journal du bus",
        short_name="Journal du bus",
        start_url=reverse("outreach_log"),
        scope=SCOPE,
    )


def _visit_or_error(request: HttpRequest, pk: int) -> BusVisit | JsonResponse:
    if not request.user.is_authenticated:
        return json_error(EXPIRED, 401)
    try:
        return access_bus_visit_log_by_id(request.user, pk)
    except Http404 as missing:
        return json_error(str(missing), 404)


@require_POST
def log_submit(request: HttpRequest, pk: int) -> JsonResponse:
    """Receive one person from the app: {idempotency_key, person: {...},
    …}. 201 stored, 200 already stored under that key, 422 refused with
    the reasons by field (www.errors.json_body), 404 unknown visit, 401
    session expired, 400/413 not the app's body."""
    visit = _visit_or_error(request, pk)
    if isinstance(visit, JsonResponse):
        return visit
    try:
        payload = read_json_object(request, unreadable=UNREADABLE)
        person = payload.get("person")
        if not isinstance(person, dict) or "idempotency_key" not in payload:
            raise BadSubmission(UNREADABLE)
        key = clean_key(payload["idempotency_key"])
    except BadSubmission as bad:
        return json_error(str(bad), bad.status)
    except ValueError as error:
        return JsonResponse(
            {"error": str(error), "errors": {"idempotency_key": str(error)}}, status=422
        )
    existed = BusVisitor.objects.filter(idempotency_key=key).exists()
    try:
        visitor = activity.visitor_record(
            visit=visit,
            payload=person,
            user=request.user if isinstance(request.user, User) else None,
            idempotency_key=key,
        )
    except activity.VisitorError as refused:
        return json_response(refused)
    return JsonResponse({"id": visitor.pk, "created": not existed}, status=200 if existed else 201)


@require_POST
def log_presence(request: HttpRequest, pk: int) -> JsonResponse:
    """Receive the hours of presence from the app: {arrived_at: "HH:MM",
    left_at: "HH:MM" or ""}. 200 saved (sent again: the same hours), 422
    refused on its field."""
    visit = _visit_or_error(request, pk)
    if isinstance(visit, JsonResponse):
        return visit
    try:
        payload = read_json_object(request, unreadable=UNREADABLE_PRESENCE)
    except BadSubmission as bad:
        return json_error(str(bad), bad.status)
    try:
        saved = activity.visit_presence_save(
            visit=visit,
            arrived_at=_text(payload.get("arrived_at")),
            left_at=_text(payload.get("left_at")),
        )
    except activity.PresenceError as refused:
        return json_response(refused)
    return JsonResponse(
        {
            "id": saved.pk,
            "arrived_at": f"{saved.arrived_at:%H:%M}" if saved.arrived_at else "",
            "left_at": f"{saved.left_at:%H:%M}" if saved.left_at else "",
        }
    )


def _text(value: Any) -> str | None:
    """A JSON value given as an hour: text, or None (anything else is
    refused by the action as an unreadable hour)."""
    if value is None or isinstance(value, str):
        return value
    return str(value)[:20]
