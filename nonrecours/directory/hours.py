"""Opening hours of the directory: the one rule read on import, on edit, in
the search and on the pages.

data·inclusion asks for OpenStreetMap's opening_hours syntax, but partners'
files often give plain French ("Du lundi au vendredi de 8h30 à 12h"). Such a
text is never refused nor rewritten: it is kept and shown as given, never
claimed open or closed, and flagged as a quality warning. Only hours in the
OpenStreetMap syntax are parsed and answer "ouvert maintenant". No Django
here."""

import datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, State

PARIS = ZoneInfo("Europe/Paris")
OSM_EXAMPLE = "Mo-Fr 08:30-12:00,13:30-17:00; PH off"
UNREADABLE_WARNING = "horaires non lisibles automatiquement (format OpenStreetMap attendu)"
HOURS_HELP = (
    f"De préférence au format OpenStreetMap, par exemple « {OSM_EXAMPLE} » (Mo lundi, Tu "
    "mardi, We mercredi, Th jeudi, Fr vendredi, Sa samedi, Su dimanche, PH jours fériés) : "
    "la recherche « ouvert maintenant » ne lit que ce format. Un autre texte est gardé et "
    "affiché tel quel, avec un avertissement de qualité."
)

OpeningState = Literal["ouvert", "fermé", "inconnu", "texte"]
"""ouvert / fermé: read from OpenStreetMap hours; inconnu: no hours, or the
hours themselves say "unknown"; texte: hours given as free text, shown as
given and never claimed open or closed."""


@lru_cache(maxsize=4096)
def parse(text: str) -> OpeningHours | None:
    """The hours parsed (French public holidays, Paris time), or None when
    the text is not in the OpenStreetMap syntax."""
    if not text.strip():
        return None
    try:
        return OpeningHours(text, country="FR", timezone=PARIS)
    except Exception:  # noqa: BLE001 - the library's ParserError, and any odd input
        return None


def is_free_text(text: str | None) -> bool:
    """True when hours are given but cannot be read automatically."""
    return bool(text and text.strip()) and parse(str(text)) is None


def hours_warning(text: str | None) -> str | None:
    """The quality warning of hours given as free text, else None."""
    return UNREADABLE_WARNING if is_free_text(text) else None


def opening_state(text: str | None, when: datetime.datetime) -> OpeningState:
    """Whether a place is open at `when`, from its hours: "ouvert" and
    "fermé" only from OpenStreetMap hours (public holidays count as closed
    when the hours say so); "texte" for free text, never claimed either."""
    if not text or not text.strip():
        return "inconnu"
    parsed = parse(text)
    if parsed is None:
        return "texte"
    try:
        state, _comment = parsed.state(when.astimezone(PARIS))
    except Exception:  # noqa: BLE001 - an expression the library cannot evaluate
        return "inconnu"
    if state == State.OPEN:
        return "ouvert"
    if state == State.CLOSED:
        return "fermé"
    return "inconnu"
