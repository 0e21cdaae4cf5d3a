"""Opening hours in French in templates: {% load directory_hours %} then
{{ value|opening_hours_text }} (see nonrecours.directory.hours)."""

import re

from django import template

from nonrecours.directory.hours import opening_hours_text as _opening_hours_text

register = template.Library()
_CLOCK = re.compile(r"(\d+) h(?: (\d\d)\b)?")


@register.filter
def opening_hours_text(value: str | None) -> str:
    """OpenStreetMap hours written in French ("du lundi au vendredi de 8 h à
    12 h ; fermé les jours fériés"), a clock time never cut at a line end
    (no-break spaces in "8 h 30"); free text as given; "" for none."""
    given = str(value or "").strip()
    text = _opening_hours_text(given)
    if text == given:
        return text  # free text, or an expression not written out: as given
    return _CLOCK.sub(lambda m: "\u00a0".join(filter(None, [m[1], "h", m[2]])), text)
