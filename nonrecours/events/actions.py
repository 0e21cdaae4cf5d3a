"""Writes of the events app: an event, its registrations (one by one, by
file, by the public link), the attendance ticked half-day by half-day and
the answers to its questionnaires. Each write is atomic; its errors are
French UserErrors that name the form field (or the file's line and column)
concerned."""

import datetime
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from nonrecours.accounts.actions import email_normalised, email_problem
from nonrecours.accounts.enums import OrganisationKind
from nonrecours.accounts.models import Organisation, User
from nonrecours.accounts.queries import organisation_named, territory_organisations
from nonrecours.errors import Problem, UserError
from nonrecours.events.enums import EventKind, HalfDay, QuizMoment, RegistrationSource
from nonrecours.events.models import Attendance, Event, QuizResponse, Registration
from nonrecours.events.programmes import programme_by_slug, quiz_score
from nonrecours.events.queries import event_half_days, places_left, quiz_refusal
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
MAX_INVITED_NAMES = 100
FULL = "L'événement est complet : plus aucune place."
REGISTRATION_CLOSED = "Les inscriptions par ce lien sont closes."


class EventError(UserError, ValueError):
    """An event that cannot be saved; each problem on its form field (French)."""


class RegistrationError(UserError, ValueError):
    """A registration refused (French); ``field`` is the form field concerned."""


class RegistrationsRejected(UserError, ValueError):
    """A registration file refused, all or nothing: ``problems`` each with
    the file, the line and the column (French)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("Fichier refusé, personne n'a été inscrit·e :", problems=problems)


class AttendanceError(UserError, ValueError):
    """A half-day that is not one of the event's (French)."""


class QuizError(UserError, ValueError):
    """Answers refused (French); ``problems`` on their question's name."""


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
    (at most MAX_EVENT_DAYS days); ``capacity`` None means no limit;
    ``programme`` is the slug of its questionnaires (events.programmes) or
    "". Raises EventError listing each problem on its field."""
    problems: list[Problem] = []
    title = _text(problems, "title", title, label="Le titre")
    place = _text(problems, "place", place, max_length=300, label="Le lieu")
    description = _text(
        problems, "description", description, required=False, multiline=True,
        max_length=TEXT_MAX_LENGTH,
    )  # fmt: skip
    if kind not in EventKind.values:
        problems.append(Problem("Choisissez un type d'événement.", field="kind"))
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
    organisations = list(invited_organisations)
    if any(o.territory_id != territory.pk for o in organisations):
        problems.append(
            Problem(
                "Une organisation invitée n'est pas du territoire.", field="invited_organisations"
            )
        )
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
                Problem(f"{fields['email']} est déjà inscrit·e à cet événement.", field="email")
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
        raise RegistrationError(problems[0].message, field=problems[0].field, problems=problems)
    if places_left(locked) == 0:
        raise RegistrationError(FULL)
    try:
        with transaction.atomic():
            return Registration.objects.create(
                event=locked, source=source, created_by=created_by, **fields
            )
    except IntegrityError:  # the same e-mail registered at the same moment
        raise RegistrationError(
            f"{fields['email']} est déjà inscrit·e à cet événement.", field="email"
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
) -> Registration:
    """A person registers through the event's public link: refused
    (RegistrationError) once the link is closed or the event is over, and
    as registration_create refuses."""
    if not event.registration_open or today > event.ends_on:
        raise RegistrationError(REGISTRATION_CLOSED)
    return registration_create(
        event=event, created_by=None, last_name=last_name, first_name=first_name,
        email=email, organisation=organisation, organisation_name=organisation_name,
        job_title=job_title, source=RegistrationSource.PUBLIC,
    )  # fmt: skip


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


def _check_half_day(registration: Registration, day: datetime.date, half_day: str) -> None:
    if (day, half_day) not in event_half_days(registration.event):
        raise AttendanceError("Cette demi-journée n'est pas une de celles de l'événement.")


@transaction.atomic
def attendance_tick(
    *, registration: Registration, day: datetime.date, half_day: HalfDay, ticked_by: User | None
) -> Attendance:
    """Tick the person present on a half-day of the event (ticking twice
    keeps the first tick). Raises AttendanceError for a half-day that is not
    one of the event's (events.queries.event_half_days)."""
    _check_half_day(registration, day, half_day)
    attendance, _ = Attendance.objects.get_or_create(
        registration=registration, day=day, half_day=half_day,
        defaults={"ticked_by": ticked_by, "ticked_at": timezone.now()},
    )  # fmt: skip
    return attendance


@transaction.atomic
def attendance_untick(*, registration: Registration, day: datetime.date, half_day: HalfDay) -> None:
    """Take back a tick (a mistake on the phone). Raises AttendanceError
    as attendance_tick."""
    _check_half_day(registration, day, half_day)
    Attendance.objects.filter(registration=registration, day=day, half_day=half_day).delete()


@transaction.atomic
def quiz_submit(
    *,
    event: Event,
    moment: QuizMoment,
    registration: Registration | None,
    raw_answers: Mapping[str, Any],
    key: str,
    today: datetime.date,
) -> QuizResponse:
    """Keep one set of answers to a questionnaire of the event's programme:
    the quiz (``moment`` BEFORE or AFTER, ``registration`` required, once
    each, scored with events.programmes.quiz_score) or the satisfaction
    questionnaire (anonymous: ``registration`` must be None). Idempotent on
    ``key``: the same submission sent twice is kept once.

    Raises QuizError: the questionnaire not open on ``today``
    (events.queries.quiz_refusal), a registration of another event, answers
    already given, or answers the questionnaire refuses (``problems`` by
    question name, the survey engine's French messages)."""
    already = QuizResponse.objects.filter(event=event, idempotency_key=key).first()
    if already is not None:
        return already
    refusal = quiz_refusal(event, moment, today)
    if refusal:
        raise QuizError(refusal)
    programme = programme_by_slug(event.programme)
    assert programme is not None  # noqa: S101 - quiz_refusal says when there is none
    questionnaire = programme.satisfaction if moment == QuizMoment.SATISFACTION else programme.quiz
    assert questionnaire is not None  # noqa: S101 - idem
    if moment == QuizMoment.SATISFACTION:
        registration = None
    elif registration is None or registration.event_id != event.pk:
        raise QuizError("Choisissez votre nom dans la liste.", field="registration")
    elif registration.quiz_responses.filter(moment=moment).exists():
        raise QuizError("Vous avez déjà répondu à ce quiz.", field="registration")
    clean, errors = questionnaire.validate(raw_answers, communes=())
    if errors:
        raise QuizError(
            "Des réponses sont à corriger.",
            problems=[Problem(message, field=name) for name, message in errors.items()],
        )
    score, out_of = (None, None)
    if moment != QuizMoment.SATISFACTION:
        score, out_of = quiz_score(programme, clean)
    try:
        with transaction.atomic():
            return QuizResponse.objects.create(
                event=event, registration=registration, moment=moment,
                questionnaire_slug=questionnaire.slug,
                questionnaire_version=questionnaire.version, checksum=questionnaire.checksum,
                answers=clean, score=score, out_of=out_of, idempotency_key=key[:100],
            )  # fmt: skip
    except IntegrityError:  # the same person, or the same key, at the same moment
        raise QuizError("Vous avez déjà répondu à ce quiz.", field="registration") from None
