"""The second factor (a TOTP code from an authentication application):
set up, checked, removed; and the failed-login records kept for the
lockout (django-axes), purged when expired."""

import datetime
import logging
import math
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from nonrecours.accounts.models import User
from nonrecours.errors import UserError

logger = logging.getLogger(__name__)


class SecondFactorError(UserError, ValueError):
    """A code refused, in French (the form field is always the code)."""


DEVICE_NAME = "Application d'authentification"
_CODE = re.compile(r"\d{6}")


def _code(raw: str) -> str:
    code = re.sub(r"\s", "", raw)
    if not _CODE.fullmatch(code):
        raise SecondFactorError(
            "Le code compte 6 chiffres : recopiez celui que montre votre application."
        )
    return code


def new_totp_key() -> str:
    """A new random TOTP secret (20 bytes, hexadecimal, as django-otp stores it)."""
    return secrets.token_hex(20)


@transaction.atomic
def second_factor_enrol(*, user: User, key: str, code: str) -> TOTPDevice:
    """Give the user a confirmed TOTP device with this secret, once their
    application shows the right code for it (the code cannot be used again).

    Raises SecondFactorError (nothing written) for a code that is not six
    digits or not the current one, or a malformed key; the user's other,
    unconfirmed devices are removed.
    """
    code = _code(code)
    if not re.fullmatch(r"[0-9a-f]{40}", key or ""):
        raise SecondFactorError(
            "La clé du second facteur a expiré : rechargez la page et scannez le nouveau QR code."
        )
    # Raising undoes the device (and, from invitation_accept, the account).
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=False)
    if not device.verify_token(code):
        raise SecondFactorError(
            "Ce code ne correspond pas : vérifiez que l'heure de votre téléphone est juste, "
            "puis saisissez le code affiché maintenant."
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device


def second_factor_device(user: User) -> TOTPDevice | None:
    """The user's confirmed device, if any."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def _wait(until: datetime.datetime) -> str:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    if seconds < 120:
        return f"{seconds} secondes"
    return f"{math.ceil(seconds / 60)} minutes"


def second_factor_verify(*, user: User, code: str) -> TOTPDevice:
    """The user's device, if ``code`` is its current code.

    Each wrong code makes the next try wait longer (django-otp's throttling
    on the device: 1, 2, 4, 8… seconds), and the wait is kept even when this
    raises. Raises SecondFactorError (French) for a malformed or wrong code,
    a try made while waiting, or a user without a device.
    """
    code = _code(code)
    device = second_factor_device(user)
    if device is None:
        raise SecondFactorError("Vous n'avez pas encore de second facteur : installez-le d'abord.")
    allowed, details = device.verify_is_allowed()
    if not allowed:
        until = (details or {}).get("locked_until")
        wait = _wait(until) if isinstance(until, datetime.datetime) else "un moment"
        raise SecondFactorError(
            f"Trop de codes erronés : attendez {wait} avant de réessayer. Si votre application "
            "ne donne plus de bon code, un·e administrateur·rice peut retirer votre second "
            "facteur pour que vous le réinstalliez."
        )
    # django-otp's own transaction keeps the failure count when the code is wrong.
    verified = verify_token(user, device.persistent_id, code)
    if verified is None:
        raise SecondFactorError(
            "Code incorrect ou expiré : saisissez le code affiché maintenant par votre application."
        )
    return verified


@transaction.atomic
def second_factor_reset(*, user: User) -> int:
    """Remove every second-factor device of the user (a lost phone): they
    set up a new one at their next login. Returns how many were removed."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    return int(count)


# Failed-login records under the limit, with no lockout end: kept a day.
UNLOCKING_ATTEMPTS_KEPT = datetime.timedelta(days=1)


def login_attempts_purge_expired(now: datetime.datetime | None = None) -> int:
    """Erase the failed-login records of django-axes that no longer lock
    anything, as the register of processing promises
    (privacy/framework.py, « Tentatives de connexion échouées »): with a
    lockout of NONRECOURS_LOGIN_LOCKOUT_MINUTES, every record older than it;
    with 0 (locked until an administrator unlocks), the records older than a
    day of accounts and addresses that are not locked (axes adds up the
    failures of an account, or of an address, over its rows).
    Axes itself only erases them at the next attempt of the same account or
    address, so an address that never comes back stayed for ever. Returns
    the number of records erased (attempts, failure and access logs)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    now = now or timezone.now()
    minutes = settings.NONRECOURS_LOGIN_LOCKOUT_MINUTES
    if minutes:
        cutoff = now - datetime.timedelta(minutes=minutes)
        attempts = AccessAttempt.objects.filter(attempt_time__lt=cutoff)
    else:
        # Axes keeps a row per account × address × browser and locks an
        # account, or an address, on the sum of its rows' failures (5
        # addresses trying one account once each lock it): a row stays
        # while its account or its address is locked.
        cutoff = now - UNLOCKING_ATTEMPTS_KEPT
        limit = settings.AXES_FAILURE_LIMIT
        locked_accounts = (
            AccessAttempt.objects.exclude(username=None)
            .values("username")
            .annotate(failures=Sum("failures_since_start"))
            .filter(failures__gte=limit)
            .values("username")
        )
        locked_addresses = (
            AccessAttempt.objects.exclude(ip_address=None)
            .values("ip_address")
            .annotate(failures=Sum("failures_since_start"))
            .filter(failures__gte=limit)
            .values("ip_address")
        )
        attempts = (
            AccessAttempt.objects.filter(attempt_time__lt=cutoff)
            .exclude(username__in=locked_accounts)
            .exclude(ip_address__in=locked_addresses)
        )
    erased = attempts.delete()[0]
    erased += AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    erased += AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return int(erased)
