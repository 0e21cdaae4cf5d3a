"""Reads of referrals: a partner's lists, one referral, its due dates.
The territory's statistics are in referrals/statistics.py."""

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from nonrecours.referrals.enums import REMINDER_AFTER_DAYS
from nonrecours.referrals.models import Referral


def referrals_of(organisation_ids: Iterable[int]) -> QuerySet[Referral]:
    """The referrals these organisations sent or received."""
    ids = list(organisation_ids)
    return (
        Referral.objects.filter(
            Q(sender_organisation_id__in=ids) | Q(receiver_organisation_id__in=ids)
        )
        .select_related("sender_organisation", "receiver_organisation", "scheme", "territory")
        .order_by("-sent_at", "-pk")
    )


def referral_by_pk(pk: int) -> Referral | None:
    return (
        Referral.objects.select_related(
            "sender_organisation", "receiver_organisation", "scheme", "territory", "offer"
        )
        .filter(pk=pk)
        .first()
    )


def due_dates(referral: Referral) -> tuple[datetime.date, datetime.date]:
    """The reminder and expiry days of a referral waiting for its answer."""
    sent = referral.sent_at
    return (
        timezone.localdate(sent + datetime.timedelta(days=REMINDER_AFTER_DAYS)),
        timezone.localdate(referral.answer_deadline),
    )
