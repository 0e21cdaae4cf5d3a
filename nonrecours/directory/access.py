"""Who may edit the directory: the territory's team every entry, a partner
organisation attached to a structure its own entry and offers (built on the
roles of accounts.access)."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nonrecours.accounts.access import (
    DENIAL_MESSAGES,
    has_capability,
    referral_organisations,
    require_capability,
)
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.directory.models import Offer, Structure
from nonrecours.territories.models import Territory


def access_directory_edit(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.EDIT_DIRECTORY)


def can_edit_structure(user: User | AnonymousUser, structure: Structure) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if has_capability(user, structure.territory, Capability.EDIT_DIRECTORY):
        return True
    return structure.organisation_id is not None and (
        structure.organisation_id in referral_organisations(user)
    )


def access_structure_edit(user: User | AnonymousUser, structure: Structure) -> Structure:
    if not can_edit_structure(user, structure):
        raise PermissionDenied(DENIAL_MESSAGES[Capability.EDIT_DIRECTORY])
    return structure


# Fetch and check by id (Zulip's access_stream_by_id): the directory is
# public, so an unknown entry is a plain 404 and a forbidden one a 403 with
# its reason; the existence of an entry is no secret.


def access_structure_edit_by_id(user: User | AnonymousUser, structure_id: int) -> Structure:
    """The structure ``structure_id``, if the user may edit its entry and
    offers (the territory's team; the partner organisation attached to it).

    Raises Http404 (French) for an unknown structure, PermissionDenied
    (DENIAL_MESSAGES[EDIT_DIRECTORY]) otherwise."""
    structure = Structure.objects.select_related("territory").filter(pk=structure_id).first()
    # Unknown: the directory is public, no need to hide it.
    if structure is None:
        raise Http404("Structure inconnue.")
    # The team of its territory, or the organisation attached to it.
    return access_structure_edit(user, structure)


def access_offer_edit_by_id(user: User | AnonymousUser, offer_id: int) -> Offer:
    """The offer ``offer_id``, if the user may edit its structure
    (access_structure_edit_by_id's rule). Raises Http404, PermissionDenied."""
    offer = Offer.objects.select_related("structure__territory").filter(pk=offer_id).first()
    # Unknown: as for a structure.
    if offer is None:
        raise Http404("Offre inconnue.")
    # Whoever may edit its structure edits its offers.
    access_structure_edit(user, offer.structure)
    return offer


def access_directory_edit_by_siren(user: User, siren: str) -> Territory:
    """The territory in whose directory the user may add a structure (its
    team). Raises Http404 for an unknown territory, PermissionDenied."""
    territory = Territory.objects.filter(siren=siren).first()
    # Unknown territory (or none given).
    if territory is None:
        raise Http404("Territoire inconnu.")
    # Only the territory's team adds structures.
    return access_directory_edit(user, territory)


def directory_team(user: User | AnonymousUser, territory: Territory) -> bool:
    """Whether the user edits as the territory's team (every entry, and
    which organisation receives a structure's referrals), rather than as the
    organisation attached to one structure."""
    return has_capability(user, territory, Capability.EDIT_DIRECTORY)
