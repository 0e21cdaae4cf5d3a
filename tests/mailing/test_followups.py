"""The follow-up e-mails go through the outbox: a dead mail server is tried
once in the nightly run, the mails wait there, the run says so, and they
are not queued twice the next night."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import TestCase

from nonrecours.evaluation.followup_sending import followups_send_due
from nonrecours.mailing import actions
from nonrecours.mailing.enums import RETRY_DELAYS, MailStatus
from nonrecours.mailing.models import Mail
from tests.evaluation.followup_setup import CONSENT_AT, consent

pytestmark = pytest.mark.django_db
CALLS: list[int] = []


class Dead(BaseEmailBackend):
    def send_messages(self, messages):
        CALLS.append(len(messages))
        raise TimeoutError


def test_a_dead_server_is_tried_once_and_the_outbox_sends_later(arras, settings):
    for number in range(3):
        consent(arras, email=f"p{number}@exemple.fr")
    settings.EMAIL_BACKEND = f"{__name__}.Dead"
    CALLS.clear()
    night = CONSENT_AT + datetime.timedelta(days=7)
    with time_machine.travel(night, tick=False):
        with TestCase.captureOnCommitCallbacks(execute=True):
            # As the command runs it (autocommit): each mail is tried at once.
            report = followups_send_due()
    # Inside a test's transaction the attempts come at the capture's end,
    # outside the run's watch: one per mail here.
    assert report.sent == {1: 3, 2: 0}
    assert Mail.objects.filter(status=MailStatus.PENDING, about="followup").count() == 3
    with time_machine.travel(night + datetime.timedelta(hours=1), tick=False):
        again = followups_send_due()  # the next run queues nothing twice
    assert again.sent == {1: 0, 2: 0} and Mail.objects.count() == 3
    CALLS.clear()
    with time_machine.travel(night + RETRY_DELAYS[0], tick=False):
        assert actions.mail_send_due().waiting == 3
    assert CALLS == [1]  # one try against the dead server for the three
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(night + RETRY_DELAYS[0] + RETRY_DELAYS[1], tick=False):
        assert actions.mail_send_due().sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@exemple.fr" for n in range(3)]
    assert not Mail.objects.exclude(body="").exists()
