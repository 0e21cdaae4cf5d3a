"""Events made through their actions (events.actions), dates around the
clock of the test (time-machine freezes it where dates matter)."""

import datetime
from typing import Any

from django.utils import timezone

from nonrecours.events import actions
from nonrecours.events.enums import EventKind
from nonrecours.events.models import Event, Registration
from nonrecours.territories.models import Territory


def make_event(territory: Territory, **overrides: Any) -> Event:
    """A one-day training from 9 h to 16 h 30, a week from today, with the
    programme « précarité et santé mentale » (its quizzes)."""
    day = timezone.localdate() + datetime.timedelta(days=7)
    fields: dict[str, Any] = {
        "territory": territory,
        "created_by": None,
        "kind": EventKind.TRAINING,
        "title": "Précarité et santé mentale",
        "starts_on": day,
        "ends_on": day,
        "start_time": datetime.time(9),
        "end_time": datetime.time(16, 30),
        "place": "Salle du conseil",
        "programme": "precarite-sante-mentale",
    }
    fields.update(overrides)
    return actions.event_create(**fields)


def register(event: Event, n: int, structure: str = "CCAS d'Arras", **fields: Any) -> Registration:
    """The n-th invented person of ``structure``."""
    return actions.registration_create(
        event=event,
        created_by=None,
        last_name=f"Nom{n}",
        first_name=f"Prénom{n}",
        organisation_name=structure,
        **fields,
    )
