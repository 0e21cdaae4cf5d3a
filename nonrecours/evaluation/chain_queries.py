"""Reads of the chain, from a barometer call-back request to a right
opened: one chain's steps for its page, the chains of the call-back list,
and the funnel of a civil year for the yearly report."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from nonrecours.evaluation.chain_funnel import ChainFunnel, FunnelError, chain_funnel
from nonrecours.evaluation.chain_models import Chain, ChainContact
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
]


def chain_year(territory: Territory, year: int) -> ChainFunnel:
    """The funnel of the territory's chains whose call-back request came in
    civil year ``year`` (1 January to 31 December), every cell already
    protected by the secrecy rule (threshold 11; a hidden count or amount
    is None): ``total`` (a FunnelRow: ``counts`` per step of
    chain_funnel.STEPS — contactées, jointes, droits vérifiés, orientées,
    droit ouvert —, ``rates`` in percent, ``yearly_amount`` of the rights
    opened in euros per year), ``tables`` by campaign, stratum, commune
    and month of the request, ``benefits`` (rights opened per benefit,
    people and euros per year), ``hidden_cells``. Steps are counted as they
    stand now (outcomes in force, Outcome.objects.current()); the figures
    of a year not over (``closed`` False) are provisional. Method and
    secrecy: evaluation.chain_funnel's docstring. Raises FunnelError for a
    year outside 2000..9999."""
    if not 2000 <= year <= 9999:
        raise FunnelError(f"Année invalide : {year} (attendu : une année de quatre chiffres).")
    return chain_funnel(territory, start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))


def chain_tokens_of(contacts: list[Contact]) -> dict[int, str]:
    """Contact id → token of its chain, for the call-back requests already
    called (the call-back list shows « Reprendre » for them)."""
    links = ChainContact.objects.filter(contact__in=contacts).values_list(
        "contact_id", "chain__token"
    )
    return dict(links)


@dataclass(frozen=True)
class ChainStep:
    """One step of a chain on its page: its French label and its date
    (None: not reached yet)."""

    label: str
    at: datetime.datetime | None
    detail: str = ""


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
    """What a chain's page shows: its steps, its referrals, the personal
    link (None once the call-back request is erased: the chain cannot go
    on), and the rights opened (benefit label, euros per year)."""

    chain: Chain
    contact: Contact | None
    has_prefill: bool
    steps: tuple[ChainStep, ...]
    referrals: tuple[ChainReferralRow, ...]
    rights_opened: tuple[tuple[str, Decimal | None], ...]

    @property
    def yearly_amount(self) -> Decimal:
        """Euros per year of the rights opened (those with an amount)."""
        return sum((amount or Decimal(0) for _, amount in self.rights_opened), Decimal(0))


def chain_view(chain: Chain) -> ChainView:
    """The chain's steps (contacted, reached or not, rights checked,
    referred, right opened with the first date an outcome in force recorded
    one), its referrals with their outcomes in force, and its call-back
    request while it is kept."""
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
    opened = [o for o in outcomes if o.kind == OutcomeKind.RIGHT_OPENED]
    rights = tuple(
        (
            labels.get(o.benefit, o.benefit or "droit"),
            None if o.monthly_amount is None else o.monthly_amount * 12,
        )
        for o in opened
    )
    calls = f"{chain.attempts} appel{'s' if chain.attempts > 1 else ''}"
    steps = (
        ChainStep("Contactée", chain.contacted_at, calls),
        ChainStep("Jointe", chain.reached_at),
        ChainStep("Non jointe (dernier appel)", chain.not_reached_at)
        if chain.not_reached_at is not None and chain.reached_at is None
        else None,
        ChainStep("Droits vérifiés", chain.rights_checked_at),
        ChainStep(
            "Orientée",
            chain.referred_at,
            f"{len(referrals)} orientation{'s' if len(referrals) > 1 else ''}" if referrals else "",
        ),
        ChainStep("Droit ouvert", opened[0].recorded_at if opened else None),
    )
    return ChainView(
        chain=chain,
        contact=contact,
        has_prefill=bool(contact is not None and contact.prefill),
        steps=tuple(step for step in steps if step is not None),
        referrals=rows,
        rights_opened=rights,
    )
