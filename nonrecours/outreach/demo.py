"""A synthetic calendar of the bus and its activity, to show the aller-vers
pages working (`make run`, `nonrecours setup`).

Labelled everywhere: the calendar's name says « démonstration », the
calendar and every person received carry ``is_synthetic``. Half of the
calendar is past, with people received on each past half-day, drawn at
random (fixed seed) around the commune visited; one future visit is
cancelled and one moved, so that the changes show; the synthetic referrals
of the scheme « Bus des droits » (referrals.demo) are tagged as sent from
the bus's past visits in their commune."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from nonrecours.outreach.calendar import territory_calendar
from nonrecours.outreach.enums import VisitTheme
from nonrecours.outreach.models import BusCalendar, BusReferral, BusVisit, BusVisitor
from nonrecours.outreach.planning import DEFAULT_HALF_DAYS, PlanningError
from nonrecours.outreach.saved_calendars import calendar_save, visit_cancel, visit_move
from nonrecours.referrals.enums import AgeBand
from nonrecours.referrals.models import Referral
from nonrecours.territories.models import Commune, Territory

DEMO_NAME = "Calendrier de démonstration (fictif)"
DEMO_WEEKS = 8
# What a half-day of the bus costs, as an order of magnitude for the
# demonstration (two agents, fuel, the vehicle's upkeep), in euros.
DEMO_HALF_DAY_COST = Decimal("450")
DEMO_SCHEME = "Bus des droits (aller-vers)"
# People received per half-day: drawn from 0 to this (a village's bus
# receives a handful; a QPV or the central city more).
MAX_VISITORS = 9


def _visitors(visit: BusVisit, communes: list[Commune], rng: random.Random) -> list[BusVisitor]:
    """The synthetic people received on a past half-day."""
    hours = {h.label: h for h in DEFAULT_HALF_DAYS}[visit.half_day]
    start = datetime.datetime.combine(
        visit.day, hours.start, tzinfo=timezone.get_current_timezone()
    )
    people = []
    for n in range(rng.randint(0, MAX_VISITORS)):
        commune = visit.stop.commune if rng.random() < 0.8 else rng.choice(communes)
        themes = rng.sample(VisitTheme.values, k=rng.choice((1, 1, 2)))
        people.append(
            BusVisitor(
                visit=visit,
                idempotency_key=f"demo-{visit.pk}-{n}",
                first_contact=rng.random() < 0.6,
                commune=commune,
                age_band=rng.choice(AgeBand.values[1:]),
                themes=themes,
                simulations=int(rng.random() < 0.4),
                referrals=int(rng.random() < 0.2),
                appointments=int(rng.random() < 0.25),
                recorded_at=start + datetime.timedelta(minutes=20 + 15 * n),
                is_synthetic=True,
            )
        )
    return people


@transaction.atomic
def outreach_demo_create(*, territory: Territory, today: datetime.date, seed: int = 2026) -> int:
    """Create the synthetic calendar once: ``DEMO_WEEKS`` weeks from the
    Monday four weeks before ``today``, its past half-days with people
    received, one cancelled and one moved visit after ``today``. Returns
    the number of visits created (0 when the demonstration exists, or when
    the territory has no stop to plan: no commune with a contour).
    Raises nothing a person causes."""
    if BusCalendar.objects.filter(territory=territory, is_synthetic=True).exists():
        return 0
    monday = today - datetime.timedelta(days=today.weekday(), weeks=4)
    try:
        planned = territory_calendar(
            territory, start=monday, weeks=DEMO_WEEKS, time_limit_seconds=10
        )
    except PlanningError:
        return 0
    saved = calendar_save(planned=planned, name=DEMO_NAME, user=None, is_synthetic=True)
    saved.half_day_cost = DEMO_HALF_DAY_COST
    saved.save(update_fields=["half_day_cost"])
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
    communes = list(Commune.objects.members_of(territory))
    visits = list(saved.visits.select_related("stop__commune").order_by("day", "half_day"))
    past = [v for v in visits if v.day < today]
    people = []
    for visit in past:
        hours = {h.label: h for h in DEFAULT_HALF_DAYS}[visit.half_day]
        visit.arrived_at, visit.left_at = hours.start, hours.end
        people += _visitors(visit, communes, rng)
    BusVisit.objects.bulk_update(past, ["arrived_at", "left_at"])
    BusVisitor.objects.bulk_create(people)
    _tag_referrals(territory, past)
    future = [v for v in visits if v.day > today]
    if len(future) >= 2:
        _demo_changes(future, today)
    return len(visits)


def _tag_referrals(territory: Territory, past: list[BusVisit]) -> None:
    """Tag the synthetic referrals of the bus's scheme as sent from a past
    visit in their commune (when the bus went there)."""
    by_commune: dict[str, BusVisit] = {}
    for visit in past:
        by_commune.setdefault(visit.stop.commune.insee_code, visit)
    referrals = Referral.objects.filter(
        territory=territory, is_synthetic=True, scheme__name=DEMO_SCHEME
    )
    BusReferral.objects.bulk_create(
        BusReferral(visit=by_commune[r.commune], referral=r)
        for r in referrals
        if r.commune in by_commune
    )


def _demo_changes(future: list[BusVisit], today: datetime.date) -> None:
    """One visit cancelled, one moved to the next working day (the rules
    checked again as on the page; a rule it breaks is kept and shown)."""
    cancelled, moved = future[0], future[len(future) // 2]
    visit_cancel(visit=cancelled, reason="Démonstration : bus en maintenance", user=None)
    day = moved.day + datetime.timedelta(days=1 if moved.day.weekday() < 4 else 3)
    half_day = "après-midi" if moved.half_day == "matin" else "matin"
    visit_move(
        visit=moved,
        day=day,
        half_day=half_day,
        vehicle=moved.vehicle,
        reason="Démonstration : jour de marché",
        user=None,
        accept_violations=True,
        today=today,
    )
