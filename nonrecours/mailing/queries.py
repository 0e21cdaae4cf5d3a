"""Reading the outbox (nonrecours.mailing.models.Mail)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from nonrecours.mailing.enums import MailStatus
from nonrecours.mailing.models import Mail


def mails_about(about: str, about_id: int) -> QuerySet[Mail]:
    """The mails that tell of one thing (``about``, e.g. "referral", and its
    id), oldest first."""
    return Mail.objects.filter(about=about, about_id=about_id).order_by("created_at", "pk")


@dataclass(frozen=True)
class OutboxState:
    """The outbox in figures: ``counts`` by status (French label, number),
    ``due`` (pending mails whose attempt is due), ``oldest`` (creation of
    the oldest pending mail) and ``last_error`` (of the pending mail tried
    last, "" if none)."""

    counts: tuple[tuple[str, int], ...]
    due: int
    oldest: datetime.datetime | None
    last_error: str


def outbox_state(*, now: datetime.datetime | None = None) -> OutboxState:
    """The outbox's state at ``now`` (default: now)."""
    now = now or timezone.now()
    counts = dict(Mail.objects.values_list("status").annotate(n=Count("pk")).order_by())
    pending = Mail.objects.filter(status=MailStatus.PENDING)
    last = pending.exclude(last_error="").order_by("-last_attempt_at").first()
    return OutboxState(
        counts=tuple((str(label), counts.get(value, 0)) for value, label in MailStatus.choices),
        due=pending.filter(next_attempt_at__lte=now).count(),
        oldest=pending.aggregate(oldest=Min("created_at"))["oldest"],
        last_error=last.last_error if last is not None else "",
    )
