"""Who may run the training on a territory: its personas, the serious
game's sessions, its events and their registrations (Capability.RUN_TRAINING:
administrators, project leads and the territory's trainers); and who may
play the serious game alone there (any member of the territory)."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from nonrecours.accounts.access import capabilities_on, require_capability
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.territories.models import Territory

SOLO_DENIED = "Le jeu en solo est réservé aux membres du territoire."


def access_training(user: User | AnonymousUser, territory: Territory) -> Territory:
    """The territory, if the user may run its training (administrators,
    project leads, trainers; a superuser). Raises PermissionDenied
    (accounts.access.DENIAL_MESSAGES[RUN_TRAINING]) otherwise."""
    return require_capability(user, territory, Capability.RUN_TRAINING)


def access_solo_game(user: User | AnonymousUser, territory: Territory) -> Territory:
    """The territory, if the user may play the serious game alone there: a
    member of the territory with any role (a capability on it), a
    superuser. Raises PermissionDenied (SOLO_DENIED) otherwise."""
    if not capabilities_on(user, territory):
        raise PermissionDenied(SOLO_DENIED)
    return territory
