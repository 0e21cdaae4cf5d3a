"""How many times someone may do something in a while: every rate limit of
the site (online answers, look-ups of a kept simulation's code, simulations
computed and kept) counted the same way, in fixed windows, in the cache shared by the web workers
(production: the database cache, see docs/configuration.md).

Logins have their own limit (django-axes: per account and per address)."""

import datetime
import functools
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests per window of ``seconds``, for one
    identity (an address, an account), under the name ``scope``."""

    scope: str
    count: int
    seconds: int


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind NONRECOURS_PROXY_COUNT reverse
    proxies, REMOTE_ADDR is the proxy's: take the address the nearest
    trusted proxy saw, from X-Forwarded-For."""
    count = settings.NONRECOURS_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return str(forwarded[-count])
    return str(request.META.get("REMOTE_ADDR", ""))


def hit(limit: Limit, identity: str) -> datetime.datetime | None:
    """Count one request of ``identity`` under ``limit``. None while within
    the limit; past it, the moment the window ends (when to retry). The
    identity is hashed: the cache keeps no address nor account name."""
    now = timezone.now().timestamp()
    window = int(now // limit.seconds)
    digest = hashlib.sha256(f"{limit.scope}|{identity}".encode()).hexdigest()[:32]
    key = f"rate:{limit.scope}:{digest}:{window}"
    cache.add(key, 0, timeout=limit.seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.seconds)
        count = 1
    if count <= limit.count:
        return None
    return datetime.datetime.fromtimestamp((window + 1) * limit.seconds, tz=datetime.UTC)


# A kept simulation is reopened by its 8-character code: look-ups are
# counted per account and, for safety, per address (a France Services desk
# shares one), so that codes cannot be tried one after the other.
CODE_LOOKUPS_PER_ACCOUNT = Limit("simulation-code-account", 20, 3600)
CODE_LOOKUPS_PER_ADDRESS = Limit("simulation-code-address", 60, 3600)


def simulation_code_refusal(request: HttpRequest) -> str:
    """Count one look-up of a simulation code by this request's account and
    address; "" while allowed, else the French message saying when to retry.
    Called before each look-up (reopening, referral with a code)."""
    user_id = getattr(request.user, "pk", None)
    ends = [
        hit(CODE_LOOKUPS_PER_ACCOUNT, f"user:{user_id}"),
        hit(CODE_LOOKUPS_PER_ADDRESS, client_address(request)),
    ]
    retry = max((end for end in ends if end is not None), default=None)
    if retry is None:
        return ""
    minutes = max(1, -(-int((retry - timezone.now()).total_seconds()) // 60))
    return (
        "Trop de codes de simulation essayés depuis ce compte ou cette connexion : "
        f"réessayez à {timezone.localtime(retry):%H:%M} (dans {minutes} minute"
        f"{'s' if minutes > 1 else ''})."
    )


# One simulation takes 0.3 to 0.5 s of a process (OpenFisca, one at a time):
# the simulations computed (results of the path, expert mode, PDF recap) and
# the simulations kept (a database row each) are counted per address.
SIMULATIONS_WINDOW_SECONDS = 600
KEPT_SIMULATIONS_WINDOW_SECONDS = 3600
TOO_MANY_SIMULATIONS = "Trop de simulations depuis cette adresse ; réessayez dans quelques minutes."
TOO_MANY_KEPT_SIMULATIONS = (
    "Trop de simulations conservées depuis cette adresse ; réessayez dans une heure."
)


def simulations_limit() -> Limit:
    """NONRECOURS_SIMULATIONS_PER_ADDRESS simulations per 10 minutes."""
    return Limit(
        "simulations-address",
        settings.NONRECOURS_SIMULATIONS_PER_ADDRESS,
        SIMULATIONS_WINDOW_SECONDS,
    )


def kept_simulations_limit() -> Limit:
    """NONRECOURS_KEPT_SIMULATIONS_PER_ADDRESS simulations kept per hour."""
    return Limit(
        "kept-simulations-address",
        settings.NONRECOURS_KEPT_SIMULATIONS_PER_ADDRESS,
        KEPT_SIMULATIONS_WINDOW_SECONDS,
    )


def too_many(request: HttpRequest, limit: Limit, message: str) -> HttpResponse | None:
    """Count one request of this address under ``limit``: None while
    allowed, else the French 429 page (``message``, the time to retry)
    with a Retry-After header (seconds)."""
    retry = hit(limit, client_address(request))
    if retry is None:
        return None
    seconds = max(1, math.ceil((retry - timezone.now()).total_seconds()))
    response = render(
        request,
        "rate_limited.html",
        {"message": message, "retry_at": timezone.localtime(retry)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def too_many_simulations(request: HttpRequest) -> HttpResponse | None:
    """Count one simulation computed for this request's address; None
    while allowed, else the 429 page. Called before each simulation."""
    return too_many(request, simulations_limit(), TOO_MANY_SIMULATIONS)


def limit_simulations(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A view whose POST computes a simulation: counted per address
    (too_many_simulations), answered by the 429 page past the limit."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST":
            refused = too_many_simulations(request)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    return limited


def limit_kept_simulations(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """The view that keeps a simulation under a code: each POST counted per
    address (kept_simulations_limit), answered by the 429 page past it."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST":
            refused = too_many(request, kept_simulations_limit(), TOO_MANY_KEPT_SIMULATIONS)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    return limited
