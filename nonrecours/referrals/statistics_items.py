"""The referrals as the statistics read them (referrals.statistics,
outreach.achievements): one ReferralItem per referral, nothing about the
person, its outcomes in force only (`Outcome.objects.current()`)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from nonrecours.referrals.enums import OutcomeKind, Status
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.territories.models import Territory


@dataclass
class ReferralItem:
    """One referral, as the statistics see it (nothing about the person)."""

    sender: str
    offer: str
    scheme: str
    commune: str
    age_band: str
    month: str
    part: str
    delay_days: float | None
    monthly: Decimal  # the rights opened's monthly amounts, summed
    has_amount: bool
    outcomes: int = 0  # outcomes in force
    corrected: int = 0  # of which, corrections of an earlier outcome


def referral_items(territory: Territory, referrals: QuerySet[Referral]) -> list[ReferralItem]:
    """One ReferralItem per referral, in the order of ``referrals``. Read as
    plain rows: tens of thousands of referrals in a fraction of a second."""
    communes = dict(territory.communes.values_list("insee_code", "name"))
    outcomes: dict[int, list[tuple[str, Decimal | None, bool]]] = defaultdict(list)
    # The outcomes in force only: a corrected one counts for its latest value.
    for referral_id, kind, amount, corrects in (
        Outcome.objects.current()
        .filter(referral__in=referrals.values("pk"))
        .values_list("referral_id", "kind", "monthly_amount", "corrects_id")
    ):
        outcomes[referral_id].append((kind, amount, corrects is not None))
    zone = timezone.get_current_timezone()
    rows = list(
        referrals.values_list(
            "pk",
            "sender_organisation__name",
            "structure_id",
            "structure_name",
            "offer_id",
            "offer_name",
            "scheme__name",
            "commune",
            "age_band",
            "sent_at",
            "status",
            "answered_at",
        ).iterator(chunk_size=5000)
    )
    # Two structures (or offers) of the same name are two rows.
    names: dict[str, set[object]] = defaultdict(set)
    for row in rows:
        names[row[3]].add(row[2])
        names[f"{row[5]} — {row[3]}"].add(row[4])

    def named(name: str, key: object) -> str:
        return f"{name} (fiche n° {key})" if len(names[name]) > 1 and key else name

    items = []
    for (
        pk,
        sender,
        structure_id,
        structure,
        offer_id,
        offer,
        scheme,
        commune,
        age_band,
        sent_at,
        status,
        answered_at,
    ) in rows:
        local = sent_at.astimezone(zone)
        mine = outcomes.get(pk, [])
        opened = [amount for kind, amount, _ in mine if kind == OutcomeKind.RIGHT_OPENED]
        if status != Status.ACCEPTED:
            part = status
        elif opened:
            part = "right_opened"
        else:
            part = "outcome_no_right" if mine else "accepted_open"
        monthly = sum((amount or Decimal(0) for amount in opened), Decimal(0))
        items.append(
            ReferralItem(
                sender=sender,
                offer=named(f"{offer} — {structure}", offer_id)
                if offer
                else f"{named(structure, structure_id)} (sans offre précise)",
                scheme=scheme or "Sans dispositif",
                commune=communes.get(commune, commune),
                age_band=age_band,
                month=f"{local.year}-{local.month:02d}",
                part=part,
                delay_days=(answered_at - sent_at).total_seconds() / 86400
                if answered_at is not None
                else None,
                monthly=monthly,
                has_amount=monthly > 0,
                outcomes=len(mine),
                corrected=sum(1 for *_, correction in mine if correction),
            )
        )
    return items
