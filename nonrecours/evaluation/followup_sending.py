"""The two follow-up messages (day 7 and day 30) and their signed links.

The messages go by e-mail (nonrecours.privacy.mail.send_templated) and by
SMS through django-sms (``SMS_BACKEND``: console in development, locmem in
the tests, a provider's backend in production; docs/adr/026). The links
open the answer page without login: a signed token names the follow-up and
the round; a GET only shows the form, the answer is recorded by its POST
(mail scanners open links).

``followups_send_due`` is the nightly run (``nonrecours followups``): one
FollowUpMessage per follow-up, round and channel makes it idempotent; a
provider's failure is logged and left to the next night."""

import datetime
import logging
from dataclasses import dataclass, field
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
    SECOND_DAY,
    followup_contact_erase,
)
from nonrecours.evaluation.followup_enums import (
    BlockedReason,
    ContactErasure,
    FollowUpAnswer,
    FollowUpChannel,
)
from nonrecours.evaluation.followup_models import FollowUp, FollowUpMessage
from nonrecours.evaluation.followup_queries import benefit_label
from nonrecours.privacy.mail import links_can_be_sent, send_templated

logger = logging.getLogger(__name__)

LINK_SALT = "nonrecours.evaluation.followup"
# A link of the second message (day 30) still answers a month later.
LINK_MAX_AGE = datetime.timedelta(days=60)
EMAIL_TEMPLATE = "evaluation/followup_email.txt"
SMS_TEMPLATE = (
    "Simulateur de droits : avez-vous fait la demande des aides trouvées il y a {days} jours ? "
    "Répondez en un clic : {link} — Ne plus recevoir de message : {stop}"
)


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


def message_context(follow_up: FollowUp, round_number: int) -> dict[str, object]:
    """What the e-mail says: per benefit its label, amount (euros per month,
    French) and one link per answer; the reasons' link; unsubscribing."""
    token = link_token(follow_up, round_number)
    benefits = []
    for row in follow_up.benefits.order_by("pk"):
        benefits.append(
            {
                "label": benefit_label(row.benefit_id),
                "amount": french.amount(float(row.monthly_amount)),
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


def _send(follow_up: FollowUp, round_number: int, channel: str) -> None:
    """Send one message; raises what the backend raises."""
    if channel == FollowUpChannel.EMAIL:
        if not links_can_be_sent():
            raise RuntimeError("envoi de courriels désactivé (NONRECOURS_EMAIL_DISABLED)")
        send_templated(EMAIL_TEMPLATE, message_context(follow_up, round_number), [follow_up.email])
        return
    token = link_token(follow_up, round_number)
    body = SMS_TEMPLATE.format(
        days=FIRST_DAY if round_number == 1 else SECOND_DAY,
        link=answer_url(token),
        stop=unsubscribe_url(token),
    )
    sent = sms.send_sms(body, settings.NONRECOURS_SMS_FROM or None, [follow_up.phone])
    if not sent:
        raise RuntimeError("le fournisseur de SMS n'a rien envoyé")


@dataclass
class SendReport:
    """What a nightly run did: messages sent by round (1, 2), failures
    (left to the next night), contacts erased."""

    sent: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0})
    failures: int = 0
    erased: int = 0


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
            _send(follow_up, round_number, channel)
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
        try:
            with transaction.atomic():
                FollowUpMessage.objects.create(
                    follow_up=follow_up, round=round_number, channel=channel, sent_at=now
                )
        except IntegrityError:  # a concurrent run sent it too
            continue
        report.sent[round_number] += 1
    return complete


def followups_send_due(*, now: datetime.datetime | None = None) -> SendReport:
    """Send every follow-up message due at ``now`` (default: now): the first
    from day FIRST_DAY (7) until day SECOND_DAY (30), the second from day 30;
    a first not sent by day 30 is skipped. Each message once per channel
    (FollowUpMessage), so a second run the same night sends nothing. After
    the second is sent on every channel, the contact is erased
    (ContactErasure.AFTER_SECOND); one still not sent at day
    CONTACT_MAX_DAYS (37) is abandoned and the contact erased (OVERDUE).
    A provider's failure (any exception of the mail or SMS backend) is
    logged and counted, never raised: the next night tries again."""
    now = now or timezone.now()
    report = SendReport()
    pending = FollowUp.objects.filter(
        contact_erased_at__isnull=True,
        created_at__lte=now - datetime.timedelta(days=FIRST_DAY),
    ).order_by("pk")
    for follow_up in pending:
        if now - follow_up.created_at >= datetime.timedelta(days=CONTACT_MAX_DAYS):
            followup_contact_erase(follow_up=follow_up, why=ContactErasure.OVERDUE)
            report.erased += 1
            continue
        round_number = _due_round(follow_up, now)
        complete = _send_round(follow_up, round_number, now, report)
        if round_number == 2 and complete:
            followup_contact_erase(follow_up=follow_up, why=ContactErasure.AFTER_SECOND)
            report.erased += 1
    return report
