"""Who may run the training on a territory: its personas, the serious
game's sessions, its events and their registrations (Capability.RUN_TRAINING:
administrators, project leads and the territory's trainers)."""

from django.contrib.auth.models import AnonymousUser

from nonrecours.accounts.access import require_capability
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.territories.models import Territory


def access_training(user: User | AnonymousUser, territory: Territory) -> Territory:
    """The territory, if the user may run its training (administrators,
    project leads, trainers; a superuser). Raises PermissionDenied
    (accounts.access.DENIAL_MESSAGES[RUN_TRAINING]) otherwise."""
    return require_capability(user, territory, Capability.RUN_TRAINING)
