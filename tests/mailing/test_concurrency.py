"""Two sending runs at the same moment on PostgreSQL: a mail another run
holds (its row locked) is skipped, never sent twice nor waited for."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections, transaction

from nonrecours.mailing import actions
from nonrecours.mailing.enums import RETRY_DELAYS, MailStatus
from nonrecours.mailing.models import Mail

pytestmark = pytest.mark.django_db(transaction=True)
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (skip_locked): PostgreSQL only"
)
def test_a_mail_locked_by_another_run_is_skipped(settings):
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False):
        queued = actions.mail_queue(subject="Essai", body="Texte", recipients=["a@exemple.fr"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    locked, release = threading.Event(), threading.Event()

    def other_run() -> None:
        try:
            with transaction.atomic():
                Mail.objects.select_for_update().get(pk=queued.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(10)
        with time_machine.travel(T0 + RETRY_DELAYS[0], tick=False):
            report = actions.mail_send_due()
        assert (report.sent, report.skipped) == (0, 1) and not mail.outbox
    finally:
        release.set()
        thread.join(10)
    with time_machine.travel(T0 + RETRY_DELAYS[0], tick=False):
        assert actions.mail_send_due().sent == 1
    queued.refresh_from_db()
    assert queued.status == MailStatus.SENT and len(mail.outbox) == 1
