"""Shared helpers of the follow-up tests: a consent recorded at a frozen
moment, and the SMS outbox of django-sms emptied."""

import datetime

import time_machine

from nonrecours.evaluation.followup_actions import followup_create

# A Monday morning in Paris (UTC+1 in winter).
CONSENT_AT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
NONCES = iter(range(1, 1_000_000))


def consent(territory, *, at=CONSENT_AT, email="", phone="", benefits=None, commune="62041"):
    """A follow-up recorded at ``at`` (time frozen while it is written)."""
    if not email and not phone:
        email = "personne@exemple.fr"
    with time_machine.travel(at, tick=False):
        return followup_create(
            territory=territory,
            commune_code=commune,
            benefits=benefits or [("rsa", 573.49), ("aide_logement", 290.0)],
            email=email,
            phone=phone,
            consent=True,
            nonce=f"n{next(NONCES)}",
        )
