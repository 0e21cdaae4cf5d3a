"""The audit trail of a referral (`Event`) and the e-mails that tell its
steps, sent once the transaction is committed (used by referrals.actions)."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.privacy.mail import links_can_be_sent
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
    """Send after the commit (nothing is announced that was rolled back), and
    keep the sending in the audit trail. A mail server that fails neither
    undoes the step nor stops the others: the failure is in the trail.
    Demonstration referrals send nothing, nor does a server with e-mail
    disabled (nonrecours.privacy.mail: the link would open the person's
    details; the organisations see the referral in their lists)."""
    if referral.is_synthetic:
        return
    if not links_can_be_sent():
        logger.info(
            "Orientation %s : courriel « %s » non envoyé (courriels désactivés)",
            referral.pk,
            template,
        )
        return

    def send() -> None:
        recipients: list[str] = []
        try:
            recipients = (
                notifications.receiver_addresses(referral)
                if to == "receiver"
                else notifications.sender_addresses(referral)
            )
            said = notifications.send(referral, template, recipients, **context)
        except Exception as error:  # noqa: BLE001 - SMTP, network, template: all recorded
            logger.exception("Orientation %s : courriel non envoyé", referral.pk)
            event_record(
                referral,
                EventKind.NOTIFY_FAILED,
                at=timezone.now(),
                detail=f"à : {', '.join(recipients) or '?'} ({type(error).__name__})",
            )
            return
        if said:
            event_record(referral, EventKind.NOTIFIED, at=timezone.now(), detail=said)

    transaction.on_commit(send, robust=True)
