"""The demonstration events of `nonrecours setup` (events.demo)."""

import datetime

import pytest

from nonrecours.events.demo import events_demo_create, forum_day, training_days
from nonrecours.events.enums import EventKind
from nonrecours.events.models import Event
from tests.factories import TerritoryFactory


@pytest.mark.parametrize(
    ("today", "forum"),
    [
        (datetime.date(2026, 12, 1), datetime.date(2026, 12, 10)),
        (datetime.date(2026, 12, 16), datetime.date(2026, 12, 10)),
        (datetime.date(2026, 12, 17), datetime.date(2027, 12, 16)),
        (datetime.date(2027, 3, 1), datetime.date(2027, 12, 16)),
    ],
)
def test_the_forum_is_a_thursday_in_mid_december(today, forum):
    assert forum_day(today) == forum and forum.weekday() == 3


def test_the_training_is_a_monday_and_tuesday_four_weeks_ahead():
    monday, tuesday = training_days(datetime.date(2026, 12, 1))
    assert (monday, tuesday) == (datetime.date(2027, 1, 4), datetime.date(2027, 1, 5))
    assert monday.weekday() == 0


@pytest.mark.django_db
def test_the_demonstration_is_made_once():
    territory = TerritoryFactory()
    assert events_demo_create(territory=territory, today=datetime.date(2026, 12, 1)) == 2
    assert events_demo_create(territory=territory, today=datetime.date(2026, 12, 1)) == 0
    forum = Event.objects.get(kind=EventKind.FORUM)
    training = Event.objects.get(kind=EventKind.TRAINING)
    assert forum.is_synthetic and training.is_synthetic and "démonstration" in training.title
    assert training.registrations.count() == 9 and forum.registrations.count() == 5
    kinds = set(training.registrations.values_list("organisation_kind", flat=True))
    assert {
        "france_travail",
        "ccas",
        "commune",
        "territory",
        "association",
        "france_services",
    } == kinds
    assert (
        training.programme == "precarite-sante-mentale" and forum.programme == "forum-partenaires"
    )
