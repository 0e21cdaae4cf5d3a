"""Writes of what happens at an event: the attendance ticked half-day by
half-day and the answers to its questionnaires (events.actions re-exports
them). Each write is atomic; its errors are French UserErrors."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.errors import Problem, UserError
from nonrecours.events.enums import HalfDay, QuizMoment
from nonrecours.events.models import (
    Attendance,
    Event,
    QuizResponse,
    Registration,
    SatisfactionResponse,
)
from nonrecours.events.programmes import programme_by_slug, quiz_score
from nonrecours.events.queries import event_half_days, quiz_refusal


class AttendanceError(UserError, ValueError):
    """A half-day that is not one of the event's (French)."""


class QuizError(UserError, ValueError):
    """Answers refused (French); ``problems`` on their question's name."""


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


KEY_TAKEN = (
    "Cet envoi ne peut pas être enregistré : rechargez la page du questionnaire et "
    "répondez à nouveau."
)


@transaction.atomic
def quiz_submit(
    *,
    event: Event,
    moment: QuizMoment,
    registration: Registration | None,
    raw_answers: Mapping[str, Any],
    key: str,
    today: datetime.date,
) -> QuizResponse | SatisfactionResponse:
    """Keep one set of answers to a questionnaire of the event's programme:
    the quiz (``moment`` BEFORE or AFTER, ``registration`` required, once
    each, scored with events.programmes.quiz_score) or the satisfaction
    questionnaire (anonymous, kept apart: SatisfactionResponse; any
    ``registration`` is dropped). Idempotent on ``key``: the same
    submission sent twice (same event, questionnaire and, for the quiz,
    registration) is kept once and the first comes back; a key already
    used by another submission is refused (it never gives back another's
    answers or score).

    Raises QuizError: the questionnaire not open on ``today``
    (events.queries.quiz_refusal), a key already used by another
    submission, a registration of another event, answers already given, or
    answers the questionnaire refuses (``problems`` by question name, the
    survey engine's French messages)."""
    key = key[:100]
    satisfaction = moment == QuizMoment.SATISFACTION
    if satisfaction:
        registration = None
        kept = SatisfactionResponse.objects.filter(event=event, idempotency_key=key).first()
        if kept is not None:
            return kept
    else:
        already = QuizResponse.objects.filter(event=event, idempotency_key=key).first()
        if already is not None:
            if (
                already.moment == moment
                and registration is not None
                and already.registration_id == registration.pk
            ):
                return already
            raise QuizError(KEY_TAKEN)
    refusal = quiz_refusal(event, moment, today)
    if refusal:
        raise QuizError(refusal)
    programme = programme_by_slug(event.programme)
    assert programme is not None  # noqa: S101 - quiz_refusal says when there is none
    questionnaire = programme.satisfaction if satisfaction else programme.quiz
    assert questionnaire is not None  # noqa: S101 - idem
    if satisfaction:
        pass  # anonymous: no registration to check
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
    version = {"questionnaire_slug": questionnaire.slug,
               "questionnaire_version": questionnaire.version,
               "checksum": questionnaire.checksum}  # fmt: skip
    if satisfaction:
        try:
            with transaction.atomic():
                return SatisfactionResponse.objects.create(
                    event=event, answers=clean, idempotency_key=key, submitted_on=today,
                    **version,
                )  # fmt: skip
        except IntegrityError:  # the same key at the same moment
            raise QuizError(KEY_TAKEN) from None
    score, out_of = quiz_score(programme, clean)
    try:
        with transaction.atomic():
            return QuizResponse.objects.create(
                event=event, registration=registration, moment=moment, answers=clean,
                score=score, out_of=out_of, idempotency_key=key, **version,
            )  # fmt: skip
    except IntegrityError:  # the same person, or the same key, at the same moment
        raise QuizError("Vous avez déjà répondu à ce quiz.", field="registration") from None
