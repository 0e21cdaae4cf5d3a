"""Writes of the events app: an event (created, corrected, deleted), its
registrations (one by one, by file, by the public link; removed), and,
re-exported from events.answer_actions, the attendance ticked half-day by
half-day and the answers to its questionnaires. Each write is atomic; its errors are
French UserErrors that name the form field (or the file's line and column)
concerned."""

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from nonrecours.accounts.actions import email_normalised, email_problem
from nonrecours.accounts.enums import OrganisationKind
from nonrecours.accounts.models import Organisation, User
from nonrecours.accounts.queries import organisation_named, territory_organisations
from nonrecours.errors import Problem, UserError
from nonrecours.events.answer_actions import AttendanceError as AttendanceError
from nonrecours.events.answer_actions import QuizError as QuizError
from nonrecours.events.answer_actions import attendance_tick as attendance_tick
from nonrecours.events.answer_actions import attendance_untick as attendance_untick
from nonrecours.events.answer_actions import quiz_submit as quiz_submit
from nonrecours.events.enums import EventKind, RegistrationSource
from nonrecours.events.models import (
    Attendance,
    Event,
    Registration,
)
from nonrecours.events.programmes import programme_by_slug
from nonrecours.events.queries import (
    answers_closed,
    has_answers,
    places_left,
)
from nonrecours.events.registration_file import (
    RegistrationFileError,
    kind_from_name,
    kind_from_text,
    kind_names,
    read_registration_file,
)
from nonrecours.territories.models import Commune, Territory
from nonrecours.textrules import TEXT_MAX_LENGTH, shown, text_problem

MAX_EVENT_DAYS = 14  # a training of two weeks at most; a longer one is a mistake
# The years an event may fall in: the pages of the year's indicators cover
# these (www.events.views), a date outside is a typing mistake.
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_INVITED_NAMES = 100
FULL = "L'événement est complet : plus aucune place."
REGISTRATION_CLOSED = "Les inscriptions par ce lien sont closes."
ALREADY_REGISTERED = "{email} est déjà inscrit·e à cet événement."


class EventError(UserError, ValueError):
    """An event that cannot be saved; each problem on its form field (French)."""


class RegistrationError(UserError, ValueError):
    """A registration refused (French); ``field`` is the form field concerned."""


class AlreadyRegistered(RegistrationError):
    """The only problem of a registration: its e-mail is already registered."""


class RegistrationsRejected(UserError, ValueError):
    """A registration file refused, all or nothing: ``problems`` each with
    the file, the line and the column (French)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("Fichier refusé, personne n'a été inscrit·e :", problems=problems)


def _token() -> str:
    return secrets.token_urlsafe(18)


def _text(
    problems: list[Problem],
    field: str,
    value: str,
    *,
    required: bool = True,
    max_length: int = 200,
    multiline: bool = False,
    label: str = "",
) -> str:
    """A text field cleaned (trimmed) or a problem on ``field``."""
    text = value.strip() if isinstance(value, str) else value
    if required and not text:
        problems.append(Problem(f"{label or 'Ce champ'} est obligatoire.", field=field))
        return ""
    problem = text_problem(text, multiline=multiline, max_length=max_length)
    if problem:
        problems.append(Problem(problem, field=field))
        return ""
    return str(text)


def _event_problems(
    problems: list[Problem],
    *,
    territory: Territory,
    kind: EventKind,
    starts_on: datetime.date,
    ends_on: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    commune: Commune | None,
    capacity: int | None,
    programme: str,
    invited_organisations: list[Organisation],
) -> None:
    """The rules an event's fields follow, on creation and on change."""
    if kind not in EventKind.values:
        problems.append(Problem("Choisissez un type d'événement.", field="kind"))
    for field, day, label in (
        ("starts_on", starts_on, "Le premier"),
        ("ends_on", ends_on, "Le dernier"),
    ):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            problems.append(
                Problem(f"{label} jour doit être entre {FIRST_YEAR} et {LAST_YEAR}.", field=field)
            )
    if ends_on < starts_on:
        problems.append(Problem("Le dernier jour est avant le premier.", field="ends_on"))
    elif (ends_on - starts_on).days >= MAX_EVENT_DAYS:
        problems.append(
            Problem(f"Un événement dure au plus {MAX_EVENT_DAYS} jours.", field="ends_on")
        )
    if end_time <= start_time:
        problems.append(Problem("L'heure de fin est avant celle du début.", field="end_time"))
    if commune is not None and not Commune.objects.members_of(territory).filter(pk=commune.pk):
        problems.append(Problem("Cette commune n'est pas du territoire.", field="commune"))
    if capacity is not None and capacity < 1:
        problems.append(Problem("Au moins une place, ou laissez vide.", field="capacity"))
    if programme and programme_by_slug(programme) is None:
        problems.append(
            Problem(f"Questionnaires « {shown(programme)} » inconnus.", field="programme")
        )
    if any(o.territory_id != territory.pk for o in invited_organisations):
        problems.append(
            Problem(
                "Une organisation invitée n'est pas du territoire.", field="invited_organisations"
            )
        )


def _checked_texts(
    problems: list[Problem],
    territory: Territory,
    *,
    title: str,
    place: str,
    description: str,
    invited_organisations: Iterable[Organisation],
    **values: Any,
) -> tuple[str, str, str, list[Organisation]]:
    """The title, place and description checked, the invited organisations
    as a list, and every other field's problems (_event_problems) added to
    ``problems``: what event_create and event_update both check."""
    title = _text(problems, "title", title, label="Le titre")
    place = _text(problems, "place", place, max_length=300, label="Le lieu")
    description = _text(
        problems, "description", description, required=False, multiline=True,
        max_length=TEXT_MAX_LENGTH,
    )  # fmt: skip
    organisations = list(invited_organisations)
    _event_problems(problems, territory=territory, invited_organisations=organisations, **values)
    return title, place, description, organisations


@transaction.atomic
def event_create(
    *,
    territory: Territory,
    created_by: User | None,
    kind: EventKind,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    place: str,
    commune: Commune | None = None,
    description: str = "",
    capacity: int | None = None,
    programme: str = "",
    invited_organisations: Iterable[Organisation] = (),
    invited_names: Iterable[str] = (),
    is_synthetic: bool = False,
) -> Event:
    """A new forum or training of ``territory``, with its two public links
    drawn. Hours are the same each day, from ``starts_on`` to ``ends_on``
    (at most MAX_EVENT_DAYS days, years FIRST_YEAR to LAST_YEAR);
    ``capacity`` None means no limit; ``programme`` is the slug of its
    questionnaires (events.programmes) or "". Raises EventError listing
    each problem on its field."""
    problems: list[Problem] = []
    title, place, description, organisations = _checked_texts(
        problems, territory, title=title, place=place, description=description,
        kind=kind, starts_on=starts_on, ends_on=ends_on, start_time=start_time,
        end_time=end_time, commune=commune, capacity=capacity, programme=programme,
        invited_organisations=invited_organisations,
    )  # fmt: skip
    names = _invited_names(problems, invited_names)
    if problems:
        raise EventError("L'événement n'a pas été enregistré.", problems=problems)
    event = Event.objects.create(
        territory=territory, kind=kind, title=title, starts_on=starts_on, ends_on=ends_on,
        start_time=start_time, end_time=end_time, place=place, commune=commune,
        description=description, capacity=capacity, programme=programme,
        invited_names=names, registration_token=_token(), quiz_token=_token(),
        is_synthetic=is_synthetic, created_by=created_by,
    )  # fmt: skip
    event.invited_organisations.set(organisations)
    return event


# What cannot change once someone is ticked present or has answered: the
# half-days the ticks are on, the questionnaires the answers are to, and
# what puts the event in a year's indicators (the averages shown would move).
FROZEN_FIELDS = {
    "kind": "le type",
    "starts_on": "le premier jour",
    "ends_on": "le dernier jour",
    "start_time": "l'heure de début",
    "end_time": "l'heure de fin",
    "programme": "les questionnaires",
}


@transaction.atomic
def event_update(
    *,
    event: Event,
    kind: EventKind,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    place: str,
    commune: Commune | None = None,
    description: str = "",
    capacity: int | None = None,
    programme: str = "",
    invited_organisations: Iterable[Organisation] = (),
    invited_names: Iterable[str] = (),
) -> Event:
    """Correct an event: the rules of event_create, and more. Once someone
    is ticked present or has answered a questionnaire, its kind, days,
    hours and questionnaires (FROZEN_FIELDS) stay as they are; the places
    never fall under the registrations already made. The public links are
    kept. Raises EventError listing each problem on its field."""
    locked = _locked(event)
    problems: list[Problem] = []
    title, place, description, organisations = _checked_texts(
        problems, locked.territory, title=title, place=place, description=description,
        kind=kind, starts_on=starts_on, ends_on=ends_on, start_time=start_time,
        end_time=end_time, commune=commune, capacity=capacity, programme=programme,
        invited_organisations=invited_organisations,
    )  # fmt: skip
    wanted = {"kind": kind, "starts_on": starts_on, "ends_on": ends_on,
              "start_time": start_time, "end_time": end_time, "programme": programme}  # fmt: skip
    used = Attendance.objects.filter(registration__event=locked).exists() or has_answers(locked)
    for field, value in wanted.items():
        if used and getattr(locked, field) != value:
            problems.append(
                Problem(
                    f"Impossible de changer {FROZEN_FIELDS[field]} : des présences sont cochées "
                    "ou des réponses aux questionnaires sont enregistrées.",
                    field=field,
                )
            )
    registered = locked.registrations.count()
    if capacity is not None and capacity < registered:
        problems.append(
            Problem(f"{registered} personnes sont déjà inscrites : au moins autant de places.",
                    field="capacity")
        )  # fmt: skip
    names = _invited_names(problems, invited_names)
    if problems:
        raise EventError("L'événement n'a pas été modifié.", problems=problems)
    for field, value in {
        **wanted, "title": title, "place": place, "commune": commune,
        "description": description, "capacity": capacity, "invited_names": names,
    }.items():  # fmt: skip
        setattr(locked, field, value)
    locked.save()
    locked.invited_organisations.set(organisations)
    return locked


@transaction.atomic
def event_delete(*, event: Event) -> None:
    """Delete an event and its registrations (a mistake, an event that did
    not take place). Refused (EventError) once someone is ticked present or
    has answered a questionnaire: its figures count in the indicators;
    remove the registrations one by one instead (registration_remove)."""
    locked = _locked(event)
    if Attendance.objects.filter(registration__event=locked).exists():
        raise EventError(
            "Impossible de supprimer l'événement : des présences sont cochées. Retirez-les "
            "d'abord, ou retirez les inscriptions une à une."
        )
    if has_answers(locked):
        raise EventError(
            "Impossible de supprimer l'événement : des réponses aux questionnaires sont "
            "enregistrées (elles comptent dans les indicateurs)."
        )
    locked.delete()


@transaction.atomic
def registration_remove(*, registration: Registration, today: datetime.date) -> None:
    """Remove a registration (a mistake, or the person asks to be erased):
    their name, e-mail, structure, job and attendance ticks are deleted.
    Their quiz answers are deleted with them while the quizzes are open;
    once closed (answers_closed: the averages may have been seen), they are
    kept detached from the person (QuizResponse.pair, the kind of structure
    they counted under, the day only), so that the averages do not move:
    their difference would give the person's score back."""
    event = _locked(registration.event)
    if answers_closed(event, today):
        kind = registration.organisation_kind
        responses = list(registration.quiz_responses.all())
        pair = secrets.token_hex(16)
        for response in responses:
            day = timezone.localtime(response.submitted_at).date()
            response.registration = None
            response.pair = pair
            response.organisation_kind = kind
            response.submitted_at = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time())
            )
            response.idempotency_key = secrets.token_hex(16)
            response.save()
    registration.delete()


def _invited_names(problems: list[Problem], names: Iterable[str]) -> list[str]:
    """Names of invited structures without an account: one a line, each
    once (whatever the case), in the given order."""
    kept: list[str] = []
    for name in names:
        clean = " ".join(str(name).split())
        if not clean or clean.casefold() in {k.casefold() for k in kept}:
            continue
        problem = text_problem(clean, max_length=200)
        if problem:
            problems.append(Problem(f"« {shown(clean)} » : {problem}", field="invited_names"))
            continue
        kept.append(clean)
    if len(kept) > MAX_INVITED_NAMES:
        problems.append(
            Problem(f"Au plus {MAX_INVITED_NAMES} structures sans compte.", field="invited_names")
        )
    return kept


@transaction.atomic
def event_registration_toggle(*, event: Event, open_: bool) -> Event:
    """Open or close the public registration link."""
    event.registration_open = open_
    event.save(update_fields=["registration_open"])
    return event


def _registration_problems(
    event: Event,
    *,
    last_name: str,
    first_name: str,
    email: str,
    organisation: Organisation | None,
    organisation_name: str,
    organisation_kind: str,
    job_title: str,
) -> tuple[dict[str, Any], list[Problem]]:
    """The clean fields of a registration, or the problems (field names of
    the registration form)."""
    problems: list[Problem] = []
    fields: dict[str, Any] = {
        "last_name": _text(problems, "last_name", last_name, max_length=100, label="Le nom"),
        "first_name": _text(problems, "first_name", first_name, max_length=100, label="Le prénom"),
        "job_title": _text(problems, "job_title", job_title, required=False),
        "email": email_normalised(email) if isinstance(email, str) else "",
    }
    if fields["email"]:
        problem = email_problem(fields["email"])
        if problem:
            problems.append(Problem(problem, field="email"))
        elif event.registrations.filter(email=fields["email"]).exists():
            problems.append(
                Problem(ALREADY_REGISTERED.format(email=fields["email"]), field="email")
            )
    if organisation is not None:
        if organisation.territory_id != event.territory_id:
            problems.append(
                Problem("Cette organisation n'est pas du territoire.", field="organisation")
            )
        fields |= {"organisation": organisation, "organisation_name": organisation.name,
                   "organisation_kind": organisation.kind}  # fmt: skip
    else:
        name = _text(problems, "organisation_name", organisation_name, label="La structure")
        kind = kind_from_text(organisation_kind) if organisation_kind else kind_from_name(name)
        if kind is None:
            problems.append(
                Problem(f"Type de structure inconnu (attendu : {kind_names()}).",
                        field="organisation_kind")
            )  # fmt: skip
        fields |= {"organisation": None, "organisation_name": name,
                   "organisation_kind": kind or OrganisationKind.OTHER}  # fmt: skip
    return fields, problems


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def registration_create(
    *,
    event: Event,
    created_by: User | None,
    last_name: str,
    first_name: str,
    email: str = "",
    organisation: Organisation | None = None,
    organisation_name: str = "",
    organisation_kind: str = "",
    job_title: str = "",
    source: RegistrationSource = RegistrationSource.TEAM,
) -> Registration:
    """Register one person: on behalf of one of the territory's
    ``organisation`` or, without one, of ``organisation_name`` (its kind:
    ``organisation_kind``, a code or label of OrganisationKind, else
    guessed from the name). The e-mail is optional, unique per event.

    Raises RegistrationError (with its field) for a missing or invalid
    field, an e-mail already registered, or a full event (field "")."""
    locked = _locked(event)
    fields, problems = _registration_problems(
        locked, last_name=last_name, first_name=first_name, email=email,
        organisation=organisation, organisation_name=organisation_name,
        organisation_kind=organisation_kind, job_title=job_title,
    )  # fmt: skip
    if problems:
        duplicate = ALREADY_REGISTERED.format(email=fields["email"])
        refused = (
            AlreadyRegistered if [p.message for p in problems] == [duplicate] else RegistrationError
        )
        raise refused(problems[0].message, field=problems[0].field, problems=problems)
    if places_left(locked) == 0:
        raise RegistrationError(FULL)
    try:
        with transaction.atomic():
            return Registration.objects.create(
                event=locked, source=source, created_by=created_by, **fields
            )
    except IntegrityError:  # the same e-mail registered at the same moment
        raise AlreadyRegistered(
            ALREADY_REGISTERED.format(email=fields["email"]), field="email"
        ) from None


def registration_public(
    *,
    event: Event,
    last_name: str,
    first_name: str,
    email: str,
    organisation: Organisation | None,
    organisation_name: str,
    job_title: str,
    today: datetime.date,
) -> Registration | None:
    """A person registers through the event's public link: refused
    (RegistrationError) once the link is closed or the event is over, and
    as registration_create refuses, except for an e-mail already
    registered: then nothing is written and None comes back, for the page
    to answer as it does to a new registration (the link is handed out
    widely: it must not tell who is registered)."""
    if not event.registration_open or today > event.ends_on:
        raise RegistrationError(REGISTRATION_CLOSED)
    try:
        return registration_create(
            event=event, created_by=None, last_name=last_name, first_name=first_name,
            email=email, organisation=organisation, organisation_name=organisation_name,
            job_title=job_title, source=RegistrationSource.PUBLIC,
        )  # fmt: skip
    except AlreadyRegistered:
        return None


# Columns of the file, as the form fields' problems are named.
_COLUMNS = {
    "last_name": "nom", "first_name": "prénom", "email": "e-mail",
    "organisation": "organisation", "organisation_name": "organisation",
    "organisation_kind": "type de structure", "job_title": "fonction",
}  # fmt: skip


@transaction.atomic
def registrations_import(
    *, event: Event, created_by: User | None, text: str, filename: str
) -> list[Registration]:
    """Register every person of a CSV file (events.registration_file), all
    or nothing. « organisation » names one of the territory's organisations
    (whatever the case) or, else, a structure without an account.

    Raises RegistrationsRejected listing each problem with its file, line
    and column (Problem.row, Problem.field: the column's name): a missing
    or invalid cell, an e-mail already registered or listed twice, more
    rows than places left. Then nothing is written."""
    locked = _locked(event)
    try:
        lines = read_registration_file(text, filename)
    except RegistrationFileError as error:
        raise RegistrationsRejected([Problem(str(error), file=filename)]) from None
    organisations = list(territory_organisations(locked.territory))
    problems: list[Problem] = []
    checked: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in lines:
        organisation = organisation_named(row.organisation, organisations)
        fields, row_problems = _registration_problems(
            locked, last_name=row.last_name, first_name=row.first_name, email=row.email,
            organisation=organisation, organisation_name=row.organisation,
            organisation_kind=row.kind, job_title=row.job_title,
        )  # fmt: skip
        if fields["email"] and fields["email"] in seen and not row_problems:
            row_problems.append(
                Problem(f"{fields['email']} figure déjà ligne {seen[fields['email']]}.",
                        field="email")
            )  # fmt: skip
        if fields["email"]:
            seen.setdefault(fields["email"], row.line)
        for problem in row_problems:
            column = _COLUMNS.get(problem.field, problem.field)
            problems.append(
                Problem(f"{filename}, ligne {row.line}, colonne « {column} » : {problem.message}",
                        field=column, row=row.line, file=filename)
            )  # fmt: skip
        checked.append(fields)
    left = places_left(locked)
    if left is not None and len(lines) > left:
        problems.append(
            Problem(f"{filename} : {len(lines)} inscriptions pour {left} place(s) restante(s).",
                    file=filename)
        )  # fmt: skip
    if problems:
        raise RegistrationsRejected(problems)
    return [
        Registration.objects.create(
            event=locked, source=RegistrationSource.FILE, created_by=created_by, **fields
        )
        for fields in checked
    ]
