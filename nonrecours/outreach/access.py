"""Who may use the aller-vers pages of a territory: fetch and check by its
SIREN (as accounts.access and surveys.access do).

Territories are public: an unknown SIREN is a plain 404, a forbidden one a
403 with the capability's French reason.

- the priority index (built only from figures the secrecy rule releases and
  from public files): ``Capability.VIEW_AGGREGATES`` — partners and team;
- its weights, the stops and the calendar: ``Capability.PLAN_OUTREACH`` —
  the territory's administrators and project leads.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from nonrecours.accounts.access import require_capability
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.territories.models import Territory

TERRITORY_NOT_FOUND = "Territoire inconnu."


def _territory_or_404(siren: str) -> Territory:
    territory = Territory.objects.filter(siren=siren).first()
    if territory is None:
        raise Http404(TERRITORY_NOT_FOUND)
    return territory


def access_outreach_priorities_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose priority index the user may read (partners and
    team; a superuser). Raises Http404 (TERRITORY_NOT_FOUND) for an unknown
    territory, PermissionDenied (French) otherwise."""
    territory = _territory_or_404(siren)
    return require_capability(user, territory, Capability.VIEW_AGGREGATES)


def access_outreach_planning_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose aller-vers the user may plan: the index's
    weights, the stops, the calendar (administrators, project leads; a
    superuser). Raises Http404 (TERRITORY_NOT_FOUND) for an unknown
    territory, PermissionDenied (French) otherwise."""
    territory = _territory_or_404(siren)
    return require_capability(user, territory, Capability.PLAN_OUTREACH)
