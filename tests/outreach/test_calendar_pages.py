"""The pages of the bus's calendars: a new calendar solved and saved, the
calendar week by week, a visit moved (a broken rule shown and confirmed)
or cancelled; who may see them."""

import datetime

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_before_the_calendar():
    """Today: the Monday before the calendar (its days are to come)."""
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 4, 20, 8, tzinfo=datetime.UTC), tick=False):
        yield


MONDAY = datetime.date(2026, 4, 27)


@pytest.fixture
def lead(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    return client


def _solve(client, arras, **fields):
    data = {
        "name": "Printemps 2026", "start": "27/04/2026", "weeks": "4", "vehicles": "1",
        "small_every_weeks": "0", **fields,
    }  # fmt: skip
    return client.post(reverse("outreach_calendars", args=[arras.siren]), data)


@pytest.fixture
def saved(lead, arras):
    response = _solve(lead, arras)
    assert response.status_code == 302, response.content.decode()[:2000]
    return BusCalendar.objects.get()


def test_the_lead_solves_and_reads_a_calendar(lead, arras, saved):
    assert saved.name == "Printemps 2026" and saved.start == MONDAY
    html = lead.get(reverse("outreach_calendar", args=[arras.siren, saved.pk])).text
    assert "Semaine du 27 avril 2026" in html and "Semaine du 18 mai 2026" in html
    assert "vendredi 1er mai" in html and "férié" in html
    assert "Toutes les règles sont tenues" in html
    assert "Pourquoi chaque arrêt est visité, ou pas" in html
    assert html.count('class="visit visit--prevu"') == BusVisit.objects.count()
    listing = lead.get(reverse("outreach_calendars", args=[arras.siren])).text
    assert "Printemps 2026" in listing and "4 semaines" in listing


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": "28/04/2026"}, "Le calendrier commence un lundi : le mardi 28 avril 2026"),
        ({"start": "demain"}, "Saisissez une date valide."),
        ({"weeks": "13"}, "inférieure ou égale à 12"),
        ({"vehicles": "0"}, "supérieure ou égale à 1"),
        ({"name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_a_wrong_frame_is_refused_on_its_field(lead, arras, fields, message):
    response = _solve(lead, arras, **fields)
    assert response.status_code == 422
    assert message in response.text
    assert not BusCalendar.objects.exists()


def test_a_move_onto_a_holiday_is_shown_then_confirmed(lead, arras, saved):
    visit = BusVisit.objects.filter(calendar=saved, stop__kind="mairie").first()
    url = reverse("outreach_visit", args=[arras.siren, saved.pk, visit.pk])
    move = {"action": "move", "day": "01/05/2026", "half_day": "matin", "vehicle": "1"}

    refused = lead.post(url, move)

    assert refused.status_code == 422
    assert "enfreint" in refused.text and "1er mai 2026" in refused.text
    assert "Enregistrer ce déplacement malgré les règles enfreintes" in refused.text
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PLANNED

    done = lead.post(url, {**move, "confirm": "on", "reason": "fête du village"})

    assert done.status_code == 302
    visit.refresh_from_db()
    assert (visit.day, visit.status) == (datetime.date(2026, 5, 1), VisitStatus.MOVED)
    page = lead.get(done["Location"]).text
    assert "règle" in page and "jour férié" in page.lower() or "férié" in page
    assert "« fête du village »" in page and "déplacé" in page
    assert 'class="warning" role="alert"' in page  # the broken rule stays shown


def test_a_visit_is_cancelled_with_its_reason(lead, arras, saved):
    visit = BusVisit.objects.filter(calendar=saved).first()
    url = reverse("outreach_visit", args=[arras.siren, saved.pk, visit.pk])

    missing = lead.post(url, {"action": "cancel", "cancel_reason": " "})
    done = lead.post(url, {"action": "cancel", "cancel_reason": "Bus en panne"})

    assert missing.status_code == 422 and "Ce champ est obligatoire." in missing.text
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    page = lead.get(done["Location"]).text
    assert "annulé" in page and "« Bus en panne »" in page
    again = lead.get(url).text
    assert "Déplacer le passage" not in again  # a cancelled visit stays cancelled


def test_bad_input_never_gives_an_error_page(lead, arras, saved):
    visit = BusVisit.objects.filter(calendar=saved).first()
    url = reverse("outreach_visit", args=[arras.siren, saved.pk, visit.pk])
    for data in (
        {"action": "move", "day": "31/02/2026", "half_day": "matin", "vehicle": "1"},
        {
            "action": "move",
            "day": "01/01/0001",
            "half_day": "matin",
            "vehicle": "1",
            "confirm": "on",
        },
        {
            "action": "move",
            "day": "31/12/9999",
            "half_day": "matin",
            "vehicle": "1",
            "confirm": "on",
        },
        {"action": "move", "day": "04/05/2026", "half_day": "soir", "vehicle": "1"},
        {"action": "move", "day": "04/05/2026", "half_day": "matin", "vehicle": "9"},
        {"action": "move", "day": "04/05/2026", "half_day": "matin", "vehicle": "x"},
        {"action": "autre"},
        {},
    ):
        response = lead.post(url, data)
        assert response.status_code in (200, 422), data
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PLANNED  # nothing moved
    assert (
        lead.get(reverse("outreach_visit", args=[arras.siren, saved.pk, 99999999999])).status_code
        == 404
    )
    assert lead.get(reverse("outreach_calendar", args=[arras.siren, "abc"])).status_code == 404
    assert lead.get(reverse("outreach_calendar", args=[arras.siren, "²"])).status_code == 404
    assert lead.get(reverse("outreach_visit", args=[arras.siren, saved.pk, "²"])).status_code == 404
    assert (
        lead.get(reverse("outreach_calendar", args=[arras.siren, saved.pk + 1])).status_code == 404
    )


def test_partners_and_other_territories_cannot_plan(client, arras, make_member, saved):
    from django.utils import timezone

    from nonrecours.territories.models import Territory

    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(reverse("outreach_calendar", args=[arras.siren, saved.pk])).status_code == 403
    assert client.get(reverse("outreach_calendars", args=[arras.siren])).status_code == 403
    other = Territory.objects.create(siren="200000000", name="Ailleurs", imported_at=timezone.now())
    client.force_login(make_member(other, Role.PROJECT_LEAD))
    response = client.get(reverse("outreach_calendar", args=[other.siren, saved.pk]))
    assert response.status_code == 404  # not that territory's calendar
