"""The online form's state between pages: a signed token in a hidden field.

Nothing is written to the database before the final submit, no session is
needed, and the browser's back button works. The token carries the answers
so far, the idempotency key of this filling-in and when it started.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.http import HttpRequest
from django.utils import timezone

from nonrecours.www.ratelimit import Limit, client_address, hit

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


def is_spam(request: HttpRequest) -> bool:
    return bool(request.POST.get(HONEYPOT_FIELD, "").strip())


def rate_limited(request: HttpRequest, slug: str) -> bool:
    """True when this address already sent SUBMISSIONS_PER_HOUR answers to
    the campaign in the current hour (www.ratelimit)."""
    limit = Limit("online", SUBMISSIONS_PER_HOUR, 3600)
    return hit(limit, f"{client_address(request)}|{slug}") is not None
