"""Correcting a recorded outcome (issue #17): the receiving structure
replaces a mistaken result (right opened, amount, no right, not reached)
by a new one, with a reason. The earlier value is never overwritten: the
correction is a new `Outcome` that `corrects` the one it replaces, dated
(`recorded_at`) and kept in the journal (`EventKind.CORRECTED`). Counts read
the outcomes in force only (`Outcome.objects.current()`).

Who may correct is the one who may record an outcome: the receiving
structure, through its account or the signed link
(referrals.access.access_referral_answer_by_id), checked by the caller."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.referrals.actions import ReferralError, _amount, _locked, outcome_benefit_amount
from nonrecours.referrals.enums import EventKind, OutcomeKind, Status
from nonrecours.referrals.events import event_record, notify_on_commit
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.referrals.queries import outcome_label

# The reason is written in the journal with the old and new values, in 500
# characters (Event.detail).
REASON_MAX_LENGTH = 300


def _combination_problem(kinds: list[tuple[str, str]]) -> ReferralError | None:
    """What is wrong with these outcomes in force together ((kind, benefit)
    pairs), as the error to raise (French, on its form field), or None. The
    rules of referral_record_outcome, on the whole set: « personne non
    jointe » stands alone; « pas de droit » may only follow an
    accompaniment; one accompaniment; each right once."""
    counted = [kind for kind, _ in kinds]
    if OutcomeKind.NOT_REACHED in counted and len(counted) > 1:
        return ReferralError(
            "« Personne non jointe » ne peut pas s'ajouter à un autre résultat en vigueur : "
            "corrigez d'abord l'autre résultat.",
            "kind",
        )
    if OutcomeKind.NO_RIGHT in counted and (
        counted.count(OutcomeKind.NO_RIGHT) > 1
        or set(counted) - {OutcomeKind.NO_RIGHT, OutcomeKind.ACCOMPANIMENT}
    ):
        return ReferralError(
            "« Pas de droit » ne peut suivre qu'un accompagnement, pas un autre résultat en "
            "vigueur : corrigez d'abord l'autre résultat.",
            "kind",
        )
    if counted.count(OutcomeKind.ACCOMPANIMENT) > 1:
        return ReferralError("L'accompagnement est déjà enregistré.", "kind")
    opened = [benefit for kind, benefit in kinds if kind == OutcomeKind.RIGHT_OPENED]
    if len(opened) != len(set(opened)):
        return ReferralError("Ce droit est déjà enregistré pour cette orientation.", "benefit")
    return None


def _clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ReferralError(
            "Indiquez le motif de la correction (par exemple : « montant notifié par la CAF "
            "différent de l'estimation »).",
            "reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ReferralError(
            f"Le motif de la correction compte {len(reason)} caractères : "
            f"{REASON_MAX_LENGTH} au plus.",
            "reason",
        )
    return reason


@transaction.atomic
def referral_correct_outcome(
    referral: Referral,
    *,
    outcome_id: Any,
    kind: str,
    reason: str,
    user: User | None,
    via: str,
    benefit: str = "",
    monthly_amount: Any = None,
    now: datetime.datetime | None = None,
) -> Outcome:
    """Replace the outcome `outcome_id` of the referral (one in force) by a
    new one: `kind` (OutcomeKind), for a right opened its `benefit`
    (rights.catalogue id) and monthly amount (euros per month, French
    decimal text or number; empty: the simulator's estimate when the
    referral came with one; none for a right in kind), and the `reason`
    (required, 300 characters at most). Returns the new Outcome, whose
    `corrects` is the replaced one; the old record stays unchanged for the
    history. A journal event « Résultat corrigé » says old → new and the
    reason; the sending organisation is told by e-mail.

    An anonymised referral may still be corrected: its outcomes stay for
    the statistics (its link is revoked: only the receiving organisation's
    accounts reach it). The caller checks that the user is the receiving
    side (access_referral_answer_by_id).

    Raises ReferralError (French, with the form field) for: a referral not
    accepted, an outcome unknown for this referral or already corrected, a
    missing or too long reason, an unknown kind or benefit, an unreadable
    or out-of-range amount (0 to actions.MAX_MONTHLY_AMOUNT €), a correction identical to the
    outcome, or a set of outcomes in force the recording rules refuse."""
    now = now or timezone.now()
    referral = _locked(referral)
    if referral.status != Status.ACCEPTED:
        raise ReferralError("Seul le résultat d'une orientation acceptée peut être corrigé.")
    old = (
        referral.outcomes.filter(pk=outcome_id).first()
        if str(outcome_id).isascii() and str(outcome_id).isdigit()
        else None
    )
    if old is None:
        raise ReferralError("Ce résultat n'existe pas pour cette orientation.", "outcome")
    if referral.outcomes.filter(corrects=old).exists():
        raise ReferralError(
            "Ce résultat a déjà été corrigé : corrigez le résultat en vigueur.", "outcome"
        )
    reason = _clean_reason(reason)
    if kind not in OutcomeKind.values:
        raise ReferralError("Choisissez le résultat corrigé.", "kind")
    benefit, amount, from_simulator = outcome_benefit_amount(
        referral, kind, benefit, _amount(monthly_amount)
    )
    if (kind, benefit, amount) == (old.kind, old.benefit, old.monthly_amount):
        raise ReferralError(
            "Le résultat corrigé est identique au résultat enregistré : rien à corriger.", "kind"
        )
    others = referral.outcomes.current().exclude(pk=old.pk).values_list("kind", "benefit")
    problem = _combination_problem([*others, (kind, benefit)])
    if problem is not None:
        raise problem
    outcome = Outcome.objects.create(
        referral=referral,
        kind=kind,
        benefit=benefit,
        monthly_amount=amount,
        amount_from_simulator=from_simulator,
        recorded_at=now,
        recorded_by=user if user is not None and user.is_authenticated else None,
        recorded_via=via,
        corrects=old,
        correction_reason=reason,
    )
    before = outcome_label(old.kind, old.benefit, old.monthly_amount)
    after = outcome_label(kind, benefit, amount)
    if from_simulator:
        after += " (simulateur)"
    event_record(
        referral,
        EventKind.CORRECTED,
        at=now,
        user=user,
        via=via,
        detail=f"{before} → {after} ; motif : {reason}",
    )
    notify_on_commit(
        referral, "outcome_corrected", "sender", outcome=outcome, before=before, after=after
    )
    return outcome
