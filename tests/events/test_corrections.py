"""Correcting what was entered: an event changed (what may still change once
someone is ticked present or has answered), deleted (only while nothing
counts in the indicators), a registration removed; dates in a sane range;
a registration file with two columns of the same meaning; people counted
once across trainings."""

import datetime

import pytest
import time_machine

from nonrecours.events import actions
from nonrecours.events.enums import EventKind, HalfDay, QuizMoment
from nonrecours.events.indicators import year_indicators
from nonrecours.events.models import Attendance, Event, Registration
from nonrecours.events.programmes import programmes
from nonrecours.events.registration_file import RegistrationFileError, read_registration_file
from tests.events.factories import make_event, register
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 1, 11, 8, tzinfo=datetime.UTC)
MONDAY = datetime.date(2027, 1, 18)
RIGHT = {
    n: sorted(a) if isinstance(a, frozenset) else a
    for n, a in programmes()["precarite-sante-mentale"].answers.items()
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def event():
    return make_event(TerritoryFactory(), starts_on=MONDAY, ends_on=MONDAY, capacity=10)


def fields(event, **changes):
    values = {
        "kind": EventKind(event.kind), "title": event.title, "starts_on": event.starts_on,
        "ends_on": event.ends_on, "start_time": event.start_time, "end_time": event.end_time,
        "place": event.place, "commune": event.commune, "description": event.description,
        "capacity": event.capacity, "programme": event.programme,
    }  # fmt: skip
    return values | changes


def test_an_event_is_corrected(event):
    tomorrow = MONDAY + datetime.timedelta(days=1)
    changed = actions.event_update(
        event=event,
        **fields(event, title="Santé mentale", place="Salle B", starts_on=tomorrow,
                 ends_on=tomorrow, capacity=None, description="Avec le CMP"),
        invited_names=["CHRS", "chrs"],
    )  # fmt: skip
    changed.refresh_from_db()
    assert (changed.title, changed.place, changed.starts_on, changed.capacity) == (
        "Santé mentale", "Salle B", tomorrow, None,
    )  # fmt: skip
    assert changed.invited_names == ["CHRS"]
    assert changed.registration_token == event.registration_token


def test_days_hours_and_questionnaires_stay_once_used(event):
    person = register(event, 1)
    actions.attendance_tick(
        registration=person, day=MONDAY, half_day=HalfDay.MORNING, ticked_by=None
    )
    with pytest.raises(actions.EventError) as error:
        actions.event_update(
            event=event,
            **fields(event, starts_on=MONDAY + datetime.timedelta(days=1),
                     ends_on=MONDAY + datetime.timedelta(days=1), programme="",
                     kind=EventKind.FORUM, capacity=0),
        )  # fmt: skip
    problems = {p.field: p.message for p in error.value.problem_list()}
    assert {"starts_on", "ends_on", "programme", "kind", "capacity"} <= set(problems)
    assert "des présences sont cochées" in problems["starts_on"]
    # The title still changes.
    actions.event_update(event=event, **fields(event, title="Nouveau titre"))
    assert Event.objects.get().title == "Nouveau titre"


def test_the_places_never_fall_under_the_registrations(event):
    for n in range(3):
        register(event, n)
    with pytest.raises(actions.EventError, match="n'a pas été modifié") as error:
        actions.event_update(event=event, **fields(event, capacity=2))
    assert error.value.problem_list()[0].field == "capacity"


@pytest.mark.parametrize("year", [1, 1999, 2101, 9999])
def test_dates_outside_the_covered_years_are_refused(year):
    day = datetime.date(year, 6, 1)
    with pytest.raises(actions.EventError) as error:
        make_event(TerritoryFactory(), starts_on=day, ends_on=day)
    problems = {p.field: p.message for p in error.value.problem_list()}
    assert problems["starts_on"] == "Le premier jour doit être entre 2000 et 2100."
    assert not Event.objects.exists()


def test_an_event_is_deleted_while_nothing_counts(event):
    register(event, 1)
    actions.event_delete(event=event)
    assert not Event.objects.exists() and not Registration.objects.exists()


def test_an_event_with_attendance_or_answers_is_not_deleted(event):
    person = register(event, 1)
    actions.attendance_tick(
        registration=person, day=MONDAY, half_day=HalfDay.MORNING, ticked_by=None
    )
    with pytest.raises(actions.EventError, match="des présences sont cochées"):
        actions.event_delete(event=event)
    Attendance.objects.all().delete()
    actions.quiz_submit(
        event=event, moment=QuizMoment.BEFORE, registration=person, raw_answers=RIGHT,
        key="k", today=MONDAY,
    )  # fmt: skip
    with pytest.raises(actions.EventError, match="réponses aux questionnaires"):
        actions.event_delete(event=event)
    assert Event.objects.exists()


def test_a_removed_registration_takes_its_attendance_along(event):
    person = register(event, 1, email="a@exemple.fr")
    actions.attendance_tick(
        registration=person, day=MONDAY, half_day=HalfDay.MORNING, ticked_by=None
    )
    actions.registration_remove(registration=person, today=MONDAY)
    assert not Registration.objects.exists() and not Attendance.objects.exists()
    # The e-mail may register again.
    register(event, 1, email="a@exemple.fr")


def test_a_file_with_two_columns_of_the_same_meaning_is_refused():
    text = "nom;prénom;organisation;Email;Courriel\nDurand;Léa;CCAS;;lea@exemple.fr\n"
    with pytest.raises(RegistrationFileError) as error:
        read_registration_file(text, "liste.csv")
    assert str(error.value) == (
        "liste.csv : les colonnes « Email » et « Courriel » disent toutes deux « e-mail » ; "
        "gardez-en une seule."
    )


def test_a_person_at_two_trainings_is_counted_once():
    territory = TerritoryFactory()
    days = [MONDAY, MONDAY + datetime.timedelta(days=7)]
    for n, day in enumerate(days):
        training = make_event(territory, starts_on=day, ends_on=day)
        for person in (
            register(training, 1, email="lea@exemple.fr"),
            register(training, 2),  # no e-mail: the same name and structure
            register(training, 10 + n),
        ):
            actions.attendance_tick(
                registration=person, day=day, half_day=HalfDay.MORNING, ticked_by=None
            )
    rows = year_indicators(territory, 2027, exact=True, today=MONDAY).trained
    assert rows[0].count == 4
