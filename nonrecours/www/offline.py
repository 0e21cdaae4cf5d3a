"""What the offline apps share on the server: the door-to-door collection
(www/barometer/collect.py) and the bus's activity log
(www/outreach/activity.py). Their pages run static/js/outbox.js, which
keeps each item on the phone and posts it as JSON, with its idempotency key,
until the server answers; this module reads those bodies (bounded), answers
their errors as JSON in French, and serves each app's service worker (the
page and its scripts kept for offline use) and manifest."""

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static

from nonrecours.errors import UserError
from nonrecours.structured import StructuredError, load_json_bounded

# One item (an answer, a person received) weighs a few kilobytes: anything
# much bigger or deeper is not the app's, and is refused before it reaches
# validation.
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 20
TOO_BIG = "Envoi trop volumineux : une réponse pèse moins de 1 Mo."
EXPIRED = "Session expirée : reconnectez-vous."


class BadSubmission(UserError, ValueError):
    """A body that is not one of the app's items (French message, with the
    HTTP status to answer: 400, or 413 when too big)."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)


def json_error(message: str, status: int) -> JsonResponse:
    """{"error": message} with the status (a 4xx the app shows or retries)."""
    return JsonResponse({"error": message}, status=status)


def read_json_object(request: HttpRequest, *, unreadable: str) -> dict[str, Any]:
    """The JSON object sent, bounded in size (MAX_BODY_BYTES) and depth
    (MAX_JSON_DEPTH). Raises BadSubmission: ``unreadable`` (French) for a
    body that is not a JSON object, TOO_BIG (413) past the size."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise BadSubmission(TOO_BIG, 413)
    try:
        body = request.body
    except RequestDataTooBig:
        raise BadSubmission(TOO_BIG, 413) from None
    if len(body) > MAX_BODY_BYTES:
        raise BadSubmission(TOO_BIG, 413)
    try:
        payload = load_json_bounded(body, max_bytes=MAX_BODY_BYTES, max_depth=MAX_JSON_DEPTH)
    except StructuredError as error:
        if "niveaux" in error.problems[0]:
            raise BadSubmission(
                f"Envoi refusé : JSON imbriqué sur plus de {MAX_JSON_DEPTH} niveaux."
            ) from None
        raise BadSubmission(unreadable) from None
    if not isinstance(payload, dict):
        raise BadSubmission(unreadable)
    return payload


# The scripts every offline app needs, kept by its service worker.
SHELL_STATIC = ["css/nonrecours.css", "js/outbox.js", "img/icone.svg"]


def service_worker(
    request: HttpRequest, *, scripts: list[str], scope: str, cache_prefix: str
) -> HttpResponse:
    """The service worker of an offline app (templates/offline_sw.js):
    keeps SHELL_STATIC and ``scripts`` (paths under static/), serves the
    app's pages from the network, or their last copy when offline.
    ``cache_prefix``: its caches' names (the page caches a copy of itself
    in ``<prefix>pages`` at its first visit)."""
    shell = [static(path) for path in [*SHELL_STATIC, *scripts]]
    response = render(
        request,
        "offline_sw.js",
        {
            "shell": json.dumps(shell),
            "version": "-".join(shell)[-40:],
            "prefix": cache_prefix,
        },
        content_type="text/javascript",
    )
    response["Service-Worker-Allowed"] = scope
    response["Cache-Control"] = "no-cache"
    return response


def manifest(*, name: str, short_name: str, start_url: str, scope: str) -> JsonResponse:
    """The web app manifest of an offline app (installable on a phone)."""
    return JsonResponse(
        {
            "name": name,
            "short_name": short_name,
            "lang": "fr",
            "start_url": start_url,
            "scope": scope,
            "display": "standalone",
            "background_color": "#f4f6f8",
            "theme_color": "#00407a",
            "icons": [{"src": static("img/icone.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        content_type="application/manifest+json",
    )
