"""A field agent's phone, replayed in Python: the queue of door-to-door
answers kept by nonrecours/static/js/outbox.js, and its `sync()` exactly as
the script does it, so that the load test sends what phones send.

No Locust, no Django: the Locust file gives `sync` a way to post (through
its HTTP client) and the run's clock.

outbox.js, in order: the items of the connected person, in the order
IndexedDB returns them (by idempotency key); each posted as JSON with its
key; a 201/200 whose body has an ``id`` removes it (acknowledged); 401/403
stops the round (session expired, the person logs in again); any other 4xx
with a readable reason moves it to « refusées »; anything else (5xx, a 4xx
without reason) counts one attempt and keeps it, and the 5th failed attempt
hands it back to the person (« refusées », who resumes it with the same
key); a network error (no answer, time-out) stops the round. A round runs
after each answer saved and every 30 seconds.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SYNC_INTERVAL_SECONDS = 30  # outbox.js: setInterval(sync, 30000)
MAX_ATTEMPTS = 5  # outbox.js: item.attempts >= 5 → rejected


class NetworkError(Exception):
    """The post got no HTTP answer (refused, cut, timed out): fetch() threw."""


# (status, JSON body or None); raises NetworkError.
Post = Callable[[dict[str, Any]], tuple[int, Any]]


@dataclass
class Outcome:
    """What one round did: keys acknowledged (with the server's response
    id), refused with a reason, handed back after 5 failures, failed
    attempts kept for later, whether the session expired."""

    acknowledged: dict[str, int] = field(default_factory=dict)
    refused: dict[str, Any] = field(default_factory=dict)
    handed_back: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    expired: bool = False
    network_error: bool = False


@dataclass
class Outbox:
    """One agent's queue: ``items`` by idempotency key (the IndexedDB
    store ``outbox``), ``rejected`` (the store ``rejected``)."""

    user_id: int
    submit_url: str
    campaign: str
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: dict[str, dict[str, Any]] = field(default_factory=dict)

    def enqueue(self, answers: dict[str, Any], *, started_at: str, submitted_at: str) -> str:
        """An answer saved on the phone (collect.js, « Enregistrer la
        réponse »): a new key (crypto.randomUUID()); returns it."""
        key = str(uuid.uuid4())
        self.items[key] = {
            "attempts": 0,
            "idempotency_key": key,
            "campaign": self.campaign,
            "submit_url": self.submit_url,
            "user": self.user_id,
            "answers": answers,
            "started_at": started_at,
            "submitted_at": submitted_at,
        }
        return key

    def resume(self, key: str) -> None:
        """« Reprendre et corriger » then save again: the item handed back
        goes into the queue again with the same key (collect.js keeps
        draft.key = item.idempotency_key)."""
        item = self.rejected.pop(key)
        item.pop("errors", None)
        self.items[key] = {**item, "attempts": 0}

    def sync(self, post: Post) -> Outcome:
        """One round of outbox.js's sync() over the queue (see the module)."""
        outcome = Outcome()
        for key in sorted(self.items):
            item = self.items[key]
            try:
                status, body = post(item)
            except NetworkError:
                outcome.network_error = True
                break
            if status in (200, 201) and isinstance(body, dict) and body.get("id"):
                del self.items[key]
                outcome.acknowledged[key] = int(body["id"])
            elif status in (401, 403):
                outcome.expired = True
                break
            elif (
                400 <= status < 500
                and isinstance(body, dict)
                and (body.get("errors") or body.get("error"))
            ):
                self.rejected[key] = {**item, "errors": body.get("errors") or body.get("error")}
                del self.items[key]
                outcome.refused[key] = self.rejected[key]["errors"]
            else:
                item["attempts"] = int(item.get("attempts") or 0) + 1
                if item["attempts"] >= MAX_ATTEMPTS:
                    self.rejected[key] = {**item, "errors": {"envoi": f"statut {status}"}}
                    del self.items[key]
                    outcome.handed_back.append(key)
                else:
                    outcome.retried.append(key)
        return outcome
