"""Reads on organisations and invitations, and where a person lands after signing in."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from nonrecours.accounts.enums import InvitationStatus, Role
from nonrecours.accounts.models import Invitation, Membership, Organisation, User
from nonrecours.territories.models import Territory


def token_hash(token: str) -> str:
    """What is stored of an invitation link's token: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode()).hexdigest()


def territory_organisations(territory: Territory) -> QuerySet[Organisation]:
    """The territory's organisations, by name."""
    return Organisation.objects.filter(territory=territory).order_by("name")


def organisation_named(name: str, organisations: Iterable[Organisation]) -> Organisation | None:
    """The organisation, among ``organisations``, that ``name`` designates
    whatever its case and spacing (« caf du  Pas-de-Calais »), or None. One
    rule for the invitation file and the command line."""
    wanted = " ".join(name.split()).casefold()
    for organisation in organisations:
        if " ".join(organisation.name.split()).casefold() == wanted:
            return organisation
    return None


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation whose link holds this token (whatever its status), or
    None for a token that was never sent or was replaced by a resend."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("organisation__territory", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


@dataclass(frozen=True)
class InvitationList:
    """A territory's invitations, newest first, and how many per status."""

    invitations: list[Invitation]
    counts: dict[InvitationStatus, int]


def territory_invitations(territory: Territory, status: str = "") -> InvitationList:
    """The invitations into the territory's organisations; ``status`` (one
    of InvitationStatus' values, or "" for all) keeps only those."""
    invitations = list(
        Invitation.objects.filter(organisation__territory=territory).select_related(
            "organisation", "invited_by", "user"
        )
    )
    counts = {s: sum(1 for i in invitations if i.status == s) for s in InvitationStatus}
    if status in InvitationStatus.values:
        invitations = [i for i in invitations if i.status == status]
    return InvitationList(invitations=invitations, counts=counts)


# Where a person lands after signing in ------------------------------------------


class LandingPage(StrEnum):
    """The kind of page a person's work starts on (the web layer names the URL)."""

    BACK_OFFICE = "back_office"  # the Django admin: superusers
    TERRITORY_TEAM = "territory_team"  # the campaign follow-up of the territory
    REFERRALS = "referrals"  # the directory's referrals: partners
    COLLECTION = "collection"  # door-to-door collection: field agents
    TRAINING = "training"  # the serious game's sessions of the territory: trainers
    HOME = "home"  # no role yet


# The first role found in this order decides: a person who is both partner
# and field agent mostly refers (the collection is one menu item away).
LANDING_BY_ROLE = (
    (Role.ADMIN, LandingPage.TERRITORY_TEAM),
    (Role.PROJECT_LEAD, LandingPage.TERRITORY_TEAM),
    (Role.PARTNER, LandingPage.REFERRALS),
    (Role.FIELD_AGENT, LandingPage.COLLECTION),
    (Role.TRAINER, LandingPage.TRAINING),
)


@dataclass(frozen=True)
class Landing:
    """Where a person's work starts: the page kind, and for the territory's
    team the territory (the first by name when they work on several)."""

    page: LandingPage
    territory: Territory | None = None


# The landings that start on one territory's pages.
TERRITORY_LANDINGS = (LandingPage.TERRITORY_TEAM, LandingPage.TRAINING)


def landing_for(user: User | AnonymousUser) -> Landing:
    """The page a signed-in person lands on, from their roles (docs/guide/
    comptes.md): a superuser → the back-office; a territory's administrator
    or project lead → their territory's campaign follow-up; a partner → the
    referrals; a field agent → the collection; a trainer → their
    territory's serious game sessions; anyone else (or anonymous,
    or inactive) → the home page."""
    if not user.is_authenticated or not user.is_active:
        return Landing(LandingPage.HOME)
    if user.is_superuser:
        return Landing(LandingPage.BACK_OFFICE)
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organisation__territory")
        .order_by("organisation__territory__name", "organisation__territory__siren")
    )
    for role, page in LANDING_BY_ROLE:
        held = [m for m in memberships if m.role == role]
        if held:
            territory = held[0].organisation.territory
            return Landing(page, territory if page in TERRITORY_LANDINGS else None)
    return Landing(LandingPage.HOME)


def member_territories(user: User | AnonymousUser) -> list[Territory]:
    """The territories where the user holds a role (any organisation), by name."""
    if not user.is_authenticated or not user.is_active:
        return []
    return list(Territory.objects.filter(organisations__memberships__user=user).distinct())
