"""Reads of the rights simulator."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from nonrecours.accounts.access import access_saved_simulation
from nonrecours.accounts.models import User
from nonrecours.rights.actions import CODE_ALPHABET, simulations_purge_expired
from nonrecours.rights.models import SavedSimulation
from nonrecours.territories.models import Territory

# One answer for every code that does not open a simulation, so that trying
# codes reveals nothing: unknown, expired, or of another territory.
NO_SIMULATION = "Aucune simulation en cours avec ce code (ou elle a expiré)."


def normalise_code(raw: str) -> str:
    """As typed: spaces, dashes and lower case accepted; O read as 0 is
    not in the alphabet, so it cannot be confused."""
    return "".join(ch for ch in raw.upper() if ch in CODE_ALPHABET)


def simulation_by_code(raw: str) -> SavedSimulation | None:
    """The simulation kept under this code, unless it has expired."""
    code = normalise_code(raw)
    if not code:
        return None
    simulations_purge_expired()
    return SavedSimulation.objects.filter(code=code, expires_at__gt=timezone.now()).first()


def simulation_to_reopen(user: User, raw: str) -> SavedSimulation | None:
    """The kept simulation under this code that ``user`` may reopen
    (accounts.access.access_saved_simulation). None alike for an unknown
    code, an expired simulation and one of a territory where the user is
    not a partner professional: whether the code exists is not told (shown
    as NO_SIMULATION). Callers limit the look-ups (www.ratelimit)."""
    saved = simulation_by_code(raw)
    if saved is None:
        return None
    try:
        access_saved_simulation(user, saved.territory)
    except PermissionDenied:
        return None
    return saved


def simulation_of_territory(raw: str, territory: Territory) -> SavedSimulation | None:
    """The kept simulation under this code if it is ``territory``'s (a
    referral takes the amounts of its own territory's simulations only);
    None alike for an unknown, expired or other territory's code."""
    saved = simulation_by_code(raw)
    if saved is None or saved.territory_id != territory.pk:
        return None
    return saved
