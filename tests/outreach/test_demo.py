"""The synthetic calendar of the bus and its activity (`make run`)."""

import datetime

import pytest

from nonrecours.outreach.demo import DEMO_NAME, outreach_demo_create
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit, BusVisitor
from nonrecours.outreach.saved_calendars import saved_calendar

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 3)  # a Wednesday


def test_the_demonstration_is_labelled_half_past_and_made_once(arras):
    created = outreach_demo_create(territory=arras, today=TODAY)

    calendar = BusCalendar.objects.get()
    assert created == calendar.visits.count() > 40
    assert calendar.is_synthetic and "démonstration" in calendar.name == DEMO_NAME
    assert calendar.start == datetime.date(2026, 5, 4) and calendar.weeks == 8
    assert calendar.half_day_cost == 450
    past = BusVisit.objects.filter(calendar=calendar, day__lt=TODAY)
    assert past.exists() and not past.filter(arrived_at=None).exists()
    people = BusVisitor.objects.filter(visit__calendar=calendar)
    assert people.count() > len(past)  # a few people per half-day
    assert not people.filter(is_synthetic=False).exists()
    assert not people.filter(visit__day__gte=TODAY).exists()  # nobody received in the future
    assert BusVisit.objects.filter(status=VisitStatus.CANCELLED).count() == 1
    moved = BusVisit.objects.exclude(status=VisitStatus.CANCELLED).exclude(planned_day=None)
    assert moved.count() == 1 and moved.get().day > TODAY
    saved_calendar(calendar)  # reads back, with its rules checked

    assert outreach_demo_create(territory=arras, today=TODAY) == 0
    assert BusCalendar.objects.count() == 1
