"""The two follow-up messages (day 7 and day 30) and their signed links.

The messages go by e-mail (through the outbox, nonrecours.mailing, which
retries a mail the server did not take; the address stays there until the
mail is sent or abandoned, at most 3 days, and is erased with the contact:
followup_contact_erase withdraws the mails still waiting) and by SMS
through django-sms (``SMS_BACKEND``: console in development, locmem in
the tests, a provider's backend in production; docs/adr/026). The links
open the answer page without login: a signed token names the follow-up and
the round; a GET only shows the form, the answer is recorded by its POST
(mail scanners open links).

``followups_send_due`` is the nightly run (``nonrecours followups``): one
FollowUpMessage per follow-up, round and channel makes it idempotent; a
SMS provider's failure is logged and left to the next night, an e-mail is
retried by the outbox."""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from urllib.parse import urlencode

import sms
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from nonrecours import french
from nonrecours.evaluation.followup_actions import (
    CONTACT_MAX_DAYS,
    FIRST_DAY,
    MAIL_ABOUT,
    SECOND_DAY,
    followup_contact_erase,
)
from nonrecours.evaluation.followup_enums import (
    BlockedReason,
    ContactErasure,
    FollowUpAnswer,
    FollowUpChannel,
)
from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit, FollowUpMessage
from nonrecours.evaluation.followup_queries import benefit_label
from nonrecours.mailing.actions import mail_queue_templated, mails_withdraw
from nonrecours.mailing.enums import MailStatus
from nonrecours.mailing.outcomes import LINK
from nonrecours.mailing.queries import mails_about
from nonrecours.mailing.watch import mail_watch
from nonrecours.privacy.mail import links_can_be_sent
from nonrecours.rights.catalogue import IN_KIND, in_kind_text
from nonrecours.rights.catalogue import benefit as catalogue_benefit

logger = logging.getLogger(__name__)

LINK_SALT = "nonrecours.evaluation.followup"
# A link of the second message (day 30) still answers a month later.
LINK_MAX_AGE = datetime.timedelta(days=60)
EMAIL_TEMPLATE = "evaluation/followup_email.txt"
# One or two SMS segments (sms_segments): a short sentence in the GSM 03.38
# alphabet (é, è, à are in it; « », ê, ç, — are not and would make the
# message UCS-2, 70 characters a segment) and the link. Unsubscribing is on
# the page the link opens.
SMS_TEMPLATE = (
    "Simulateur de droits : avez-vous fait la demande des aides trouvées ? Répondez ici : {link}"
)

# GSM 03.38: the basic alphabet (one character each) and its extension
# table (two: escape + character). Source: 3GPP TS 23.038, § 6.2.1.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def sms_segments(text: str) -> tuple[str, int]:
    """The encoding an SMS of ``text`` goes in (« GSM-7 » when every
    character is in the GSM 03.38 alphabet, else « UCS-2 ») and the number
    of segments it is sent (and billed) as: GSM-7 160 characters in one,
    153 each when split (the extension's characters count two); UCS-2 70,
    then 67 (UTF-16 code units). Source: 3GPP TS 23.038 and TS 23.040."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        length = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    if length <= single:
        return encoding, 1
    return encoding, -(-length // part)


def link_token(follow_up: FollowUp, round_number: int) -> str:
    """The signed token of a follow-up's links (no login)."""
    return signing.dumps([follow_up.pk, round_number], salt=LINK_SALT)


def read_token(token: str) -> tuple[FollowUp | None, int, bool]:
    """The follow-up and round a token names, and whether it is expired:
    (None, 0, False) when forged or unknown, (None, 0, True) when older
    than LINK_MAX_AGE. Never raises."""
    try:
        pk, round_number = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        return None, 0, True
    except (signing.BadSignature, ValueError, TypeError):
        return None, 0, False
    if not isinstance(pk, int) or round_number not in (1, 2):
        return None, 0, False
    return FollowUp.objects.filter(pk=pk).first(), round_number, False


def _absolute(path: str) -> str:
    return f"{settings.NONRECOURS_BASE_URL}{path}"


def answer_url(token: str, benefit_id: str = "", answer: str = "") -> str:
    """The absolute link of the answer page, prefilled with one answer."""
    path = reverse("followup_answer", args=[token])
    query = urlencode({"aide": benefit_id, "reponse": answer}) if benefit_id else ""
    return _absolute(f"{path}?{query}" if query else path)


def unsubscribe_url(token: str) -> str:
    return _absolute(reverse("followup_unsubscribe", args=[token]))


def amount_text(benefit_id: str, monthly: Decimal, participation: Decimal | None) -> str:
    """How a benefit's amount reads in a message, as the results page says
    it (templates/rights/_amount.html): a right in kind « gratuite » or
    « avec une participation de 8,00 € par mois » (never « 0 € par
    mois »); a benefit paid once a year (catalogue: period ``year`` or a
    yearly amount, such as the chèque énergie) « environ 150 € par an »;
    otherwise « environ 573 € par mois »."""
    if benefit_id in IN_KIND:
        return in_kind_text(None if participation is None else float(participation))
    try:
        entry = catalogue_benefit(benefit_id)
    except StopIteration:  # a benefit since removed from the catalogue
        entry = None
    if entry is not None and (entry.period == "year" or entry.annual_amount):
        return f"environ {french.amount(round(float(monthly) * 12))} par an"
    return f"environ {french.amount(round(float(monthly)))} par mois"


def asked_benefits(follow_up: FollowUp, round_number: int) -> list[FollowUpBenefit]:
    """The benefits a message asks about: all in the first; in the second,
    those not answered yet or answered « Pas encore » (« Oui, j'ai fait la
    demande » and « Non, je n'en ai pas besoin » are not asked again)."""
    rows = list(follow_up.benefits.order_by("pk"))
    if round_number == 1:
        return rows
    return [row for row in rows if row.answer in ("", FollowUpAnswer.NOT_YET)]


def message_context(
    follow_up: FollowUp, round_number: int, *, token: str | None = None
) -> dict[str, object]:
    """What the e-mail says: per benefit asked (asked_benefits) its label,
    amount (amount_text) and one link per answer; the reasons' link;
    unsubscribing. The links carry `token` (default: the round's signed
    token, link_token); the outbox's mark (mailing.outcomes.LINK) keeps a
    queued mail free of any working link until mail_token gives it."""
    token = token or link_token(follow_up, round_number)
    benefits = []
    for row in asked_benefits(follow_up, round_number):
        benefits.append(
            {
                "label": benefit_label(row.benefit_id),
                "amount": amount_text(row.benefit_id, row.monthly_amount, row.participation),
                "links": [
                    (label, answer_url(token, row.benefit_id, value))
                    for value, label in FollowUpAnswer.choices
                ],
            }
        )
    return {
        "days": FIRST_DAY if round_number == 1 else SECOND_DAY,
        "round": round_number,
        "benefits": benefits,
        "reasons": [label for _, label in BlockedReason.choices],
        "answer_link": answer_url(token),
        "unsubscribe_link": unsubscribe_url(token),
    }


def mail_token(follow_up_id: int | None) -> str | None:
    """The token that replaces the outbox's mark (mailing.outcomes.LINK) in
    a follow-up's e-mail when it is sent, signed then: the round of its
    latest e-mail message (a first message still waiting when the second
    is queued is withdrawn, _send). None when the contact is erased
    or no e-mail was ever queued: the mail is then abandoned, never sent
    with a link. Registered in EvaluationConfig.ready() (ADR 030)."""
    if follow_up_id is None:
        return None
    follow_up = FollowUp.objects.filter(pk=follow_up_id, contact_erased_at__isnull=True).first()
    if follow_up is None:
        return None
    round_number = (
        FollowUpMessage.objects.filter(follow_up=follow_up, channel=FollowUpChannel.EMAIL)
        .order_by("-round")
        .values_list("round", flat=True)
        .first()
    )
    return None if round_number is None else link_token(follow_up, round_number)


def sms_text(follow_up: FollowUp, round_number: int) -> str:
    """The SMS of a round: SMS_TEMPLATE with the answer page's link."""
    return SMS_TEMPLATE.format(link=answer_url(link_token(follow_up, round_number)))


def _send(follow_up: FollowUp, round_number: int, channel: str) -> None:
    """Send one message; raises what the backend raises."""
    if channel == FollowUpChannel.EMAIL:
        if not links_can_be_sent():
            raise RuntimeError("envoi de courriels désactivé (NONRECOURS_EMAIL_DISABLED)")
        # Into the outbox, tried at once (after the commit) and then again
        # with back-off until sent or abandoned: from here the outbox, not
        # the next night, retries it. A first message still waiting there
        # (queued late, on day 29) is replaced by the second: its link would
        # be signed for the second round (mail_token).
        if round_number == 2:
            mails_withdraw(
                about=MAIL_ABOUT, about_id=follow_up.pk, reason="remplacé par le second message"
            )
        mail_queue_templated(
            EMAIL_TEMPLATE,
            message_context(follow_up, round_number, token=LINK),
            [follow_up.email],
            about=MAIL_ABOUT,
            about_id=follow_up.pk,
        )
        return
    body = sms_text(follow_up, round_number)
    sent = sms.send_sms(body, settings.NONRECOURS_SMS_SENDER or None, [follow_up.phone])
    if not sent:
        raise RuntimeError("le fournisseur de SMS n'a rien envoyé")


@dataclass
class SendReport:
    """What a nightly run did: messages sent by round (1, 2), failures
    (left to the next night), contacts erased, and e-mails the mail server
    did not take at once (``mail_waiting``: in the outbox, which retries
    them; counted in ``sent``)."""

    sent: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0})
    failures: int = 0
    erased: int = 0
    mail_waiting: int = 0


def _channels(follow_up: FollowUp) -> list[str]:
    channels = []
    if follow_up.email:
        channels.append(FollowUpChannel.EMAIL.value)
    if follow_up.phone:
        channels.append(FollowUpChannel.SMS.value)
    return channels


def _due_round(follow_up: FollowUp, now: datetime.datetime) -> int:
    age = now - follow_up.created_at
    if age >= datetime.timedelta(days=SECOND_DAY):
        return 2
    if age >= datetime.timedelta(days=FIRST_DAY):
        return 1
    return 0


def _send_round(
    follow_up: FollowUp, round_number: int, now: datetime.datetime, report: SendReport
) -> bool:
    """Send the round on each channel not yet done; True when all are done."""
    done = set(
        FollowUpMessage.objects.filter(follow_up=follow_up, round=round_number).values_list(
            "channel", flat=True
        )
    )
    complete = True
    for channel in _channels(follow_up):
        if channel in done:
            continue
        try:
            with mail_watch() as watch:
                # The message's row (unique per follow-up, round and channel)
                # is written with the mail's queueing, in one transaction: of
                # two runs at once, the second fails on the row and queues
                # nothing.
                with transaction.atomic():
                    FollowUpMessage.objects.create(
                        follow_up=follow_up, round=round_number, channel=channel, sent_at=now
                    )
                    _send(follow_up, round_number, channel)
        except IntegrityError:  # a concurrent run sent it
            continue
        except Exception as error:  # any provider failure: logged, tried again next night
            # The error's class only: its text may quote the address or number.
            logger.warning(
                "Suivi %s : message %s (%s) non envoyé (%s), nouvel essai la nuit prochaine.",
                follow_up.pk,
                round_number,
                channel,
                type(error).__name__,
            )
            report.failures += 1
            complete = False
            continue
        report.sent[round_number] += 1
        report.mail_waiting += sum(not outcome.sent for outcome in watch.outcomes)
    return complete


def _mail_waiting(follow_up: FollowUp) -> bool:
    """Whether one of the follow-up's e-mails is still in the outbox, to be
    tried again (its contact is kept until it is sent or abandoned)."""
    return mails_about(MAIL_ABOUT, follow_up.pk).filter(status=MailStatus.PENDING).exists()


def followups_send_due(*, now: datetime.datetime | None = None) -> SendReport:
    """Send every follow-up message due at ``now`` (default: now): the first
    from day FIRST_DAY (7) until day SECOND_DAY (30), the second from day 30;
    a first not sent by day 30 is skipped. Each message once per channel
    (FollowUpMessage), so a second run the same night sends nothing. After
    the second is sent on every channel (its e-mail sent or abandoned by
    the outbox: while the outbox still retries it, a later night erases),
    the contact is erased (ContactErasure.AFTER_SECOND); one still not sent at day
    CONTACT_MAX_DAYS (37) is abandoned and the contact erased (OVERDUE).
    A SMS provider's failure (any exception of its backend) is logged and
    counted, never raised: the next night tries again. An e-mail goes to the
    outbox (nonrecours.mailing), which retries it if the server did not take
    it (counted in ``mail_waiting``); a dead mail server is tried once."""
    now = now or timezone.now()
    report = SendReport()
    pending = FollowUp.objects.filter(
        contact_erased_at__isnull=True,
        created_at__lte=now - datetime.timedelta(days=FIRST_DAY),
    ).order_by("pk")
    with mail_watch():  # a dead mail server is tried once in the run
        _send_pending(pending, now, report)
    return report


def _send_pending(pending: Iterable[FollowUp], now: datetime.datetime, report: SendReport) -> None:
    for follow_up in pending:
        if now - follow_up.created_at >= datetime.timedelta(days=CONTACT_MAX_DAYS):
            followup_contact_erase(follow_up=follow_up, why=ContactErasure.OVERDUE)
            report.erased += 1
            continue
        round_number = _due_round(follow_up, now)
        complete = _send_round(follow_up, round_number, now, report)
        if round_number == 2 and complete:
            # After the e-mail's first attempt (run on the commit, before
            # this): erasing withdraws a mail still waiting in the outbox.
            transaction.on_commit(partial(_erase_after_second, follow_up, report))


def _erase_after_second(follow_up: FollowUp, report: SendReport) -> None:
    """Erase the contact once the second message is done on every channel;
    while its e-mail waits in the outbox for a retry, a later night does
    (the outbox ends it within 3 days, before CONTACT_MAX_DAYS)."""
    if _mail_waiting(follow_up):
        return
    followup_contact_erase(follow_up=follow_up, why=ContactErasure.AFTER_SECOND)
    report.erased += 1
