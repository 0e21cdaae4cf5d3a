"""What the referral's journal says of its e-mails: « Courriel envoyé »
only when a server took it; otherwise « Courriel non envoyé » and why,
then « Courriel envoyé » after a retry or « Courriel abandonné »."""

import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from nonrecours.mailing import actions
from nonrecours.mailing.enums import RETRY_DELAYS
from nonrecours.referrals.enums import EventKind
from tests.referrals.conftest import PERSON

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def journal(referral) -> list[tuple[str, str]]:
    return [(e.kind, e.detail) for e in referral.events.order_by("at", "pk")]


def run(at):
    with time_machine.travel(at, tick=False):
        return actions.mail_send_due()


def test_without_a_server_the_journal_never_says_sent(
    settings, send, receiver, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        referral = send()
    entries = journal(referral)
    assert [kind for kind, _ in entries] == [
        EventKind.CREATED,
        EventKind.NOTIFY_FAILED,
        EventKind.NOTIFY_FAILED,
    ]
    assert entries[1][1] == (
        f"« Orientation n° {referral.pk} : une personne vous est orientée par France Services "
        "d'Arras » à accueil@ccas-arras.example, pro@ccas.example : aucun serveur de courriel "
        "configuré (NONRECOURS_EMAIL_HOST) ; nouvel essai automatique"
    )
    assert referral.events.get(kind=EventKind.NOTIFY_FAILED, detail__contains="agent@fs")
    assert EventKind.NOTIFY_FAILED.label == "Courriel non envoyé"
    # The logs name the mails, never the link, the addresses or the person.
    assert "/orientations/lien/" not in caplog.text and "accueil@ccas" not in caplog.text
    assert PERSON.first_name not in caplog.text and PERSON.phone not in caplog.text


def test_sent_after_a_retry_is_written_once(
    settings, send, receiver, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        referral = send()
    failed = referral.events.filter(kind=EventKind.NOTIFY_FAILED)
    assert failed.count() == 2
    assert all(
        "le serveur de courriel ne répond pas (délai de 10 s dépassé) ; nouvel essai" in e.detail
        for e in failed
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run(T0 + RETRY_DELAYS[0]).sent == 2
    assert run(T0 + RETRY_DELAYS[0] + RETRY_DELAYS[1]).sent == 0
    sent = list(referral.events.filter(kind=EventKind.NOTIFIED).values_list("detail", flat=True))
    assert len(sent) == 2 and all(detail.endswith("(essai n° 2)") for detail in sent)
    assert len(mail.outbox) == 2
    failed.delete()  # expected here


def test_given_up_after_the_last_attempt(
    settings, send, receiver, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.Refusing"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        referral = send()
    at = T0
    for delay in RETRY_DELAYS:
        at += delay
        run(at)
    abandoned = list(
        referral.events.filter(kind=EventKind.NOTIFY_ABANDONED).values_list("detail", flat=True)
    )
    assert len(abandoned) == 2
    assert abandoned[0].startswith(
        "après 6 essais : le serveur de courriel refuse la connexion — «"
    )
    assert not referral.events.filter(kind=EventKind.NOTIFIED).exists()
    referral.events.filter(kind=EventKind.NOTIFY_FAILED).delete()  # expected here


def test_the_command_sends_and_says_so_in_french(
    settings, send, receiver, django_capture_on_commit_callbacks, capsys
):
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        referral = send()
    with time_machine.travel(T0 + RETRY_DELAYS[0], tick=False):
        call_command("mailing", "send")
        call_command("mailing", "status")
    out = capsys.readouterr().out
    assert (
        "0 courriel(s) envoyé(s), 2 en attente d'un nouvel essai, 0 abandonné(s), "
        "0 supprimé(s) (durée de conservation). Raison : le serveur de courriel ne répond pas "
        "(délai de 10 s dépassé)." in out
    )
    assert "en attente : 2, envoyé : 0, abandonné : 0" in out
    assert "Dernière erreur : le serveur de courriel ne répond pas" in out
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(T0 + RETRY_DELAYS[0] + RETRY_DELAYS[1], tick=False):
        call_command("mailing", "send")
    assert capsys.readouterr().out.startswith("2 courriel(s) envoyé(s), 0 en attente")
    referral.events.filter(kind=EventKind.NOTIFY_FAILED).delete()  # expected here
