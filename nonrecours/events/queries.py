"""Reads of the events app: a territory's events, an event by its public
links, its half-days, its registrations by organisation, who was ticked
present, and what its questionnaires collected. The yearly indicators are
in events.indicators."""

import datetime
from collections import Counter
from dataclasses import dataclass
from itertools import groupby

from django.db.models import QuerySet

from nonrecours.events.enums import HalfDay, QuizMoment
from nonrecours.events.models import Attendance, Event, QuizResponse, Registration
from nonrecours.events.programmes import programme_by_slug
from nonrecours.territories.models import Territory

# A half-day is the morning when the event starts before MIDDAY, the
# afternoon when it ends after AFTERNOON_FROM (or starts after midday).
MIDDAY = datetime.time(13, 0)
AFTERNOON_FROM = datetime.time(13, 30)
# The quiz after and the satisfaction questionnaire stay open this many
# days after the event's last day (answered at home the next week).
ANSWER_DAYS_AFTER = 30
TOKEN_MAX_LENGTH = 64


def territory_events(territory: Territory) -> QuerySet[Event]:
    """The territory's events, the most recent first."""
    return Event.objects.filter(territory=territory).order_by("-starts_on", "title", "pk")


def event_by_registration_token(siren: str, token: str) -> Event | None:
    """The event whose public registration link holds ``token``, in the
    territory ``siren``, or None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Event.objects.filter(territory__siren=siren, registration_token=token)
        .select_related("territory")
        .first()
    )


def event_by_quiz_token(siren: str, token: str) -> Event | None:
    """The event whose questionnaires' link holds ``token``, in the
    territory ``siren``, or None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Event.objects.filter(territory__siren=siren, quiz_token=token)
        .select_related("territory")
        .first()
    )


def event_days(event: Event) -> list[datetime.date]:
    """Every day from the first to the last, in order."""
    count = (event.ends_on - event.starts_on).days + 1
    return [event.starts_on + datetime.timedelta(days=n) for n in range(count)]


def event_half_days(event: Event) -> list[tuple[datetime.date, str]]:
    """(day, HalfDay value) of each half-day of the event, in order: each
    day has the event's hours, so the same half-days (see MIDDAY). These
    are the signature columns of the attendance sheet."""
    halves = []
    if event.start_time < MIDDAY:
        halves.append(HalfDay.MORNING.value)
    if event.end_time > AFTERNOON_FROM or event.start_time >= MIDDAY:
        halves.append(HalfDay.AFTERNOON.value)
    return [(day, half) for day in event_days(event) for half in halves]


def places_left(event: Event) -> int | None:
    """Places not taken yet (0 when full, never negative), None without a limit."""
    if event.capacity is None:
        return None
    return max(0, event.capacity - event.registrations.count())


@dataclass(frozen=True)
class OrganisationGroup:
    """The registrations of one structure, for the sheet and the pages."""

    name: str
    kind_label: str
    registrations: list[Registration]


def registrations_by_organisation(event: Event) -> list[OrganisationGroup]:
    """The event's registrations grouped by structure (by name, then by
    person's last and first name)."""
    registrations = list(
        event.registrations.order_by("organisation_name", "last_name", "first_name", "pk")
    )
    groups = []
    for name, members in groupby(registrations, key=lambda r: r.organisation_name):
        people = list(members)
        groups.append(OrganisationGroup(name, people[0].get_organisation_kind_display(), people))
    return groups


def attendance_marks(event: Event) -> set[tuple[int, datetime.date, str]]:
    """(registration id, day, half-day) of every tick of the event."""
    return set(
        Attendance.objects.filter(registration__event=event).values_list(
            "registration_id", "day", "half_day"
        )
    )


def attendees(event: Event) -> QuerySet[Registration]:
    """The registrations ticked present on at least one half-day."""
    return event.registrations.filter(attendances__isnull=False).distinct()


def quiz_refusal(event: Event, moment: str, today: datetime.date) -> str:
    """Why a questionnaire of the event cannot be answered on ``today``
    (French), or "" when it can: the event must have that questionnaire in
    its programme; the quiz before closes after the last day; the quiz
    after and the satisfaction open on the first day and close
    ANSWER_DAYS_AFTER days after the last."""
    programme = programme_by_slug(event.programme)
    if moment not in QuizMoment.values:
        return "Questionnaire inconnu."
    wanted = programme and (
        programme.satisfaction if moment == QuizMoment.SATISFACTION else programme.quiz
    )
    if not wanted:
        return "Cet événement n'a pas ce questionnaire."
    if moment == QuizMoment.BEFORE and today > event.ends_on:
        return "Le quiz d'avant la formation est clos : l'événement est passé."
    if moment != QuizMoment.BEFORE:
        if today < event.starts_on:
            return "Ce questionnaire ouvre le premier jour de l'événement."
        if today > event.ends_on + datetime.timedelta(days=ANSWER_DAYS_AFTER):
            return "Ce questionnaire est clos."
    return ""


def quiz_candidates(event: Event, moment: str) -> list[Registration]:
    """The registrations that have not answered the quiz ``moment`` yet:
    the names a participant picks from on the phone."""
    answered = QuizResponse.objects.filter(event=event, moment=moment).values("registration_id")
    return list(
        event.registrations.exclude(pk__in=answered).order_by("first_name", "last_name", "pk")
    )


def quiz_pairs(events: QuerySet[Event] | list[Event]) -> list[tuple[Registration, float, float]]:
    """(registration, share right before, share right after) of each
    participant of ``events`` who answered both quizzes: the pairs the
    progression compares (a share is score / out_of, 0 to 1)."""
    responses = QuizResponse.objects.filter(
        event__in=events,
        registration__isnull=False,
        moment__in=(QuizMoment.BEFORE, QuizMoment.AFTER),
    ).select_related("registration")
    by_person: dict[int, dict[str, QuizResponse]] = {}
    for response in responses:
        assert response.registration_id is not None  # noqa: S101 - filtered above
        by_person.setdefault(response.registration_id, {})[response.moment] = response
    pairs = []
    for answers in by_person.values():
        before, after = answers.get(QuizMoment.BEFORE), answers.get(QuizMoment.AFTER)
        if before is None or after is None or not before.out_of or not after.out_of:
            continue
        assert before.registration is not None and before.score is not None  # noqa: S101
        assert after.score is not None  # noqa: S101 - a quiz is always scored
        pairs.append(
            (before.registration, before.score / before.out_of, after.score / after.out_of)
        )
    return sorted(pairs, key=lambda p: p[0].pk)


@dataclass(frozen=True)
class ChoiceCount:
    label: str
    count: int


@dataclass(frozen=True)
class QuestionSummary:
    label: str
    answered: int
    choices: list[ChoiceCount]


def satisfaction_summary(event: Event) -> tuple[int, list[QuestionSummary]]:
    """(answers, counts by choice of each single-choice question) of the
    event's satisfaction questionnaire, for the team's page (free texts
    are not summed up here)."""
    programme = programme_by_slug(event.programme)
    if programme is None or programme.satisfaction is None:
        return 0, []
    answers = list(
        event.quiz_responses.filter(moment=QuizMoment.SATISFACTION).values_list(
            "answers", flat=True
        )
    )
    summaries = []
    for question in programme.satisfaction.questions:
        if not question.choices:
            continue
        counts = Counter(a.get(question.name) for a in answers if isinstance(a, dict))
        summaries.append(
            QuestionSummary(
                label=question.label,
                answered=sum(counts[c.code] for c in question.choices),
                choices=[ChoiceCount(c.label, counts[c.code]) for c in question.choices],
            )
        )
    return len(answers), summaries
