"""The nightly follow-up messages at 7 and 30 days, with a frozen clock:
e-mail and SMS (django-sms's locmem outbox), idempotence, provider
failures, erasure of the contact, and the signed links."""

import datetime
import re

import pytest
import sms
import time_machine
from django.core import mail
from django.core.management import call_command
from sms.backends.base import BaseSmsBackend

from nonrecours.evaluation.followup_enums import ContactErasure
from nonrecours.evaluation.followup_models import FollowUpMessage
from nonrecours.evaluation.followup_sending import followups_send_due, link_token, read_token
from tests.evaluation.followup_setup import CONSENT_AT, consent

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


class FailingSmsBackend(BaseSmsBackend):
    """A provider that is down."""

    def send_messages(self, messages):
        raise ConnectionError("fournisseur injoignable")


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.outbox = []
    yield sms.outbox


def night(days, hours=0):
    """Run the nightly sending ``days`` days after the consent."""
    with time_machine.travel(CONSENT_AT + days * DAY + datetime.timedelta(hours=hours), tick=False):
        return followups_send_due()


def test_messages_at_7_and_30_days_each_once_then_the_contact_is_erased(arras, sms_outbox):
    follow_up = consent(arras, email="a@exemple.fr", phone="06 12 34 56 78")
    assert night(6, hours=23).sent == {1: 0, 2: 0}
    assert not mail.outbox and not sms_outbox
    first = night(7)
    assert first.sent == {1: 2, 2: 0} and first.failures == 0
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["a@exemple.fr"]
    assert message.subject == "Avez-vous fait la demande ? Suivi de votre simulation de droits"
    assert "Il y a 7 jours" in message.body
    assert "Revenu de solidarité active (RSA) (environ 573,49\xa0€ par mois)" in message.body
    assert "Oui, j'ai fait la demande : http://127.0.0.1:8000/suivi/" in message.body
    assert "Non, je n'en ai pas besoin" in message.body and "Pas encore" in message.body
    assert "Où avez-vous été bloqué·e ?" in message.body
    assert "pièce justificative" in message.body
    assert "Ne plus recevoir de message : http://127.0.0.1:8000/suivi/" in message.body
    assert sms_outbox[0].recipients == ["+33612345678"]
    assert "il y a 7 jours" in sms_outbox[0].body and "/desinscription/" in sms_outbox[0].body
    # The same night again, and the next nights: nothing twice.
    assert night(7, hours=1).sent == {1: 0, 2: 0}
    assert night(12).sent == {1: 0, 2: 0}
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
    follow_up.refresh_from_db()
    assert follow_up.email == "a@exemple.fr"  # kept for the second message
    second = night(30)
    assert second.sent == {1: 0, 2: 2} and second.erased == 1
    assert len(mail.outbox) == 2 and len(sms_outbox) == 2
    assert "Il y a 30 jours" in mail.outbox[1].body
    assert "dernier message" in mail.outbox[1].body
    follow_up.refresh_from_db()
    assert (follow_up.email, follow_up.phone) == ("", "")
    assert follow_up.erasure == ContactErasure.AFTER_SECOND
    assert follow_up.contact_erased_at == CONSENT_AT + 30 * DAY
    assert night(31).sent == {1: 0, 2: 0} and len(mail.outbox) == 2
    assert FollowUpMessage.objects.filter(follow_up=follow_up).count() == 4


def test_a_provider_failure_is_logged_and_tried_again_the_next_night(
    arras, settings, sms_outbox, caplog
):
    follow_up = consent(arras, email="a@exemple.fr", phone="0612345678")
    settings.SMS_BACKEND = "tests.evaluation.test_followup_sending.FailingSmsBackend"
    report = night(7)
    assert report.sent == {1: 1, 2: 0} and report.failures == 1
    assert "message 1 (sms) non envoyé (ConnectionError), nouvel essai" in caplog.text
    assert "0612345678" not in caplog.text and "+33612345678" not in caplog.text
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    retried = night(8)
    assert retried.sent == {1: 1, 2: 0} and retried.failures == 0
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1  # the e-mail not sent again
    # The second message keeps failing: abandoned at day 37, the contact erased.
    settings.SMS_BACKEND = "tests.evaluation.test_followup_sending.FailingSmsBackend"
    assert night(30).failures == 1
    follow_up.refresh_from_db()
    assert follow_up.phone == "+33612345678"
    assert night(36).failures == 1
    last = night(37)
    assert last.erased == 1 and last.failures == 0
    follow_up.refresh_from_db()
    assert (follow_up.email, follow_up.phone, follow_up.erasure) == ("", "", "overdue")


def test_disabled_e_mail_is_a_failure_not_a_crash(arras, settings, caplog):
    consent(arras, email="a@exemple.fr")
    settings.NONRECOURS_EMAIL_DISABLED = True
    report = night(7)
    assert report.failures == 1 and not mail.outbox
    assert "message 1 (email) non envoyé (RuntimeError)" in caplog.text


def test_a_first_message_missed_until_day_30_is_skipped(arras):
    consent(arras, email="a@exemple.fr")
    report = night(30)
    assert report.sent == {1: 0, 2: 1}
    assert len(mail.outbox) == 1 and "Il y a 30 jours" in mail.outbox[0].body


def test_nothing_is_sent_after_unsubscribing(arras):
    from nonrecours.evaluation.followup_actions import followup_unsubscribe

    follow_up = consent(arras, email="a@exemple.fr")
    followup_unsubscribe(follow_up=follow_up)
    assert night(7).sent == {1: 0, 2: 0} and night(30).sent == {1: 0, 2: 0}
    assert not mail.outbox


def test_links_are_signed_and_expire(arras):
    follow_up = consent(arras)
    with time_machine.travel(CONSENT_AT + 7 * DAY, tick=False):
        token = link_token(follow_up, 1)
        assert read_token(token) == (follow_up, 1, False)
        assert read_token(token[:-2] + "xx") == (None, 0, False)
        assert read_token("n'importe quoi") == (None, 0, False)
    with time_machine.travel(CONSENT_AT + 68 * DAY, tick=False):
        assert read_token(token) == (None, 0, True)


def test_the_command_says_what_it_did_in_french(arras):
    consent(arras, email="a@exemple.fr")
    consent(arras, email="b@exemple.fr", at=CONSENT_AT - 23 * DAY)
    out = []
    with time_machine.travel(CONSENT_AT + 7 * DAY, tick=False):
        call_command("followups", stdout=_Writer(out))
        call_command("followups", stdout=_Writer(out))
    assert out[0] == (
        "1 premier(s) message(s) et 1 second(s) message(s) envoyé(s) ; "
        "1 coordonnée(s) effacée(s).\n"
    )
    assert out[1].startswith("0 premier(s) message(s) et 0 second(s)")
    assert len(mail.outbox) == 2
    assert re.search(r"Il y a 30 jours", mail.outbox[1].body)


class _Writer:
    def __init__(self, lines):
        self.lines = lines

    def write(self, text):
        self.lines.append(text)

    def flush(self):
        pass
