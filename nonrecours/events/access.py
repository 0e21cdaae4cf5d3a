"""Who may run a territory's events: the territory's team and its trainers
(Capability.RUN_TRAINING: administrators, project leads, trainers; a
superuser). Fetch and check by id, each condition on its own line.

The public pages of an event (registration, questionnaires) are reached by
the secret token of their link: events.queries.event_by_*_token."""

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from nonrecours.accounts.access import require_capability
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.events.models import Event, Registration
from nonrecours.territories.models import Territory


def access_events(user: User | AnonymousUser, territory: Territory) -> Territory:
    """The territory, if the user may run its events. Raises
    PermissionDenied (accounts.access.DENIAL_MESSAGES[RUN_TRAINING])."""
    return require_capability(user, territory, Capability.RUN_TRAINING)


def access_events_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory ``siren``, if the user may run its events. Raises
    Http404 (French) for an unknown territory (territories are public),
    PermissionDenied otherwise."""
    territory = Territory.objects.filter(siren=siren).first()
    # Unknown territory: territories are public, saying so gives nothing away.
    if territory is None:
        raise Http404(f"Aucun territoire n'a le code SIREN {siren}.")
    return access_events(user, territory)


def access_event_by_id(user: User | AnonymousUser, siren: str, event_id: int) -> Event:
    """The event ``event_id`` of the territory ``siren``, if the user may
    run the territory's events.

    Raises Http404 (French) for an unknown territory or an event that is
    not one of this territory's — checked after the permission, so that
    others learn nothing of its events — and PermissionDenied otherwise."""
    territory = access_events_by_siren(user, siren)
    event = Event.objects.filter(pk=event_id, territory=territory).select_related("territory")
    found = event.first()
    # Unknown, or another territory's event: the same answer.
    if found is None:
        raise Http404("Événement inconnu.")
    return found


def access_registration_by_id(
    user: User | AnonymousUser, siren: str, event_id: int, registration_id: int
) -> Registration:
    """A registration of the event ``event_id`` (access_event_by_id), to
    tick it present. Raises Http404 for one of another event."""
    event = access_event_by_id(user, siren, event_id)
    found = event.registrations.filter(pk=registration_id).first()
    # Unknown, or another event's registration: the same answer.
    if found is None:
        raise Http404("Inscription inconnue.")
    found.event = event
    return found
