"""The bus's candidate stops (outreach.stops) and their page: town halls
and QPV from the territory, places the team adds, in the calendar."""

import datetime
import math
from pathlib import Path

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.outreach import imports
from nonrecours.outreach.calendar import territory_calendar
from nonrecours.outreach.enums import StopKind
from nonrecours.outreach.models import Stop
from nonrecours.outreach.stops import StopError, stop_add, stop_update, stops_prefill

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
# The Grand-Place of Arras.
GRAND_PLACE = (50.2928, 2.7793)


def test_prefill_creates_a_stop_per_town_hall_and_qpv_once(arras):
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")

    first = stops_prefill(territory=arras)
    again = stops_prefill(territory=arras)

    assert (first.town_halls, first.priority_areas) == (46, 3)
    assert (again.town_halls, again.priority_areas) == (0, 0)
    assert first.summary() == (
        "46 arrêt(s) de mairie et 3 arrêt(s) de quartier prioritaire ajoutés."
    )
    assert Stop.objects.get(kind=StopKind.TOWN_HALL, commune__insee_code="62004").name == (
        "Mairie d'Achicourt"
    )


def test_a_place_is_added_and_the_calendar_can_choose_it(arras):
    place = stop_add(
        territory=arras, name=" Grand-Place ", insee_code="62041",
        latitude=GRAND_PLACE[0], longitude=GRAND_PLACE[1], service_minutes=90,
    )  # fmt: skip

    assert (place.name, place.kind, place.service_minutes) == ("Grand-Place", StopKind.PLACE, 90)
    planned = territory_calendar(
        arras, start=datetime.date(2026, 4, 27), weeks=4, time_limit_seconds=5
    )
    stop = next(s for s in planned.stops if s.key == f"lieu-{place.pk}")
    arras_hall = next(s for s in planned.stops if s.key == "62041")
    assert stop.priority == arras_hall.priority  # its commune's line of the index
    assert stop.service_minutes == 90


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Donnez un nom à l'arrêt."),
        ({"name": "a\nb"}, "name", "Le texte doit tenir sur une seule ligne."),
        ({"insee_code": "75056"}, "commune", "Choisissez une commune du territoire."),
        ({"latitude": math.nan}, "latitude", "Coordonnées invalides"),
        ({"latitude": 2.7793, "longitude": 50.2928}, "latitude",
         "n'est pas dans la commune d'Arras"),
        ({"service_minutes": 600}, "service_minutes", "Durée de présence de 30 à 300 minutes."),
    ],
)  # fmt: skip
def test_a_wrong_place_is_refused_on_its_field(arras, fields, field, message):
    values = {
        "name": "Grand-Place", "insee_code": "62041",
        "latitude": GRAND_PLACE[0], "longitude": GRAND_PLACE[1], "service_minutes": 120,
    } | fields  # fmt: skip

    with pytest.raises(StopError) as refused:
        stop_add(territory=arras, **values)

    problems = {p.field: p.message for p in refused.value.problem_list()}
    assert message in problems[field]
    assert not Stop.objects.filter(kind=StopKind.PLACE).exists()


def test_the_team_adds_a_place_on_the_page(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("outreach_stops", args=[arras.siren])

    page = client.get(url).text
    assert "46 arrêts possibles" in page
    refused = client.post(url, {"name": "Grand-Place", "commune": "62041", "latitude": "2,7793",
                                "longitude": "50,2928", "service_minutes": "120"})  # fmt: skip
    added = client.post(url, {"name": "Grand-Place", "commune": "62041", "latitude": "50,2928",
                              "longitude": "2,7793", "service_minutes": "120"})  # fmt: skip

    assert refused.status_code == 422
    assert "n&#x27;est pas dans la commune d&#x27;Arras" in refused.text
    assert added.status_code == 302
    assert "Arrêt « Grand-Place » ajouté." in client.get(url).text


def test_partners_do_not_plan(client, arras, make_member):
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(reverse("outreach_stops", args=[arras.siren])).status_code == 403


def test_a_town_hall_is_moved_to_its_real_place_and_deactivated(arras):
    stops_prefill(territory=arras)
    stop = Stop.objects.get(territory=arras, kind=StopKind.TOWN_HALL, commune__insee_code="62041")
    stop_update(
        stop=stop, name="Hôtel de ville d'Arras", address=" Place des Héros ",
        latitude=50.29108, longitude=2.77713, service_minutes=180, is_active=False,
    )  # fmt: skip
    stop.refresh_from_db()
    assert (stop.name, stop.address, stop.service_minutes) == (
        "Hôtel de ville d'Arras",
        "Place des Héros",
        180,
    )
    assert (stop.latitude, stop.longitude, stop.is_active) == (50.29108, 2.77713, False)
    planned = territory_calendar(
        arras, start=datetime.date(2026, 4, 27), weeks=4, small_every_weeks=None,
        time_limit_seconds=2,
    )  # fmt: skip
    assert "62041" not in {s.key for s in planned.stops}  # inactive: not a candidate


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"latitude": 48.85, "longitude": 2.35}, "latitude"),  # Paris, not Arras
        ({"latitude": math.nan}, "latitude"),
        ({"name": " "}, "name"),
        ({"address": "a\nb"}, "address"),
        ({"service_minutes": 10}, "service_minutes"),
    ],
)
def test_a_wrong_change_is_refused_and_nothing_is_saved(arras, fields, field):
    stops_prefill(territory=arras)
    stop = Stop.objects.get(territory=arras, kind=StopKind.TOWN_HALL, commune__insee_code="62041")
    before = (stop.name, stop.latitude, stop.longitude)
    values = {
        "name": "Mairie", "address": "", "latitude": 50.29108, "longitude": 2.77713,
        "service_minutes": 120, "is_active": True, **fields,
    }  # fmt: skip
    with pytest.raises(StopError) as refused:
        stop_update(stop=stop, **values)
    assert [p.field for p in refused.value.problem_list()] == [field]
    stop.refresh_from_db()
    assert (stop.name, stop.latitude, stop.longitude) == before


def test_the_team_moves_a_stop_on_its_page(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    stops_prefill(territory=arras)
    stop = Stop.objects.get(territory=arras, kind=StopKind.TOWN_HALL, commune__insee_code="62041")
    url = reverse("outreach_stop", args=[arras.siren, stop.pk])
    assert "indiquez l'emplacement réel" in client.get(url).text
    data = {
        "name": "Hôtel de ville", "address": "Place des Héros", "latitude": "50,29108",
        "longitude": "2,77713", "service_minutes": "120",
    }  # fmt: skip
    wrong = client.post(url, {**data, "latitude": "48,85", "longitude": "2,35"})
    done = client.post(url, data)
    assert wrong.status_code == 422 and "est pas dans la commune d&#x27;Arras" in wrong.text
    assert done.status_code == 302
    stop.refresh_from_db()
    assert stop.name == "Hôtel de ville" and not stop.is_active  # unchecked box: inactive
    client.post(url, {**data, "is_active": "on", "preferred_weekdays": ["2"], "partner": " CAF "})
    stop.refresh_from_db()
    assert (stop.is_active, stop.preferred_weekdays, stop.partner) == (True, [2], "CAF")
    assert client.post(url, {**data, "preferred_weekdays": ["9"]}).status_code == 422
    assert client.get(reverse("outreach_stop", args=[arras.siren, "x"])).status_code == 404
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(url).status_code == 403
