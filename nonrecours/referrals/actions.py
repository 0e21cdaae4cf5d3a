"""Writes on referrals: send, answer, record an outcome, remind and expire
on time, erase the person's details after the retention period.

Every step is kept in the audit trail (`Event`) and notified by e-mail once
the transaction is committed. Who may do what is checked by the callers
through `nonrecours.referrals.access`; the audit trail and the e-mails are
written through referrals/events.py."""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from nonrecours import french
from nonrecours.accounts.models import Organisation, User
from nonrecours.directory.actions import entry_email
from nonrecours.directory.models import Offer, Structure
from nonrecours.errors import UserError
from nonrecours.privacy.mail import links_can_be_sent
from nonrecours.referrals.enums import (
    EXPIRY_AFTER_DAYS,
    REMINDER_AFTER_DAYS,
    AgeBand,
    Channel,
    ConsentMode,
    EventKind,
    OutcomeKind,
    RefusalReason,
    Status,
)
from nonrecours.referrals.events import event_record, notify_on_commit
from nonrecours.referrals.models import Outcome, Referral, Scheme
from nonrecours.rights.batching import simulate_one
from nonrecours.rights.catalogue import IN_KIND, benefits
from nonrecours.rights.engine import SimulationResult
from nonrecours.rights.queries import simulation_of_territory
from nonrecours.rights.situation import SituationError
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.territories.models import Territory

CONSENT_TEXT = (
    "La personne a été informée que ses coordonnées et le motif de l'orientation sont "
    "transmis à « {destination} » pour qu'elle soit recontactée, qu'ils sont conservés "
    "{years} au plus puis effacés, et elle a donné son accord."
)


class ReferralError(UserError, ValueError):
    """What is wrong, in French, and the form field it concerns."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    commune: str
    phone: str = ""
    email: str = ""
    age_band: str = ""
    message: str = ""


def retention_days() -> int:
    return int(settings.NONRECOURS_REFERRAL_RETENTION_DAYS)


def consent_text(destination: str) -> str:
    days = retention_days()
    years = (
        f"{days // 365} an{'s' if days // 365 > 1 else ''}" if days % 365 == 0 else f"{days} jours"
    )
    return CONSENT_TEXT.format(destination=destination, years=years)


def _clean_person(person: Person, territory: Territory) -> Person:
    first, last = person.first_name.strip(), person.last_name.strip()
    if not first:
        raise ReferralError("Indiquez le prénom de la personne.", "first_name")
    if not last:
        raise ReferralError("Indiquez le nom de la personne.", "last_name")
    phone, email = person.phone.strip(), person.email.strip()
    if not (phone or email):
        raise ReferralError(
            "Indiquez au moins un moyen de recontacter la personne : téléphone ou courriel.",
            "phone",
        )
    if phone and sum(ch.isdigit() for ch in phone) < 10:
        raise ReferralError(
            f"Le téléphone « {phone} » n'a pas les 10 chiffres d'un numéro français.", "phone"
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ReferralError(f"Le courriel « {email} » n'est pas valide.", "email") from None
    if not territory.communes.members().filter(insee_code=person.commune).exists():
        raise ReferralError(
            f"La commune « {person.commune} » n'est pas une commune du territoire "
            f"{territory.name}.",
            "commune",
        )
    if person.age_band and person.age_band not in AgeBand.values:
        raise ReferralError(f"Tranche d'âge inconnue : « {person.age_band} ».", "age_band")
    return Person(
        first_name=first[:100],
        last_name=last[:100],
        commune=person.commune,
        phone=phone[:30],
        email=email,
        age_band=person.age_band,
        message=person.message.strip(),
    )


def simulated_amounts(code: str, territory: Territory) -> dict[str, float]:
    """The benefits found by a kept simulation of this territory, with their
    estimated monthly amounts (euros per month); for a right in kind
    (rights.catalogue.IN_KIND: the complémentaire santé solidaire), the
    household's monthly participation instead (0: gratuite), since no money
    is received. Raises ReferralError (French) for an unknown code or a
    simulation that can no longer be computed."""
    saved = simulation_of_territory(code, territory)
    if saved is None:
        raise ReferralError(
            f"Aucune simulation en cours du territoire avec le code « {code} » "
            "(elle a peut-être expiré).",
            "simulation_code",
        )
    try:
        result = simulate_one(parse_situation(saved.situation, "simulation conservée"))
    except SituationError as error:
        raise ReferralError(
            "La simulation conservée ne peut plus être calculée : " + "; ".join(error.problems),
            "simulation_code",
        ) from None
    return result_amounts(result)


def result_amounts(result: SimulationResult) -> dict[str, float]:
    """The benefits a simulation found, with their estimated monthly amounts
    (euros per month), as a referral records them (see simulated_amounts):
    for a right in kind the household's monthly participation; a benefit
    whose amount depends on a tax notice not given is left out."""
    amounts = {}
    for found in result.found:
        if found.is_range or found.depends_on:
            continue  # depends on a tax notice not given: no single amount to record
        value = found.participation if found.benefit.id in IN_KIND else found.monthly
        if value is not None:
            amounts[found.benefit.id] = float(value)
    return amounts


def receiver_of(structure: Structure, offer: Offer | None) -> tuple[Organisation | None, str]:
    """Who answers: the structure's partner organisation (its accounts), and
    the e-mail the link goes to (the offer's, else the structure's)."""
    return structure.organisation, entry_email(structure, offer)


@transaction.atomic
def referral_send(
    *,
    territory: Territory,
    sender: User,
    sender_organisation: Organisation,
    structure: Structure,
    offer: Offer | None,
    person: Person,
    consent: bool,
    consent_mode: str,
    scheme: Scheme | None = None,
    simulation_code: str = "",
    amounts: dict[str, float] | None = None,
    now: datetime.datetime | None = None,
) -> Referral:
    now = now or timezone.now()
    destination = f"{offer.name} — {structure.name}" if offer is not None else structure.name
    if not consent:
        raise ReferralError(
            "Sans l'accord de la personne, l'orientation ne peut pas être envoyée.", "consent"
        )
    if consent_mode not in ConsentMode.values:
        raise ReferralError(
            "Dites comment l'accord de la personne a été recueilli.", "consent_mode"
        )
    if structure.territory_id != territory.pk:
        raise ReferralError(f"« {structure.name} » n'est pas dans l'annuaire de ce territoire.")
    if offer is not None and offer.structure_id != structure.pk:
        raise ReferralError(f"L'offre « {offer.name} » n'est pas proposée par {structure.name}.")
    if sender_organisation.territory_id != territory.pk:
        raise ReferralError(f"{sender_organisation.name} n'est pas partenaire de ce territoire.")
    if scheme is not None and scheme.territory_id != territory.pk:
        raise ReferralError(
            f"Le dispositif « {scheme.name} » n'est pas de ce territoire.", "scheme"
        )
    organisation, email = receiver_of(structure, offer)
    if organisation is None and not email:
        raise ReferralError(
            f"« {destination} » n'a ni adresse de courriel dans l'annuaire ni organisation "
            "partenaire inscrite : elle ne peut pas recevoir d'orientation. Contactez-la "
            "directement, ou complétez sa fiche."
        )
    if organisation is None and not links_can_be_sent():
        # Its only way in would be a link e-mailed to the structure.
        raise ReferralError(
            f"« {destination} » ne reçoit les orientations que par un lien envoyé à son "
            "courriel, et l'envoi de courriels est désactivé sur ce serveur : l'orientation "
            "n'est pas envoyée. Contactez la structure directement, ou demandez à l'équipe "
            "du territoire de la rattacher à une organisation partenaire."
        )
    person = _clean_person(person, territory)
    code = simulation_code.strip()
    if amounts is None:
        amounts = simulated_amounts(code, territory) if code else {}
    referral = Referral.objects.create(
        territory=territory,
        structure=structure,
        offer=offer,
        structure_name=structure.name,
        offer_name=offer.name if offer is not None else "",
        receiver_organisation=organisation,
        receiver_email=email,
        sender=sender,
        sender_name=sender.get_full_name() or sender.get_username(),
        sender_organisation=sender_organisation,
        scheme=scheme,
        first_name=person.first_name,
        last_name=person.last_name,
        phone=person.phone,
        email=person.email,
        message=person.message,
        commune=person.commune,
        age_band=person.age_band,
        consent_text=consent_text(destination),
        consent_mode=consent_mode,
        simulation_code=code,
        simulated_amounts=amounts,
        sent_at=now,
        link_key=secrets.token_hex(16),
    )
    event_record(
        referral,
        EventKind.CREATED,
        at=now,
        user=sender,
        via=Channel.ACCOUNT,
        detail=f"par {sender_organisation.name} ; accord recueilli "
        f"{referral.get_consent_mode_display().lower()}",
    )
    notify_on_commit(
        referral, "sent", "receiver", expires_on=_deadline(referral, EXPIRY_AFTER_DAYS)
    )
    notify_on_commit(referral, "sent_copy", "sender")
    return referral


def _deadline(referral: Referral, days: int) -> datetime.date:
    return timezone.localdate(referral.sent_at + datetime.timedelta(days=days))


def _locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


@transaction.atomic
def referral_answer(
    referral: Referral,
    *,
    accept: bool,
    user: User | None,
    via: str,
    reason: str = "",
    detail: str = "",
    now: datetime.datetime | None = None,
) -> Referral:
    now = now or timezone.now()
    referral = _locked(referral)
    if referral.anonymised_at is not None:
        raise ReferralError("Cette orientation est close et ses données ont été effacées.")
    if referral.status != Status.SENT:
        raise ReferralError(
            f"Cette orientation a déjà une réponse : {referral.get_status_display().lower()}."
        )
    if now >= referral.answer_deadline:
        raise ReferralError(
            f"Cette orientation a expiré : sans réponse dans les {EXPIRY_AFTER_DAYS} jours."
        )
    if not accept:
        if reason not in RefusalReason.values:
            raise ReferralError("Choisissez le motif du refus.", "reason")
        if reason == RefusalReason.OTHER and not detail.strip():
            raise ReferralError("Précisez le motif du refus.", "detail")
    referral.status = Status.ACCEPTED if accept else Status.REFUSED
    referral.answered_at = now
    referral.answered_via = via
    referral.refusal_reason = "" if accept else reason
    referral.refusal_detail = "" if accept else detail.strip()
    if not accept:  # the structure no longer needs the person's details
        referral.link_key = ""
    referral.save(
        update_fields=[
            "status",
            "answered_at",
            "answered_via",
            "refusal_reason",
            "refusal_detail",
            "link_key",
        ]
    )
    event_record(
        referral,
        EventKind.ACCEPTED if accept else EventKind.REFUSED,
        at=now,
        user=user,
        via=via,
        detail="" if accept else referral.get_refusal_reason_display(),
    )
    notify_on_commit(referral, "accepted" if accept else "refused", "sender")
    return referral


# No benefit of the catalogue (rights/benefits.yaml) pays more than this a
# month, even for a large family (the ASPA of a couple is under 1 800 €): a
# greater "monthly" amount is a yearly one, or a typing slip (review of
# issue 17: 12 500,50 € a month of RSA was accepted).
MAX_MONTHLY_AMOUNT = 5_000


def _amount(raw: Any) -> Decimal | None:
    """A monthly amount in euros as a person types it (« 612,50 »), to the
    cent, or None when empty. Raises ReferralError (field monthly_amount)
    when unreadable or outside 0 to MAX_MONTHLY_AMOUNT."""
    if raw in (None, ""):
        return None
    try:
        value = french.parse_decimal(str(raw))
    except ValueError:
        raise ReferralError(f"Montant illisible : « {raw} ».", "monthly_amount") from None
    if not value.is_finite() or value < 0 or value > MAX_MONTHLY_AMOUNT:
        raise ReferralError(
            f"Le montant mensuel « {raw} » doit être un nombre d'euros entre 0 et "
            f"{french.number(MAX_MONTHLY_AMOUNT, 0)} : c'est le montant d'un mois (un montant "
            "annuel se divise par 12).",
            "monthly_amount",
        )
    return value.quantize(Decimal("0.01"))


def outcome_benefit_amount(
    referral: Referral, kind: str, benefit: str, amount: Decimal | None
) -> tuple[str, Decimal | None, bool]:
    """The benefit, monthly amount (euros) and « from the simulator » flag an
    outcome of ``kind`` is recorded with (by referral_record_outcome and
    outcome_actions.referral_correct_outcome): a right opened names a
    benefit of the catalogue; a right in kind has no amount; with no amount
    given, the simulator's estimate the referral came with. Any other kind
    has neither. Raises ReferralError (field benefit) for an unknown
    benefit."""
    if kind != OutcomeKind.RIGHT_OPENED:
        return "", None, False
    if benefit not in {b.id for b in benefits()}:
        raise ReferralError("Choisissez le droit ouvert.", "benefit")
    if benefit in IN_KIND:
        return benefit, None, False  # a right in kind: no money is received
    if amount is None and benefit in referral.simulated_amounts:
        return benefit, _amount(referral.simulated_amounts[benefit]), True
    return benefit, amount, False


@transaction.atomic
def referral_record_outcome(
    referral: Referral,
    *,
    kind: str,
    user: User | None,
    via: str,
    benefit: str = "",
    monthly_amount: Any = None,
    now: datetime.datetime | None = None,
) -> Outcome:
    """A right opened takes its benefit, and its monthly amount: the one
    given, else the simulator's estimate when the referral came with one."""
    now = now or timezone.now()
    referral = _locked(referral)
    if referral.anonymised_at is not None:
        raise ReferralError("Cette orientation est close et ses données ont été effacées.")
    if referral.status != Status.ACCEPTED:
        raise ReferralError("Acceptez d'abord l'orientation pour en enregistrer le résultat.")
    if kind not in OutcomeKind.values:
        raise ReferralError("Choisissez le résultat.", "kind")
    amount = _amount(monthly_amount)
    # The outcomes in force: a corrected one no longer counts.
    recorded = set(referral.outcomes.current().values_list("kind", flat=True))
    final = {OutcomeKind.NO_RIGHT, OutcomeKind.NOT_REACHED}
    if recorded & final:
        raise ReferralError(
            "Un résultat « pas de droit » ou « personne non jointe » est déjà enregistré : il "
            "clôt l'orientation.",
            "kind",
        )
    # « Pas de droit » may end an accompaniment; nothing else may precede a final one.
    if kind in final and recorded - {
        OutcomeKind.ACCOMPANIMENT if kind == OutcomeKind.NO_RIGHT else ""
    }:
        raise ReferralError(
            f"« {OutcomeKind(kind).label} » ne peut pas suivre un autre résultat déjà enregistré.",
            "kind",
        )
    if kind == OutcomeKind.ACCOMPANIMENT and kind in recorded:
        raise ReferralError("L'accompagnement est déjà enregistré.", "kind")
    benefit, amount, from_simulator = outcome_benefit_amount(referral, kind, benefit, amount)
    if kind == OutcomeKind.RIGHT_OPENED:
        opened = referral.outcomes.current().filter(kind=OutcomeKind.RIGHT_OPENED)
        if opened.filter(benefit=benefit).exists():
            raise ReferralError("Ce droit est déjà enregistré pour cette orientation.", "benefit")
    outcome = Outcome.objects.create(
        referral=referral,
        kind=kind,
        benefit=benefit,
        monthly_amount=amount,
        amount_from_simulator=from_simulator,
        recorded_at=now,
        recorded_by=user if user is not None and user.is_authenticated else None,
        recorded_via=via,
    )
    label = outcome.get_kind_display()
    if benefit:
        label += f" : {next(b.label for b in benefits() if b.id == benefit)}"
        if amount is not None:
            label += f", {french.amount(float(amount))} par mois"
            label += " (simulateur)" if from_simulator else ""
    event_record(referral, EventKind.OUTCOME, at=now, user=user, via=via, detail=label)
    notify_on_commit(referral, "outcome", "sender", outcome=outcome)
    return outcome


def referral_viewed(
    referral: Referral, *, user: User | None, via: str, now: datetime.datetime | None = None
) -> None:
    """Who opened the person's details: once a day per person (or per link)."""
    now = now or timezone.now()
    if referral.anonymised_at is not None:
        return
    start = now - datetime.timedelta(days=1)
    seen = referral.events.filter(kind=EventKind.VIEWED, at__gte=start, channel=via)
    if user is not None and user.is_authenticated:
        seen = seen.filter(actor=user)
    if not seen.exists():
        event_record(referral, EventKind.VIEWED, at=now, user=user, via=via)


@dataclass
class DeadlineReport:
    reminded: int = 0
    expired: int = 0
    anonymised: int = 0

    def summary(self) -> str:
        return (
            f"{self.reminded} relance(s) envoyée(s), {self.expired} orientation(s) expirée(s), "
            f"{self.anonymised} orientation(s) anonymisée(s)."
        )


def referrals_process_deadlines(now: datetime.datetime | None = None) -> DeadlineReport:
    """Remind the referrals unanswered for 10 days, expire those unanswered
    for 30, each once; then erase the details past the retention period.
    Run every night (`nonrecours referrals echeances`); running it again
    does nothing more."""
    now = now or timezone.now()
    report = DeadlineReport()
    report.anonymised = referrals_anonymise(now)
    expiry = now - datetime.timedelta(days=EXPIRY_AFTER_DAYS)
    reminder = now - datetime.timedelta(days=REMINDER_AFTER_DAYS)
    for pk in Referral.objects.filter(status=Status.SENT, sent_at__lte=expiry).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            referral = Referral.objects.select_for_update().get(pk=pk)
            if referral.status != Status.SENT:
                continue
            referral.status = Status.EXPIRED
            referral.expired_at = now
            referral.link_key = ""  # the structure never answered: no access any more
            referral.save(update_fields=["status", "expired_at", "link_key"])
            event_record(referral, EventKind.EXPIRED, at=now)
            notify_on_commit(referral, "expired", "sender")
            notify_on_commit(referral, "expired_receiver", "receiver")
            report.expired += 1
    for pk in Referral.objects.filter(
        status=Status.SENT, reminded_at__isnull=True, sent_at__lte=reminder
    ).values_list("pk", flat=True):
        with transaction.atomic():
            referral = Referral.objects.select_for_update().get(pk=pk)
            if referral.status != Status.SENT or referral.reminded_at is not None:
                continue
            referral.reminded_at = now
            referral.save(update_fields=["reminded_at"])
            event_record(referral, EventKind.REMINDED, at=now)
            notify_on_commit(
                referral, "reminder", "receiver", expires_on=_deadline(referral, EXPIRY_AFTER_DAYS)
            )
            report.reminded += 1
    return report


PERSONAL_FIELDS = ("first_name", "last_name", "phone", "email", "message", "refusal_detail")


def referrals_estimates_erase(referral_ids: list[int]) -> int:
    """Blank the simulator's estimates a referral came with
    (``simulated_amounts``, ``simulation_code``) on these referrals, the
    person's details staying: what the caller erases when the estimates
    were computed from data that must no longer be tied to the person
    (evaluation.chain_actions.chain_personal_erase: a barometer answer's
    pre-fill). Outcomes already recorded keep their amounts. Returns how
    many referrals were changed."""
    return Referral.objects.filter(pk__in=referral_ids).update(
        simulated_amounts={}, simulation_code=""
    )


def referrals_anonymise(now: datetime.datetime | None = None) -> int:
    """Erase the person's details of the referrals sent more than the
    retention period ago, and revoke their link. Statuses, dates, commune,
    age band, scheme, outcomes and their amounts stay: the statistics do not
    move (the simulator's estimates, a description of the household, go).
    A referral still waiting for its answer is expired first."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=retention_days())
    count = 0
    for pk in Referral.objects.filter(anonymised_at__isnull=True, sent_at__lte=limit).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            referral = Referral.objects.select_for_update().get(pk=pk)
            if referral.anonymised_at is not None:
                continue
            fields = [
                *PERSONAL_FIELDS,
                "simulation_code",
                "simulated_amounts",
                "link_key",
                "anonymised_at",
            ]
            for field in PERSONAL_FIELDS:
                setattr(referral, field, "")
            referral.simulation_code = ""
            referral.simulated_amounts = {}
            referral.link_key = ""
            referral.anonymised_at = now
            if referral.status == Status.SENT:
                referral.status = Status.EXPIRED
                referral.expired_at = now
                fields += ["status", "expired_at"]
            referral.save(update_fields=fields)
            event_record(
                referral,
                EventKind.ANONYMISED,
                at=now,
                detail=f"après {retention_days()} jours de conservation",
            )
            count += 1
    return count


def scheme_create(*, territory: Territory, name: str) -> Scheme:
    name = " ".join(name.split())
    if not name:
        raise ReferralError("Donnez un nom au dispositif.", "name")
    scheme, _ = Scheme.objects.get_or_create(territory=territory, name=name[:120])
    return scheme
