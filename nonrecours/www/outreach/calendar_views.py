"""Pages of the bus's calendars: the saved calendars and a new one solved,
a calendar week by week with the rules it breaks and why each stop is
visited, a visit moved or cancelled by hand (the rules checked again)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from nonrecours.errors import UserError
from nonrecours.outreach.access import (
    access_bus_calendar_by_id,
    access_bus_visit_by_id,
    access_outreach_planning_by_siren,
)
from nonrecours.outreach.bus_settings import bus_rules, rules_text
from nonrecours.outreach.calendar import territory_calendar
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar
from nonrecours.outreach.planning import STATUS_LABELS, Violation, day_text
from nonrecours.outreach.queries import governed_calendars
from nonrecours.outreach.saved_calendars import (
    SavedCalendarError,
    VisitChangeRefused,
    calendar_save,
    calendar_weeks,
    saved_calendar,
    visit_cancel,
    visit_move,
    visits_outside,
)
from nonrecours.www.errors import add_to_form
from nonrecours.www.outreach.forms import CalendarForm, VisitCancelForm, VisitMoveForm
from nonrecours.www.requests import AuthenticatedRequest

# Seconds the solver may take while the project lead waits for the page
# (an optimal calendar of the CU d'Arras takes 4 to 6 s; the command line
# allows more, `--time-limit`).
PAGE_TIME_LIMIT_SECONDS = 20.0


def _next_monday(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=7 - today.weekday())


@never_cache
@login_required
def outreach_calendars(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The territory's saved calendars, and the form of a new one (POST
    solves it with CP-SAT and saves it)."""
    territory = access_outreach_planning_by_siren(request.user, siren)
    today = timezone.localdate()
    form = CalendarForm(initial={"start": _next_monday(today)})
    status = 200
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                planned = territory_calendar(
                    territory,
                    start=data["start"],
                    weeks=data["weeks"],
                    vehicles=data["vehicles"],
                    small_every_weeks=data["small_every_weeks"] or None,
                    time_limit_seconds=PAGE_TIME_LIMIT_SECONDS,
                )
                saved = calendar_save(planned=planned, name=data["name"], user=request.user)
            except UserError as error:
                add_to_form(form, error)
            else:
                messages.success(
                    request,
                    f"Calendrier « {saved.name} » calculé et enregistré : "
                    f"{STATUS_LABELS.get(saved.status, saved.status)}.",
                )
                return redirect("outreach_calendar", siren, saved.pk)
        status = 422
    calendars = BusCalendar.objects.filter(territory=territory).annotate(
        visit_count=Count("visits", filter=~Q(visits__status=VisitStatus.CANCELLED)),
        changed_count=Count("visits", filter=~Q(visits__status=VisitStatus.PLANNED)),
    )
    return render(
        request,
        "outreach/calendars.html",
        {
            "territory": territory,
            "calendars": calendars,
            "form": form,
            "rules_text": rules_text(bus_rules(territory)),
        },
        status=status,
    )


@never_cache
@login_required
def outreach_calendar(request: AuthenticatedRequest, siren: str, pk: str) -> HttpResponse:
    """A saved calendar week by week, the rules it breaks, each stop's
    explanation."""
    calendar = access_bus_calendar_by_id(request.user, siren, pk)
    try:
        state = saved_calendar(calendar)
    except SavedCalendarError as error:
        return render(
            request,
            "outreach/calendar_unreadable.html",
            {"territory": calendar.territory, "calendar": calendar, "error": error},
            status=422,
        )
    counts: dict[str, int] = {}
    for visit in state.active():
        counts[visit.stop_key] = counts.get(visit.stop_key, 0) + 1
    stops = sorted(state.stops, key=lambda s: (-s.priority, s.name))
    return render(
        request,
        "outreach/calendar.html",
        {
            "territory": calendar.territory,
            "calendar": calendar,
            "state": state,
            "weeks": calendar_weeks(state),
            "outside": visits_outside(state),
            "stops": [(s, counts.get(s.key, 0), state.explanations[s.key]) for s in stops],
            "status_label": STATUS_LABELS.get(calendar.status, calendar.status),
            "changed": [v for v in state.visits if v.status != VisitStatus.PLANNED],
            "overlapping": [
                g.calendar.name
                for g in governed_calendars(calendar.territory)
                if g.calendar.pk != calendar.pk
                and g.calendar.start <= state.rules.end
                and calendar.start <= g.last_day
            ],
        },
    )


def _violation_messages(request: AuthenticatedRequest, violations: list[Violation]) -> None:
    if violations:
        count = len(violations)
        messages.warning(
            request,
            f"Le calendrier enfreint maintenant {count} règle{'s' if count > 1 else ''} : "
            + " ".join(v.message for v in violations),
        )


@never_cache
@login_required
def outreach_visit(
    request: AuthenticatedRequest, siren: str, pk: str, visit_pk: str
) -> HttpResponse:
    """A visit of a saved calendar: move it (the rules checked again; a
    broken rule is shown and must be confirmed) or cancel it (POST)."""
    visit = access_bus_visit_by_id(request.user, siren, pk, visit_pk)
    calendar = visit.calendar
    state = saved_calendar(calendar)
    half_days = [h.label for h in state.rules.half_days]
    move_initial = {"day": visit.day, "half_day": visit.half_day, "vehicle": visit.vehicle}
    move_form = VisitMoveForm(
        initial=move_initial, half_days=half_days, vehicles=state.rules.vehicles
    )
    cancel_form = VisitCancelForm()
    refused: tuple[Violation, ...] = ()
    status = 200
    back = reverse("outreach_calendar", args=[siren, calendar.pk]) + f"#passage-{visit.pk}"
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "move":
        move_form = VisitMoveForm(request.POST, half_days=half_days, vehicles=state.rules.vehicles)
        if move_form.is_valid():
            data = move_form.cleaned_data
            try:
                violations = visit_move(
                    visit=visit,
                    day=data["day"],
                    half_day=data["half_day"],
                    vehicle=data["vehicle"],
                    reason=data["reason"],
                    user=request.user,
                    accept_violations=data["confirm"],
                )
            except VisitChangeRefused as error:
                refused = error.violations
            except UserError as error:
                add_to_form(move_form, error)
            else:
                messages.success(
                    request,
                    f"Passage de « {visit.stop.name} » déplacé au {day_text(visit.day)} "
                    f"({visit.half_day}).",
                )
                _violation_messages(request, violations)
                return redirect(back)
        status = 422
    elif action == "cancel":
        cancel_form = VisitCancelForm(request.POST)
        if cancel_form.is_valid():
            try:
                violations = visit_cancel(
                    visit=visit, reason=cancel_form.cleaned_data["cancel_reason"], user=request.user
                )
            except UserError as error:
                add_to_form(cancel_form, error)
            else:
                messages.success(
                    request,
                    f"Passage de « {visit.stop.name} » du {day_text(visit.day)} annulé.",
                )
                _violation_messages(request, violations)
                return redirect(back)
        status = 422
    return render(
        request,
        "outreach/calendar_visit.html",
        {
            "territory": calendar.territory,
            "calendar": calendar,
            "visit": visit,
            "move_form": move_form,
            "cancel_form": cancel_form,
            "refused": refused,
            "back": back,
        },
        status=status,
    )
