"""The bus's activity log (outreach.activity): a person received, refused
field by field in French, noted exactly once per key; hours of presence;
who may log which visit."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.outreach import imports
from nonrecours.outreach.access import access_bus_visit_log_by_id, access_outreach_log
from nonrecours.outreach.activity import (
    PresenceError,
    VisitorError,
    log_territories,
    visit_presence_save,
    visitor_record,
    visits_to_log,
)
from nonrecours.outreach.enums import StopKind, VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit, BusVisitor, Stop
from nonrecours.territories import actions as territory_actions
from nonrecours.territories.models import Commune
from tests.conftest import LENS_SIREN

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
MORNING_TEXT = "de 9\u00a0h à 12\u00a0h\u00a030"  # no-break spaces


def make_visit(territory, *, day=None, status=VisitStatus.PLANNED, insee_code=None):
    """A visit of the bus at a town hall of the territory, on ``day`` (today
    by default), in the morning, in the territory's published calendar."""
    day = day or timezone.localdate()
    commune = (
        Commune.objects.get(insee_code=insee_code)
        if insee_code
        else Commune.objects.members_of(territory).order_by("insee_code").first()
    )
    stop, _ = Stop.objects.get_or_create(
        territory=territory, kind=StopKind.TOWN_HALL, commune=commune,
        defaults={"name": f"Mairie de {commune.name}", "latitude": 50.3, "longitude": 2.8},
    )  # fmt: skip
    # One published calendar for the territory, from four weeks before today
    # for twelve weeks: every visit of a test is one of its days.
    today = timezone.localdate()
    calendar, _ = BusCalendar.objects.get_or_create(
        territory=territory, name="Printemps",
        defaults=dict(
            start=today - datetime.timedelta(days=today.weekday(), weeks=4), weeks=12,
            problem={}, status="optimal", objective=0, coverage=0, published_at=timezone.now(),
        ),
    )  # fmt: skip
    return BusVisit.objects.create(
        calendar=calendar, stop=stop, stop_key=commune.insee_code, day=day,
        half_day="matin", status=status,
    )  # fmt: skip


def person(**fields):
    """A valid person received: first contact, from Arras, in Arras Ouest."""
    return {
        "first_contact": True, "commune": "62041", "priority_area": "QN06201M",
        "age_band": "25_34", "themes": ["caf", "numerique"], "simulations": 1,
        "referrals": 1, "appointments": 0, "recorded_at": timezone.now().isoformat(),
    } | fields  # fmt: skip


@pytest.fixture
def qpv(arras):
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")


@pytest.fixture
def visit(arras, qpv):
    return make_visit(arras)


@pytest.fixture
def agent(arras, make_member):
    return make_member(arras, Role.FIELD_AGENT)


def test_a_person_is_noted_with_every_field(visit, agent):
    noted = visitor_record(
        visit=visit, payload=person(themes=["numerique", "caf", "caf"]), user=agent,
        idempotency_key="cle-1",
    )  # fmt: skip

    stored = BusVisitor.objects.get()
    assert stored == noted
    assert (stored.visit, stored.recorded_by, stored.first_contact) == (visit, agent, True)
    assert (stored.commune.insee_code, stored.priority_area.code) == ("62041", "QN06201M")
    assert stored.themes == ["caf", "numerique"]  # VisitTheme's order, each once
    assert (stored.simulations, stored.referrals, stored.appointments) == (1, 1, 0)


def test_outside_the_territory_and_optional_fields(visit, agent):
    noted = visitor_record(
        visit=visit,
        payload=person(commune="", priority_area="", age_band="", simulations="2",
                       referrals=None, appointments=""),
        user=agent, idempotency_key="hors",
    )  # fmt: skip

    assert (noted.commune, noted.priority_area, noted.age_band) == (None, None, "")
    assert (noted.simulations, noted.referrals, noted.appointments) == (2, 0, 0)


def test_the_same_key_is_noted_once(visit, agent):
    payload = person()
    first = visitor_record(visit=visit, payload=payload, user=agent, idempotency_key="k")
    again = visitor_record(visit=visit, payload=payload, user=agent, idempotency_key="k")

    assert again.pk == first.pk
    assert BusVisitor.objects.count() == 1


def test_the_same_key_with_another_content_is_refused(visit, agent):
    first = person()
    visitor_record(visit=visit, payload=first, user=agent, idempotency_key="k")

    with pytest.raises(VisitorError) as refused:
        visitor_record(
            visit=visit, payload=first | {"first_contact": False, "simulations": 3}, user=agent,
            idempotency_key="k",
        )  # fmt: skip

    assert refused.value.field == "idempotency_key"
    # No word on what differs: a replayed key must not read the stored answers.
    assert str(refused.value) == (
        "Cette clé d'envoi a déjà servi pour une autre personne : rien n'est enregistré. "
        "Notez la personne à nouveau."
    )
    assert BusVisitor.objects.get().simulations == 1


def test_a_replay_after_the_visit_is_cancelled_gives_back_the_stored_person(visit, agent):
    payload = person()
    first = visitor_record(visit=visit, payload=payload, user=agent, idempotency_key="k")
    visit.status = VisitStatus.CANCELLED
    visit.save()

    assert visitor_record(visit=visit, payload=payload, user=agent, idempotency_key="k") == first
    with pytest.raises(VisitorError, match="annulé"):
        visitor_record(visit=visit, payload=payload, user=agent, idempotency_key="k2")
    assert BusVisitor.objects.count() == 1


def test_a_cancelled_visit_refuses(arras, qpv, agent):
    cancelled = make_visit(arras, status=VisitStatus.CANCELLED)

    with pytest.raises(VisitorError) as refused:
        visitor_record(visit=cancelled, payload=person(), user=agent, idempotency_key="k")

    assert str(refused.value) == "Ce passage du bus a été annulé : on n'y note plus personne."
    assert refused.value.field == "passage"
    assert not BusVisitor.objects.exists()


def _day_before(visit):
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(visit.day, datetime.time(0, 0), tzinfo=zone)
    return (start - datetime.timedelta(minutes=5)).isoformat()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"first_contact": None}, "first_contact", "Premier contact : répondez oui ou non."),
        ({"first_contact": "oui"}, "first_contact", "Premier contact : répondez oui ou non."),
        ({"commune": "75056"}, "commune",
         "Commune de résidence : « 75056 » n'est pas une commune du territoire."),
        ({"commune": 62041}, "commune", "Commune de résidence : code INSEE attendu."),
        ({"priority_area": "QN05901M"}, "priority_area",
         "Quartier prioritaire : « QN05901M » n'est pas un quartier du territoire."),
        ({"commune": "62004"}, "priority_area",
         "Quartier prioritaire : « Arras Ouest » n'est pas à Achicourt."),
        ({"commune": ""}, "priority_area",
         "Quartier prioritaire : choisissez d'abord la commune où est « Arras Ouest »."),
        ({"age_band": "40_50"}, "age_band",
         "Tranche d'âge : choisissez une tranche de la liste (ou « Non précisée »)."),
        ({"themes": []}, "themes", "Thèmes : cochez au moins un thème."),
        ({"themes": "caf"}, "themes", "Thèmes : cochez au moins un thème."),
        ({"themes": ["caf", "loisirs"]}, "themes", "Thèmes : thème(s) inconnu(s) : loisirs."),
        ({"simulations": 51}, "simulations",
         "Simulations faites : un nombre entier de 0 à 50 est attendu."),
        ({"simulations": "²"}, "simulations",
         "Simulations faites : un nombre entier de 0 à 50 est attendu."),
        ({"simulations": "١"}, "simulations",
         "Simulations faites : un nombre entier de 0 à 50 est attendu."),
        ({"referrals": -1}, "referrals",
         "Orientations envoyées : un nombre entier de 0 à 50 est attendu."),
        ({"appointments": 1.5}, "appointments",
         "Rendez-vous pris : un nombre entier de 0 à 50 est attendu."),
        ({"appointments": True}, "appointments",
         "Rendez-vous pris : un nombre entier de 0 à 50 est attendu."),
        ({"recorded_at": ""}, "recorded_at", "Heure de la saisie : absente."),
        ({"recorded_at": "hier"}, "recorded_at", "L'heure « hier » est illisible"),
        ({"nom": "Martin"}, "nom",
         "Champ inconnu « nom » : le journal ne garde ni nom ni coordonnées."),
    ],
)  # fmt: skip
def test_each_wrong_field_is_refused_on_its_field(visit, agent, fields, field, message):
    with pytest.raises(VisitorError) as refused:
        visitor_record(visit=visit, payload=person(**fields), user=agent, idempotency_key="k")

    problems = {p.field: p.message for p in refused.value.problem_list()}
    assert message in problems[field]
    assert str(refused.value).startswith("Personne refusée : 1 problème")
    assert not BusVisitor.objects.exists()


def test_the_moment_must_fall_from_the_visit_day_to_tomorrow(visit, agent):
    now = timezone.now()
    with pytest.raises(VisitorError) as before:
        visitor_record(
            visit=visit, payload=person(recorded_at=_day_before(visit)), user=agent,
            idempotency_key="avant", now=now,
        )  # fmt: skip
    with pytest.raises(VisitorError) as ahead:
        visitor_record(
            visit=visit,
            payload=person(recorded_at=(now + datetime.timedelta(hours=25)).isoformat()),
            user=agent, idempotency_key="apres", now=now,
        )  # fmt: skip

    assert "avant le jour du passage" in before.value.problem_list()[0].message
    assert "plus d'un jour dans le futur" in ahead.value.problem_list()[0].message
    assert before.value.problem_list()[0].field == "recorded_at"
    assert not BusVisitor.objects.exists()


def test_several_problems_are_all_given(visit, agent):
    with pytest.raises(VisitorError) as refused:
        visitor_record(
            visit=visit, payload=person(first_contact=None, themes=[], simulations=99),
            user=agent, idempotency_key="k",
        )  # fmt: skip

    assert {p.field for p in refused.value.problem_list()} == {
        "first_contact", "themes", "simulations",
    }  # fmt: skip
    assert str(refused.value) == "Personne refusée : 3 problèmes."


@pytest.mark.parametrize("key", ["", "a\nb", "x" * 65])
def test_a_wrong_key_is_refused(visit, agent, key):
    with pytest.raises(VisitorError) as refused:
        visitor_record(visit=visit, payload=person(), user=agent, idempotency_key=key)

    assert refused.value.field == "idempotency_key"
    assert "Clé d'envoi" in str(refused.value)


HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)  # fmt: skip


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(field=st.sampled_from(sorted(person())), value=HOSTILE)
def test_hostile_values_are_refused_or_noted_never_an_error_page(visit, agent, field, value):
    before = BusVisitor.objects.count()
    key = f"h-{before}-{abs(hash((field, repr(value))))}"
    try:
        noted = visitor_record(
            visit=visit, payload=person(**{field: value}), user=agent, idempotency_key=key
        )
    except VisitorError as refused:
        assert refused.problem_list() or refused.field
        assert BusVisitor.objects.count() == before
    else:
        assert noted.visit == visit
        assert BusVisitor.objects.count() == before + 1


def test_hours_of_presence(visit):
    visit_presence_save(visit=visit, arrived_at="09:05", left_at="")
    visit.refresh_from_db()
    assert (visit.arrived_at, visit.left_at) == (datetime.time(9, 5), None)

    visit_presence_save(visit=visit, arrived_at=datetime.time(9, 5), left_at="12:20")
    visit.refresh_from_db()
    assert (visit.arrived_at, visit.left_at) == (datetime.time(9, 5), datetime.time(12, 20))


@pytest.mark.parametrize(
    ("arrived", "left", "field", "message"),
    [
        ("12:00", "11:00", "left_at", "Heure de départ : 11:00 n'est pas après l'arrivée (12:00)."),
        ("10:00", "10:00", "left_at", "Heure de départ : 10:00 n'est pas après l'arrivée (10:00)."),
        ("", "11:00", "arrived_at", "Heure d'arrivée : à donner avec l'heure de départ."),
        ("9h", "", "arrived_at", "Heure d'arrivée : heure attendue au format 14:30."),
        ("09:00", "25:00", "left_at", "Heure de départ : heure attendue au format 14:30."),
        ("0²:00", "", "arrived_at", "Heure d'arrivée : heure attendue au format 14:30."),
        ("00:00", "23:59", "arrived_at",
         "Heure d'arrivée : 00:00 est loin de la demi-journée prévue "
         f"(matin, {MORNING_TEXT}) ; attendu de 07:30 à 14:00."),
        ("09:00", "15:00", "left_at",
         "Heure de départ : 15:00 est loin de la demi-journée prévue "
         f"(matin, {MORNING_TEXT}) ; attendu de 07:30 à 14:00."),
    ],
)  # fmt: skip
def test_wrong_hours_are_refused(visit, arrived, left, field, message):
    with pytest.raises(PresenceError) as refused:
        visit_presence_save(visit=visit, arrived_at=arrived, left_at=left)

    assert (refused.value.field, str(refused.value)) == (field, message)
    visit.refresh_from_db()
    assert (visit.arrived_at, visit.left_at) == (None, None)


def test_a_visit_to_come_takes_no_hours(arras, qpv):
    tomorrow = make_visit(arras, day=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(PresenceError, match="n'a pas encore eu lieu"):
        visit_presence_save(visit=tomorrow, arrived_at="09:00", left_at="")


def test_a_cancelled_visit_takes_no_hours(arras, qpv):
    cancelled = make_visit(arras, status=VisitStatus.CANCELLED)
    with pytest.raises(PresenceError, match="annulé"):
        visit_presence_save(visit=cancelled, arrived_at="09:00", left_at="")


def test_who_may_log_a_visit(arras, visit, make_member):
    for role in (Role.FIELD_AGENT, Role.PROJECT_LEAD, Role.ADMIN):
        user = make_member(arras, role)
        assert access_bus_visit_log_by_id(user, visit.pk) == visit
        assert access_outreach_log(user, arras) == arras
    partner = make_member(arras, Role.PARTNER)
    for pk in (visit.pk, visit.pk + 1000, "abc", "9" * 30):
        with pytest.raises(Http404, match="Passage inconnu."):
            access_bus_visit_log_by_id(partner, pk)
    with pytest.raises(PermissionDenied, match="l'équipe du bus"):
        access_outreach_log(partner, arras)


def test_a_visit_of_another_territory_is_refused(arras, visit, make_member):
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    agent_of_lens = make_member(lens, Role.FIELD_AGENT)

    with pytest.raises(Http404, match="Passage inconnu."):
        access_bus_visit_log_by_id(agent_of_lens, visit.pk)
    assert log_territories(agent_of_lens) == [lens]
    assert visits_to_log([lens], today=visit.day) == []


def test_a_commune_of_another_territory_is_refused(arras, visit, agent):
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    lens_commune = Commune.objects.members_of(lens).first()

    with pytest.raises(VisitorError) as refused:
        visitor_record(
            visit=visit, payload=person(commune=lens_commune.insee_code, priority_area=""),
            user=agent, idempotency_key="k",
        )  # fmt: skip

    assert refused.value.problem_list()[0].field == "commune"


def test_the_visits_to_log_are_those_of_the_two_weeks(arras, qpv, agent):
    today = timezone.localdate()
    shown = [make_visit(arras, day=today + datetime.timedelta(days=d)) for d in (-7, 0, 7)]
    for days in (-8, 8):
        make_visit(arras, day=today + datetime.timedelta(days=days))
    afternoon = make_visit(arras, day=today)
    afternoon.half_day = "après-midi"
    afternoon.save()
    morning = make_visit(arras, day=today)

    visits = visits_to_log(log_territories(agent), today=today)

    assert visits == [shown[0], shown[1], morning, afternoon, shown[2]]
