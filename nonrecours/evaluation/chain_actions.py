"""Writes of the chain, from a barometer call-back request to a right
opened (evaluation.chain_models): the call, the rights check, the
referrals sent from it, and what is kept when the request is erased. The
outcomes come back on the referrals as usual
(referrals.actions.outcome_record); the funnel reads them there while the
request is kept."""

import datetime
import secrets
from dataclasses import replace
from typing import Any, overload

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.errors import UserError
from nonrecours.evaluation.chain_models import Chain, ChainContact, ChainReferral
from nonrecours.evaluation.chain_rights import chain_contacted, chain_rights
from nonrecours.referrals.actions import (
    ReferralError,
    referral_send,
    referrals_estimates_erase,
    result_amounts,
)
from nonrecours.referrals.models import Referral
from nonrecours.rights.batching import simulate_one
from nonrecours.rights.situation import SituationError
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.surveys.actions import contact_mark_handled
from nonrecours.surveys.models import Contact

ERASED = (
    "La demande de rappel de ce parcours a été effacée (durée de conservation atteinte) : "
    "le parcours est gardé pour les statistiques mais ne peut plus avancer."
)


class ChainError(UserError, ValueError):
    """A step of the chain that cannot be recorded (French message)."""


def _personal(chain: Chain) -> ChainContact:
    """The chain's personal link; ChainError (ERASED) once the call-back
    request is erased."""
    personal = ChainContact.objects.filter(chain=chain).select_related("contact").first()
    if personal is None:
        raise ChainError(ERASED)
    return personal


# The dated steps of a chain, kept to the month once its request is erased.
STEP_FIELDS = ("contacted_at", "reached_at", "not_reached_at", "rights_checked_at", "referred_at")


@overload
def _month_start(moment: datetime.datetime) -> datetime.datetime: ...
@overload
def _month_start(moment: None) -> None: ...
def _month_start(moment: datetime.datetime | None) -> datetime.datetime | None:
    """Midnight (local time) of the first day of ``moment``'s month."""
    if moment is None:
        return None
    local = timezone.localtime(moment)
    first = local.date().replace(day=1)
    return timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))


def _locked_live(chain: Chain) -> tuple[Chain, ChainContact]:
    """The chain locked (select_for_update) and its personal link, for a
    step that writes: chain_personal_erase takes the same lock, so a step
    and the erasure of the request run one after the other, never
    interleaved (a referral linked after the copy was made would tie the
    person to the chain again). ChainError (ERASED) once erased."""
    locked = Chain.objects.select_for_update().get(pk=chain.pk)
    if locked.erased_at is not None:
        raise ChainError(ERASED)
    return locked, _personal(locked)


def _first_call(chain: Chain, now: datetime.datetime) -> None:
    """« Contactée » is dated by the first call noted (or the first step
    that shows the person was reached), not by the opening of the chain:
    a chain opened in December and first called in May counts in May's
    year, and a closed year's count never grows afterwards."""
    if not chain_contacted(chain):
        chain.contacted_at = now


@transaction.atomic
def chain_open(*, contact: Contact, user: User, now: datetime.datetime | None = None) -> Chain:
    """« Appeler »: the chain of this call-back request, created on the
    first call (contacted now) and the request marked as handled
    (surveys.actions.contact_mark_handled); the same chain on the next
    calls. Keeps the campaign, the commune, its stratum today and the month
    of the request (the first day of the month of the request's week)."""
    now = now or timezone.now()
    existing = Chain.objects.filter(personal__contact=contact).first()
    if existing is not None:
        return existing
    contact = (
        Contact.objects.select_for_update().select_related("campaign", "commune").get(pk=contact.pk)
    )
    existing = Chain.objects.filter(personal__contact=contact).first()
    if existing is not None:  # opened meanwhile by a colleague
        return existing
    chain = Chain.objects.create(
        token=secrets.token_hex(12),
        territory_id=contact.campaign.territory_id,
        campaign=contact.campaign,
        commune=contact.commune,
        stratum=contact.commune.stratum,
        month=contact.received_on.replace(day=1),
        contacted_at=now,
    )
    ChainContact.objects.create(chain=chain, contact=contact)
    contact_mark_handled(contact=contact, user=user)
    return chain


@transaction.atomic
def chain_call_record(
    *, chain: Chain, reached: bool, now: datetime.datetime | None = None
) -> Chain:
    """One call made: counted, and dated as reached (the first time the
    person answered is kept) or not reached (the last such call). Raises
    ChainError (ERASED) once the call-back request is erased."""
    now = now or timezone.now()
    chain, _ = _locked_live(chain)
    _first_call(chain, now)
    chain.attempts += 1
    if reached:
        chain.reached_at = chain.reached_at or now
    else:
        chain.not_reached_at = now
    chain.save(update_fields=["contacted_at", "attempts", "reached_at", "not_reached_at"])
    return chain


def chain_prefill(chain: Chain) -> dict[str, Any]:
    """The situation the rights check starts from: the one kept with the
    call-back request (surveys.contacts.contact_prefill; {} when the
    respondent did not answer the situation questions). Raises ChainError
    (ERASED) once the call-back request is erased."""
    return dict(_personal(chain).contact.prefill or {})


@transaction.atomic
def chain_rights_check(
    *, chain: Chain, situation: dict[str, Any], now: datetime.datetime | None = None
) -> dict[str, float]:
    """The rights checked with the person on the phone: ``situation`` (the
    simulator's input, as confirmed or corrected) is simulated, the amounts
    found (benefit id → euros per month, referrals.actions.result_amounts)
    kept on the personal link for the referrals sent next, and the step
    dated (its first date is kept; the person was reached). Returns the
    amounts. Raises ChainError (ERASED, or the simulator's problems)."""
    now = now or timezone.now()
    try:
        result = simulate_one(parse_situation(situation, "vérification des droits"))
    except SituationError as error:
        raise ChainError("Situation incomplète : " + " ; ".join(error.problems)) from None
    amounts = result_amounts(result)
    chain, personal = _locked_live(chain)
    personal.simulated_amounts = amounts
    personal.save(update_fields=["simulated_amounts"])
    _first_call(chain, now)
    chain.reached_at = chain.reached_at or now
    chain.rights_checked_at = chain.rights_checked_at or now
    chain.save(update_fields=["contacted_at", "reached_at", "rights_checked_at"])
    return amounts


@transaction.atomic
def chain_referral_send(*, chain: Chain, **send: Any) -> Referral:
    """A referral sent from the chain (referrals.actions.referral_send, its
    keyword arguments and errors), counted in the chain, both or neither.
    Without a simulation code, the referral records the amounts of the
    chain's rights check; a referral for a request of the demonstration
    campaign is marked synthetic as the campaign is. Raises ReferralError
    (French): the chain's
    request erased, a structure of another territory, or any of
    referral_send's."""
    now = send.get("now") or timezone.now()
    try:
        locked, personal = _locked_live(chain)
    except ChainError:
        raise ReferralError(ERASED) from None
    if send["territory"].pk != chain.territory_id:
        raise ReferralError(
            "Cette structure n'est pas dans le territoire de la demande de rappel : "
            "l'orientation ne peut pas être comptée dans son parcours."
        )
    if not str(send.get("simulation_code") or "").strip() and send.get("amounts") is None:
        send["amounts"] = dict(personal.simulated_amounts or {})
    referral = referral_send(**send)
    if chain.campaign.is_synthetic:
        # A request of the demonstration campaign: its referral is one too,
        # left out of the yearly report once real data exist.
        referral.is_synthetic = True
        referral.save(update_fields=["is_synthetic"])
    ChainReferral.objects.create(chain=locked, referral=referral)
    if locked.referred_at is None:
        _first_call(locked, now)
        locked.referred_at = now
        locked.reached_at = locked.reached_at or now
        locked.save(update_fields=["contacted_at", "referred_at", "reached_at"])
    return referral


@transaction.atomic
def chain_personal_erase(*, personal: ChainContact, now: datetime.datetime | None = None) -> Chain:
    """Before the personal link of a chain is deleted (with its call-back
    request: surveys.actions.contacts_erase, ``nonrecours purge``), keep in
    the anonymous chain what the funnel needs — its « droit ouvert »
    results recorded up to now (benefit, euros per year, day opened, and
    when a correction replaced one), the number of its referrals, the
    moment of the erasure — then unlink its referrals (ChainReferral rows
    deleted) and blank their estimates, which were computed from the
    barometer answers (``simulated_amounts``, ``simulation_code``). After
    that no row ties the chain, its referrals or their phone numbers to a
    barometer answer. Results recorded later are not counted. Idempotent."""
    now = now or timezone.now()
    chain = Chain.objects.select_for_update().get(pk=personal.chain_id)
    if chain.erased_at is not None:
        return chain
    rights = [r for r in chain_rights([chain]).get(chain.pk, []) if r.recorded_at <= now]
    links = ChainReferral.objects.filter(chain=chain)
    referral_ids = list(links.values_list("referral_id", flat=True))
    # Kept to the month only: the exact moments equal the referrals' own
    # (sent, outcome recorded), which would join the chain to a named
    # referral again. The month keeps every count: years, the month table
    # and the 31 March cut-off all fall on a month's first day.
    chain.rights_opened = [
        replace(
            right,
            opened_on=right.opened_on.replace(day=1),
            recorded_at=_month_start(right.recorded_at),
            replaced_at=_month_start(right.replaced_at),
        ).as_json()
        for right in rights
    ]
    for name in STEP_FIELDS:
        setattr(chain, name, _month_start(getattr(chain, name)))
    chain.referrals_count = len(referral_ids)
    chain.erased_at = _month_start(now)
    chain.save(update_fields=["rights_opened", "referrals_count", "erased_at", *STEP_FIELDS])
    links.delete()
    # The estimates are the simulation of the answers' pre-fill: re-simulating
    # the campaign's answers would find the one that gives them.
    referrals_estimates_erase(referral_ids)
    return chain


def chain_contact_deleting(
    sender: type[ChainContact], instance: ChainContact, **kwargs: Any
) -> None:
    """pre_delete receiver of ChainContact (connected in
    evaluation.apps.EvaluationConfig.ready): the personal link goes with
    the call-back request, whoever deletes it (surveys cannot import
    evaluation), so chain_personal_erase runs first."""
    chain_personal_erase(personal=instance)
