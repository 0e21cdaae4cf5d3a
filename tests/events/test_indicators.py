"""The training's indicators (events.indicators): professionals trained by
institution and progression in the quizzes, exact and published. Published,
they follow the project's secrecy rule (analysis.disclosure, ADR 013): no
hidden cell can be computed back from the published ones."""

import csv
import datetime
import io

import numpy as np
import pytest
import time_machine

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD
from nonrecours.events import actions
from nonrecours.events.enums import EventKind, HalfDay, QuizMoment
from nonrecours.events.indicators import indicators_csv, year_indicators
from nonrecours.events.programmes import programmes
from tests.events.factories import make_event, register
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 11, 20)
# Every training of 2026 closed, its answers too: the averages no longer move.
LATER = datetime.date(2027, 3, 1)
# Structure → (kind, people present).
PRESENT = {
    "CCAS d'Arras": ("ccas", 12),
    "CCAS de Dainville": ("ccas", 3),
    "France Travail Arras": ("france_travail", 14),
    "Club de prévention": ("association", 2),
}


@pytest.fixture
def year():
    with time_machine.travel(NOW, tick=False):
        territory = TerritoryFactory()
        first = make_event(territory, starts_on=DAY, ends_on=DAY)
        second = make_event(
            territory,
            starts_on=DAY + datetime.timedelta(days=7),
            ends_on=DAY + datetime.timedelta(days=7),
        )
        n = 0
        for structure, (kind, count) in PRESENT.items():
            for _ in range(count):
                n += 1
                event = first if n % 2 else second
                person = register(event, n, structure, organisation_kind=kind)
                actions.attendance_tick(
                    registration=person,
                    day=event.starts_on,
                    half_day=HalfDay.MORNING,
                    ticked_by=None,
                )
        # Registered but never ticked present; a forum: neither is counted.
        register(first, 99, "CCAS d'Arras")
        forum = make_event(territory, kind=EventKind.FORUM, starts_on=DAY, ends_on=DAY)
        actions.attendance_tick(
            registration=register(forum, 100, "CCAS d'Arras"),
            day=DAY,
            half_day=HalfDay.MORNING,
            ticked_by=None,
        )
        yield territory


def _atoms_and_cells(rows):
    """Each row's vector over the structures (the finest cells)."""
    structures = [r.name for r in rows if r.level == "structure"]
    kinds = {r.name: r.kind for r in rows if r.level == "structure"}
    vectors = []
    for row in rows:
        if row.level == "ensemble":
            vectors.append(np.ones(len(structures)))
        elif row.level == "type":
            vectors.append(np.array([kinds[s] == row.kind for s in structures], dtype=float))
        else:
            vectors.append(np.array([s == row.name for s in structures], dtype=float))
    return vectors


def test_the_exact_view_counts_people_present_at_trainings(year):
    rows = year_indicators(year, 2026, exact=True, today=LATER).trained
    assert (rows[0].level, rows[0].count) == ("ensemble", 31)
    by_name = {(r.level, r.kind, r.name): r.count for r in rows}
    assert by_name[("type", "CCAS / CIAS", "")] == 15
    assert by_name[("structure", "CCAS / CIAS", "CCAS de Dainville")] == 3
    assert by_name[("type", "Association", "")] == 2
    assert year_indicators(year, 2025, exact=True, today=LATER).trained == []


def test_no_hidden_cell_can_be_computed_back_from_the_published_ones(year):
    exact = year_indicators(year, 2026, exact=True, today=LATER).trained
    published = year_indicators(year, 2026, exact=False, today=LATER).trained
    assert [(r.level, r.name) for r in exact] == [(r.level, r.name) for r in published]
    hidden = [i for i, r in enumerate(published) if r.count is None]
    shown = [i for i, r in enumerate(published) if r.count is not None]
    # The small ones are hidden (primary), and more than them (secondary):
    # Dainville's 3 would be the CCAS minus CCAS d'Arras.
    names = {published[i].name or published[i].kind for i in hidden}
    assert {"CCAS de Dainville", "Club de prévention", "Association"} <= names
    assert len(hidden) > 3
    for i in shown:
        assert published[i].count == exact[i].count >= DEFAULT_THRESHOLD
    vectors = _atoms_and_cells(exact)
    basis = np.array([vectors[i] for i in shown])
    for i in hidden:
        coefficients, *_ = np.linalg.lstsq(basis.T, vectors[i], rcond=None)
        assert not np.allclose(basis.T @ coefficients, vectors[i]), exact[i]


def _pair(event, n, before, after):
    person = register(event, 200 + n, "France Travail Arras")
    programme = programmes()["precarite-sante-mentale"]
    right = {q: sorted(a) if isinstance(a, frozenset) else a for q, a in programme.answers.items()}
    wrong = {q: "nsp" for q in right} | {"prescription_psy": "oui", "signes": ["aucun"]}
    for moment, good in ((QuizMoment.BEFORE, before), (QuizMoment.AFTER, after)):
        answers = {q: right[q] if i < good else wrong[q] for i, q in enumerate(right)}
        actions.quiz_submit(
            event=event,
            moment=moment,
            registration=person,
            raw_answers=answers,
            key=f"{n}-{moment}",
            today=event.starts_on,
        )


def test_the_quiz_progression_and_its_secrecy(year):
    event = year.events.filter(kind=EventKind.TRAINING).first()
    for n in range(12):
        _pair(event, n, before=2, after=6)
    exact = year_indicators(year, 2026, exact=True, today=LATER).progress
    assert [(r.level, r.count) for r in exact] == [("ensemble", 12), ("type", 12)]
    assert (exact[0].before, exact[0].after, exact[0].progress_points) == (0.25, 0.75, 50.0)
    assert year_indicators(year, 2026, exact=False, today=LATER).progress[0].count == 12
    # One pair of another kind: hidden, and the total with it (it is the
    # whole minus France Travail).
    other = year.events.filter(kind=EventKind.TRAINING).last()
    person = register(other, 500, "CCAS d'Arras")
    for moment in (QuizMoment.BEFORE, QuizMoment.AFTER):
        actions.quiz_submit(
            event=other,
            moment=moment,
            registration=person,
            raw_answers=_all_right(),
            key=f"c-{moment}",
            today=other.starts_on,
        )
    published = year_indicators(year, 2026, exact=False, today=LATER).progress
    counts = {r.kind or r.level: r.count for r in published}
    assert counts["CCAS / CIAS"] is None
    assert counts["ensemble"] is None or counts["France Travail"] is None


def _all_right():
    programme = programmes()["precarite-sante-mentale"]
    return {q: sorted(a) if isinstance(a, frozenset) else a for q, a in programme.answers.items()}


def test_the_csv_export_writes_secret_for_a_hidden_cell(year):
    text = indicators_csv(year_indicators(year, 2026, exact=False, today=LATER))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:6] == [
        "indicateur",
        "année",
        "niveau",
        "type de structure",
        "structure",
        "effectif",
    ]
    dainville = next(r for r in rows if r[4] == "CCAS de Dainville")
    assert dainville[5] == "secret"
    assert rows[1][:6] == [
        "professionnels formés par institution",
        "2026",
        "ensemble",
        "",
        "",
        "31",
    ]
    assert "3" not in {r[5] for r in rows}
