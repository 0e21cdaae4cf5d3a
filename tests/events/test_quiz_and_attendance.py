"""Attendance half-day by half-day, and the questionnaires: answers checked
by the survey engine, scored, paired by registration, once each; the
satisfaction anonymous. The clock is frozen: what is open depends on the
day."""

import datetime
import io

import pytest
import time_machine
from pypdf import PdfReader

from nonrecours.events import actions
from nonrecours.events.enums import HalfDay, QuizMoment
from nonrecours.events.programmes import programmes
from nonrecours.events.queries import (
    attendees,
    event_half_days,
    person_key,
    quiz_candidates,
    quiz_pairs,
    quiz_refusal,
    satisfaction_summary,
)
from nonrecours.events.sheets import attendance_sheet_pdf
from tests.events.factories import make_event, register
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 1, 18, 8, tzinfo=datetime.UTC)
MONDAY = datetime.date(2027, 1, 18)
PROGRAMME = programmes()["precarite-sante-mentale"]
RIGHT = {n: sorted(a) if isinstance(a, frozenset) else a for n, a in PROGRAMME.answers.items()}
ALL_WRONG = {**{n: "nsp" for n in RIGHT}, "prescription_psy": "oui", "signes": ["aucun"]}


@pytest.fixture
def event():
    with time_machine.travel(NOW, tick=False):
        yield make_event(
            TerritoryFactory(), starts_on=MONDAY, ends_on=MONDAY + datetime.timedelta(days=1)
        )


def test_a_two_day_training_has_four_half_days(event):
    assert event_half_days(event) == [
        (MONDAY, "morning"),
        (MONDAY, "afternoon"),
        (MONDAY + datetime.timedelta(days=1), "morning"),
        (MONDAY + datetime.timedelta(days=1), "afternoon"),
    ]
    event.start_time, event.end_time = datetime.time(9), datetime.time(12, 30)
    assert [h for _, h in event_half_days(event)] == ["morning", "morning"]
    event.start_time, event.end_time = datetime.time(14), datetime.time(17)
    assert [h for _, h in event_half_days(event)] == ["afternoon", "afternoon"]


def test_ticking_presence(event):
    person = register(event, 1)
    register(event, 2)
    actions.attendance_tick(
        registration=person, day=MONDAY, half_day=HalfDay.MORNING, ticked_by=None
    )
    actions.attendance_tick(
        registration=person, day=MONDAY, half_day=HalfDay.MORNING, ticked_by=None
    )
    assert person.attendances.count() == 1
    assert list(attendees(event)) == [person]
    with pytest.raises(actions.AttendanceError):
        actions.attendance_tick(
            registration=person,
            day=MONDAY + datetime.timedelta(days=2),
            half_day=HalfDay.MORNING,
            ticked_by=None,
        )
    actions.attendance_untick(registration=person, day=MONDAY, half_day=HalfDay.MORNING)
    assert not attendees(event).exists()


def _submit(event, moment, registration, answers, key):
    return actions.quiz_submit(
        event=event,
        moment=moment,
        registration=registration,
        raw_answers=answers,
        key=key,
        today=MONDAY,
    )


def test_quizzes_are_scored_and_paired_by_registration(event):
    camille, karim, lea = register(event, 1), register(event, 2), register(event, 3)
    before = _submit(event, QuizMoment.BEFORE, camille, ALL_WRONG, "k1")
    assert (before.score, before.out_of, before.questionnaire_version) == (0, 8, 1)
    _submit(event, QuizMoment.BEFORE, karim, {**ALL_WRONG, "numero_115": "hebergement"}, "k2")
    _submit(event, QuizMoment.BEFORE, lea, RIGHT, "k3")
    _submit(event, QuizMoment.AFTER, camille, RIGHT, "k4")
    _submit(event, QuizMoment.AFTER, karim, {**RIGHT, "signes": ["isolement"]}, "k5")
    pairs = quiz_pairs([event])
    # Léa answered before only: no pair.
    assert [(p.person, p.before, p.after) for p in pairs] == [
        (person_key(camille), 0, 1),
        (person_key(karim), 1 / 8, 7 / 8),
    ]
    assert quiz_candidates(event, QuizMoment.AFTER) == [lea]


def test_a_quiz_is_answered_once_and_a_submission_kept_once(event):
    camille = register(event, 1)
    first = _submit(event, QuizMoment.BEFORE, camille, RIGHT, "cle")
    assert _submit(event, QuizMoment.BEFORE, camille, ALL_WRONG, "cle") == first
    with pytest.raises(actions.QuizError, match="déjà répondu"):
        _submit(event, QuizMoment.BEFORE, camille, RIGHT, "autre-cle")
    with pytest.raises(actions.QuizError, match="Choisissez votre nom"):
        _submit(event, QuizMoment.AFTER, None, RIGHT, "k9")
    other = register(make_event(event.territory), 9)
    with pytest.raises(actions.QuizError, match="Choisissez votre nom"):
        _submit(event, QuizMoment.AFTER, other, RIGHT, "k10")


def test_answers_are_checked_by_the_survey_engine(event):
    with pytest.raises(actions.QuizError) as error:
        _submit(
            event,
            QuizMoment.BEFORE,
            register(event, 1),
            {**RIGHT, "numero_115": "z", "signes": ["aucun", "sommeil"], "cmp": ""},
            "k",
        )
    problems = {p.field: p.message for p in error.value.problem_list()}
    assert set(problems) == {"numero_115", "signes", "cmp"}
    assert problems["cmp"] == "Cette question est obligatoire."
    assert not event.quiz_responses.exists()


def test_the_satisfaction_is_anonymous(event):
    camille = register(event, 1)
    answers = {
        "satisfaction_globale": "satisfait",
        "utile_pratique": "tout_a_fait",
        "connait_partenaires": "plutot_oui",
        "recommande": "oui",
    }
    response = _submit(event, QuizMoment.SATISFACTION, camille, answers, "s1")
    assert not hasattr(response, "registration") and not hasattr(response, "score")
    for n in range(2, 6):
        _submit(event, QuizMoment.SATISFACTION, None, answers, f"s{n}")
    closed = MONDAY + datetime.timedelta(days=40)
    summary = satisfaction_summary(event, closed)
    assert summary.shown and summary.answers == 5
    assert summary.questions[0].choices[1].count == 5 and summary.questions[0].answered == 5


@pytest.mark.parametrize(
    ("today", "moment", "reason"),
    [
        (MONDAY - datetime.timedelta(days=10), QuizMoment.BEFORE, ""),
        (MONDAY + datetime.timedelta(days=2), QuizMoment.BEFORE, "est clos"),
        (MONDAY - datetime.timedelta(days=1), QuizMoment.AFTER, "ouvre le premier jour"),
        (MONDAY + datetime.timedelta(days=31), QuizMoment.SATISFACTION, ""),
        (MONDAY + datetime.timedelta(days=32), QuizMoment.SATISFACTION, "est clos"),
        (MONDAY, "inconnu", "inconnu"),
    ],
)
def test_when_a_questionnaire_is_open(event, today, moment, reason):
    refusal = quiz_refusal(event, moment, today)
    assert (reason in refusal) if reason else refusal == ""


def test_an_event_without_programme_has_no_quiz(event):
    event.programme = ""
    assert (
        quiz_refusal(event, QuizMoment.BEFORE, MONDAY) == "Cet événement n'a pas ce questionnaire."
    )


def test_the_attendance_sheet_lists_people_by_structure_with_a_column_per_half_day(event):
    register(event, 1, "CCAS d'Arras", job_title="Travailleuse sociale")
    register(event, 2, "France Travail Arras")
    with time_machine.travel(NOW, tick=False):
        pdf = attendance_sheet_pdf(event)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Feuille d'émargement — Précarité et santé mentale" in text
    assert "Du 18 janvier 2027 au 19 janvier 2027" in text and "Salle du conseil" in text
    for expected in (
        "CCAS d'Arras",
        "France Travail Arras",
        "NOM1",
        "Prénom2",
        "Travailleuse sociale",
        "Matin",
        "Après-midi",
        "19 janvier 2027",
        "Personnes non inscrites",
    ):
        assert expected in text, expected
    assert text.index("CCAS d'Arras") < text.index("France Travail Arras")
