"""Is the service able to answer? The health endpoint's logic (`/sante/`,
nonrecours.www.health), for a monitoring probe or a load balancer.

Two real queries, both cheap: ``SELECT 1`` on the database, and one read of
the cache (in production a table of the database, `nonrecours
createcachetable`: every rate limit reads it, so a missing table breaks the
questionnaire and the simulator). Nothing personal is read or returned.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# A key nothing writes: reading it costs one indexed lookup.
PROBE_KEY = "nonrecours:sante:sonde"
# A probe calls every few seconds: one log line per reason and per minute
# at most (each WARNING may also become an error report).
LOG_INTERVAL_SECONDS = 60.0
_last_logged: dict[str, float] = {}
_last_logged_lock = threading.Lock()


def _log_failure(reason: str, error: Exception) -> None:
    """Log ``reason`` (a French sentence with one « %s »: the error's
    class) at WARNING, unless the same reason was logged less than
    LOG_INTERVAL_SECONDS ago in this process."""
    now = time.monotonic()
    with _last_logged_lock:
        last = _last_logged.get(reason)
        if last is not None and now - last < LOG_INTERVAL_SECONDS:
            return
        _last_logged[reason] = now
    logger.warning(reason, type(error).__name__)


@dataclass(frozen=True)
class Health:
    """The answer of health(): ``ok`` when every part answered; ``parts``
    maps each part checked (« base », « cache ») to « ok » or « erreur »;
    ``reason`` is one French sentence naming what failed (empty when ok)."""

    ok: bool
    parts: dict[str, str]
    reason: str

    def as_json(self) -> dict[str, str]:
        """The JSON body of /sante/: {"statut": "ok"|"erreur", "base": …,
        "cache": …} plus "raison" on failure."""
        body = {"statut": "ok" if self.ok else "erreur", **self.parts}
        if self.reason:
            body["raison"] = self.reason
        return body


def health() -> Health:
    """Query the database (``SELECT 1``) then read the cache.

    Never raises for a database or cache failure: the failure is logged at
    WARNING, once a minute per reason at most (class of the error only: a
    driver's message may name the host and the role) and returned as a
    French reason. When the database does not answer, the cache is not
    tried (in production it is the same database).
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        _log_failure("Sonde de santé : la base de données ne répond pas (%s).", error)
        # A broken connection is not reused by the next request of the thread.
        connection.close_if_unusable_or_obsolete()
        return Health(
            ok=False,
            parts={"base": "erreur", "cache": "non vérifié"},
            reason="La base de données ne répond pas.",
        )
    try:
        cache.get(PROBE_KEY)
    except DatabaseError as error:
        _log_failure("Sonde de santé : le cache ne répond pas (%s).", error)
        return Health(
            ok=False,
            parts={"base": "ok", "cache": "erreur"},
            reason=(
                "Le cache ne répond pas (sa table existe-t-elle ? "
                "nonrecours createcachetable la crée)."
            ),
        )
    return Health(ok=True, parts={"base": "ok", "cache": "ok"}, reason="")
