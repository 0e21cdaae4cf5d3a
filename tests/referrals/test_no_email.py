"""A server with e-mail disabled (NONRECOURS_EMAIL_DISABLED) never sends a
referral link, which opens the person's details: a structure reached only by
that link is refused, the others see the referral in the application."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from nonrecours.referrals import actions
from nonrecours.referrals.enums import EventKind
from nonrecours.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_email(settings):
    settings.NONRECOURS_EMAIL_DISABLED = True


def test_a_structure_reached_only_by_e_mail_is_refused(
    no_email, send, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(actions.ReferralError) as error,
    ):
        send()
    assert "l'envoi de courriels est désactivé sur ce serveur" in str(error.value)
    assert "« Accompagnement à l'accès aux droits — CCAS d'Arras »" in str(error.value)
    assert not Referral.objects.exists()
    assert not mail.outbox


def test_a_partner_organisation_gets_it_without_any_e_mail(
    no_email, send, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send()
    assert referral.receiver_organisation == receiver.memberships.get().organisation
    assert not mail.outbox
    # The journal says the e-mails were not sent, and why (never « Courriel envoyé »).
    assert list(referral.events.values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.NOTIFY_FAILED,
        EventKind.NOTIFY_FAILED,
    ]
    for event in referral.events.filter(kind=EventKind.NOTIFY_FAILED):
        assert event.detail.endswith(
            ": envoi de courriels désactivé sur ce serveur (NONRECOURS_EMAIL_DISABLED) ; "
            "rien ne sera envoyé"
        )
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(days=11)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = actions.referrals_process_deadlines()
    assert report.reminded == 1
    assert not mail.outbox
    assert not referral.events.filter(kind=EventKind.NOTIFIED).exists()
    referral.events.filter(kind=EventKind.NOTIFY_FAILED).delete()  # expected here


def test_with_e_mail_the_same_referral_is_sent(send, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send()
    assert mail.outbox  # the refusal above comes from the setting alone
