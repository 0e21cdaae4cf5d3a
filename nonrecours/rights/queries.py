"""Reads of the rights simulator."""

from django.utils import timezone

from nonrecours.rights.actions import CODE_ALPHABET, simulations_purge_expired
from nonrecours.rights.models import SavedSimulation


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
