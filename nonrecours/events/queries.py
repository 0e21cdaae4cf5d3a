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
from nonrecours.events.models import (
    Attendance,
    Event,
    QuizResponse,
    Registration,
    SatisfactionResponse,
)
from nonrecours.events.programmes import programme_by_slug
from nonrecours.events.registration_file import folded
from nonrecours.territories.models import Territory

# A half-day is the morning when the event starts before MIDDAY, the
# afternoon when it ends after AFTERNOON_FROM (or starts after midday).
MIDDAY = datetime.time(13, 0)
AFTERNOON_FROM = datetime.time(13, 30)
# The quiz after and the satisfaction questionnaire stay open this many
# days after the event's last day (answered at home the next week).
ANSWER_DAYS_AFTER = 30
TOKEN_MAX_LENGTH = 64
# The satisfaction's counts are shown once it has at least this many
# answers (and is closed): under it, a count of 1 or 2 is someone the
# trainer can name.
MIN_SATISFACTION_ANSWERS = 5


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


def answers_close_on(event: Event) -> datetime.date:
    """The last day the quiz after and the satisfaction can be answered."""
    return event.ends_on + datetime.timedelta(days=ANSWER_DAYS_AFTER)


def answers_closed(event: Event, today: datetime.date) -> bool:
    """Whether no answer can come any more (quiz before, after and
    satisfaction all closed): from then on, what the event's answers add
    up to no longer moves, so an average shown cannot be compared with the
    next one to give back one person's answers."""
    return today > answers_close_on(event)


def has_answers(event: Event) -> bool:
    """Whether anyone answered one of the event's questionnaires."""
    return (
        QuizResponse.objects.filter(event=event).exists()
        or SatisfactionResponse.objects.filter(event=event).exists()
    )


def person_key(registration: Registration) -> str:
    """Who a registration is, across events: the e-mail when there is one,
    else the name, first name and structure (folded). The unit the
    statistical secret counts (people, not registrations)."""
    if registration.email:
        return registration.email.casefold()
    return "|".join(
        folded(v)
        for v in (registration.last_name, registration.first_name, registration.organisation_name)
    )


def quiz_candidates(event: Event, moment: str) -> list[Registration]:
    """The registrations that have not answered the quiz ``moment`` yet:
    the names a participant picks from on the phone."""
    answered = QuizResponse.objects.filter(event=event, moment=moment).values("registration_id")
    return list(
        event.registrations.exclude(pk__in=answered).order_by("first_name", "last_name", "pk")
    )


@dataclass(frozen=True)
class QuizPair:
    """One participant's before and after (shares right, 0 to 1), the kind
    of structure they counted under and who they are (person_key; for a
    detached pair, its own random key)."""

    event_id: int
    organisation_kind: str
    person: str
    before: float
    after: float


def quiz_pairs(events: QuerySet[Event] | list[Event]) -> list[QuizPair]:
    """The pairs of each participant of ``events`` who answered both
    quizzes, the detached ones too (a registration removed after the
    quizzes closed): what the progression compares."""
    responses = QuizResponse.objects.filter(
        event__in=events, moment__in=(QuizMoment.BEFORE, QuizMoment.AFTER)
    ).select_related("registration")
    by_person: dict[str, dict[str, QuizResponse]] = {}
    for response in responses:
        if response.registration_id is not None:
            owner = f"r{response.registration_id}"
        elif response.pair:
            owner = f"p{response.pair}"
        else:
            continue
        by_person.setdefault(owner, {})[response.moment] = response
    pairs = []
    for owner, answers in sorted(by_person.items()):
        before, after = answers.get(QuizMoment.BEFORE), answers.get(QuizMoment.AFTER)
        if before is None or after is None or not before.out_of or not after.out_of:
            continue
        assert before.score is not None and after.score is not None  # noqa: S101 - scored
        registration = before.registration
        pairs.append(
            QuizPair(
                event_id=before.event_id,
                organisation_kind=registration.organisation_kind
                if registration
                else before.organisation_kind,
                person=person_key(registration) if registration else owner,
                before=before.score / before.out_of,
                after=after.score / after.out_of,
            )
        )
    return pairs


@dataclass(frozen=True)
class ChoiceCount:
    label: str
    count: int


@dataclass(frozen=True)
class QuestionSummary:
    label: str
    answered: int
    choices: list[ChoiceCount]


@dataclass(frozen=True)
class SatisfactionSummary:
    """What the team's page shows of the satisfaction: ``answers`` (how
    many), ``questions`` (counts by choice) only when ``shown``; else
    ``reason`` says why not (French)."""

    answers: int
    questions: list[QuestionSummary]
    shown: bool
    reason: str


def satisfaction_summary(event: Event, today: datetime.date) -> SatisfactionSummary:
    """The counts by choice of each single-choice question of the event's
    satisfaction questionnaire (free texts are not summed up here), shown
    once the questionnaire is closed (answers_closed) and with at least
    MIN_SATISFACTION_ANSWERS answers: before, watching a count move as
    someone hands back their phone would tell what they answered."""
    programme = programme_by_slug(event.programme)
    if programme is None or programme.satisfaction is None:
        return SatisfactionSummary(0, [], False, "")
    answers = list(event.satisfaction_responses.values_list("answers", flat=True))
    if not answers_closed(event, today):
        reason = (
            "Les réponses paraissent quand le questionnaire est clos, après le "
            f"{answers_close_on(event):%d/%m/%Y}."
        )
        return SatisfactionSummary(len(answers), [], False, reason)
    if len(answers) < MIN_SATISFACTION_ANSWERS:
        reason = (
            f"Moins de {MIN_SATISFACTION_ANSWERS} réponses : elles ne sont pas détaillées, "
            "pour que personne ne soit reconnu·e."
        )
        return SatisfactionSummary(len(answers), [], False, reason)
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
    return SatisfactionSummary(len(answers), summaries, True, "")
