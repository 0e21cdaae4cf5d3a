"""The sections of the yearly report fed by the forums and trainings, the
simulator's follow-up, the call-back chain and the bus: figures against
counts made here, and an action absent from the year said so."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from nonrecours.evaluation.followup_enums import BlockedReason, FollowUpAnswer
from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit, SimulationTally
from nonrecours.evaluation.report import yearly_report
from nonrecours.evaluation.report_outcomes import chain_section, simulator_section
from nonrecours.evaluation.report_sections import bus_section, events_section
from nonrecours.events import actions
from nonrecours.events.enums import EventKind, HalfDay
from nonrecours.rights.catalogue import benefit
from tests.events.factories import make_event, register

pytestmark = pytest.mark.django_db
BUILT = datetime.datetime(2025, 4, 1, 9, tzinfo=datetime.UTC)
FROZEN = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
DAY = datetime.date(2025, 4, 10)


def _present(event, n, structure="CCAS d'Arras"):
    person = register(event, n, structure, organisation_kind="ccas")
    actions.attendance_tick(
        registration=person, day=event.starts_on, half_day=HalfDay.MORNING, ticked_by=None
    )
    return person


def test_forums_and_trainings_count_people_once(arras):
    with time_machine.travel(BUILT, tick=False):
        forums = [
            make_event(arras, kind=EventKind.FORUM, starts_on=d, ends_on=d, programme="")
            for d in (DAY, DAY + datetime.timedelta(days=7))
        ]
        training = make_event(arras, starts_on=DAY, ends_on=DAY)
        # 14 people at the first forum, 5 of them again at the second: 14 people.
        for n in range(14):
            _present(forums[0], n)
        for n in range(5):
            _present(forums[1], n)
        register(forums[1], 99)  # registered, never present: not counted
        for n in range(12):
            _present(training, 100 + n, "France Travail Arras")
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(arras, 2025, builders=(events_section,))
    section = report.section("evenements")
    assert section.figure("evenements.forums").value == 2
    assert section.figure("evenements.participants_forums").value == 14
    assert section.figure("evenements.formations").value == 1
    assert section.figure("evenements.formes").value == 12
    assert report.section("actions").figure("evenements.participants_forums").value == 14


def test_a_small_forum_is_secret(arras):
    with time_machine.travel(BUILT, tick=False):
        forum = make_event(arras, kind=EventKind.FORUM, starts_on=DAY, ends_on=DAY, programme="")
        for n in range(4):
            _present(forum, n)
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(arras, 2025, builders=(events_section,))
    figure = report.section("evenements").figure("evenements.participants_forums")
    assert figure.hidden and figure.value is None


def test_simulations_and_their_follow_up(arras):
    moment = datetime.datetime(2025, 6, 1, 10, tzinfo=datetime.UTC)
    follow_ups = FollowUp.objects.bulk_create(
        FollowUp(territory=arras, nonce=f"n{i}", consent_text="oui", created_at=moment,
                 reason=BlockedReason.MISSING_DOCUMENT if i < 12 else "")
        for i in range(45)
    )  # fmt: skip
    # RSA: 30 answers, 18 « demande faite »; 15 never answered.
    answers = [FollowUpAnswer.CLAIMED] * 18 + [FollowUpAnswer.NOT_YET] * 12 + [""] * 15
    FollowUpBenefit.objects.bulk_create(
        FollowUpBenefit(follow_up=f, benefit_id="rsa", monthly_amount=Decimal(500), answer=a)
        for f, a in zip(follow_ups, answers, strict=True)
    )
    SimulationTally.objects.bulk_create(
        [
            SimulationTally(territory=arras, month=datetime.date(2025, 3, 1), count=120),
            SimulationTally(territory=arras, month=datetime.date(2025, 11, 1), count=80),
            SimulationTally(territory=arras, month=datetime.date(2024, 12, 1), count=999),
        ]
    )
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(arras, 2025, builders=(simulator_section,))
    section = report.section("simulateur")
    assert section.figure("simulateur.simulations").value == 200
    assert section.figure("simulateur.suivis").value == 45
    assert section.figure("simulateur.reponses").value == 30
    rsa = benefit("rsa").label
    assert section.figure("simulateur.demandes", rsa).value == 18
    assert section.figure("simulateur.recours", rsa).value == pytest.approx(18 / 30)
    blocked = section.figure(
        "simulateur.blocage", f"Blocage : {BlockedReason.MISSING_DOCUMENT.label}"
    )
    assert blocked.value == 12
    assert report.section("actions").figure("simulateur.simulations").value == 200


def test_actions_absent_from_the_year_say_so(arras):
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(
            arras, 2025, builders=(bus_section, events_section, chain_section, simulator_section)
        )
    for key in ("bus", "evenements", "chaine"):
        assert not report.section(key).available
        assert not report.section(key).figures
    assert report.section("simulateur").figure("simulateur.simulations").value == 0
    # The summary lists only the actions that exist.
    assert [f.key for f in report.section("actions").figures] == ["simulateur.simulations"]


def test_the_bus_year_is_its_published_view(arras):
    from nonrecours.outreach.demo import outreach_demo_create
    from nonrecours.outreach.enums import VisitStatus
    from nonrecours.outreach.models import BusVisit, BusVisitor

    with time_machine.travel(datetime.datetime(2025, 6, 16, 9, tzinfo=datetime.UTC), tick=False):
        created = outreach_demo_create(territory=arras, today=datetime.date(2025, 6, 16))
    assert created
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(arras, 2025, builders=(bus_section,))
    section = report.section("bus")
    visits = BusVisit.objects.filter(
        calendar__territory=arras,
        day__year=2025,
        status__in=[VisitStatus.PLANNED, VisitStatus.MOVED],
    )
    people = BusVisitor.objects.filter(visit__in=visits).count()
    assert people >= 11
    assert section.figure("bus.demi_journees").value == visits.count()
    assert section.figure("bus.personnes").value == people
    assert report.section("actions").figure("bus.personnes").value == people
