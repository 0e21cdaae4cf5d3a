"""Reads of the chain, from a barometer call-back request to a right
opened: one chain's steps for its page, the chains of the call-back list,
and the funnel of a civil year for the yearly report."""

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from nonrecours.evaluation.chain_funnel import ChainFunnel, FunnelError, chain_funnel
from nonrecours.evaluation.chain_models import Chain, ChainContact
from nonrecours.evaluation.chain_rights import (
    chain_contacted,
    chain_rights,
    cutoff,
    published_on,
    rights_in_force,
)
from nonrecours.referrals.enums import OutcomeKind
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.rights.catalogue import benefits
from nonrecours.surveys.models import Contact
from nonrecours.territories.models import Territory

__all__ = [
    "ChainReferralRow",
    "ChainStep",
    "ChainView",
    "chain_tokens_of",
    "chain_view",
    "chain_year",
    "chain_years",
]


def chain_year(territory: Territory, year: int, *, live: bool = False) -> ChainFunnel:
    """The activity of the territory's chains in civil year ``year`` (1
    January to 31 December): each step counted in the year it happened —
    contacted, reached, rights checked, referred, right opened in ``year``
    —, whatever the month of the request. Every cell already protected by
    the secrecy rule (threshold 11; a hidden count or amount is None):
    ``total`` (a FunnelRow: ``counts`` per step of chain_funnel.STEPS,
    ``rates`` in percent, ``yearly_amount`` of the rights opened in euros
    per year), ``tables`` by campaign, stratum, commune and month of the
    request, ``benefits`` (rights opened per benefit, people and euros per
    year), ``hidden_cells``.

    Only what was recorded up to the year's cut-off counts (the end of 31
    March of the following year, chain_rights.cutoff: results in force
    then, a later correction not applied), or up to now before it; so the
    figures of a year are final (``final``) from 1 April and never move
    afterwards. ``live``: everything recorded up to now (the team's view,
    provisional). Method and secrecy: evaluation.chain_funnel's docstring.
    Raises FunnelError for a year outside 2000..9999."""
    if not 2000 <= year <= 9999:
        raise FunnelError(f"Année invalide : {year} (attendu : une année de quatre chiffres).")
    final = not live and timezone.now() >= cutoff(year)
    return chain_funnel(
        territory,
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
        activity=True,
        as_of=cutoff(year) if final else None,
    )


def chain_years(territory: Territory, *, published: bool, today: datetime.date) -> list[int]:
    """The civil years in which a step of one of the territory's chains
    happened (a call, a rights check, a referral, a right opened), latest
    first; with ``published``, only those partners may see by ``today``
    (chain_rights.published_on)."""
    chains = list(Chain.objects.filter(territory=territory))
    years: set[int] = set()
    # « Contactée »: a call noted (chain_rights.chain_contacted), not only opened.
    called = Q(attempts__gt=0) | Q(reached_at__isnull=False)
    for name in ("contacted_at", "reached_at", "rights_checked_at", "referred_at"):
        found = Chain.objects.filter(called, territory=territory, **{f"{name}__isnull": False})
        years.update(found.annotate(y=ExtractYear(name)).values_list("y", flat=True))
    for rights in chain_rights(chains).values():
        years.update(right.opened_on.year for right in rights)
    if published:
        years = {year for year in years if published_on(year) <= today}
    return sorted(years, reverse=True)


def chain_tokens_of(contacts: list[Contact]) -> dict[int, str]:
    """Contact id → token of its chain, for the call-back requests already
    called (the call-back list shows « Reprendre » for them)."""
    links = ChainContact.objects.filter(contact__in=contacts).values_list(
        "contact_id", "chain__token"
    )
    return dict(links)


@dataclass(frozen=True)
class ChainStep:
    """One step of a chain on its page: its French label and its moment
    (None: not reached yet; a day alone when ``time`` is False)."""

    label: str
    at: datetime.date | None
    detail: str = ""
    time: bool = True
    # Once the request is erased, the steps are kept to the month only.
    month: bool = False


@dataclass(frozen=True)
class ChainReferralRow:
    """A referral sent from the chain, with its outcomes in force."""

    referral: Referral
    outcomes: tuple[Outcome, ...]

    @property
    def rights_opened(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.kind == OutcomeKind.RIGHT_OPENED)


@dataclass(frozen=True)
class ChainView:
    """What a chain's page shows: its steps, its referrals (none once the
    call-back request is erased: they are no longer linked), the personal
    link (None once erased: the chain cannot go on), and the rights opened
    in force (benefit label, euros per year)."""

    chain: Chain
    contact: Contact | None
    has_prefill: bool
    steps: tuple[ChainStep, ...]
    referrals: tuple[ChainReferralRow, ...]
    rights_opened: tuple[tuple[str, Decimal | None], ...]

    @property
    def erased(self) -> bool:
        return self.chain.erased_at is not None

    @property
    def yearly_amount(self) -> Decimal:
        """Euros per year of the rights opened (those with an amount)."""
        return sum((amount or Decimal(0) for _, amount in self.rights_opened), Decimal(0))


def chain_view(chain: Chain) -> ChainView:
    """The chain's steps (contacted — at least one call noted, as the funnel
    counts it —, reached or not, rights checked, referred, right opened on
    the day a result in force was first recorded), its referrals with their
    outcomes in force and its call-back request while it is kept; once
    erased, only the copy kept in the chain (rights opened, number of
    referrals)."""
    personal = ChainContact.objects.filter(chain=chain).select_related("contact").first()
    contact = personal.contact if personal is not None else None
    referrals = list(Referral.objects.filter(chain_link__chain=chain).order_by("sent_at", "pk"))
    outcomes = list(
        Outcome.objects.current().filter(referral__in=referrals).order_by("recorded_at", "pk")
    )
    rows = tuple(
        ChainReferralRow(r, tuple(o for o in outcomes if o.referral_id == r.pk)) for r in referrals
    )
    labels = {b.id: b.label for b in benefits()}
    opened = rights_in_force(chain_rights([chain]).get(chain.pk, []), None)
    rights = tuple((labels.get(r.benefit, r.benefit or "droit"), r.yearly_amount) for r in opened)
    sent = len(referrals) if chain.erased_at is None else chain.referrals_count
    contacted = chain_contacted(chain)
    calls = (
        f"{chain.attempts} appel{'s' if chain.attempts > 1 else ''} noté"
        f"{'s' if chain.attempts > 1 else ''}"
        if chain.attempts
        else ""
    )
    steps = (
        ChainStep("Contactée", chain.contacted_at if contacted else None, calls),
        ChainStep("Jointe", chain.reached_at),
        ChainStep("Non jointe (dernier appel)", chain.not_reached_at)
        if chain.not_reached_at is not None and chain.reached_at is None
        else None,
        ChainStep("Droits vérifiés", chain.rights_checked_at),
        ChainStep(
            "Orientée",
            chain.referred_at,
            f"{sent} orientation{'s' if sent > 1 else ''}" if sent else "",
        ),
        ChainStep("Droit ouvert", opened[0].opened_on if opened else None, time=False),
    )
    kept = tuple(step for step in steps if step is not None)
    if chain.erased_at is not None:
        kept = tuple(replace(step, time=False, month=True) for step in kept)
    return ChainView(
        chain=chain,
        contact=contact,
        has_prefill=bool(contact is not None and contact.prefill),
        steps=kept,
        referrals=rows,
        rights_opened=rights,
    )
