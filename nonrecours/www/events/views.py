"""The team's pages of a territory's events (forums, trainings): the list
and a new event, an event's page (registrations by structure, adding one or
a file, the public links and their QR codes, the indicators), the
attendance sheet (PDF), ticking presence on a phone, and the yearly
indicators with their CSV export (secrecy rule applied). Reserved to the
capability « animer les formations » (events.access)."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nonrecours.accounts.queries import territory_organisations
from nonrecours.events import access, actions, indicators, queries, sheets
from nonrecours.events.enums import EventKind, HalfDay
from nonrecours.events.models import Event
from nonrecours.events.programmes import programme_by_slug
from nonrecours.territories.models import Territory
from nonrecours.textrules import database_id
from nonrecours.www.errors import add_to_form
from nonrecours.www.events.forms import EventForm, RegistrationFileForm, RegistrationForm
from nonrecours.www.qr import qr_svg
from nonrecours.www.requests import AuthenticatedRequest

FIRST_YEAR, LAST_YEAR = actions.FIRST_YEAR, actions.LAST_YEAR
HALF_DAY_LABELS = dict(HalfDay.choices)


def _address(name: str, *args: object) -> str:
    """A page's full address (NONRECOURS_BASE_URL), to hand out or print."""
    return str(settings.NONRECOURS_BASE_URL) + reverse(name, args=args)


@login_required
@require_GET
def event_list(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The territory's events, the most recent first, and the years of its indicators."""
    territory = access.access_events_by_siren(request.user, siren)
    events = list(queries.territory_events(territory))
    years = sorted({e.starts_on.year for e in events if e.kind == EventKind.TRAINING}, reverse=True)
    return render(
        request,
        "events/list.html",
        {"territory": territory, "events": events, "years": years, "today": timezone.localdate()},
    )


def _event_form(territory: Territory, data: Any = None, initial: Any = None) -> EventForm:
    return EventForm(
        data,
        initial=initial,
        communes=territory.communes.members().order_by("name"),
        organisations=territory_organisations(territory),
    )


def _event_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The action's keyword arguments from the event form's clean data."""
    return {
        "kind": EventKind(data["kind"]), "title": data["title"],
        "starts_on": data["starts_on"], "ends_on": data["ends_on"] or data["starts_on"],
        "start_time": data["start_time"], "end_time": data["end_time"],
        "place": data["place"], "commune": data["commune"],
        "description": data["description"], "capacity": data["capacity"],
        "programme": data["programme"],
        "invited_organisations": data["invited_organisations"],
        "invited_names": data["invited_names"].splitlines(),
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """A new forum or training."""
    territory = access.access_events_by_siren(request.user, siren)
    form = _event_form(territory, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            event = actions.event_create(
                territory=territory, created_by=request.user, **_event_fields(form.cleaned_data)
            )
        except actions.EventError as error:
            add_to_form(form, error)
        else:
            messages.success(request, f"Événement « {event.title} » créé.")
            return redirect("events_detail", siren=siren, pk=event.pk)
    status = 422 if form.errors else 200
    return render(request, "events/new.html", {"territory": territory, "form": form}, status=status)


def _detail(
    request: AuthenticatedRequest,
    event: Event,
    *,
    form: RegistrationForm | None = None,
    file_form: RegistrationFileForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    territory = event.territory
    register_url = _address("events_public_register", territory.siren, event.registration_token)
    quiz_url = _address("events_public_quiz_start", territory.siren, event.quiz_token)
    programme = programme_by_slug(event.programme)
    today = timezone.localdate()
    return render(
        request,
        "events/detail.html",
        {
            "territory": territory,
            "event": event,
            "days": sheets.days_text(event),
            "hours": sheets.hours_text(event),
            "groups": queries.registrations_by_organisation(event),
            "registrations": event.registrations.count(),
            "places_left": queries.places_left(event),
            "attendees": queries.attendees(event).count(),
            "form": form or RegistrationForm(organisations=territory_organisations(territory)),
            "file_form": file_form or RegistrationFileForm(),
            "problems": problems or [],
            "register_url": register_url,
            "register_qr": qr_svg(register_url, title="Code QR du lien d'inscription"),
            "quiz_url": quiz_url,
            "quiz_qr": qr_svg(quiz_url, title="Code QR du lien des questionnaires")
            if programme
            else "",
            "programme": programme,
            "indicators": indicators.event_indicators(event, today=today),
            "satisfaction": queries.satisfaction_summary(event, today),
            "min_pairs": indicators.MIN_QUIZ_PAIRS,
        },
        status=status,
    )


@login_required
@require_GET
def event_detail(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """An event: its registrations by structure, its links, its indicators."""
    return _detail(request, access.access_event_by_id(request.user, siren, pk))


@login_required
@require_POST
def registration_new(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """The trainer registers one person."""
    event = access.access_event_by_id(request.user, siren, pk)
    form = RegistrationForm(request.POST, organisations=territory_organisations(event.territory))
    if form.is_valid():
        data = form.cleaned_data
        try:
            registration = actions.registration_create(
                event=event, created_by=request.user, last_name=data["last_name"],
                first_name=data["first_name"], email=data["email"],
                organisation=data["organisation"], organisation_name=data["organisation_name"],
                organisation_kind=data["organisation_kind"], job_title=data["job_title"],
            )  # fmt: skip
        except actions.RegistrationError as error:
            add_to_form(form, error)
        else:
            messages.success(
                request, f"{registration.first_name} {registration.last_name} inscrit·e."
            )
            return redirect("events_detail", siren=siren, pk=event.pk)
    return _detail(request, event, form=form, status=422)


@login_required
@require_POST
def registration_import(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """A CSV list of registrations, all or nothing; each refused line is listed."""
    event = access.access_event_by_id(request.user, siren, pk)
    file_form = RegistrationFileForm(request.POST, request.FILES)
    if file_form.is_valid():
        try:
            registrations = actions.registrations_import(
                event=event, created_by=request.user,
                text=file_form.cleaned_data["file"], filename=file_form.filename,
            )  # fmt: skip
        except actions.RegistrationsRejected as error:
            problems = [p.message for p in error.problem_list()]
            return _detail(request, event, file_form=file_form, problems=problems, status=422)
        messages.success(request, f"{len(registrations)} inscription(s) enregistrée(s).")
        return redirect("events_detail", siren=siren, pk=event.pk)
    return _detail(request, event, file_form=file_form, status=422)


@login_required
@require_POST
def registration_link(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """Open or close the public registration link."""
    event = access.access_event_by_id(request.user, siren, pk)
    open_ = request.POST.get("ouvrir") == "1"
    actions.event_registration_toggle(event=event, open_=open_)
    messages.success(
        request, "Lien d'inscription ouvert." if open_ else "Lien d'inscription fermé."
    )
    return redirect("events_detail", siren=siren, pk=event.pk)


@login_required
@require_GET
def attendance_sheet(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """The attendance sheet to print and sign (PDF)."""
    event = access.access_event_by_id(request.user, siren, pk)
    response = HttpResponse(sheets.attendance_sheet_pdf(event), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="emargement-{event.pk}.pdf"'
    return response


def _half_day_index(event: Event, value: str | None) -> int:
    """The half-day asked for (its index), else the one under way today,
    else the first."""
    half_days = queries.event_half_days(event)
    index = database_id(value) if value != "0" else 0
    if index is not None and index < len(half_days):
        return index
    now = timezone.localtime()
    current = HalfDay.MORNING if now.time() < queries.MIDDAY else HalfDay.AFTERNOON
    for index, (day, half) in enumerate(half_days):
        if day == now.date() and half == current:
            return index
    return 0


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """Tick who is present, on a phone, half-day by half-day: one button
    per person, each a form of its own (no JavaScript)."""
    event = access.access_event_by_id(request.user, siren, pk)
    half_days = queries.event_half_days(event)
    source = request.POST if request.method == "POST" else request.GET
    index = _half_day_index(event, source.get("demi-journee"))
    day, half = half_days[index]
    if request.method == "POST":
        registration_id = database_id(request.POST.get("inscription", ""))
        if registration_id is None:
            raise Http404("Inscription inconnue.")
        registration = access.access_registration_by_id(request.user, siren, pk, registration_id)
        if request.POST.get("present") == "1":
            actions.attendance_tick(
                registration=registration, day=day, half_day=HalfDay(half), ticked_by=request.user
            )
        else:
            actions.attendance_untick(registration=registration, day=day, half_day=HalfDay(half))
        url = reverse("events_attendance", args=[siren, pk])
        return redirect(f"{url}?demi-journee={index}#inscription-{registration.pk}")
    marks = queries.attendance_marks(event)
    groups = [
        (group, [(r, (r.pk, day, half) in marks) for r in group.registrations])
        for group in queries.registrations_by_organisation(event)
    ]
    return render(
        request,
        "events/attendance.html",
        {
            "territory": event.territory,
            "event": event,
            "groups": groups,
            "index": index,
            "half_days": [(n, d, HALF_DAY_LABELS[h]) for n, (d, h) in enumerate(half_days)],
            "current": (day, HALF_DAY_LABELS[half]),
            "present": sum(1 for (_r, d, h) in marks if (d, h) == (day, half)),
        },
    )


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("Année hors de la période couverte.")
    return year


@login_required
@require_GET
def event_year(request: AuthenticatedRequest, siren: str, year: int) -> HttpResponse:
    """The year's indicators of the trainings: exact, and as exported."""
    territory = access.access_events_by_siren(request.user, siren)
    year = _year(year)
    today = timezone.localdate()
    return render(
        request,
        "events/year.html",
        {
            "territory": territory,
            "year": year,
            "exact": indicators.year_indicators(territory, year, exact=True, today=today),
            "published": indicators.year_indicators(territory, year, exact=False, today=today),
            "trainings": indicators.year_trainings(territory, year),
            "exportable": indicators.export_problem(year, today=today) == "",
            "export_problem": indicators.export_problem(year, today=today),
        },
    )


@login_required
@require_GET
def event_year_csv(request: AuthenticatedRequest, siren: str, year: int) -> HttpResponse:
    """The year's indicators as CSV, the secrecy rule applied; a finished
    year only (indicators.export_problem)."""
    territory = access.access_events_by_siren(request.user, siren)
    year = _year(year)
    today = timezone.localdate()
    problem = indicators.export_problem(year, today=today)
    if problem:
        messages.error(request, problem)
        return redirect("events_year", siren=siren, year=year)
    published = indicators.year_indicators(territory, year, exact=False, today=today)
    response = HttpResponse(
        "\ufeff" + indicators.indicators_csv(published), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="formations-{siren}-{year}.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """Correct an event (events.actions.event_update)."""
    event = access.access_event_by_id(request.user, siren, pk)
    initial = {
        "kind": event.kind, "title": event.title, "starts_on": event.starts_on,
        "ends_on": event.ends_on, "start_time": event.start_time, "end_time": event.end_time,
        "place": event.place, "commune": event.commune, "description": event.description,
        "capacity": event.capacity, "programme": event.programme,
        "invited_organisations": list(event.invited_organisations.all()),
        "invited_names": "\n".join(event.invited_names),
    }  # fmt: skip
    data = request.POST if request.method == "POST" else None
    form = _event_form(event.territory, data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.event_update(event=event, **_event_fields(form.cleaned_data))
        except actions.EventError as error:
            add_to_form(form, error)
        else:
            messages.success(request, "Événement modifié.")
            return redirect("events_detail", siren=siren, pk=event.pk)
    return render(
        request,
        "events/edit.html",
        {"territory": event.territory, "event": event, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_delete(request: AuthenticatedRequest, siren: str, pk: int) -> HttpResponse:
    """Delete an event, once confirmed (events.actions.event_delete)."""
    event = access.access_event_by_id(request.user, siren, pk)
    refusal = ""
    if request.method == "POST":
        try:
            actions.event_delete(event=event)
        except actions.EventError as error:
            refusal = str(error)
        else:
            messages.success(request, f"Événement « {event.title} » supprimé.")
            return redirect("events_list", siren=siren)
    return render(
        request,
        "events/delete.html",
        {
            "territory": event.territory,
            "event": event,
            "registrations": event.registrations.count(),
            "refusal": refusal,
        },
        status=409 if refusal else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_remove(
    request: AuthenticatedRequest, siren: str, pk: int, registration_id: int
) -> HttpResponse:
    """Remove a registration, once confirmed (events.actions.registration_remove)."""
    registration = access.access_registration_by_id(request.user, siren, pk, registration_id)
    event = registration.event
    if request.method == "POST":
        actions.registration_remove(registration=registration, today=timezone.localdate())
        messages.success(
            request, f"{registration.first_name} {registration.last_name} : inscription retirée."
        )
        return redirect("events_detail", siren=siren, pk=event.pk)
    return render(
        request,
        "events/registration_remove.html",
        {
            "territory": event.territory,
            "event": event,
            "registration": registration,
            "answers_kept": queries.answers_closed(event, timezone.localdate())
            and registration.quiz_responses.exists(),
        },
    )
