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
from django.test import TestCase
from sms.backends.base import BaseSmsBackend

from nonrecours.evaluation import followup_sending
from nonrecours.evaluation.followup_actions import followup_contact_erase, followup_unsubscribe
from nonrecours.evaluation.followup_enums import ContactErasure, FollowUpChannel
from nonrecours.evaluation.followup_models import FollowUpMessage
from nonrecours.evaluation.followup_sending import followups_send_due, link_token, read_token
from nonrecours.mailing.actions import mail_send_due
from nonrecours.mailing.enums import RETRY_DELAYS, MailStatus
from nonrecours.mailing.models import Mail
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
    with (
        time_machine.travel(CONSENT_AT + days * DAY + datetime.timedelta(hours=hours), tick=False),
        # The e-mails go through the outbox, tried once the run commits.
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
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
    assert "Revenu de solidarité active (RSA) (environ 573\xa0€ par mois)" in message.body
    assert "Oui, j'ai fait la demande : http://127.0.0.1:8000/suivi/" in message.body
    assert "Non, je n'en ai pas besoin" in message.body and "Pas encore" in message.body
    assert "Où avez-vous été bloqué·e ?" in message.body
    assert "pièce justificative" in message.body
    assert "Ne plus recevoir de message : http://127.0.0.1:8000/suivi/" in message.body
    assert sms_outbox[0].recipients == ["+33612345678"]
    assert "http://127.0.0.1:8000/suivi/" in sms_outbox[0].body
    assert sms_outbox[0].originator == "MesDroits"
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


@pytest.mark.django_db(transaction=True)
def test_the_command_says_what_it_did_in_french(arras):
    """As in production, the command runs outside any transaction: each
    mail is tried on its commit, and the contact erased after it."""
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


def test_amounts_read_as_the_results_page_says_them(arras):
    """The complémentaire santé solidaire is never « 0 € par mois »; the
    chèque énergie, paid once a year, is given per year."""
    follow_up = consent(
        arras,
        benefits=[("css", 0.0), ("cheque_energie", 16.25), ("rsa", 573.49)],
    )
    night(7)
    body = mail.outbox[0].body
    assert "Complémentaire santé solidaire (gratuite ou avec une participation)" in body
    assert "Chèque énergie (environ 195\xa0€ par an)" in body
    assert "Revenu de solidarité active (RSA) (environ 573\xa0€ par mois)" in body
    assert "0\xa0€ par mois" not in body
    assert follow_up.benefits.get(benefit_id="css").participation is None


@pytest.mark.parametrize(
    ("participation", "text"),
    [
        (0.0, "Complémentaire santé solidaire (gratuite)"),
        (8.0, "Complémentaire santé solidaire (avec une participation de 8,00\xa0€ par mois)"),
    ],
)
def test_the_participation_of_the_css_is_said(arras, participation, text):
    from nonrecours.evaluation.followup_actions import followup_create

    with time_machine.travel(CONSENT_AT, tick=False):
        followup_create(
            territory=arras, commune_code="62041", benefits=[("css", 0.0)],
            email="a@exemple.fr", phone="", consent=True, nonce=f"css-{participation}",
            participations={"css": participation},
        )  # fmt: skip
    night(7)
    assert text in mail.outbox[0].body


def test_the_second_message_does_not_ask_again_what_was_answered(arras):
    from nonrecours.evaluation.followup_actions import followup_answer

    follow_up = consent(
        arras,
        benefits=[("rsa", 573.49), ("aide_logement", 290.0), ("prime_activite", 180.0)],
    )
    night(7)
    with time_machine.travel(CONSENT_AT + 8 * DAY, tick=False):
        followup_answer(
            follow_up=follow_up, answers={"rsa": "claimed", "prime_activite": "not_yet"}
        )
    night(30)
    second = mail.outbox[1].body
    assert "Revenu de solidarité active" not in second  # « Oui, j'ai fait la demande »
    assert "Aide au logement" in second or "aide_logement=" in second  # not answered
    assert "prime_activite" in second  # « Pas encore »: asked again
    # « Non, je n'en ai pas besoin » is not asked again either.
    other = consent(arras, email="b@exemple.fr", benefits=[("rsa", 1.0), ("aide_logement", 2.0)])
    with time_machine.travel(CONSENT_AT + 8 * DAY, tick=False):
        followup_answer(follow_up=other, answers={"rsa": "not_needed"})
    mail.outbox.clear()
    night(30, hours=1)
    (message,) = (m for m in mail.outbox if m.to == ["b@exemple.fr"])
    assert "aide=rsa" not in message.body and "aide=aide_logement" in message.body


def test_sms_segments_count_gsm7_and_ucs2():
    from nonrecours.evaluation.followup_sending import sms_segments

    assert sms_segments("a" * 160) == ("GSM-7", 1)
    assert sms_segments("a" * 161) == ("GSM-7", 2)  # 153 a segment once split
    assert sms_segments("é" * 306) == ("GSM-7", 2)  # é, è, à are GSM-7
    assert sms_segments("€" * 80) == ("GSM-7", 1)  # the extension: two each
    assert sms_segments("€" * 81) == ("GSM-7", 2)
    assert sms_segments("ê" + "a" * 69) == ("UCS-2", 1)  # ê is not: UCS-2, 70
    assert sms_segments("« a »" + "a" * 66) == ("UCS-2", 2)
    assert sms_segments("ç" * 135) == ("UCS-2", 3)  # 67 a segment once split


def test_the_sms_is_short_gsm7_and_has_a_sender(arras, sms_outbox, settings):
    from nonrecours.evaluation.followup_sending import sms_segments

    consent(arras, phone="06 12 34 56 78", email="")
    # A long base address (a real deployment) still fits in two segments.
    settings.NONRECOURS_BASE_URL = "https://droits.communaute-urbaine-arras.fr"
    night(7)
    (message,) = sms_outbox
    assert sms_segments(message.body) == ("GSM-7", 2)
    assert len(message.body) <= 306
    assert message.body.startswith("Simulateur de droits : avez-vous fait la demande")
    assert message.originator == "MesDroits"
    assert re.fullmatch(r"[A-Za-z0-9]{3,11}", settings.NONRECOURS_SMS_SENDER)
    settings.NONRECOURS_SMS_SENDER = "ArrasDroits"
    night(30)
    assert sms_outbox[1].originator == "ArrasDroits"


@pytest.mark.parametrize(
    "erase",
    [
        lambda follow_up: followup_unsubscribe(follow_up=follow_up),
        lambda follow_up: followup_contact_erase(
            follow_up=follow_up, why=ContactErasure.NOTHING_TO_ASK
        ),
        lambda follow_up: night(37),  # OVERDUE
    ],
    ids=["unsubscribed", "nothing_to_ask", "overdue"],
)
def test_erasing_the_contact_withdraws_its_mail_waiting_in_the_outbox(arras, settings, erase):
    """A first message the server did not take waits in the outbox; the
    person unsubscribes (or the contact is erased otherwise): the mail is
    never sent and its address is erased from the outbox."""
    follow_up = consent(arras, email="resident@exemple.fr")
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    night(7)
    assert list(Mail.objects.values_list("status", flat=True)) == [MailStatus.PENDING]
    follow_up.refresh_from_db()
    erase(follow_up)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(CONSENT_AT + 7 * DAY + RETRY_DELAYS[0], tick=False):
        mail_send_due()
    assert not mail.outbox
    withdrawn = Mail.objects.get()
    assert withdrawn.status == MailStatus.ABANDONED
    assert (withdrawn.recipients, withdrawn.body) == ([], "")
    assert "resident@exemple.fr" not in str(list(Mail.objects.values()))


def test_the_second_message_waiting_in_the_outbox_is_sent_before_the_erasure(arras, settings):
    """The contact is erased after the second message is done: while its
    e-mail waits for a retry, it is kept (and the mail goes); the next
    night erases it."""
    follow_up = consent(arras, email="a@exemple.fr")
    night(7)
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    assert night(30).erased == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(CONSENT_AT + 30 * DAY + RETRY_DELAYS[0], tick=False):
        assert mail_send_due().sent == 1
    assert len(mail.outbox) == 2 and "Il y a 30 jours" in mail.outbox[1].body
    assert night(31).erased == 1
    follow_up.refresh_from_db()
    assert follow_up.email == "" and follow_up.erasure == ContactErasure.AFTER_SECOND


def test_of_two_runs_at_once_only_one_queues_the_message(arras, monkeypatch):
    """A second run writes the message's row between this run's check and
    its sending: this run queues nothing (the row and the mail are written
    in one transaction)."""
    follow_up = consent(arras, email="a@exemple.fr")
    channels = followup_sending._channels

    def raced(row):
        FollowUpMessage.objects.create(
            follow_up=row, round=1, channel=FollowUpChannel.EMAIL, sent_at=row.created_at
        )
        return channels(row)

    monkeypatch.setattr(followup_sending, "_channels", raced)
    report = night(7)
    assert report.sent == {1: 0, 2: 0}
    assert not Mail.objects.exists() and not mail.outbox
    assert FollowUpMessage.objects.filter(follow_up=follow_up).count() == 1


@pytest.mark.parametrize("day", [7, 30])
def test_a_mail_waiting_in_the_outbox_holds_no_working_link(arras, settings, day):
    """The outbox keeps a mail the server did not take for up to 3 days (and
    backups keep it longer): its text holds the outbox's mark, not the
    signed token; the token of the right round is signed when it goes."""
    consent(arras, email="a@exemple.fr")
    if day == 30:
        night(7)
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    night(day)
    waiting = Mail.objects.get(status=MailStatus.PENDING)
    assert "/suivi/LIEN-DONNE-A-L-ENVOI/" in waiting.body
    assert not re.search(r"/suivi/(?!LIEN-DONNE-A-L-ENVOI/)[^/\s?]+", waiting.body)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(CONSENT_AT + day * DAY + RETRY_DELAYS[0], tick=False):
        assert mail_send_due().sent == 1
        body = mail.outbox[-1].body
        assert "LIEN-DONNE-A-L-ENVOI" not in body
        tokens = set(re.findall(r"/suivi/([^/\s?]+)", body))
        assert len(tokens) == 1
        found, round_number, expired = read_token(tokens.pop())
    assert found is not None and not expired and round_number == (1 if day == 7 else 2)


def test_a_first_message_still_waiting_is_replaced_by_the_second(arras, settings):
    """A first message queued late (day 29: the nights before had no mail
    server) still waits when the second is due: it is withdrawn, so no mail
    goes out with the other round's link, and the person gets one."""
    consent(arras, email="a@exemple.fr")
    settings.EMAIL_BACKEND = "tests.mailing.backends.TimingOut"
    night(29)
    night(30)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first, second = Mail.objects.order_by("pk")
    assert first.status == MailStatus.ABANDONED and first.last_error == (
        "remplacé par le second message"
    )
    assert (first.recipients, first.body) == ([], "")
    with time_machine.travel(CONSENT_AT + 30 * DAY + RETRY_DELAYS[0], tick=False):
        assert mail_send_due().sent == 1
        assert len(mail.outbox) == 1 and "Il y a 30 jours" in mail.outbox[0].body
        token = re.search(r"/suivi/([^/\s?]+)", mail.outbox[0].body).group(1)
        assert read_token(token)[1] == 2
