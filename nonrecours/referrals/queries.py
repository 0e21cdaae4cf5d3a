"""Reads of referrals: a partner's lists, one referral, its due dates.
The territory's statistics are in referrals/statistics.py."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from nonrecours import french
from nonrecours.referrals.enums import REMINDER_AFTER_DAYS, OutcomeKind
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.rights.catalogue import benefits


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


def outcome_label(kind: str, benefit: str, monthly_amount: Decimal | None) -> str:
    """An outcome in words, as the journal and the pages say it:
    « Droit ouvert : Revenu de solidarité active (RSA), 500,00 € par mois »
    (the amount in euros per month; none for a right in kind)."""
    label = str(OutcomeKind(kind).label) if kind in OutcomeKind.values else kind
    if benefit:
        names = {b.id: b.label for b in benefits()}
        label += f" : {names.get(benefit, benefit)}"
        if monthly_amount is not None:
            label += f", {french.amount(float(monthly_amount), 2)} par mois"
    return label


def label_of(outcome: Outcome) -> str:
    """outcome_label() of a recorded outcome."""
    return outcome_label(outcome.kind, outcome.benefit, outcome.monthly_amount)


@dataclass(frozen=True)
class OutcomeCorrection:
    """One correction: `correction` (the new record: its date, reason and
    author) replaced `replaced` (the earlier value, kept unchanged)."""

    correction: Outcome
    replaced: Outcome

    @property
    def replaced_label(self) -> str:
        """The earlier value in words (outcome_label)."""
        return label_of(self.replaced)


@dataclass(frozen=True)
class OutcomeHistory:
    """An outcome in force and the corrections that led to it, latest first
    (empty: never corrected)."""

    outcome: Outcome
    corrections: tuple[OutcomeCorrection, ...]


def outcome_histories(referral: Referral) -> list[OutcomeHistory]:
    """The referral's outcomes in force, in the order they were first
    recorded, each with its chain of corrections (two queries at most)."""
    every = list(referral.outcomes.select_related("recorded_by").order_by("recorded_at", "pk"))
    by_pk = {outcome.pk: outcome for outcome in every}
    replaced = {outcome.corrects_id for outcome in every if outcome.corrects_id is not None}
    histories = []
    for outcome in every:
        if outcome.pk in replaced:
            continue  # corrected: shown in the history of the one in force
        chain: list[OutcomeCorrection] = []
        step = outcome
        while step.corrects_id is not None and step.corrects_id in by_pk:
            chain.append(OutcomeCorrection(step, by_pk[step.corrects_id]))
            step = by_pk[step.corrects_id]
        histories.append(OutcomeHistory(outcome, tuple(chain)))

    def first_recorded(history: OutcomeHistory) -> tuple[datetime.datetime, int]:
        first = history.corrections[-1].replaced if history.corrections else history.outcome
        return first.recorded_at, first.pk

    return sorted(histories, key=first_recorded)
