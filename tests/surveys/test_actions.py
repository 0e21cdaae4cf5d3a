import datetime

import pytest

from nonrecours.surveys import actions, queries
from nonrecours.surveys.actions import ResponseRejected
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Contact, QuestionnaireVersion, Response
from nonrecours.surveys.questionnaire import QuestionnaireError, default_questionnaire
from tests.surveys.test_questionnaire import complete_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(arras):
    return actions.campaign_create(
        territory=arras,
        slug="vague-2026",
        name="Baromètre 2026",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 11, 30),
        channels=[Channel.ONLINE, Channel.DOOR_TO_DOOR],
        commune_targets={"62041": 900, "62004": 120},
        stratum_targets={"central_city": 900},
    )


def test_campaign_gets_the_default_questionnaire_and_quotas(campaign):
    from nonrecours.surveys.questionnaire import default_questionnaire

    assert campaign.questionnaire.version == default_questionnaire().version
    assert campaign.questionnaire.checksum == default_questionnaire().checksum
    assert campaign.questionnaire.territory is None
    assert {
        (q.commune.insee_code if q.commune else q.stratum, q.target) for q in campaign.quotas.all()
    } == {
        ("62041", 900),
        ("62004", 120),
        ("central_city", 900),
    }


def test_campaign_refuses_dates_out_of_order_and_foreign_communes(arras):
    with pytest.raises(ValueError, match="précède sa date de début"):
        actions.campaign_create(
            territory=arras, slug="x", name="X", starts_on=datetime.date(2026, 2, 1),
            ends_on=datetime.date(2026, 1, 1), channels=[Channel.ONLINE],
        )  # fmt: skip
    with pytest.raises(ValueError, match="hors du territoire : 75056"):
        actions.campaign_create(
            territory=arras, slug="y", name="Y", starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 2, 1), channels=[Channel.ONLINE],
            commune_targets={"75056": 10},
        )  # fmt: skip
    assert not actions.Campaign.objects.filter(slug="y").exists()


def test_submit_stores_once_per_idempotency_key(campaign):
    response, created = actions.response_submit(
        campaign=campaign, answers=complete_answers(), channel=Channel.ONLINE, idempotency_key="k1"
    )
    assert created
    again, created_again = actions.response_submit(
        campaign=campaign,
        answers=complete_answers(sexe="homme"),
        channel=Channel.ONLINE,
        idempotency_key="k1",
    )
    assert not created_again
    assert again.pk == response.pk
    assert again.answers["sexe"] == "femme"  # never silently changed
    assert Response.objects.count() == 1
    assert response.questionnaire == campaign.questionnaire
    assert response.commune.insee_code == "62041"


def test_rejected_answers_store_nothing_and_say_why(campaign):
    with pytest.raises(ResponseRejected) as rejected:
        actions.response_submit(
            campaign=campaign,
            answers=complete_answers(commune="75056", sexe=""),
            channel=Channel.ONLINE,
            idempotency_key="k2",
        )
    assert rejected.value.errors == {
        "commune": "Commune « 75056 » inconnue dans ce territoire.",
        "sexe": "Cette question est obligatoire.",
    }
    assert Response.objects.count() == 0


def test_contact_details_are_kept_apart_from_the_answers(campaign):
    response, _ = actions.response_submit(
        campaign=campaign,
        answers=complete_answers(
            consentement_recontact="oui", contact_telephone="06 12 34 56 78", contact_email="a@b.fr"
        ),
        channel=Channel.DOOR_TO_DOOR,
        idempotency_key="k3",
    )
    assert "contact_telephone" not in response.answers
    assert "contact_email" not in response.answers
    assert response.answers["consentement_recontact"] == "oui"
    contact = Contact.objects.get()
    assert (contact.phone, contact.email) == ("0612345678", "a@b.fr")
    assert (contact.campaign, contact.commune) == (campaign, response.commune)
    # Nothing ties the number to what the person answered.
    assert not any(f.related_model is Response for f in Contact._meta.get_fields())


def test_a_key_is_the_campaigns_another_campaign_keeps_its_own_answer(campaign, arras):
    """Keys are scoped to their campaign (issue #12): the same key sent to
    another campaign is that campaign's answer, and each stays once."""
    other = actions.campaign_create(
        territory=arras, slug="autre", name="Autre", starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 2, 1), channels=[Channel.ONLINE],
    )  # fmt: skip
    first, _ = actions.response_submit(
        campaign=campaign, answers=complete_answers(), channel=Channel.ONLINE, idempotency_key="k4"
    )
    second, created = actions.response_submit(
        campaign=other, answers=complete_answers(), channel=Channel.ONLINE, idempotency_key="k4"
    )
    assert created and second.pk != first.pk and second.campaign == other
    again, created_again = actions.response_submit(
        campaign=other, answers=complete_answers(), channel=Channel.ONLINE, idempotency_key="k4"
    )
    assert not created_again and again.pk == second.pk
    assert Response.objects.count() == 2


MODULE = """
sections:
  - name: bus
    title: Le bus multiservices
    questions:
      - name: connait_bus
        type: select_one
        label: Connaissez-vous le bus multiservices ?
        required: true
        choices: [{code: oui, label: Oui}, {code: non, label: Non}]
"""


def test_local_module_makes_a_new_version_and_old_answers_stay_readable(campaign, arras):
    old, _ = actions.response_submit(
        campaign=campaign, answers=complete_answers(), channel=Channel.ONLINE, idempotency_key="v1"
    )
    version = actions.questionnaire_version_add_module(
        territory=arras, module_yaml=MODULE, source="module-arras.yaml"
    )
    assert version.version == default_questionnaire().version + 1
    assert version.territory == arras
    assert version.questionnaire().question("connait_bus").required
    new_campaign = actions.campaign_create(
        territory=arras, slug="vague-2027", name="2027", starts_on=datetime.date(2027, 9, 1),
        ends_on=datetime.date(2027, 11, 30), channels=[Channel.ONLINE], questionnaire=version,
    )  # fmt: skip
    with pytest.raises(ResponseRejected, match="connait_bus"):
        actions.response_submit(
            campaign=new_campaign, answers=complete_answers(), channel=Channel.ONLINE,
            idempotency_key="v2",
        )  # fmt: skip
    old.refresh_from_db()
    assert old.questionnaire.version == default_questionnaire().version
    assert old.questionnaire.questionnaire().question("sexe")
    second = actions.questionnaire_version_add_module(
        territory=arras, module_yaml=MODULE.replace("connait_bus", "utilise_bus"), source="m2.yaml"
    )
    assert second.version == default_questionnaire().version + 2


def test_invalid_module_stores_nothing(arras):
    with pytest.raises(QuestionnaireError, match="nom de question déjà utilisé"):
        actions.questionnaire_version_add_module(
            territory=arras, module_yaml=MODULE.replace("connait_bus", "sexe"), source="m.yaml"
        )
    with pytest.raises(QuestionnaireError, match="YAML illisible"):
        actions.questionnaire_version_add_module(
            territory=arras, module_yaml="sections: [", source="m.yaml"
        )
    assert not QuestionnaireVersion.objects.filter(territory=arras).exists()


def test_two_deliveries_racing_store_one_answer(campaign, monkeypatch):
    """The second delivery passes the first check before the first one is
    written (two workers): the unique key decides, nothing is duplicated."""
    first, _ = actions.response_submit(
        campaign=campaign,
        answers=complete_answers(),
        channel=Channel.ONLINE,
        idempotency_key="course",
    )
    real = queries.response_by_key
    calls = []

    def late_check(**scope):
        calls.append(scope)
        return None if len(calls) == 1 else real(**scope)

    monkeypatch.setattr(queries, "response_by_key", late_check)
    second, created = actions.response_submit(
        campaign=campaign,
        answers=complete_answers(),
        channel=Channel.ONLINE,
        idempotency_key="course",
    )
    assert not created and second.pk == first.pk
    assert Response.objects.count() == 1
