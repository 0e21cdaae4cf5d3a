"""The attendance sheet of an event (« feuille d'émargement »): an A4 PDF
(WeasyPrint, ADR 005: self-contained, nothing fetched) with the event's
title, days, hours and place, and its registrations grouped by structure,
one signature column per half-day (events.queries.event_half_days)."""

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from nonrecours.directory.hours import clock_text
from nonrecours.events.enums import HalfDay
from nonrecours.events.models import Event
from nonrecours.events.queries import event_half_days, registrations_by_organisation
from nonrecours.french import date_text

# Beyond this many half-days the columns are too narrow to sign: one page
# per group of columns.
COLUMNS_PER_PAGE = 4
HALF_DAY_LABELS = dict(HalfDay.choices)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"La feuille d'émargement est autonome : aucune ressource externe ({url}).")


def days_text(event: Event) -> str:
    """« 15 décembre 2026 » or « du 18 au 19 janvier 2027 » (French)."""
    if event.starts_on == event.ends_on:
        return date_text(event.starts_on)
    return f"du {date_text(event.starts_on)} au {date_text(event.ends_on)}"


def hours_text(event: Event) -> str:
    """« de 9 h à 16 h 30 » (directory.hours.clock_text)."""
    return f"de {clock_text(event.start_time)} à {clock_text(event.end_time)}"


def attendance_sheet_pdf(event: Event) -> bytes:
    """The attendance sheet as PDF bytes: one table per group of at most
    COLUMNS_PER_PAGE half-days, each listing every registration by
    structure (name, first name, job title) with an empty box to sign per
    half-day. An event without registration gets a sheet with blank lines
    for people who come unregistered."""
    from weasyprint import HTML  # imported here: it loads Pango, needed only for the PDF

    half_days = [(date_text(day), HALF_DAY_LABELS[half]) for day, half in event_half_days(event)]
    pages = [
        half_days[n : n + COLUMNS_PER_PAGE] for n in range(0, len(half_days), COLUMNS_PER_PAGE)
    ]
    html = render_to_string(
        "events/attendance_sheet.html",
        {
            "event": event,
            "days": days_text(event),
            "hours": hours_text(event),
            "groups": registrations_by_organisation(event),
            "pages": pages,
            "blank_lines": range(6),
            "printed_on": date_text(timezone.localdate()),
        },
    )
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return pdf
