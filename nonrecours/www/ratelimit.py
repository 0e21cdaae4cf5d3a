"""How many times someone may do something in a while: every rate limit of
the site (online answers, look-ups of a kept simulation's code) counted the
same way, in fixed windows, in the cache shared by the web workers
(production: the database cache, see docs/configuration.md).

Logins have their own limit (django-axes: per account and per address)."""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
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
