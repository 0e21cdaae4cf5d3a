"""`/sante/`: the health endpoint for monitoring (nonrecours.ops.health).

Open to anyone, no login, no session, no cookie, never cached; plain HTTP is
accepted (SECURE_REDIRECT_EXEMPT in the production settings) so that a probe
on the loopback interface needs no certificate."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from nonrecours.ops.health import health


@never_cache
@require_safe
def health_check(request: HttpRequest) -> JsonResponse:
    """GET or HEAD → 200 {"statut": "ok", "base": "ok", "cache": "ok"}, or
    503 {"statut": "erreur", …, "raison": "<phrase en français>"}."""
    result = health()
    return JsonResponse(
        result.as_json(),
        status=200 if result.ok else 503,
        json_dumps_params={"ensure_ascii": False},
    )
