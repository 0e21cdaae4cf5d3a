"""Writes of the rights simulator: only what a person consented to keep."""

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from nonrecours.rights.models import SavedSimulation
from nonrecours.territories.models import Territory

# No 0/O, 1/I/L: a code read aloud or copied from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CONSENT_TEXT = (
    "J'accepte que cette simulation (la description de ma situation, sans nom ni adresse) "
    "soit conservée {days} jours, pour la reprendre avec un·e professionnel·le grâce à son code."
)


def consent_text() -> str:
    return CONSENT_TEXT.format(days=settings.NONRECOURS_SIMULATION_RETENTION_DAYS)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def simulation_save(
    *,
    situation: dict[str, Any],
    territory: Territory | None,
    consent: bool,
    nonce: str | None = None,
) -> SavedSimulation:
    """Keep a simulation under a new short code. Refused without consent or
    territory (only the territory's professionals may reopen it); the same
    `nonce` (one results page) gives back the same simulation."""
    if not consent:
        raise PermissionError("Sans consentement, rien n'est conservé.")
    if territory is None:
        raise PermissionError("Sans territoire, une simulation ne peut pas être conservée.")
    simulations_purge_expired()
    if nonce:
        existing = SavedSimulation.objects.filter(nonce=nonce).first()
        if existing is not None:
            return existing
    now = timezone.now()
    days = settings.NONRECOURS_SIMULATION_RETENTION_DAYS
    for _ in range(5):
        try:
            with transaction.atomic():
                return SavedSimulation.objects.create(
                    code=new_code(),
                    nonce=nonce,
                    situation=situation,
                    territory=territory,
                    consent_text=consent_text(),
                    created_at=now,
                    expires_at=now + datetime.timedelta(days=days),
                )
        except IntegrityError:  # the same code drawn twice: draw again
            continue
    raise RuntimeError("Impossible de tirer un code libre.")


def simulations_purge_expired() -> int:
    deleted, _ = SavedSimulation.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
