"""Writes of the follow-up after a simulation (issue 17, part 2): the
person's consent, their answers, the erasure of their contact, and the
anonymous count of simulations.

Messages are sent by nonrecours.evaluation.followup_sending (the nightly
``nonrecours followups``), never from here."""

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from nonrecours.errors import Problem, UserError
from nonrecours.evaluation.followup_enums import BlockedReason, ContactErasure, FollowUpAnswer
from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit, SimulationTally
from nonrecours.evaluation.followup_queries import answers_cutoff
from nonrecours.mailing.actions import mails_withdraw
from nonrecours.privacy.mail import links_can_be_sent
from nonrecours.territories.models import Territory

# The two messages, in days after the consent (issue 17: « à 7 et 30 jours »,
# as the national youth simulator does).
FIRST_DAY = 7
SECOND_DAY = 30
# A second message that the provider keeps refusing is tried for a week at
# most: then the contact is erased all the same (privacy.py says so).
CONTACT_MAX_DAYS = SECOND_DAY + 7
# What the outbox calls a follow-up's mails (nonrecours.mailing, Mail.about).
MAIL_ABOUT = "followup"

# Short and plain: read on a phone. What it leaves out (the amounts, the
# date, unsubscribing) is in the « en savoir plus » below it
# (templates/evaluation/followup_consent.html).
CONSENT_TEXT = (
    "J'accepte de recevoir deux messages, dans {first} et {second} jours, sur les aides "
    "trouvées. Mon courriel ou mon numéro est effacé après le second message (au plus tard "
    "dans {last} jours). Les aides trouvées, ma commune et mes réponses sont gardées, sans "
    "mes coordonnées ni ma situation."
)

# Regions of France's numbering plans (metropolitan and overseas) whose
# mobiles a French provider reaches.
FRENCH_REGIONS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"})
OVERSEAS_NATIONAL = ("RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF")
MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


class FollowUpError(UserError):
    """A follow-up refused (French message, the form field concerned)."""


def consent_text() -> str:
    """The consent the person ticks, with the days it names (French)."""
    return CONSENT_TEXT.format(first=FIRST_DAY, second=SECOND_DAY, last=CONTACT_MAX_DAYS)


def phone_normalise(value: str) -> str:
    """A French mobile number as typed (« 06 12 34 56 78 », « +33 6… »,
    « 0692… » in La Réunion) in E.164 (« +33612345678 »). Raises
    FollowUpError (field ``telephone``) for anything else: not a number,
    a landline, a foreign number. Source: the numbering plans of
    libphonenumber (Google), package ``phonenumbers``."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        raise FollowUpError(
            f"« {text[:30]} » n'est pas un numéro de téléphone : écrivez par exemple "
            "06 12 34 56 78.",
            field="telephone",
        ) from None
    if not phonenumbers.is_valid_number(number):
        # Overseas mobiles written the national way (« 0692… » in La
        # Réunion) share the 0 prefix with metropolitan France.
        for overseas in OVERSEAS_NATIONAL:
            candidate = phonenumbers.parse(text, overseas)
            if phonenumbers.is_valid_number(candidate):
                number = candidate
                break
    region = phonenumbers.region_code_for_number(number)
    if not phonenumbers.is_valid_number(number) or region not in FRENCH_REGIONS:
        raise FollowUpError(
            f"« {text[:30]} » n'est pas un numéro de mobile français valide (06 ou 07, "
            "ou un mobile d'outre-mer).",
            field="telephone",
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise FollowUpError(
            f"« {text[:30]} » est un numéro de téléphone fixe : un SMS ne peut être envoyé "
            "qu'à un mobile (06 ou 07).",
            field="telephone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_enabled() -> bool:
    """True when an SMS backend is set (setting SMS_BACKEND, from
    NONRECOURS_SMS_BACKEND): production has none unless a provider's is given."""
    return bool(settings.SMS_BACKEND)


def _phone(value: str) -> str:
    phone = phone_normalise(value)
    if phone and not sms_enabled():
        raise FollowUpError(
            "L'envoi de SMS n'est pas configuré sur ce serveur : donnez un courriel.",
            field="telephone",
        )
    return phone


def _email(value: str) -> str:
    email = (value or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise FollowUpError(
            "Cette adresse de courriel n'est pas valide : écrivez-la sous la forme nom@exemple.fr.",
            field="courriel",
        ) from None
    if not links_can_be_sent():
        raise FollowUpError(
            "L'envoi de courriels est désactivé sur ce serveur : donnez un numéro de mobile "
            "pour recevoir les messages par SMS.",
            field="courriel",
        )
    return email


def followup_create(
    *,
    territory: Territory | None,
    commune_code: str,
    benefits: Sequence[tuple[str, float]],
    email: str,
    phone: str,
    consent: bool,
    nonce: str,
    participations: Mapping[str, float] | None = None,
) -> FollowUp:
    """Record a person's consent to be followed up (issue 17, part 2).

    ``benefits``: (benefit id, estimated amount in euros per month) of each
    benefit the simulation found; ``participations``: {benefit id: euros
    per month the household pays} for a right in kind (the complémentaire
    santé solidaire: 0 when free; absent when not known);
    ``commune_code``: INSEE code or "". At
    least one of ``email`` and ``phone`` (a French mobile, see
    phone_normalise). The same ``nonce`` (one results page) gives back the
    follow-up already recorded, unchanged. Raises FollowUpError (French,
    with its field: ``consentement``, ``courriel``, ``telephone``) without
    consent, territory, benefit or contact, for an invalid e-mail or phone,
    and for an e-mail when e-mail sending is disabled
    (nonrecours.privacy.mail). Nothing is written when it raises."""
    problems: list[Problem] = []
    if not consent:
        problems.append(
            Problem("Cochez la case pour accepter de recevoir les deux messages.", "consentement")
        )
    if territory is None:
        raise FollowUpError("Aucun territoire : le suivi ne peut pas être enregistré.")
    if not benefits:
        raise FollowUpError("La simulation n'a trouvé aucune aide : il n'y a rien à suivre.")
    clean_email = clean_phone = ""
    for field, clean in (("courriel", _email), ("telephone", _phone)):
        try:
            value = clean(email if field == "courriel" else phone)
        except FollowUpError as error:
            problems.append(Problem(error.message, field))
            continue
        if field == "courriel":
            clean_email = value
        else:
            clean_phone = value
    if not problems and not (clean_email or clean_phone):
        problems.append(
            Problem(
                "Donnez au moins l'un des deux : un courriel ou un numéro de mobile.", "courriel"
            )
        )
    if problems:
        raise FollowUpError(problems[0].message, field=problems[0].field, problems=problems)
    existing = FollowUp.objects.filter(nonce=nonce).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            territory=territory,
            commune_code=commune_code[:5],
            nonce=nonce,
            consent_text=consent_text(),
            email=clean_email,
            phone=clean_phone,
            created_at=timezone.now(),
        )
        FollowUpBenefit.objects.bulk_create(
            FollowUpBenefit(
                follow_up=follow_up,
                benefit_id=benefit_id,
                monthly_amount=Decimal(str(round(monthly, 2))),
                participation=_participation((participations or {}).get(benefit_id)),
            )
            for benefit_id, monthly in dict(benefits).items()
        )
    return follow_up


def _participation(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(round(max(float(value), 0.0), 2)))


def answers_open(follow_up: FollowUp, now: datetime.datetime | None = None) -> bool:
    """Whether the follow-up still takes answers: until the cut-off of its
    year (31 March of the following year included, followup_queries.
    answers_cutoff), after which the partners' figures of that year are
    fixed."""
    year = timezone.localtime(follow_up.created_at).year
    return (now or timezone.now()) < answers_cutoff(year)


ANSWERS_CLOSED = (
    "Les réponses sur cette simulation ne sont plus recueillies : les chiffres de son année "
    "sont arrêtés."
)


def followup_answer(
    *, follow_up: FollowUp, answers: Mapping[str, str], reason: str = ""
) -> FollowUp:
    """Record the person's answers: ``answers`` {benefit id: FollowUpAnswer
    value} (benefits not given keep their answer), ``reason`` a
    BlockedReason value or "" (kept as it was). The latest answer counts.
    When every benefit is answered and none is « Pas encore », there is
    nothing left to ask: the contact is erased at once. Raises
    FollowUpError (French) for an unknown benefit, answer or reason, and
    after the cut-off of the follow-up's year (answers_open); nothing is
    written then."""
    if not answers_open(follow_up):
        raise FollowUpError(ANSWERS_CLOSED)
    known = {b.benefit_id: b for b in follow_up.benefits.all()}
    for benefit_id, answer in answers.items():
        if benefit_id not in known:
            raise FollowUpError(f"Aide inconnue dans ce suivi : « {benefit_id[:40]} ».")
        if answer not in FollowUpAnswer.values:
            raise FollowUpError(f"Réponse inconnue pour « {benefit_id} » : « {answer[:20]} ».")
    if reason and reason not in BlockedReason.values:
        raise FollowUpError(f"Raison inconnue : « {reason[:30]} ».", field="raison")
    now = timezone.now()
    with transaction.atomic():
        for benefit_id, answer in answers.items():
            row = known[benefit_id]
            row.answer, row.answered_at = answer, now
            row.save(update_fields=["answer", "answered_at"])
        if reason:
            follow_up.reason = reason
        follow_up.answered_at = now
        follow_up.save(update_fields=["reason", "answered_at"])
        complete = all(b.answer for b in known.values())
        if complete and all(b.answer != FollowUpAnswer.NOT_YET for b in known.values()):
            followup_contact_erase(follow_up=follow_up, why=ContactErasure.NOTHING_TO_ASK)
    return follow_up


def followup_contact_erase(*, follow_up: FollowUp, why: ContactErasure) -> FollowUp:
    """Erase the e-mail and phone of a follow-up (set blank), dated, with
    the reason; its answers stay, anonymous. Its e-mails still waiting in
    the outbox are withdrawn (their address and body erased, never sent):
    no copy of the address outlives the erasure. Erasing twice keeps the
    first date and reason."""
    if follow_up.contact_erased_at is not None:
        return follow_up
    with transaction.atomic():
        follow_up.email = follow_up.phone = ""
        follow_up.contact_erased_at = timezone.now()
        follow_up.erasure = why
        follow_up.save(update_fields=["email", "phone", "contact_erased_at", "erasure"])
        mails_withdraw(
            about=MAIL_ABOUT,
            about_id=follow_up.pk,
            reason=f"coordonnées du suivi effacées ({ContactErasure(why).label.lower()})",
        )
    return follow_up


def followup_unsubscribe(*, follow_up: FollowUp) -> FollowUp:
    """The person's « ne plus recevoir de message »: their contact is erased
    at once (ContactErasure.UNSUBSCRIBED); nothing more is sent."""
    return followup_contact_erase(follow_up=follow_up, why=ContactErasure.UNSUBSCRIBED)


# How long a results page's nonce is remembered: the simulator's signed
# state lives 6 hours (www.rights.views.MAX_AGE_SECONDS); after that the
# same results page cannot be asked for again.
TALLY_NONCE_SECONDS = 6 * 3600
TALLY_NONCE_PREFIX = "nonrecours.evaluation.tally."


def simulation_tally_increment(*, territory: Territory, day: datetime.date, nonce: str) -> bool:
    """Count one resident's simulation for ``territory`` in the month of
    ``day``, once per ``nonce`` (one results page of the step-by-step path,
    as SavedSimulation's nonce): the same page asked for again (sent twice,
    reloaded, recalculated) counts nothing. Returns whether it counted. An
    atomic F() update, the row created the first time; the nonce is
    remembered in the cache (shared by the workers: the database cache in
    production) for TALLY_NONCE_SECONDS. Nothing about the person is kept.
    The callers decide what is a resident's simulation (never the
    professional's mode nor the team's call-back check)."""
    if not nonce or not cache.add(TALLY_NONCE_PREFIX + nonce, 1, TALLY_NONCE_SECONDS):
        return False
    month = day.replace(day=1)
    updated = SimulationTally.objects.filter(territory=territory, month=month).update(
        count=F("count") + 1
    )
    if updated:
        return True
    try:
        with transaction.atomic():
            SimulationTally.objects.create(territory=territory, month=month, count=1)
    except IntegrityError:  # created by another request meanwhile
        SimulationTally.objects.filter(territory=territory, month=month).update(
            count=F("count") + 1
        )
    return True
