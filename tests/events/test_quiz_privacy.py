"""What the team sees of the quizzes and the satisfaction (ADR 024): never
one person's score, neither directly (an average over fewer than
MIN_QUIZ_PAIRS people), nor by difference (the whole minus the other kinds,
the year minus the other trainings, an average watched as people answer);
the satisfaction kept apart from the quiz; a submission key replayed only
for the same submission."""

import datetime

import numpy as np
import pytest
import time_machine
from django.utils import timezone

from nonrecours.events import actions
from nonrecours.events.enums import QuizMoment
from nonrecours.events.indicators import MIN_QUIZ_PAIRS, event_progress, year_indicators
from nonrecours.events.models import QuizResponse, SatisfactionResponse
from nonrecours.events.programmes import programmes
from nonrecours.events.queries import (
    MIN_SATISFACTION_ANSWERS,
    answers_close_on,
    quiz_pairs,
    satisfaction_summary,
)
from tests.events.factories import make_event, register
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 1, 18, 8, tzinfo=datetime.UTC)
MONDAY = datetime.date(2027, 1, 18)
PROGRAMME = programmes()["precarite-sante-mentale"]
RIGHT = {n: sorted(a) if isinstance(a, frozenset) else a for n, a in PROGRAMME.answers.items()}
WRONG = {**{n: "nsp" for n in RIGHT}, "prescription_psy": "oui", "signes": ["aucun"]}
SATISFIED = {
    "satisfaction_globale": "satisfait",
    "utile_pratique": "tout_a_fait",
    "connait_partenaires": "plutot_oui",
    "recommande": "oui",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def event():
    return make_event(TerritoryFactory(), starts_on=MONDAY, ends_on=MONDAY)


def closed(event):
    return answers_close_on(event) + datetime.timedelta(days=1)


def answer(event, person, before=RIGHT, after=RIGHT):
    for moment, answers in ((QuizMoment.BEFORE, before), (QuizMoment.AFTER, after)):
        actions.quiz_submit(
            event=event,
            moment=moment,
            registration=person,
            raw_answers=answers,
            key=f"{person.pk}-{moment}",
            today=event.starts_on,
        )


def people(event, n, structure, start=0):
    return [register(event, start + i, structure) for i in range(n)]


def test_one_ccas_and_one_france_travail_show_no_average(event):
    # The review's case: « CCAS / CIAS — 1 — 100 — 100 — 0,0 ».
    answer(event, register(event, 1, "CCAS d'Arras"))
    answer(event, register(event, 2, "France Travail Arras"), before=WRONG)
    rows, note = event_progress(event, closed(event))
    assert rows and all(r.count is None and r.before is None for r in rows)
    assert str(MIN_QUIZ_PAIRS) in note


def test_a_small_kind_is_hidden_and_cannot_be_computed_back(event):
    for person in people(event, MIN_QUIZ_PAIRS, "France Travail Arras"):
        answer(event, person, before=WRONG)
    answer(event, register(event, 99, "CCAS d'Arras"))
    rows, _ = event_progress(event, closed(event))
    by_kind = {r.kind or r.level: r for r in rows}
    assert by_kind["CCAS / CIAS"].count is None
    # The whole minus France Travail would be the CCAS person's score.
    assert by_kind["ensemble"].count is None or by_kind["France Travail"].count is None


def test_enough_people_show_their_averages(event):
    for person in people(event, MIN_QUIZ_PAIRS, "France Travail Arras"):
        answer(event, person, before=WRONG)
    rows, note = event_progress(event, closed(event))
    assert [(r.level, r.count, r.before, r.after) for r in rows] == [
        ("ensemble", MIN_QUIZ_PAIRS, 0, 1),
        ("type", MIN_QUIZ_PAIRS, 0, 1),
    ]
    assert note == ""


def test_no_average_while_answers_can_still_come(event):
    # Watching the average move from 5 to 6 answers gives the 6th score.
    for person in people(event, MIN_QUIZ_PAIRS + 1, "France Travail Arras"):
        answer(event, person)
    for today in (MONDAY, answers_close_on(event)):
        rows, note = event_progress(event, today)
        assert rows == [] and answers_close_on(event).strftime("%d/%m/%Y") in note


def test_the_year_never_gives_back_what_an_event_page_hides():
    territory = TerritoryFactory()
    first = make_event(territory, starts_on=MONDAY, ends_on=MONDAY)
    second = make_event(
        territory,
        starts_on=MONDAY + datetime.timedelta(days=7),
        ends_on=MONDAY + datetime.timedelta(days=7),
    )
    for person in people(first, MIN_QUIZ_PAIRS, "France Travail Arras"):
        answer(first, person, before=WRONG)
    answer(first, register(first, 50, "CCAS d'Arras"))  # alone: hidden on its page
    for person in people(second, MIN_QUIZ_PAIRS + 1, "CCAS d'Arras", start=100):
        answer(second, person, before=WRONG)
    later = datetime.date(2028, 3, 1)
    year = {
        r.kind or r.level: r
        for r in year_indicators(territory, 2027, exact=True, today=later).progress
    }
    second_rows = {r.kind or r.level: r for r in event_progress(second, later)[0]}
    # The year's CCAS minus the second training's would be the first's one CCAS person.
    assert year["CCAS / CIAS"].count is None or second_rows["CCAS / CIAS"].count is None
    # And the year's whole minus the first training's, etc.: no hidden cell
    # is in the span of the shown ones (atoms: (training, kind)).
    atoms = [(first.pk, "france_travail"), (first.pk, "ccas"), (second.pk, "ccas")]
    kinds = {"France Travail": "france_travail", "CCAS / CIAS": "ccas"}

    def vector(event_id, row):
        return np.array(
            [
                (event_id is None or a[0] == event_id)
                and (row.level == "ensemble" or a[1] == kinds[row.kind])
                for a in atoms
            ],
            dtype=float,
        )

    shown = [vector(None, r) for r in year.values() if r.count is not None]
    for event in (first, second):
        shown += [
            vector(event.pk, r) for r in event_progress(event, later)[0] if r.count is not None
        ]
    lone = np.array([0.0, 1.0, 0.0])
    basis = np.array(shown).T
    coefficients, *_ = np.linalg.lstsq(basis, lone, rcond=None)
    assert not np.allclose(basis @ coefficients, lone)


def test_the_year_waits_for_the_year_and_all_its_trainings_to_close():
    territory = TerritoryFactory()
    december = datetime.date(2027, 12, 20)
    event = make_event(territory, starts_on=december, ends_on=december)
    for person in people(event, MIN_QUIZ_PAIRS, "France Travail Arras"):
        answer(event, person)
    for today in (datetime.date(2027, 12, 31), answers_close_on(event)):
        indicators = year_indicators(territory, 2027, exact=True, today=today)
        assert indicators.progress == [] and "paraissent" in indicators.progress_note
    after = answers_close_on(event) + datetime.timedelta(days=1)
    assert year_indicators(territory, 2027, exact=True, today=after).progress[0].count == 5


def test_a_key_is_replayed_only_for_the_same_submission(event):
    alice, chloe = register(event, 1), register(event, 2)
    kept = actions.quiz_submit(
        event=event, moment=QuizMoment.BEFORE, registration=alice, raw_answers=RIGHT,
        key="k", today=MONDAY,
    )  # fmt: skip
    # The same submission again: the first comes back.
    again = actions.quiz_submit(
        event=event, moment=QuizMoment.BEFORE, registration=alice, raw_answers=WRONG,
        key="k", today=MONDAY,
    )  # fmt: skip
    assert again == kept
    # Another person, or another moment, with that key: refused, never
    # Alice's score; nothing written.
    for moment, person in ((QuizMoment.AFTER, chloe), (QuizMoment.BEFORE, chloe),
                           (QuizMoment.AFTER, alice), (QuizMoment.AFTER, None)):  # fmt: skip
        with pytest.raises(actions.QuizError, match="rechargez la page"):
            actions.quiz_submit(
                event=event, moment=moment, registration=person, raw_answers=WRONG,
                key="k", today=MONDAY,
            )  # fmt: skip
    assert QuizResponse.objects.count() == 1
    # The satisfaction is apart: that key is a new submission there.
    satisfaction = actions.quiz_submit(
        event=event, moment=QuizMoment.SATISFACTION, registration=None, raw_answers=SATISFIED,
        key="k", today=MONDAY,
    )  # fmt: skip
    assert isinstance(satisfaction, SatisfactionResponse)


def test_the_satisfaction_keeps_nothing_that_ties_it_to_a_quiz(event):
    alice = register(event, 1)
    answer(event, alice)
    response = actions.quiz_submit(
        event=event, moment=QuizMoment.SATISFACTION, registration=alice,
        raw_answers=SATISFIED, key="s1", today=MONDAY,
    )  # fmt: skip
    assert isinstance(response, SatisfactionResponse)
    fields = {f.name for f in SatisfactionResponse._meta.get_fields()}
    assert not fields & {"registration", "submitted_at", "score", "pair"}
    assert response.submitted_on == MONDAY and isinstance(response.pk, type(response.id))
    # A random identifier: no sequence shared with the quiz answers.
    assert not str(response.pk).isdigit()
    assert not QuizResponse.objects.filter(moment=QuizMoment.SATISFACTION).exists()


def test_satisfaction_counts_show_once_closed_and_enough(event):
    for n in range(MIN_SATISFACTION_ANSWERS - 1):
        actions.quiz_submit(
            event=event, moment=QuizMoment.SATISFACTION, registration=None,
            raw_answers=SATISFIED, key=f"s{n}", today=MONDAY,
        )  # fmt: skip
    summary = satisfaction_summary(event, closed(event))
    assert not summary.shown and summary.questions == []
    assert f"Moins de {MIN_SATISFACTION_ANSWERS}" in summary.reason
    actions.quiz_submit(
        event=event, moment=QuizMoment.SATISFACTION, registration=None,
        raw_answers=SATISFIED, key="last", today=MONDAY,
    )  # fmt: skip
    open_ = satisfaction_summary(event, MONDAY)
    assert not open_.shown and "clos" in open_.reason
    assert satisfaction_summary(event, closed(event)).shown


def test_removing_a_person_after_the_quizzes_close_keeps_the_averages(event):
    persons = people(event, MIN_QUIZ_PAIRS + 1, "France Travail Arras")
    for n, person in enumerate(persons):
        answer(event, person, before=WRONG if n else RIGHT)
    today = closed(event)
    shown = event_progress(event, today)[0]
    actions.registration_remove(registration=persons[0], today=today)
    assert event_progress(event, today)[0] == shown
    detached = QuizResponse.objects.filter(registration=None)
    assert detached.count() == 2 and len({r.pair for r in detached}) == 1
    assert all(timezone.localtime(r.submitted_at).time() == datetime.time() for r in detached)
    assert len(quiz_pairs([event])) == MIN_QUIZ_PAIRS + 1


def test_removing_a_person_while_the_quizzes_are_open_deletes_their_answers(event):
    person = register(event, 1)
    answer(event, person)
    actions.registration_remove(registration=person, today=MONDAY)
    assert not QuizResponse.objects.exists()
