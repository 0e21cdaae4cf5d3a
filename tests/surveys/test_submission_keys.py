"""Submission keys are their sender's (issue #12): a field agent's within the
campaign, else the campaign's for the channel. A second agent who reuses a
key keeps their answer; a replay by the same sender stores nothing twice."""

import datetime
import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions, queries
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.importers.files import SourceFormat
from nonrecours.surveys.models import Response
from tests.surveys.test_import_export import csv_file, kobo_header, kobo_row
from tests.surveys.test_questionnaire import complete_answers

pytestmark = pytest.mark.django_db

COLLECTED_ON = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def campaign(arras):
    return actions.campaign_create(
        territory=arras, slug="cles", name="Clés", starts_on=datetime.date(2026, 11, 27),
        ends_on=datetime.date(2026, 12, 5),
        channels=[Channel.DOOR_TO_DOOR, Channel.ONLINE, Channel.IMPORT],
    )  # fmt: skip


def submit(client, campaign, key, **answers):
    return client.post(
        reverse("barometer_collect_submit", args=[campaign.slug]),
        data=json.dumps(
            {
                "idempotency_key": key,
                "answers": complete_answers(**answers),
                "submitted_at": "2026-11-27T08:12:00Z",
            }
        ),
        content_type="application/json",
    )


@pytest.mark.time_machine(COLLECTED_ON, tick=False)
def test_two_agents_with_the_same_key_each_keep_their_answer(client, campaign, arras, make_member):
    first_agent = make_member(arras, Role.FIELD_AGENT)
    second_agent = make_member(arras, Role.FIELD_AGENT)
    client.force_login(first_agent)
    first = submit(client, campaign, "cle-commune", sexe="femme")
    assert first.status_code == 201
    client.force_login(second_agent)
    second = submit(client, campaign, "cle-commune", sexe="homme")
    assert second.status_code == 201, second.json()  # before: 200, answer dropped
    assert second.json()["id"] != first.json()["id"]
    # Each agent's replay is still the same answer, nothing duplicated.
    replay = submit(client, campaign, "cle-commune", sexe="homme")
    assert replay.status_code == 200 and replay.json()["id"] == second.json()["id"]
    client.force_login(first_agent)
    replay = submit(client, campaign, "cle-commune", sexe="autre")
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    stored = {r.agent: r.answers["sexe"] for r in Response.objects.all()}
    assert stored == {first_agent: "femme", second_agent: "homme"}


def test_an_online_key_is_the_campaigns_and_the_channels(campaign, arras, make_member):
    agent = make_member(arras, Role.FIELD_AGENT)
    collected, _ = actions.response_submit(
        campaign=campaign, answers=complete_answers(), channel=Channel.DOOR_TO_DOOR,
        idempotency_key="k", agent=agent,
    )  # fmt: skip
    online, created = actions.response_submit(
        campaign=campaign, answers=complete_answers(), channel=Channel.ONLINE, idempotency_key="k"
    )
    assert created and online.pk != collected.pk
    again, created = actions.response_submit(
        campaign=campaign, answers=complete_answers(), channel=Channel.ONLINE, idempotency_key="k"
    )
    assert not created and again.pk == online.pk
    assert queries.response_exists(campaign=campaign, channel=Channel.ONLINE, key="k")
    assert not queries.response_exists(campaign=campaign, channel=Channel.ONLINE, key="x")
    found = queries.response_by_key(
        campaign=campaign, channel=Channel.DOOR_TO_DOOR, agent=agent, key="k"
    )
    assert found == collected


def test_the_database_holds_the_scopes(campaign, arras, make_member):
    """The unique constraints, not only the checks of response_submit."""
    agent = make_member(arras, Role.FIELD_AGENT)
    other = make_member(arras, Role.FIELD_AGENT)
    commune = arras.communes.get(insee_code="62041")

    def create(**fields):
        defaults = {
            "campaign": campaign, "questionnaire": campaign.questionnaire, "commune": commune,
            "answers": {}, "submitted_at": timezone.now(),
        }  # fmt: skip
        with transaction.atomic():
            return Response.objects.create(**{**defaults, **fields})

    create(channel=Channel.DOOR_TO_DOOR, agent=agent, idempotency_key="a")
    create(channel=Channel.DOOR_TO_DOOR, agent=other, idempotency_key="a")
    with pytest.raises(IntegrityError):
        create(channel=Channel.DOOR_TO_DOOR, agent=agent, idempotency_key="a")
    create(channel=Channel.ONLINE, idempotency_key="o")
    with pytest.raises(IntegrityError):
        create(channel=Channel.ONLINE, idempotency_key="o")
    # An imported submission stays the campaign's whoever collected it
    # (its key is the collection tool's identity, ADR 010).
    create(channel=Channel.IMPORT, agent=agent, idempotency_key="kobo:cles:1")
    with pytest.raises(IntegrityError):
        create(channel=Channel.IMPORT, agent=other, idempotency_key="kobo:cles:1")
    with pytest.raises(IntegrityError):
        create(channel=Channel.IMPORT, idempotency_key="kobo:cles:1")
    assert Response.objects.count() == 4


def test_an_import_still_knows_its_submissions_by_the_campaigns_key(campaign, arras, make_member):
    """An agent whose offline key equals an import key neither loses their
    answer nor makes the import believe its submission is new or present."""
    header = kobo_header()
    row = kobo_row(header, complete_answers(), "same-uuid")

    def run():
        return actions.responses_import(
            campaign=campaign, stream=csv_file(header, [row]), filename="k.csv",
            source=SourceFormat.KOBO,
        )  # fmt: skip

    assert run().created == 1
    imported = Response.objects.get()
    agent = make_member(arras, Role.FIELD_AGENT)
    collected, created = actions.response_submit(
        campaign=campaign, answers=complete_answers(sexe="homme"), channel=Channel.DOOR_TO_DOOR,
        idempotency_key=imported.idempotency_key, agent=agent,
    )  # fmt: skip
    assert created and collected.pk != imported.pk
    again = run()
    assert (again.created, again.already_present) == (0, 1)
    assert Response.objects.filter(channel=Channel.IMPORT).count() == 1
    assert Response.objects.count() == 2
