"""The online form's state between pages: a signed token in a hidden field.

Nothing is written to the database before the final submit, no session is
needed, and the browser's back button works. The token carries the answers
so far, the idempotency key of this filling-in and when it started.
"""

import datetime
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

MAX_AGE_SECONDS = 6 * 3600
SUBMISSIONS_PER_HOUR = 30
HONEYPOT_FIELD = "site_web"


@dataclass
class FormState:
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: str = field(default_factory=lambda: timezone.now().isoformat())
    answers: dict[str, Any] = field(default_factory=dict)

    def dumps(self, slug: str) -> str:
        data = {"k": self.key, "t": self.started_at, "a": self.answers}
        return signing.dumps(data, salt=f"nonrecours.online.{slug}", compress=True)

    @classmethod
    def loads(cls, token: str, slug: str) -> "FormState":
        """Raises signing.BadSignature (tampered or expired token)."""
        data = signing.loads(token, salt=f"nonrecours.online.{slug}", max_age=MAX_AGE_SECONDS)
        return cls(key=str(data["k"]), started_at=str(data["t"]), answers=dict(data["a"]))

    @property
    def started(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.started_at)


def client_address(request: HttpRequest) -> str:
    """The respondent's address. Behind NONRECOURS_PROXY_COUNT reverse
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


def is_spam(request: HttpRequest) -> bool:
    return bool(request.POST.get(HONEYPOT_FIELD, "").strip())


def rate_limited(request: HttpRequest, slug: str) -> bool:
    """True when this address already sent SUBMISSIONS_PER_HOUR answers to
    the campaign in the current hour. Needs a cache shared by the web
    workers in production (see docs/configuration.md)."""
    address = client_address(request)
    bucket = timezone.now().strftime("%Y%m%d%H")
    digest = hashlib.sha256(f"{address}|{slug}".encode()).hexdigest()[:32]
    key = f"online-rate:{digest}:{bucket}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > SUBMISSIONS_PER_HOUR
