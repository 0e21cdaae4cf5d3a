"""Referrals (#6): the territory's dashboard on 20,000 referrals (a large
territory's year), with their outcomes.

Goal: the statistics, with their disclosure, under 2 s. Baseline in the
same run: reading the same referrals and outcomes from the database.
"""

import datetime
import random
import statistics
import time
from decimal import Decimal
from typing import Any


def run(territory: Any, count: int = 20_000) -> None:
    from django.utils import timezone

    from nonrecours.accounts.models import Organisation
    from nonrecours.directory.models import Structure
    from nonrecours.referrals.enums import OutcomeKind, Status
    from nonrecours.referrals.models import Outcome, Referral, Scheme
    from nonrecours.referrals.statistics import referral_statistics

    rng = random.Random(8)  # noqa: S311 (synthetic data)
    senders = [
        Organisation.objects.get_or_create(
            territory=territory, name=f"Partenaire {i} (mesure)", defaults={"kind": "other"}
        )[0]
        for i in range(40)
    ]
    schemes = [
        Scheme.objects.get_or_create(territory=territory, name=f"Dispositif {i}")[0]
        for i in range(6)
    ]
    structures = list(Structure.objects.filter(territory=territory)[:300])
    codes = list(territory.communes.filter(is_member=True).values_list("insee_code", flat=True))
    now = timezone.now()
    statuses = [Status.ACCEPTED] * 6 + [Status.REFUSED, Status.EXPIRED, Status.SENT]
    referrals = []
    for _ in range(count):
        sent = now - datetime.timedelta(days=rng.uniform(0, 365))
        status = rng.choice(statuses)
        structure = rng.choice(structures)
        referrals.append(
            Referral(
                territory=territory, structure=structure, structure_name=structure.name,
                sender_organisation=rng.choice(senders), sender_name="mesure",
                scheme=rng.choice([*schemes, None]), commune=rng.choice(codes),
                first_name="X", last_name="Y", phone="0600000000", consent_text="mesure",
                consent_mode="oral", status=status, sent_at=sent,
                answered_at=sent + datetime.timedelta(days=rng.expovariate(1 / 4))
                if status in (Status.ACCEPTED, Status.REFUSED)
                else None,
            )
        )  # fmt: skip
    created = Referral.objects.bulk_create(referrals, batch_size=2000)
    Outcome.objects.bulk_create(
        (
            Outcome(
                referral=r,
                kind=OutcomeKind.RIGHT_OPENED,
                benefit="rsa",
                monthly_amount=Decimal(rng.randint(100, 600)),
                recorded_at=now,
                recorded_via="account",
            )  # fmt: skip
            for r in created
            if r.status == Status.ACCEPTED and rng.random() < 0.6
        ),
        batch_size=2000,
    )

    def read() -> None:
        list(Referral.objects.filter(territory=territory).values_list("pk", "status", "sent_at"))
        list(Outcome.objects.filter(referral__territory=territory).values_list("pk", "kind"))

    def stats() -> None:
        referral_statistics(territory)

    durations = []
    for function in (read, stats):
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            function()
            runs.append(time.perf_counter() - start)
        durations.append(statistics.median(runs))
    baseline, elapsed = durations
    print(
        f"Tableau de bord des orientations sur {count} orientations (avec secret statistique) : "
        f"{elapsed:.2f} s (objectif < 2 s) ; lire ces orientations et leurs résultats "
        f"(référence) {baseline:.2f} s, soit {elapsed / baseline:.1f} ×"
    )
