"""The e-mail of an invitation. It says who invites, into which
organisation and with which role, and gives the link (valid until a date)
where the person chooses their password."""

from django.conf import settings
from django.urls import reverse

from nonrecours.accounts.access import role_requires_second_factor
from nonrecours.accounts.models import Invitation
from nonrecours.privacy.mail import send_templated


def invitation_url(token: str) -> str:
    """The absolute address of the link that opens the invitation."""
    return f"{settings.NONRECOURS_BASE_URL}{reverse('invitation_accept', args=[token])}"


def invitation_send(invitation: Invitation, token: str) -> None:
    """Send the invitation's e-mail to the person (raises what the mail
    backend raises). ``token`` is the link's secret: it is never stored."""
    inviter = invitation.invited_by
    send_templated(
        "accounts/emails/invitation.txt",
        {
            "invitation": invitation,
            "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "",
            "link_url": invitation_url(token),
            "second_factor": role_requires_second_factor(invitation.role),
        },
        [invitation.email],
    )
