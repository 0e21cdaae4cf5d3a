"""Publishing the bus's calendar (outreach.publishing): OpenStreetMap hours
of each stop from its dated visits, the directory's entries of the bus
(« ouvert maintenant », « le plus proche », « où se faire aider » on the
days it comes), dated changes, the public pages and the team's button."""

import datetime

import icalendar
import pytest
import time_machine
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from nonrecours.accounts.enums import Role
from nonrecours.directory import queries
from nonrecours.directory.hours import PARIS, dated_changes, opening_hours_text, opening_state
from nonrecours.directory.models import Offer, Structure
from nonrecours.outreach import publishing
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit, Stop
from nonrecours.outreach.posters import PublicVisit
from nonrecours.outreach.stops import stops_prefill

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 30)  # 8 weeks: to Sunday 24 January 2027
END = datetime.date(2027, 1, 24)
MORNING = (datetime.time(9, 0), datetime.time(12, 30))
AFTERNOON = (datetime.time(13, 30), datetime.time(17, 0))
# The first and third Tuesdays of the period: Tu[1,3].
FIRST_THIRD_TUESDAYS = [
    datetime.date(2026, 12, 1),
    datetime.date(2026, 12, 15),
    datetime.date(2027, 1, 5),
    datetime.date(2027, 1, 19),
]


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def visit(day, hours=MORNING, **changes) -> PublicVisit:
    label = "matin" if hours == MORNING else "après-midi"
    fields = dict(
        uid=f"{day}-{label}", stop_key="62013", stop_id=1, stop_name="Mairie d'Agny",
        commune="Agny", insee_code="62013", address="", latitude=50.26, longitude=2.76,
        day=day, half_day=label, start=hours[0], end=hours[1],
    )  # fmt: skip
    return PublicVisit(**{**fields, **changes})


def hours_of(visits) -> str:
    return publishing.osm_hours(visits, start=MONDAY, end=END)


# --- OpenStreetMap hours, pure -------------------------------------------------


def test_visits_on_weekdays_of_the_month_give_a_rule_within_the_period():
    hours = hours_of([visit(day) for day in FIRST_THIRD_TUESDAYS])

    assert hours == "2026 Nov 30-2027 Jan 24 Tu[1,3] 09:00-12:30"
    assert opening_state(hours, at(datetime.date(2026, 12, 15), 10)) == "ouvert"
    assert opening_state(hours, at(datetime.date(2026, 12, 15), 13)) == "fermé"
    assert opening_state(hours, at(datetime.date(2026, 12, 16), 10)) == "fermé"  # day after
    assert opening_state(hours, at(datetime.date(2026, 12, 8), 10)) == "fermé"  # 2nd Tuesday
    # The first Tuesday after the calendar: the bus does not come.
    assert opening_state(hours, at(datetime.date(2027, 2, 2), 10)) == "fermé"
    assert opening_hours_text(hours) == (
        "du 30 novembre 2026 au 24 janvier 2027, les premier et troisième mardis du mois de "
        "9\u00a0h à 12\u00a0h\u00a030"
    )


def test_a_weekly_visit_is_a_plain_weekday_and_irregular_ones_are_dated_days():
    tuesdays = [MONDAY + datetime.timedelta(days=1 + 7 * week) for week in range(8)]
    assert hours_of([visit(day, AFTERNOON) for day in tuesdays]) == (
        "2026 Nov 30-2027 Jan 24 Tu 13:30-17:00"
    )
    irregular = [datetime.date(2026, 12, 9), datetime.date(2027, 1, 14)]
    hours = hours_of([visit(irregular[0]), visit(irregular[1], AFTERNOON)])
    assert hours == "2026 Dec 09 09:00-12:30; 2027 Jan 14 13:30-17:00"
    assert opening_state(hours, at(irregular[1], 14)) == "ouvert"
    assert opening_state(hours, at(irregular[1], 10)) == "fermé"
    assert opening_state(hours, at(datetime.date(2026, 12, 16), 10)) == "fermé"
    # Every other Tuesday is not a weekday-of-month rule (the 1st, 3rd, 5th
    # then the 2nd): dated days, never a rule that would open on others.
    every_other = tuesdays[::2]
    assert hours_of([visit(day) for day in every_other]).count("2026 Dec") == 3


def test_a_cancelled_visit_is_a_dated_change_and_the_rule_stays():
    cancelled = visit(
        FIRST_THIRD_TUESDAYS[1], status=VisitStatus.CANCELLED, change_reason="panne du bus"
    )
    hours = hours_of(
        [visit(FIRST_THIRD_TUESDAYS[0]), cancelled, *map(visit, FIRST_THIRD_TUESDAYS[2:])]
    )

    assert hours == (
        "2026 Nov 30-2027 Jan 24 Tu[1,3] 09:00-12:30; 2026 Dec 15 off "
        '"Passage du mardi 15 décembre 2026 matin annulé : panne du bus"'
    )
    assert opening_state(hours, at(FIRST_THIRD_TUESDAYS[1], 10)) == "fermé"
    assert opening_state(hours, at(FIRST_THIRD_TUESDAYS[2], 10)) == "ouvert"
    changes = dated_changes(hours, since=MONDAY)
    assert [(c.day, c.text, c.is_open) for c in changes] == [
        (
            FIRST_THIRD_TUESDAYS[1],
            "Passage du mardi 15 décembre 2026 matin annulé : panne du bus",
            False,
        )
    ]
    assert dated_changes(hours, since=datetime.date(2026, 12, 16)) == []


def test_a_moved_visit_closes_its_day_and_opens_the_new_one():
    moved = visit(
        datetime.date(2026, 12, 17), AFTERNOON, status=VisitStatus.MOVED,
        planned_day=FIRST_THIRD_TUESDAYS[1], planned_half_day="matin",
    )  # fmt: skip
    others = [visit(d) for d in FIRST_THIRD_TUESDAYS if d != FIRST_THIRD_TUESDAYS[1]]
    hours = hours_of([*others, moved])

    assert opening_state(hours, at(FIRST_THIRD_TUESDAYS[1], 10)) == "fermé"
    assert opening_state(hours, at(datetime.date(2026, 12, 17), 14)) == "ouvert"
    assert opening_state(hours, at(FIRST_THIRD_TUESDAYS[0], 10)) == "ouvert"
    texts = [c.text for c in dated_changes(hours, since=MONDAY)]
    assert texts == [
        "Passage du mardi 15 décembre 2026 matin déplacé au jeudi 17 décembre 2026 après-midi",
        "passage déplacé du mardi 15 décembre 2026 matin",
    ]


def test_a_visit_moved_out_of_the_period_still_closes_its_day_and_opens_the_new_one():
    after = datetime.date(2027, 2, 2)  # after the calendar's last day
    moved = visit(
        after, status=VisitStatus.MOVED, planned_day=FIRST_THIRD_TUESDAYS[1],
        planned_half_day="matin",
    )  # fmt: skip
    others = [visit(d) for d in FIRST_THIRD_TUESDAYS if d != FIRST_THIRD_TUESDAYS[1]]
    hours = hours_of([*others, moved])

    assert opening_state(hours, at(FIRST_THIRD_TUESDAYS[1], 10)) == "fermé"
    assert opening_state(hours, at(after, 10)) == "ouvert"
    assert opening_state(hours, at(datetime.date(2027, 2, 16), 10)) == "fermé"  # no rule there
    texts = [c.text for c in dated_changes(hours, since=MONDAY)]
    assert texts[0].startswith("Passage du mardi 15 décembre 2026 matin déplacé au mardi 2")


def test_two_half_days_on_the_same_weekdays_are_one_rule_never_overridden():
    hours = hours_of(
        [visit(d) for d in FIRST_THIRD_TUESDAYS]
        + [visit(d, AFTERNOON) for d in FIRST_THIRD_TUESDAYS]
    )
    assert hours == "2026 Nov 30-2027 Jan 24 Tu[1,3] 09:00-12:30,13:30-17:00"
    assert opening_state(hours, at(FIRST_THIRD_TUESDAYS[0], 15)) == "ouvert"


def test_no_visit_in_the_period_gives_no_hours():
    assert hours_of([visit(datetime.date(2027, 3, 2))]) == ""


# --- Writing to the directory ----------------------------------------------------


def make_calendar(territory, *, published=False, start=MONDAY) -> BusCalendar:
    return BusCalendar.objects.create(
        territory=territory, name="Hiver 2026", start=start, weeks=8, problem={},
        status="optimal", objective=0, coverage=0,
        published_at=timezone.now() if published else None,
    )  # fmt: skip


def stop_of(territory, insee_code: str) -> Stop:
    stops_prefill(territory=territory)
    return Stop.objects.get(territory=territory, commune__insee_code=insee_code, kind="mairie")


def add_visits(calendar, stop, days, half_day="matin") -> list[BusVisit]:
    return [
        BusVisit.objects.create(
            calendar=calendar,
            stop=stop,
            stop_key=stop.commune.insee_code,
            day=day,
            half_day=half_day,
        )  # fmt: skip
        for day in days
    ]


@pytest.fixture
def winter(arras):
    """A calendar of Arras: Agny the 1st and 3rd Tuesdays, Achicourt twice."""
    calendar = make_calendar(arras)
    agny, achicourt = stop_of(arras, "62013"), stop_of(arras, "62004")
    add_visits(calendar, agny, FIRST_THIRD_TUESDAYS)
    add_visits(calendar, achicourt, [datetime.date(2026, 12, 10), datetime.date(2027, 1, 7)])
    return calendar


TUESDAY_10 = at(FIRST_THIRD_TUESDAYS[1], 10)


def test_publishing_writes_one_structure_and_an_offer_per_stop_idempotently(winter, make_member):
    user = make_member(winter.territory, Role.PROJECT_LEAD)
    report = publishing.calendar_publish(calendar=winter, user=user, today=MONDAY)

    winter.refresh_from_db()
    assert winter.published_at is not None
    assert (report.offers, report.removed) == (2, 0)
    structure = Structure.objects.get(di_id=f"nonrecours--bus-{winter.territory.siren}")
    assert structure.name == "Bus multiservice — Communauté urbaine d'Arras"
    offers = {o.insee_code: o for o in Offer.objects.filter(structure=structure)}
    assert set(offers) == {"62013", "62004"}
    agny = offers["62013"]
    assert agny.opening_hours == "2026 Nov 30-2027 Jan 24 Tu[1,3] 09:00-12:30"
    assert agny.record["modes_accueil"] == ["en-presentiel"]
    assert agny.record["zone_eligibilite"] == [winter.territory.siren]
    assert (agny.latitude, agny.longitude) == pytest.approx(
        (stop_of(winter.territory, "62013").latitude, stop_of(winter.territory, "62013").longitude)
    )
    published_at = winter.published_at

    again = publishing.calendar_publish(calendar=winter, user=user, today=MONDAY)

    assert again.offers == 2
    assert Structure.objects.filter(di_id__startswith="nonrecours--bus-").count() == 1
    assert Offer.objects.filter(structure=structure).count() == 2
    winter.refresh_from_db()
    assert winter.published_at == published_at  # kept from the first publication


def test_open_now_and_nearest_include_the_bus_on_its_days(winter):
    publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)
    arras = winter.territory
    agny = arras.communes.get(insee_code="62013")

    hits, _ = queries.search(arras, commune=agny, open_now=True, now=TUESDAY_10)
    assert [h.offer.name for h in hits] == ["Bus multiservice — Mairie d'Agny"]
    day_after = TUESDAY_10 + datetime.timedelta(days=1)
    assert queries.search(arras, commune=agny, open_now=True, now=day_after) == ([], 0)
    nearest, _ = queries.search(arras, commune=agny, now=day_after, limit=1)
    assert nearest[0].offer.name == "Bus multiservice — Mairie d'Agny"
    results, _ = queries.search_directory(arras, commune=agny, open_now=True, now=TUESDAY_10)
    assert "Bus multiservice — Mairie d'Agny" in [r.name for r in results]
    # After the calendar, the bus's stops are no longer offered.
    after = at(datetime.date(2027, 2, 2), 10)
    assert queries.search(arras, commune=agny, now=after) == ([], 0)


def test_where_to_get_help_includes_the_bus_on_its_days(winter):
    publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)

    places = queries.help_places_near(winter.territory, "62013", now=TUESDAY_10)

    assert places[0].name == "Bus multiservice — Mairie d'Agny"
    assert places[0].state == "ouvert"
    assert places[0].kind == "acces-aux-droits"
    after = at(datetime.date(2027, 2, 2), 10)
    names = [p.name for p in queries.help_places_near(winter.territory, "62013", now=after)]
    assert not any(name.startswith("Bus multiservice") for name in names)


def test_a_cancelled_visit_is_shown_on_the_offer_page_and_in_the_search(winter, client):
    publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)
    row = BusVisit.objects.get(calendar=winter, day=FIRST_THIRD_TUESDAYS[1])
    row.status, row.changed_at = VisitStatus.CANCELLED, timezone.now()
    row.save()
    publishing.bus_directory_refresh(territory=winter.territory, today=MONDAY)
    offer = Offer.objects.get(insee_code="62013", structure__di_id__startswith="nonrecours--bus")

    assert opening_state(offer.opening_hours, TUESDAY_10) == "fermé"
    with time_machine.travel(at(datetime.date(2026, 12, 2), 10), tick=False):
        page = client.get(reverse("directory_offer", args=[offer.pk])).content.decode()
        search = client.get(reverse("directory_search"), {"commune": "62013"}).content.decode()
    change = "Passage du mardi 15 décembre 2026 matin annulé"
    assert "Changements annoncés" in page and change in page
    assert change in search


def test_a_stop_no_longer_visited_leaves_the_directory(winter):
    publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)
    BusVisit.objects.filter(calendar=winter, stop__commune__insee_code="62004").delete()

    report = publishing.bus_directory_refresh(territory=winter.territory, today=MONDAY)

    assert (report.offers, report.removed) == (1, 1)
    assert list(
        Offer.objects.filter(structure__di_id__startswith="nonrecours--bus").values_list(
            "insee_code", flat=True
        )
    ) == ["62013"]


def test_a_calendar_takes_over_the_weeks_of_the_one_it_overlaps(winter, arras):
    """The winter calendar keeps its days until the spring one starts; the
    spring one governs from then on (its Tuesday the 19th is not the
    winter's any more)."""
    with time_machine.travel(at(MONDAY, 8), tick=False):
        publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)
        spring = make_calendar(arras, start=datetime.date(2027, 1, 18))
        add_visits(spring, stop_of(arras, "62004"), [datetime.date(2027, 1, 21)])

        report = publishing.calendar_publish(calendar=spring, user=None, today=MONDAY)

    winter.refresh_from_db()
    assert winter.published_at is not None and report.replaced == ["Hiver 2026"]
    assert report.offers == 2
    agny = Offer.objects.get(di_id=publishing.bus_offer_id(arras, stop_of(arras, "62013")))
    assert opening_state(agny.opening_hours, at(datetime.date(2027, 1, 5), 10)) == "ouvert"
    assert opening_state(agny.opening_hours, at(datetime.date(2027, 1, 19), 10)) == "fermé"
    achicourt = Offer.objects.get(di_id=publishing.bus_offer_id(arras, stop_of(arras, "62004")))
    for day in (datetime.date(2026, 12, 10), datetime.date(2027, 1, 7), datetime.date(2027, 1, 21)):
        assert opening_state(achicourt.opening_hours, at(day, 10)) == "ouvert", day
    season = publishing.public_season(arras, today=MONDAY)
    assert datetime.date(2027, 1, 19) not in {v.day for v in season.visits}
    assert datetime.date(2027, 1, 21) in {v.day for v in season.visits}


def test_days_already_gone_stay_with_the_calendar_that_ran_them(winter, arras):
    with time_machine.travel(at(MONDAY, 8), tick=False):
        publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)
    late = make_calendar(arras, start=MONDAY)  # over the same weeks, published later
    add_visits(late, stop_of(arras, "62004"), [datetime.date(2027, 1, 21)])
    with time_machine.travel(at(datetime.date(2026, 12, 16), 8), tick=False):
        publishing.calendar_publish(calendar=late, user=None, today=datetime.date(2026, 12, 16))
        season = publishing.public_season(arras, today=datetime.date(2026, 12, 16))
    days = {v.day for v in season.visits}
    assert {datetime.date(2026, 12, 1), datetime.date(2026, 12, 15)} <= days  # ran
    assert datetime.date(2027, 1, 5) not in days  # the later calendar's now


def test_a_calendar_over_or_without_visits_is_refused_in_french(winter, arras):
    with pytest.raises(publishing.PublishError, match="terminé le 24 janvier 2027"):
        publishing.calendar_publish(calendar=winter, user=None, today=datetime.date(2027, 2, 1))
    BusVisit.objects.filter(calendar=winter).update(status=VisitStatus.CANCELLED)
    with pytest.raises(publishing.PublishError, match="aucun passage"):
        publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)
    BusVisit.objects.filter(calendar=winter).update(status=VisitStatus.PLANNED)
    BusCalendar.objects.filter(pk=winter.pk).update(is_synthetic=True)
    with pytest.raises(publishing.PublishError, match="démonstration \\(fictif\\) : il ne se"):
        publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)
    winter.refresh_from_db()
    assert winter.published_at is None
    assert not Structure.objects.filter(di_id__startswith="nonrecours--bus").exists()


# --- Public pages and the team's button -------------------------------------------


def test_public_pages_answer_only_once_published(winter, client):
    siren = winter.territory.siren
    with time_machine.travel(at(datetime.date(2026, 12, 2), 10), tick=False):
        assert client.get(f"/bus/{siren}/").status_code == 404
        winter.published_at = timezone.now()
        winter.save()
        row = BusVisit.objects.get(calendar=winter, day=FIRST_THIRD_TUESDAYS[1])
        row.status, row.changed_at, row.change_reason = (
            VisitStatus.CANCELLED, timezone.now(), "panne du bus",
        )  # fmt: skip
        row.save()
        page = client.get(f"/bus/{siren}/").content.decode()
        commune = client.get(f"/bus/{siren}/62013/")
        feed = client.get(f"/bus/{siren}/62013.ics")
        assert client.get(f"/bus/{siren}/62041/").status_code == 404  # not visited
        assert client.get("/bus/000000000/").status_code == 404

    assert "Passage du mardi 15 décembre 2026 matin annulé : panne du bus" in page
    assert "Agny" in page and "Achicourt" in page
    assert commune.status_code == 200
    assert "Mardi 5 janvier 2027" in commune.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == 4
    cancelled = [e for e in events if e["status"] == "CANCELLED"]
    assert len(cancelled) == 1
    assert str(cancelled[0]["uid"]) == f"bus-{siren}-{row.pk}@nonrecours"
    assert cancelled[0]["sequence"] > 0


def test_the_team_publishes_from_its_button(winter, client, make_member):
    siren = winter.territory.siren
    url = reverse("outreach_calendar_publish", args=[siren, winter.pk])
    client.force_login(make_member(winter.territory, Role.PARTNER))
    assert client.post(url).status_code == 403
    client.force_login(make_member(winter.territory, Role.PROJECT_LEAD))
    assert client.get(url).status_code == 405

    with time_machine.travel(at(MONDAY, 8), tick=False):
        response = client.post(url)

    try:
        expected = reverse("outreach_calendar", args=[siren, winter.pk])
    except NoReverseMatch:
        expected = reverse("outreach_public", args=[siren])
    assert response.status_code == 302 and response["Location"] == expected
    winter.refresh_from_db()
    assert winter.published_at is not None
    assert Offer.objects.filter(structure__di_id=f"nonrecours--bus-{siren}").count() == 2
    other = make_calendar(winter.territory)
    with time_machine.travel(at(datetime.date(2027, 3, 1), 8), tick=False):
        client.post(reverse("outreach_calendar_publish", args=[siren, other.pk]))
    other.refresh_from_db()
    assert other.published_at is None  # over: refused, said in a message


def test_a_stop_changed_by_the_team_changes_in_the_directory(winter):
    from nonrecours.outreach.stops import stop_update

    with time_machine.travel(at(MONDAY, 8), tick=False):
        publishing.calendar_publish(calendar=winter, user=None, today=MONDAY)
        agny = stop_of(winter.territory, "62013")
        stop_update(
            stop=agny, name="Salle des fêtes d'Agny", address="2 rue Neuve",
            latitude=agny.latitude, longitude=agny.longitude, service_minutes=120,
            is_active=True,
        )  # fmt: skip
    offer = Offer.objects.get(di_id=publishing.bus_offer_id(winter.territory, agny))
    assert offer.name == "Bus multiservice — Salle des fêtes d'Agny"
    assert "2 rue Neuve" in str(offer.record)
