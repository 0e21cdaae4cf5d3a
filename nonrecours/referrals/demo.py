"""Synthetic referrals to show the pages and the dashboard (`make run`).

They are labelled as such everywhere (`is_synthetic`), go from fictitious
partner organisations (« … (démonstration) ») to the territory's real town
halls, describe fictitious people, and send no e-mail."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.enums import OrganisationKind
from nonrecours.accounts.models import Organisation
from nonrecours.directory.models import Structure
from nonrecours.referrals.actions import consent_text
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
from nonrecours.referrals.models import Event, Outcome, Referral, Scheme
from nonrecours.territories.models import Territory

PARTNERS = (
    ("CCAS (démonstration)", OrganisationKind.CCAS),
    ("CAF (démonstration)", OrganisationKind.CAF),
    ("France Services (démonstration)", OrganisationKind.FRANCE_SERVICES),
    ("Mission locale (démonstration)", OrganisationKind.MISSION_LOCALE),
    ("Association d'aide alimentaire (démonstration)", OrganisationKind.ASSOCIATION),
)
SCHEMES = ("Bus des droits (aller-vers)", "Pass santé jeunes", "Rendez-vous des droits")
FIRST_NAMES = "Camille Dominique Claude Sacha Alix Charlie Maxime Morgan Lou Eden".split()
LAST_NAMES = "Exemple Fictif Démo Essai Modèle Témoin".split()
# Benefit, typical monthly amount: orders of magnitude for a demonstration.
RIGHTS = (
    ("rsa", 480),
    ("prime_activite", 190),
    ("aide_logement", 230),
    ("css", 0),
    ("aspa", 420),
    ("cheque_energie", 15),
)


@transaction.atomic
def referrals_demo_create(*, territory: Territory, count: int = 420, seed: int = 2025) -> int:
    """Create the synthetic referrals once; returns how many were created."""
    if Referral.objects.filter(territory=territory, is_synthetic=True).exists():
        return 0
    town_halls = list(
        Structure.objects.filter(territory=territory, is_town_hall=True, record__has_key="courriel")
    )
    if not town_halls:
        return 0
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    partners = [
        Organisation.objects.get_or_create(territory=territory, name=name, defaults={"kind": kind})[
            0
        ]
        for name, kind in PARTNERS
    ]
    # The territory's own team refers too: its local administrator sees them.
    partners += list(
        Organisation.objects.filter(territory=territory, kind=OrganisationKind.TERRITORY)
    )
    schemes = [Scheme.objects.get_or_create(territory=territory, name=n)[0] for n in SCHEMES]
    communes = list(territory.communes.members().values_list("insee_code", "population"))
    codes = [code for code, _ in communes]
    weights = [max(population or 1, 1) for _, population in communes]
    # Referrals go mostly to the biggest town halls.
    halls = sorted(town_halls, key=lambda s: s.name)
    hall_weights = [dict(communes).get(s.insee_code, 1) or 1 for s in halls]
    now = timezone.now()
    created = 0
    for index in range(count):
        sent_at = now - datetime.timedelta(days=rng.uniform(1, 365), minutes=rng.randint(0, 600))
        structure = rng.choices(halls, weights=hall_weights)[0]
        sender = rng.choice(partners)
        age_days = (now - sent_at).days
        referral = Referral.objects.create(
            territory=territory,
            structure=structure,
            offer=None,
            structure_name=structure.name,
            # Never the town hall's real address: a reserved domain (RFC 2606).
            receiver_email=f"mairie-{structure.insee_code}@demonstration.invalid",
            sender=None,
            sender_name="Professionnel·le (démonstration)",
            sender_organisation=sender,
            scheme=rng.choice([*schemes, None, None]),
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            phone=f"06 00 00 {index // 100:02d} {index % 100:02d}",
            commune=rng.choices(codes, weights=weights)[0],
            age_band=rng.choice(AgeBand.values),
            message="Personne fictive, créée pour la démonstration.",
            consent_text=consent_text(structure.name),
            consent_mode=rng.choice(ConsentMode.values),
            sent_at=sent_at,
            link_key="",
            is_synthetic=True,
        )
        events = [(sent_at, EventKind.CREATED, "")]
        draw = rng.random()
        answered_after = datetime.timedelta(days=min(rng.expovariate(1 / 4), EXPIRY_AFTER_DAYS - 1))
        unanswered = sent_at + answered_after > now
        if age_days >= EXPIRY_AFTER_DAYS and (draw < 0.12 or unanswered):
            referral.status = Status.EXPIRED
            referral.reminded_at = sent_at + datetime.timedelta(days=REMINDER_AFTER_DAYS)
            referral.expired_at = sent_at + datetime.timedelta(days=EXPIRY_AFTER_DAYS)
            events += [
                (referral.reminded_at, EventKind.REMINDED, ""),
                (referral.expired_at, EventKind.EXPIRED, ""),
            ]
        elif unanswered:
            referral.status = Status.SENT
            if age_days >= REMINDER_AFTER_DAYS:
                referral.reminded_at = sent_at + datetime.timedelta(days=REMINDER_AFTER_DAYS)
                events.append((referral.reminded_at, EventKind.REMINDED, ""))
        else:
            if answered_after.days >= REMINDER_AFTER_DAYS:
                referral.reminded_at = sent_at + datetime.timedelta(days=REMINDER_AFTER_DAYS)
                events.append((referral.reminded_at, EventKind.REMINDED, ""))
            referral.answered_at = sent_at + answered_after
            referral.answered_via = Channel.LINK
        if referral.status == Status.SENT and referral.answered_at and draw < 0.28:
            referral.status = Status.REFUSED
            referral.refusal_reason = rng.choice(RefusalReason.values[:-1])
            events.append(
                (referral.answered_at, EventKind.REFUSED, referral.get_refusal_reason_display())
            )
        elif referral.status == Status.SENT and referral.answered_at:
            referral.status = Status.ACCEPTED
            events.append((referral.answered_at, EventKind.ACCEPTED, ""))
            recorded = referral.answered_at + datetime.timedelta(days=rng.uniform(3, 40))
            if recorded < now and rng.random() < 0.8:
                kind = rng.choices(list(OutcomeKind.values), weights=[45, 25, 18, 12])[0]
                benefit, amount = "", None
                if kind == OutcomeKind.RIGHT_OPENED:
                    benefit, typical = rng.choice(RIGHTS)
                    amount = Decimal(round(typical * rng.uniform(0.5, 1.3), 2)).quantize(
                        Decimal("0.01")
                    )
                Outcome.objects.create(
                    referral=referral,
                    kind=kind,
                    benefit=benefit,
                    monthly_amount=amount,
                    recorded_at=recorded,
                    recorded_via=Channel.LINK,
                )
                events.append((recorded, EventKind.OUTCOME, OutcomeKind(kind).label))
        referral.save()
        Event.objects.bulk_create(
            Event(
                referral=referral,
                at=at,
                kind=kind,
                actor_label="démonstration",
                channel=Channel.SYSTEM,
                detail=detail,
            )
            for at, kind, detail in events
        )
        created += 1
    return created
