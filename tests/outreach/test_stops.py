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
from nonrecours.outreach.stops import StopError, stop_add, stops_prefill

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
