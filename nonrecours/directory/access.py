"""Who may edit the directory: the territory's team every entry, a partner
organisation attached to a structure its own entry and offers (built on the
roles of accounts.access)."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from nonrecours.accounts.access import (
    DENIAL_MESSAGES,
    has_capability,
    referral_organisations,
    require_capability,
)
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.directory.models import Structure
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
