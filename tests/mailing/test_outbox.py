"""The outbox: a mail counts as sent only when a delivering backend took
it; otherwise it waits, is retried with back-off, then abandoned; its body
and recipients are erased once it is done; logs never hold them."""

import datetime
import logging
import socket
import threading

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from nonrecours.mailing import actions, delivery
from nonrecours.mailing.enums import MAX_ATTEMPTS, RETRY_DELAYS, MailStatus
from nonrecours.mailing.models import Mail
from nonrecours.mailing.watch import MailWatch, mail_watch

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
SECRET = "https://nonrecours.exemple.fr/orientations/lien/SECRET-TOKEN/"
ADDRESS = "accueil@ccas-arras.example"


def queue(capture, **overrides) -> Mail:
    """Queue one mail about "essai" and run its first attempt (after the commit)."""
    fields = {
        "subject": "Orientation n° 7 : une personne vous est orientée",
        "body": f"Bonjour,\nOuvrir : {SECRET}\n",
        "recipients": [ADDRESS, "pro@ccas.example"],
        "about": "essai",
        "about_id": 7,
        **overrides,
    }
    with capture(execute=True):
        queued = actions.mail_queue(**fields)
    queued.refresh_from_db()
    return queued


def run(at: datetime.datetime) -> actions.SendReport:
    with time_machine.travel(at, tick=False):
        return actions.mail_send_due()


def test_a_mail_taken_by_the_server_is_sent_and_its_body_erased(
    django_capture_on_commit_callbacks, told
):
    with time_machine.travel(T0, tick=False):
        sent = queue(django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [ADDRESS, "pro@ccas.example"] and SECRET in message.body
    assert sent.status == MailStatus.SENT and sent.sent_at == T0 and sent.attempts == 1
    assert (sent.body, sent.recipients, sent.last_error) == ("", [], "")
    assert sent.subject.startswith("Orientation n° 7") and sent.recipient_count == 2
    assert [(o.status, o.first, o.recipients) for o in told] == [
        ("sent", True, (ADDRESS, "pro@ccas.example"))
    ]
    assert run(T0 + datetime.timedelta(days=1)).sent == 0 and len(mail.outbox) == 1


def test_the_console_is_no_server_the_mail_waits_and_says_why(
    settings, django_capture_on_commit_callbacks, told, capsys
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with time_machine.travel(T0, tick=False):
        waiting = queue(django_capture_on_commit_callbacks)
    assert waiting.status == MailStatus.PENDING and waiting.attempts == 1
    assert waiting.last_error == "aucun serveur de courriel configuré (NONRECOURS_EMAIL_HOST)"
    assert waiting.next_attempt_at == T0 + RETRY_DELAYS[0]
    assert SECRET in waiting.body  # kept to be sent once a server is set
    (outcome,) = told
    assert not outcome.sent and outcome.will_retry
    assert SECRET not in capsys.readouterr().out  # DEBUG off: nothing printed
    # A server configured since: the next run sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run(T0 + RETRY_DELAYS[0]).sent == 1 and len(mail.outbox) == 1
    assert told[-1].sent and told[-1].attempts == 2


def test_in_development_the_console_shows_the_mail_still_not_sent(
    settings, django_capture_on_commit_callbacks, capsys
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.DEBUG = True
    waiting = queue(django_capture_on_commit_callbacks)
    assert SECRET in capsys.readouterr().out
    assert waiting.status == MailStatus.PENDING


def test_retried_at_each_back_off_step_then_sent_and_told_once(
    settings, django_capture_on_commit_callbacks, told
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False):
        waiting = queue(django_capture_on_commit_callbacks)
    assert waiting.last_error == "le serveur de courriel ne répond pas (délai de 10 s dépassé)"
    at = T0
    for step, delay in enumerate(RETRY_DELAYS[:3], start=1):
        at += delay
        early = run(at - datetime.timedelta(minutes=1))
        assert (early.sent, early.waiting) == (0, 0), step  # not due yet
        assert run(at).waiting == 1, step
        waiting.refresh_from_db()
        assert waiting.attempts == step + 1 and waiting.next_attempt_at == at + RETRY_DELAYS[step]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    at += RETRY_DELAYS[3]
    assert run(at).sent == 1
    assert run(at + datetime.timedelta(days=1)).sent == 0  # idempotent
    assert len(mail.outbox) == 1
    # Told twice: the first failure and the end, not each failed retry.
    assert [(o.status, o.attempts) for o in told] == [("pending", 1), ("sent", 5)]
    waiting.refresh_from_db()
    assert (waiting.body, waiting.recipients) == ("", [])


def test_abandoned_after_the_last_attempt_body_erased(
    settings, django_capture_on_commit_callbacks, told
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.Refusing"
    with time_machine.travel(T0, tick=False):
        lost = queue(django_capture_on_commit_callbacks)
    at = T0
    for delay in RETRY_DELAYS:
        at += delay
        report = run(at)
    assert report.abandoned == 1
    lost.refresh_from_db()
    assert lost.status == MailStatus.ABANDONED and lost.attempts == MAX_ATTEMPTS == 6
    assert lost.abandoned_at == at and lost.next_attempt_at is None
    assert lost.last_error == "le serveur de courriel refuse la connexion"
    assert (lost.body, lost.recipients, lost.recipient_count) == ("", [], 2)
    assert [(o.status, o.attempts) for o in told] == [("pending", 1), ("abandoned", 6)]
    assert run(at + datetime.timedelta(days=2)).abandoned == 0 and not mail.outbox


def test_an_address_refused_for_good_is_abandoned_at_once_without_quoting_it(
    settings, django_capture_on_commit_callbacks, told, caplog
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.RefusingAddresses"
    with caplog.at_level(logging.DEBUG):
        refused = queue(django_capture_on_commit_callbacks)
    assert refused.status == MailStatus.ABANDONED and refused.attempts == 1
    assert refused.last_error == "adresse refusée par le serveur (code 550)"
    assert ADDRESS not in caplog.text and "Recipient address rejected" not in caplog.text
    assert told[0].status == "abandoned" and told[0].first


def test_a_mail_not_sent_in_three_days_is_abandoned_not_sent_late(
    settings, django_capture_on_commit_callbacks, told
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False):
        late = queue(django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run(T0 + datetime.timedelta(days=4)).abandoned == 1  # the command did not run
    late.refresh_from_db()
    assert late.status == MailStatus.ABANDONED and late.attempts == 1 and not mail.outbox
    assert late.last_error.endswith("; non envoyé dans les 3 jours")
    assert told[-1].status == "abandoned"


def test_two_runs_at_once_send_a_mail_once(settings, django_capture_on_commit_callbacks):
    """A second run starts while the first is handing the mail to the
    server: the mail is already taken, the second run leaves it."""
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False):
        queue(django_capture_on_commit_callbacks)
    at = T0 + RETRY_DELAYS[0]
    inner: list[actions.SendReport] = []

    class SlowServer(BaseEmailBackend):
        def send_messages(self, messages):
            inner.append(actions.mail_send_due())  # the other run, meanwhile
            mail.outbox.extend(messages)
            return len(messages)

    settings.EMAIL_BACKEND = f"{__name__}.SlowServer"
    globals()["SlowServer"] = SlowServer
    report = run(at)
    assert report.sent == 1 and len(mail.outbox) == 1
    ((other,),) = [inner]
    assert (other.sent, other.waiting, other.skipped) == (0, 0, 0)
    assert run(at).sent == 0 and len(mail.outbox) == 1


def test_a_dead_server_is_tried_once_per_run_not_once_per_mail(
    settings, django_capture_on_commit_callbacks
):
    calls = []

    class Dead(BaseEmailBackend):
        def send_messages(self, messages):
            calls.append(len(messages))
            raise TimeoutError

    settings.EMAIL_BACKEND = f"{__name__}.Dead"
    globals()["Dead"] = Dead
    with time_machine.travel(T0, tick=False), mail_watch() as watch:
        for number in range(3):
            queue(django_capture_on_commit_callbacks, subject=f"Courriel {number}")
    assert len(calls) == 1 and len(watch.outcomes) == 3
    assert not any(outcome.sent for outcome in watch.outcomes)
    calls.clear()
    assert run(T0 + RETRY_DELAYS[0]).waiting == 3 and len(calls) == 1


def test_e_mail_disabled_abandons_at_once_and_never_stores_the_body(
    settings, django_capture_on_commit_callbacks, told
):
    settings.NONRECOURS_EMAIL_DISABLED = True
    settings.EMAIL_BACKEND = delivery.DISABLED_BACKEND
    dropped = queue(django_capture_on_commit_callbacks)
    assert dropped.status == MailStatus.ABANDONED and dropped.attempts == 0
    assert (dropped.body, dropped.recipients, dropped.recipient_count) == ("", [], 2)
    assert dropped.last_error == delivery.DISABLED_REASON
    assert told[0].status == "abandoned" and told[0].attempts == 0 and not mail.outbox


def test_no_log_holds_a_body_or_an_address(settings, django_capture_on_commit_callbacks, caplog):
    with caplog.at_level(logging.DEBUG):
        for backend in ("TimingOut", "Refusing", "RefusingAddresses"):
            settings.EMAIL_BACKEND = f"tests.mailing.backends.{backend}"
            queue(django_capture_on_commit_callbacks)
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        queued = queue(django_capture_on_commit_callbacks)
        run(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=1))
    assert f"Courriel {queued.pk} « Orientation n° 7" in caplog.text
    for secret in (SECRET, "SECRET-TOKEN", ADDRESS, "pro@ccas.example"):
        assert secret not in caplog.text, secret


def test_withdrawn_mails_are_not_sent(settings, django_capture_on_commit_callbacks, told):
    settings.EMAIL_BACKEND = "tests.mailing.backends.Refusing"
    with time_machine.travel(T0, tick=False):
        old = queue(django_capture_on_commit_callbacks)
    assert actions.mails_withdraw(about="essai", about_id=7, reason="remplacé") == 1
    old.refresh_from_db()
    assert (old.status, old.body, old.last_error) == (MailStatus.ABANDONED, "", "remplacé")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run(T0 + datetime.timedelta(hours=1)).sent == 0 and not mail.outbox
    assert len(told) == 1  # the withdrawal is nobody's news


def test_old_mails_are_deleted_after_the_referral_retention(
    settings, django_capture_on_commit_callbacks
):
    settings.NONRECOURS_REFERRAL_RETENTION_DAYS = 40
    with time_machine.travel(T0, tick=False):
        queue(django_capture_on_commit_callbacks)
    assert run(T0 + datetime.timedelta(days=40)).deleted == 0
    assert run(T0 + datetime.timedelta(days=40, minutes=1)).deleted == 1
    assert not Mail.objects.exists()


def test_a_mail_needs_a_recipient():
    with pytest.raises(ValueError, match="au moins un destinataire"):
        actions.mail_queue(subject="x", body="y", recipients=[" "])


def test_the_page_warning_groups_mails_by_reason(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    settings.TIME_ZONE = "Europe/Paris"
    with time_machine.travel(T0, tick=False), mail_watch() as watch:
        queue(django_capture_on_commit_callbacks, subject="A")
        queue(django_capture_on_commit_callbacks, subject="B")
    assert watch.warnings() == [
        "Les courriels « A », « B » n'ont pas pu être envoyés : le serveur de courriel ne "
        "répond pas (délai de 10 s dépassé). Ils seront renvoyés automatiquement (prochain "
        "essai vers 10:15)."
    ]
    assert MailWatch().warnings() == []


def test_a_real_smtp_server_that_never_answers_times_out(
    settings, django_capture_on_commit_callbacks, caplog
):
    """A local socket that accepts the connection and never says a word:
    the attempt gives up after EMAIL_TIMEOUT, not after minutes. The reason
    (pages, journals) does not name the server's host and port; the log
    does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 1
    settings.EMAIL_USE_TLS = False
    try:
        waiting = queue(django_capture_on_commit_callbacks)
    finally:
        thread.join(5)
        for connection in accepted:
            connection.close()
        listener.close()
    assert waiting.status == MailStatus.PENDING
    assert waiting.last_error == "le serveur de courriel ne répond pas (délai de 1 s dépassé)"
    assert f"(serveur 127.0.0.1:{port})" in caplog.text


def test_a_closed_port_is_a_refused_connection(
    settings, django_capture_on_commit_callbacks, capsys
):
    """The reason keeps the host and port out; `mailing status`, for the
    operator, names the server."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    waiting = queue(django_capture_on_commit_callbacks)
    assert waiting.last_error == "le serveur de courriel refuse la connexion"
    call_command("mailing", "status")
    assert f"Serveur de courriel : 127.0.0.1:{port}." in capsys.readouterr().out
