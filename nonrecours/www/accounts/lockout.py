"""The page shown when django-axes refuses a login (AXES_LOCKOUT_CALLABLE)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def duration_text(minutes: int) -> str:
    """« 1 heure », « 90 minutes », « 2 heures »; "" for 0 (no end)."""
    if minutes <= 0:
        return ""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} heure{'s' if hours > 1 else ''}"
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """French page, status 429: too many wrong passwords for this account or
    from this address; how long it lasts and who unlocks it."""
    return render(
        request,
        "accounts/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "duration": duration_text(settings.NONRECOURS_LOGIN_LOCKOUT_MINUTES),
        },
        status=429,
    )
