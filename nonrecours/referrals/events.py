"""The audit trail of a referral (`Event`) and the e-mails that tell its
steps (used by referrals.actions). A step's e-mails go into the outbox
(nonrecours.mailing) in the step's transaction and are tried right after
its commit; what becomes of each (sent, not sent and why, sent after a
retry, abandoned) is written in the trail by ``referral_mail_outcome``."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.mailing.enums import MailStatus
from nonrecours.mailing.outcomes import MailOutcome
from nonrecours.referrals import notifications
from nonrecours.referrals.enums import Channel, EventKind
from nonrecours.referrals.models import Event, Referral

logger = logging.getLogger(__name__)


def _actor(user: User | None, via: str) -> tuple[User | None, str]:
    if user is not None and user.is_authenticated:
        return user, user.get_full_name() or user.get_username()
    if via == Channel.LINK:
        return None, "la structure (lien reçu par courriel)"
    return None, "nonrecours"


def event_record(
    referral: Referral,
    kind: str,
    *,
    at: datetime.datetime,
    user: User | None = None,
    via: str = Channel.SYSTEM,
    detail: str = "",
) -> Event:
    """Write one step of the referral's audit trail (``detail`` cut to 500
    characters); the actor is the user, else the link or the system."""
    actor, label = _actor(user, via)
    return Event.objects.create(
        referral=referral,
        kind=kind,
        at=at,
        actor=actor,
        actor_label=label,
        channel=via,
        detail=detail[:500],
    )


def notify_on_commit(referral: Referral, template: str, to: str, **context: object) -> None:
    """Put the step's e-mail (``template`` of referrals/emails, to the
    ``receiver`` or the ``sender`` side) in the outbox, in the step's
    transaction: it is tried after the commit (nothing is announced that was
    rolled back) and its fate written in the trail. A mail server that fails
    neither undoes the step nor stops the others. Demonstration referrals
    send nothing. With e-mail disabled the trail says « Courriel non
    envoyé » and why (the organisations see the referral in their lists)."""
    if referral.is_synthetic:
        return
    try:
        with transaction.atomic():  # a template's failure leaves the step whole
            recipients = (
                notifications.receiver_addresses(referral)
                if to == "receiver"
                else notifications.sender_addresses(referral)
            )
            notifications.send(referral, template, recipients, **context)
    except Exception as error:  # noqa: BLE001 - a mail never undoes the step
        logger.error(
            "Orientation %s : courriel « %s » non rédigé (%s).",
            referral.pk,
            template,
            type(error).__name__,
        )
        event_record(
            referral,
            EventKind.NOTIFY_FAILED,
            at=timezone.now(),
            detail=f"courriel « {template} » : erreur de rédaction ({type(error).__name__})",
        )


def _said(outcome: MailOutcome) -> str:
    return f"« {outcome.subject} » à {', '.join(outcome.recipients) or '?'}"


def referral_mail_outcome(outcome: MailOutcome) -> None:
    """Write in the referral's trail what became of one of its e-mails
    (the listener of the outbox for ``about="referral"``): « Courriel
    envoyé » (with the attempt, after a retry), « Courriel non envoyé » with
    the reason at the first failure (and whether it will be retried), and
    « Courriel abandonné » after the last attempt."""
    if outcome.about_id is None:
        return
    referral = Referral.objects.filter(pk=outcome.about_id).first()
    if referral is None:
        return
    now = timezone.now()
    if outcome.sent:
        retry = f" (essai n° {outcome.attempts})" if outcome.attempts > 1 else ""
        event_record(referral, EventKind.NOTIFIED, at=now, detail=_said(outcome) + retry)
    elif outcome.status == MailStatus.PENDING:
        event_record(
            referral,
            EventKind.NOTIFY_FAILED,
            at=now,
            detail=f"{_said(outcome)} : {outcome.reason} ; nouvel essai automatique",
        )
    elif outcome.attempts == 0:  # e-mail disabled: never tried
        event_record(
            referral,
            EventKind.NOTIFY_FAILED,
            at=now,
            detail=f"{_said(outcome)} : {outcome.reason} ; rien ne sera envoyé",
        )
    else:
        event_record(
            referral,
            EventKind.NOTIFY_ABANDONED,
            at=now,
            detail=f"après {outcome.attempts} essai{'s' if outcome.attempts > 1 else ''} : "
            f"{outcome.reason} — {_said(outcome)}",
        )
