"""The bus's dashboard page: who sees it, bad periods, the exports, the
half-day cost form."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.outreach.enums import StopKind
from nonrecours.outreach.models import BusCalendar
from nonrecours.www.outreach.dashboard import months_before
from tests.outreach.test_achievements import Bus

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)
PERIOD = {"debut": "2026-03-01", "fin": "2026-05-31"}
# Exports: a whole calendar quarter, over by TODAY.
QUARTER = {"debut": "2026-01-01", "fin": "2026-03-31"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def bus(arras):
    """Grand-Place: 3 half-days, 2 people; Mairie de Wailly: 1 half-day,
    12 people (all first contacts)."""
    bus = Bus(arras)
    place = bus.stop("Grand-Place", "Arras")
    for day in (3, 10, 17):
        visit = bus.visit(place, datetime.date(2026, 3, day))
    bus.visitor(visit)
    bus.visitor(visit, False)
    wailly = bus.visit(
        bus.stop("Mairie de Wailly", "Wailly", StopKind.TOWN_HALL), datetime.date(2026, 3, 24)
    )
    for _ in range(12):
        bus.visitor(wailly)
    return bus


@pytest.fixture
def lead(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    return client


def _url(territory, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("outreach_dashboard", args=[territory.siren]) + (f"?{query}" if query else "")


def test_the_team_reads_each_stop_and_the_suggestions(lead, bus):
    response = lead.get(_url(bus.territory, **PERIOD))

    assert response.status_code == 200
    html = response.text
    assert "Bilan du bus par arrêt" in html
    assert "Du 1er mars 2026 au 31 mai 2026" in html
    assert "Usage interne — ne pas diffuser" in html
    assert 'data-label="Personnes reçues">2</td>' in html
    assert 'data-label="Personnes reçues">12</td>' in html
    assert "À repenser :</strong> « Grand-Place » (Arras) : 3 demi-journées" in html
    assert 'data-label="Coût par demi-journée">450\u00a0€</td>' in html


def test_the_published_view_shows_what_the_exports_hold(lead, bus):
    html = lead.get(_url(bus.territory, **PERIOD, vue="publiee")).text

    assert "Vue publiée (celle des exports)" in html
    # Grand-Place's 2 people are hidden, and the total with them (see
    # test_the_exports_are_the_published_view); Wailly's 12 are published.
    hidden = 'data-label="Personnes reçues"><abbr title="secret statistique">s</abbr>'
    assert html.count(hidden) == 2
    assert 'data-label="Personnes reçues">12</td>' in html
    assert "Suggestions" not in html


def test_the_default_period_is_the_three_months_before_today(lead, bus):
    html = lead.get(_url(bus.territory)).text

    assert "Du 10 mars 2026 au 10 juin 2026" in html
    assert 'value="2026-03-10"' in html and 'value="2026-06-10"' in html


def test_months_before_keeps_the_day_or_the_month_s_last():
    assert months_before(datetime.date(2026, 5, 31), 3) == datetime.date(2026, 2, 28)
    assert months_before(datetime.date(2026, 1, 15), 3) == datetime.date(2025, 10, 15)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"debut": "2026-05-31", "fin": "2026-03-01"},
         "Au : La fin de la période (1er mars 2026) est avant son début (31 mai 2026)."),
        ({"debut": "31/02/2026"}, "Du : Saisissez une date valide."),
        ({"fin": "1850-01-01"}, "Au : Choisissez une date entre 2000 et 2100."),
        ({"fin": "2026-06-01", "debut": "x" * 500}, "Du : Saisissez une date valide."),
        ({"format": "pdf"}, "Export : Sélectionnez un choix valide."),
    ],
)  # fmt: skip
def test_a_bad_period_is_a_french_error_on_its_field(lead, bus, params, message):
    response = lead.get(_url(bus.territory, **params))

    assert response.status_code == 422
    assert message.split(" : ", 1)[1] in response.text
    assert f"{message.split(' : ')[0]} : " in response.text


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(debut=st.text(max_size=30), fin=st.text(max_size=30), format=st.text(max_size=6))
def test_no_period_gives_an_error_page(lead, arras, debut, fin, format):
    response = lead.get(
        reverse("outreach_dashboard", args=[arras.siren]),
        {"debut": debut, "fin": fin, "format": format},
    )

    assert response.status_code in (200, 422)


def test_the_exports_are_the_published_view(lead, bus):
    csv_response = lead.get(_url(bus.territory, **QUARTER, format="csv"))
    xlsx_response = lead.get(_url(bus.territory, **QUARTER, format="xlsx"))

    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == (
        'attachment; filename="bilan-bus-200033579-2026-01-01-2026-03-31.csv"'
    )
    text = csv_response.content.decode("utf-8-sig")
    header, total, place, wailly = text.splitlines()
    assert header.startswith("arrêt;commune;demi-journées de présence;")
    # 14 people, 13 first contacts: the total would give back the one who
    # came again (at the Grand-Place, 2 people, hidden): the total is hidden
    # too. Wailly's 12 (all first contacts) are published. Half-days,
    # hours and costs stay.
    assert total == "Ensemble des arrêts;;4;0;14,0;0;" + "secret;" * 4 + "0;;0;0;0;0;0;1800;450;"
    assert place.startswith("Grand-Place;Arras;3;0;10,5;0;secret;secret;")
    assert wailly.startswith("Mairie de Wailly;Wailly;1;0;3,5;0;12;3,4;12;100,0;0;0,0;")
    assert xlsx_response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx_response.content))
    assert [row[6] for row in book["données"].iter_rows(values_only=True)] == [
        "personnes reçues", "secret", "secret", 12,
    ]  # fmt: skip


@pytest.mark.parametrize(
    "period",
    [
        PERIOD,  # not a quarter
        {"debut": "2026-01-01", "fin": "2026-06-30"},  # two quarters
        {"debut": "2026-04-01", "fin": "2026-06-30"},  # not over on 10 June
        {"debut": "2026-01-02", "fin": "2026-03-31"},
    ],
)
def test_exports_cover_one_whole_past_quarter(lead, bus, period):
    """Two exports of overlapping periods would give back, by difference,
    the small counts each one hides."""
    response = lead.get(_url(bus.territory, **period, format="csv"))
    assert response.status_code == 422
    assert "trimestre civil entier et terminé" in response.text
    page = lead.get(_url(bus.territory, **PERIOD)).text
    assert "1er trimestre 2026 (janvier à mars)" in page
    assert "2e trimestre 2026" not in page  # not over yet


def test_who_may_see_it(client, arras, make_member):
    url = _url(arras)
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    assert client.get(url).status_code == 200
    client.force_login(make_member(arras, Role.ADMIN))
    assert client.get(url).status_code == 200
    # Partners read aggregates elsewhere, not this page (free periods).
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(url).status_code == 403
    assert client.get(_url(arras, format="csv")).status_code == 403
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    assert client.get(url).status_code == 403
    client.force_login(make_member(arras, None))
    assert client.get(url).status_code == 403
    assert client.get(reverse("outreach_dashboard", args=["999999999"])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_team_sets_the_half_day_cost(lead, bus):
    url = _url(bus.territory, **PERIOD)

    response = lead.post(url, {"calendrier": bus.calendar.pk, "cout": "1 234,5"})

    assert response.status_code == 302
    assert response["Location"] == url + "#cout"
    bus.calendar.refresh_from_db()
    assert bus.calendar.half_day_cost == Decimal("1234.50")
    page = lead.get(response["Location"]).text
    assert "Coût d&#x27;une demi-journée enregistré pour « Printemps 2026 »." in page
    assert "Printemps 2026 : 1\u202f234,50\u00a0€" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cout": "-5"}, "« -5 » n&#x27;est pas entre 0 et 100\u202f000\u00a0€."),
        ({"cout": "250000"}, "« 250000 » n&#x27;est pas entre 0 et 100\u202f000\u00a0€."),
        ({"cout": "beaucoup"}, "« beaucoup » n&#x27;est pas un nombre (ex. 1 234,5)."),
        ({"cout": "NaN"}, "« NaN » n&#x27;est pas un nombre (ex. 1 234,5)."),
        ({"cout": "0,001"}, "« 0,001 » a plus de deux décimales"),
        ({"calendrier": "999999999999999999999"}, "Choisissez un calendrier enregistré"),
    ],
)
def test_a_wrong_cost_is_refused_on_its_field(lead, bus, data, message):
    before = BusCalendar.objects.get().half_day_cost

    response = lead.post(_url(bus.territory), {"calendrier": bus.calendar.pk, **data})

    assert response.status_code == 422
    assert message in response.text
    assert BusCalendar.objects.get().half_day_cost == before


def test_another_territory_s_calendar_cannot_be_costed(lead, bus, arras):
    from tests.factories import TerritoryFactory

    other = Bus(TerritoryFactory())

    response = lead.post(_url(arras), {"calendrier": other.calendar.pk, "cout": "10"})

    assert response.status_code == 422
    other.calendar.refresh_from_db()
    assert other.calendar.half_day_cost == Decimal("450")


def test_a_partner_cannot_post_a_cost(client, arras, make_member, bus):
    client.force_login(make_member(arras, Role.PARTNER))

    response = client.post(_url(arras), {"calendrier": bus.calendar.pk, "cout": "10"})

    assert response.status_code == 403
    assert BusCalendar.objects.get().half_day_cost == Decimal("450")
