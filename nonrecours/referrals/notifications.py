"""The e-mails of a referral's life. They never name the person: they say
who referred, to which service, and give the link to the referral's page,
where the person's details are shown to whoever may see them."""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from nonrecours.accounts.access import REFERRAL_ROLES
from nonrecours.accounts.models import User
from nonrecours.mailing.actions import mail_queue_templated
from nonrecours.mailing.models import Mail
from nonrecours.mailing.outcomes import LINK
from nonrecours.referrals.models import Referral

LINK_SALT = "nonrecours.referrals.link"
# What the outbox calls a referral's mails (nonrecours.mailing, Mail.about).
MAIL_ABOUT = "referral"


def link_token(referral: Referral) -> str:
    return signing.dumps([referral.pk, referral.link_key], salt=LINK_SALT)


# A link serves to answer (30 days) and then to record the outcome: after
# four months, the structure records it with an account.
LINK_MAX_AGE = datetime.timedelta(days=120)


def read_token(token: str) -> tuple[Referral | None, bool]:
    """The referral a link names (None if forged or too old), and whether
    the link still opens it (False once revoked: refusal, expiry, erasure)."""
    try:
        pk, key = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None, False
    referral = Referral.objects.filter(pk=pk).first()
    if referral is None:
        return None, False
    return referral, bool(referral.link_key) and referral.link_key == key


def absolute(path: str) -> str:
    return f"{settings.NONRECOURS_BASE_URL}{path}"


def _handlers(organisation_id: int) -> list[str]:
    """The e-mails of the organisation's members who handle referrals."""
    return list(
        User.objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__role__in=REFERRAL_ROLES,
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )


def receiver_addresses(referral: Referral) -> list[str]:
    """Who was told of the referral when it was sent, and only them: the
    entry's e-mail at that time (``receiver_email``: the link, which opens
    the person's details, went there) and the members of the organisation
    that received it. A later change of the entry's e-mail, which is dated,
    signed and told (directory.actions.route_change_notify), routes the new
    referrals, never the reminders of those already sent."""
    email = referral.receiver_email
    addresses = [email] if email else []
    if referral.receiver_organisation_id is not None:
        addresses += _handlers(referral.receiver_organisation_id)
    return sorted(set(addresses))


def sender_addresses(referral: Referral) -> list[str]:
    """The professional who referred, while they still handle referrals for
    that organisation; otherwise their colleagues who do."""
    handlers = _handlers(referral.sender_organisation_id)
    sender = referral.sender
    if sender is not None and sender.is_active and sender.email in handlers:
        return [sender.email]
    return sorted(set(handlers))


def send(
    referral: Referral, template: str, recipients: list[str], **context: object
) -> Mail | None:
    """Put one e-mail of the referral in the outbox (nonrecours.mailing),
    about the referral: its fate is written in the referral's journal
    (events.referral_mail_outcome). The link that opens the person's
    details is not in the stored body (outcomes.LINK in its place):
    referral_link signs it when the mail goes. None if no one could be
    written to. Raises what the template raises."""
    if not recipients:
        return None
    context = {
        "referral": referral,
        "page_url": absolute(reverse("referral_detail", args=[referral.pk])),
        # Signed when the mail goes (referral_link): never stored.
        "link_url": LINK if referral.link_key else "",
        **context,
    }
    return mail_queue_templated(
        f"referrals/emails/{template}.txt",
        context,
        recipients,
        about=MAIL_ABOUT,
        about_id=referral.pk,
    )


def referral_link(referral_id: int | None) -> str | None:
    """The link of a referral's e-mail, signed when the mail goes (the
    outbox's finisher for ``about="referral"``): the link that opens the
    person's details while the referral's link works, else the referral's
    page (login required). None when the referral no longer exists."""
    referral = Referral.objects.filter(pk=referral_id).first() if referral_id else None
    if referral is None:
        return None
    if not referral.link_key:
        return absolute(reverse("referral_detail", args=[referral.pk]))
    return absolute(reverse("referral_link", args=[link_token(referral)]))
