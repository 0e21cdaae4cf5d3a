"""Opening hours in French in templates: {% load directory_hours %} then
{{ value|opening_hours_text }} (see nonrecours.directory.hours)."""

from django import template

from nonrecours.directory.hours import opening_hours_text as _opening_hours_text

register = template.Library()


@register.filter
def opening_hours_text(value: str | None) -> str:
    """OpenStreetMap hours written in French ("du lundi au vendredi de 8 h à
    12 h ; fermé les jours fériés"), a clock time never cut at a line end
    (the no-break spaces of "8 h 30" come from the domain's text); free
    text as given; "" for none."""
    return _opening_hours_text(str(value or "").strip())
