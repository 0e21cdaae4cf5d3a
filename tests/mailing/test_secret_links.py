"""The outbox never stores a working secret link: an invitation's or a
referral's mail is stored with outcomes.LINK in the link's place, the link
made by the owning app when the mail goes (its finisher)."""

import datetime
import re

import pytest
import time_machine
from django.core import mail

from nonrecours.accounts import actions as account_actions
from nonrecours.accounts import queries as account_queries
from nonrecours.accounts.enums import InvitationStatus, OrganisationKind, Role
from nonrecours.mailing import actions
from nonrecours.mailing.enums import RETRY_DELAYS, MailStatus
from nonrecours.mailing.models import Mail
from nonrecours.mailing.outcomes import LINK
from nonrecours.referrals.notifications import read_token

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
INVITATION_LINK = re.compile(r"https?://[^\s/]+(/invitation/([\w-]+)/)")
REFERRAL_LINK = re.compile(r"https?://[^\s/]+(/orientations/lien/([\w:.-]+)/)")


def stored_text() -> str:
    """Every subject and body of the outbox, as a backup would hold them."""
    return "\n".join(
        f"{subject}\n{body}" for subject, body in Mail.objects.values_list("subject", "body")
    )


def retry():
    with time_machine.travel(T0 + RETRY_DELAYS[0], tick=False):
        return actions.mail_send_due()


def test_an_invitation_mail_waiting_stores_no_working_link(
    arras, settings, client, django_capture_on_commit_callbacks
):
    organisation = account_actions.organisation_get_or_create(
        territory=arras, name="CCAS d'Arras", kind=OrganisationKind.TERRITORY
    )
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        invitation = account_actions.invitation_create(
            invited_by=None, email="nadia@ccas.example", organisation=organisation, role=Role.ADMIN
        )
    waiting = Mail.objects.get()
    assert waiting.status == MailStatus.PENDING and LINK in waiting.body
    assert not INVITATION_LINK.search(stored_text())
    for word in re.findall(r"[\w-]{20,}", stored_text()):
        assert account_queries.invitation_by_token(word) is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry().sent == 1
    (message,) = mail.outbox
    path, token = INVITATION_LINK.search(message.body).groups()
    assert LINK not in message.body
    invitation.refresh_from_db()
    assert invitation.token_hash == account_queries.token_hash(token)
    with time_machine.travel(T0 + RETRY_DELAYS[0], tick=False):
        page = client.get(path)
    assert page.status_code == 200
    assert "nadia@ccas.example" in page.content.decode()


def test_a_cancelled_invitation_s_mail_is_not_given_a_link(
    arras, settings, django_capture_on_commit_callbacks
):
    organisation = account_actions.organisation_get_or_create(
        territory=arras, name="CCAS d'Arras", kind=OrganisationKind.TERRITORY
    )
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        invitation = account_actions.invitation_create(
            invited_by=None, email="nadia@ccas.example", organisation=organisation, role=Role.ADMIN
        )
    # Accepted or cancelled behind the outbox's back (withdrawn otherwise):
    # the finisher gives no link, the mail is abandoned.
    type(invitation).objects.filter(pk=invitation.pk).update(cancelled_at=T0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry().abandoned == 1
    assert not mail.outbox
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED
    assert Mail.objects.get().last_error == actions.NO_LINK_REASON


def test_a_referral_mail_waiting_stores_no_working_link(
    settings, send, receiver, client, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        referral = send()
    assert Mail.objects.filter(body__contains=LINK).count() == 1
    assert not REFERRAL_LINK.search(stored_text())
    with time_machine.travel(T0, tick=False):
        for word in re.findall(r"[\w:.-]{20,}", stored_text()):
            assert read_token(word) == (None, False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry().sent == 2
    (message,) = [m for m in mail.outbox if "accueil@ccas-arras.example" in m.to]
    path, token = REFERRAL_LINK.search(message.body).groups()
    with time_machine.travel(T0 + RETRY_DELAYS[0], tick=False):
        assert read_token(token) == (referral, True)
        page = client.get(path)
    assert page.status_code == 200
