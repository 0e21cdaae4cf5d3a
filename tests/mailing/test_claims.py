"""Claiming a mail for one attempt: at the clock's time when a run reaches
it (never the run's start), held longer than an attempt can last, and
given up past MAX_AGE even when never tried."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from nonrecours.mailing import actions
from nonrecours.mailing.enums import MAX_AGE, MailStatus
from nonrecours.mailing.models import Mail

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
LATE = T0 + datetime.timedelta(minutes=20)
DELIVERIES: list[str] = []


class SlowWithARival(BaseEmailBackend):
    """A server that takes the mail while a second run starts (20 minutes
    after the first, which reaches the mail only then)."""

    def send_messages(self, email_messages):
        DELIVERIES.extend(message.subject for message in email_messages)
        if len(DELIVERIES) == 1:
            actions.mail_send_due()
        return len(email_messages)


def test_a_run_that_reaches_a_mail_late_holds_it_from_that_time(settings):
    DELIVERIES.clear()
    with time_machine.travel(T0, tick=False):
        # Its first attempt lost (the worker was killed before the commit's).
        actions.mail_queue(subject="Une seule fois", body="b", recipients=["a@exemple.fr"])
    settings.EMAIL_BACKEND = f"{__name__}.SlowWithARival"
    with time_machine.travel(LATE, tick=False):
        report = actions.mail_send_due(now=T0)  # a run started at T0
    assert DELIVERIES == ["Une seule fois"]
    assert report.sent == 1
    assert Mail.objects.get().status == MailStatus.SENT


def test_a_claim_outlasts_the_longest_attempt(settings):
    settings.EMAIL_TIMEOUT = 60
    assert actions.claim_lease() >= datetime.timedelta(seconds=60 * 3)


def test_a_mail_never_tried_is_given_up_past_the_maximum_age(settings):
    with time_machine.travel(T0, tick=False):
        late = actions.mail_queue(subject="Trop tard", body="b", recipients=["a@exemple.fr"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(T0 + MAX_AGE + datetime.timedelta(minutes=1), tick=False):
        report = actions.mail_send_due()
    assert report.abandoned == 1 and report.sent == 0
    assert not mail.outbox
    late.refresh_from_db()
    assert late.status == MailStatus.ABANDONED
    assert (late.body, late.recipients) == ("", [])
