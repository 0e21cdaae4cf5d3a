"""The e-mail of an invitation. It says who invites, into which
organisation and with which role, and gives the link (valid until a date)
where the person chooses their password. It goes through the outbox
(nonrecours.mailing); what becomes of it is kept on the invitation
(``send_error``), to be seen in the list of invitations."""

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from nonrecours.accounts.access import role_requires_second_factor
from nonrecours.accounts.enums import InvitationStatus
from nonrecours.accounts.models import Invitation
from nonrecours.accounts.queries import token_hash
from nonrecours.mailing.actions import mail_queue_templated, mails_withdraw
from nonrecours.mailing.enums import MailStatus
from nonrecours.mailing.models import Mail
from nonrecours.mailing.outcomes import LINK, MailOutcome

# What the outbox calls an invitation's mails (Mail.about).
MAIL_ABOUT = "invitation"


def invitation_url(token: str) -> str:
    """The absolute address of the link that opens the invitation."""
    return f"{settings.NONRECOURS_BASE_URL}{reverse('invitation_accept', args=[token])}"


def invitation_send(invitation: Invitation) -> Mail:
    """Put the invitation's e-mail in the outbox (tried after the commit),
    withdrawing a mail of it still waiting there. The stored body holds no
    link (outcomes.LINK in its place): invitation_link gives a new one at
    each attempt. Raises what the template raises."""
    inviter = invitation.invited_by
    mails_withdraw(about=MAIL_ABOUT, about_id=invitation.pk, reason="remplacé par un nouvel envoi")
    return mail_queue_templated(
        "accounts/emails/invitation.txt",
        {
            "invitation": invitation,
            "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "",
            "link_url": LINK,
            "second_factor": role_requires_second_factor(invitation.role),
        },
        [invitation.email],
        about=MAIL_ABOUT,
        about_id=invitation.pk,
    )


def invitation_link(invitation_id: int | None) -> str | None:
    """The link of the invitation's e-mail, made when the mail goes (the
    outbox's finisher for ``about="invitation"``): a new token whose hash
    replaces the invitation's, so only the link of the mail sent last works
    and no working link is ever stored. None when the invitation is no
    longer pending (accepted, cancelled, expired, deleted)."""
    if invitation_id is None:
        return None
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None or invitation.status != InvitationStatus.PENDING:
            return None
        invitation.token_hash = token_hash(token)
        invitation.save(update_fields=["token_hash"])
    return invitation_url(token)


def invitation_mail_outcome(outcome: MailOutcome) -> None:
    """Keep on the invitation what became of its e-mail (the outbox's
    listener for ``about="invitation"``): nothing once sent, else the
    reason and whether it will be tried again."""
    if outcome.about_id is None:
        return
    if outcome.sent:
        error = ""
    elif outcome.status == MailStatus.PENDING:
        error = f"Courriel non envoyé : {outcome.reason} ; nouvel essai automatique."
    else:
        tries = f"{outcome.attempts} essai{'s' if outcome.attempts > 1 else ''}"
        error = f"Courriel abandonné après {tries} : {outcome.reason}."
    Invitation.objects.filter(pk=outcome.about_id).update(send_error=error[:200])
