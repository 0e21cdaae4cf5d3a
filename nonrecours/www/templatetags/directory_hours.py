"""Opening hours in French in templates: {% load directory_hours %} then
{{ value|opening_hours_text }}, {{ value|dated_changes }} (see
nonrecours.directory.hours)."""

from django import template
from django.utils import timezone

from nonrecours.directory.hours import DatedChange
from nonrecours.directory.hours import dated_changes as _dated_changes
from nonrecours.directory.hours import opening_hours_text as _opening_hours_text

register = template.Library()


@register.filter
def opening_hours_text(value: str | None) -> str:
    """OpenStreetMap hours written in French ("du lundi au vendredi de 8 h à
    12 h ; fermé les jours fériés"), a clock time never cut at a line end
    (the no-break spaces of "8 h 30" come from the domain's text); free
    text as given; "" for none."""
    return _opening_hours_text(str(value or "").strip())


@register.filter
def dated_changes(value: str | None) -> list[DatedChange]:
    """The changes announced in OpenStreetMap hours from today on (a day
    closed or opened with a comment: « Passage du mardi 8 décembre 2026
    matin annulé »), by day; [] for none (see
    nonrecours.directory.hours.dated_changes)."""
    return _dated_changes(str(value or ""), since=timezone.localdate())
