"""Reads on organisations and invitations."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from nonrecours.accounts.enums import InvitationStatus
from nonrecours.accounts.models import Invitation, Organisation
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
