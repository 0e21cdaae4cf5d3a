"""Who may use the aller-vers pages of a territory: fetch and check by its
SIREN (as accounts.access and surveys.access do).

Territories are public: an unknown SIREN is a plain 404, a forbidden one a
403 with the capability's French reason.

- the priority index (built only from figures the secrecy rule releases and
  from public files): ``Capability.VIEW_AGGREGATES`` — partners and team;
- its weights, the stops and the calendar: ``Capability.PLAN_OUTREACH`` —
  the territory's administrators and project leads;
- the activity log of the bus's visits (persons received, hours of
  presence): ``Capability.LOG_OUTREACH`` — field agents, project leads,
  administrators. A visit is fetched by its id: unknown and not allowed get
  the same 404 (VISIT_NOT_FOUND), as a referral does.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from nonrecours.accounts.access import has_capability, require_capability
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.outreach.models import BusCalendar, BusVisit, Stop
from nonrecours.outreach.queries import running_visits
from nonrecours.territories.models import Territory
from nonrecours.textrules import database_id

TERRITORY_NOT_FOUND = "Territoire inconnu."
VISIT_NOT_FOUND = "Passage inconnu."


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


def access_outreach_log(user: User | AnonymousUser, territory: Territory) -> Territory:
    """The territory, if the user may note the bus's activity there (field
    agents, project leads, administrators; a superuser). Raises
    PermissionDenied (DENIAL_MESSAGES[LOG_OUTREACH]) otherwise."""
    return require_capability(user, territory, Capability.LOG_OUTREACH)


def access_bus_visit_log_by_id(user: User | AnonymousUser, pk: int | str) -> BusVisit:
    """The visit of the bus whose activity the user may note, with its
    calendar, territory and stop. Raises Http404 (VISIT_NOT_FOUND) for an
    id that is not a number, an unknown visit, and a visit of a territory
    where the user may not log: the same answer, so that the bus's
    calendars of other territories are not probed by id."""
    # Not an id the database can hold (PostgreSQL's integer stops at 2^31).
    key = database_id(pk)
    if key is None:
        raise Http404(VISIT_NOT_FOUND)
    visit = (
        BusVisit.objects.select_related("calendar__territory", "stop__commune")
        .filter(pk=key)
        .first()
    )
    # Unknown: the same answer as not allowed.
    if visit is None:
        raise Http404(VISIT_NOT_FOUND)
    # Only the team of the visit's territory notes its activity.
    if not has_capability(user, visit.calendar.territory, Capability.LOG_OUTREACH):
        raise Http404(VISIT_NOT_FOUND)
    # A draft's visits never take place: nothing to note. A visit already
    # noted stays open, so that a phone's late sync is not lost.
    noted = visit.arrived_at is not None or visit.visitors.exists()
    if not noted and not running_visits(visit.calendar.territory).filter(pk=visit.pk).exists():
        raise Http404(VISIT_NOT_FOUND)
    return visit


CALENDAR_NOT_FOUND = "Calendrier inconnu."


def access_bus_calendar_by_id(user: User | AnonymousUser, siren: str, pk: int | str) -> BusCalendar:
    """The saved calendar ``pk`` of the territory ``siren``, if the user may
    plan its aller-vers. Raises Http404 (TERRITORY_NOT_FOUND) for an unknown
    territory, PermissionDenied (French) when the user may not plan there,
    Http404 (CALENDAR_NOT_FOUND) for a calendar that is not the
    territory's."""
    territory = access_outreach_planning_by_siren(user, siren)
    key = database_id(pk)
    if key is None:
        raise Http404(CALENDAR_NOT_FOUND)
    calendar = BusCalendar.objects.filter(territory=territory, pk=key).first()
    if calendar is None:
        raise Http404(CALENDAR_NOT_FOUND)
    return calendar


def access_bus_visit_by_id(
    user: User | AnonymousUser, siren: str, calendar_pk: int | str, pk: int | str
) -> BusVisit:
    """The visit ``pk`` of the saved calendar ``calendar_pk``, to move or
    cancel (``access_bus_calendar_by_id``, then Http404 VISIT_NOT_FOUND for
    a visit that is not the calendar's)."""
    calendar = access_bus_calendar_by_id(user, siren, calendar_pk)
    key = database_id(pk)
    if key is None:
        raise Http404(VISIT_NOT_FOUND)
    visit = BusVisit.objects.filter(calendar=calendar, pk=key).select_related("stop").first()
    if visit is None:
        raise Http404(VISIT_NOT_FOUND)
    visit.calendar = calendar
    return visit


STOP_NOT_FOUND = "Arrêt inconnu."


def access_stop_by_id(user: User | AnonymousUser, siren: str, pk: int | str) -> Stop:
    """The stop ``pk`` of the territory ``siren``, if the user may plan its
    aller-vers (``access_outreach_planning_by_siren``); Http404
    (STOP_NOT_FOUND) for a stop that is not the territory's."""
    territory = access_outreach_planning_by_siren(user, siren)
    key = database_id(pk)
    if key is None:
        raise Http404(STOP_NOT_FOUND)
    stop = Stop.objects.filter(territory=territory, pk=key).select_related("commune").first()
    if stop is None:
        raise Http404(STOP_NOT_FOUND)
    return stop
