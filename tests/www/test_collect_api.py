import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from nonrecours.accounts.enums import Role
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Response
from tests.factories import CampaignFactory
from tests.surveys.test_questionnaire import complete_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(arras):
    return CampaignFactory(territory=arras, door_to_door=True)


def submit(client, campaign, payload):
    return client.post(
        reverse("barometer_collect_submit", args=[campaign.slug]),
        data=json.dumps(payload),
        content_type="application/json",
    )


# The answers below were collected on 27 November 2026, while the campaign
# (open from the day before) runs, whatever the day the tests run.
@pytest.mark.time_machine(datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_agent_submits_once_per_key(client, campaign, arras, make_member):
    agent = make_member(arras, Role.FIELD_AGENT)
    client.force_login(agent)
    payload = {
        "idempotency_key": "abc",
        "answers": complete_answers(),
        "started_at": "2026-11-27T08:00:00.000Z",
        "submitted_at": "2026-11-27T08:12:00.000Z",
    }
    first = submit(client, campaign, payload)
    assert first.status_code == 201
    again = submit(client, campaign, payload)
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "created": False}
    stored = Response.objects.get()
    assert stored.agent == agent
    assert stored.channel == Channel.DOOR_TO_DOOR
    assert stored.submitted_at.isoformat() == "2026-11-27T08:12:00+00:00"


def test_refused_answers_come_back_with_reasons(client, campaign, arras, make_member):
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    response = submit(
        client, campaign, {"idempotency_key": "x", "answers": complete_answers(sexe="?")}
    )
    assert response.status_code == 422
    body = response.json()
    assert "Réponse « ? » inconnue" in body["errors"]["sexe"]
    # The JSON adapter of every UserError: the message and located problems too.
    assert body["error"].startswith("sexe : Réponse « ? » inconnue")
    assert body["problems"][0]["field"] == "sexe"
    bad = client.post(
        reverse("barometer_collect_submit", args=[campaign.slug]),
        data="pas du json",
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "Envoi illisible" in bad.json()["error"]
    assert Response.objects.count() == 0


def test_who_may_collect(client, campaign, arras, make_member):
    payload = {"idempotency_key": "y", "answers": complete_answers()}
    anonymous = submit(client, campaign, payload)
    assert anonymous.status_code == 401
    client.force_login(make_member(arras, Role.PARTNER))
    assert submit(client, campaign, payload).status_code == 403
    assert client.get(reverse("barometer_collect", args=[campaign.slug])).status_code == 403
    assert Response.objects.count() == 0


def test_closed_campaign_refuses_door_to_door(client, arras, make_member):
    old = CampaignFactory(
        territory=arras, door_to_door=True,
        starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2024, 11, 30),
    )  # fmt: skip
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    payload = {
        "idempotency_key": "z",
        "answers": complete_answers(),
        "submitted_at": "2024-11-30T15:00:00Z",
    }
    response = submit(client, old, payload)
    assert response.status_code == 422
    assert (
        "délai d'envoi des réponses saisies hors ligne (14 jours) est passé"
        in response.json()["errors"]["campagne"]
    )


def test_answer_collected_on_the_last_day_is_accepted_days_later(client, arras, make_member):
    today = timezone.localdate()
    ended = CampaignFactory(
        territory=arras,
        door_to_door=True,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today - datetime.timedelta(days=3),
    )
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    last_day = (today - datetime.timedelta(days=3)).isoformat() + "T16:00:00+01:00"
    late = submit(
        client,
        ended,
        {"idempotency_key": "tard", "answers": complete_answers(), "submitted_at": last_day},
    )
    assert late.status_code == 201
    after = (today - datetime.timedelta(days=1)).isoformat() + "T16:00:00+01:00"
    too_late = submit(
        client,
        ended,
        {"idempotency_key": "apres", "answers": complete_answers(), "submitted_at": after},
    )
    assert too_late.status_code == 422
    assert "close depuis le" in too_late.json()["errors"]["campagne"]


def test_app_page_service_worker_and_manifest(client, campaign, arras, make_member):
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    html = client.get(reverse("barometer_collect", args=[campaign.slug])).text
    assert 'id="collecte-config"' in html
    assert 'rel="manifest"' in html
    index = client.get(reverse("barometer_collect_index")).text
    assert reverse("barometer_collect", args=[campaign.slug]) in index
    worker = client.get(reverse("barometer_collect_sw"))
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/collecte/"
    assert "/static/js/collect.js" in worker.text
    manifest = client.get(reverse("barometer_collect_manifest")).json()
    assert manifest["lang"] == "fr" and manifest["display"] == "standalone"
