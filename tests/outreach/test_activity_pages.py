"""The pages of the bus's activity log: the list, the offline app of a
visit, its JSON endpoints (French errors, never an error page), its service
worker, and a referral sent from the bus (tagged with the visit)."""

import html
import json

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Structure
from nonrecours.outreach import imports
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusReferral, BusVisitor
from nonrecours.referrals.models import Referral
from nonrecours.www.outreach.activity import UNREADABLE
from tests.outreach.test_activity import FIXTURES, make_visit, person
from tests.referrals.conftest import OFFER, STRUCTURE

pytestmark = pytest.mark.django_db


DEEP: list = [1]
for _ in range(25):
    DEEP = [DEEP]


@pytest.fixture
def qpv(arras):
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")


@pytest.fixture
def visit(arras, qpv):
    return make_visit(arras)


def post_json(client, url, body):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def submit_url(bus_visit):
    return reverse("outreach_log_submit", args=[bus_visit.pk])


def test_a_field_agent_sees_the_visits_and_opens_the_app(client, arras, visit, make_member):
    client.force_login(make_member(arras, Role.FIELD_AGENT))

    listing = client.get(reverse("outreach_log"))
    app = client.get(reverse("outreach_log_visit", args=[visit.pk]))

    assert listing.status_code == 200
    assert reverse("outreach_log_visit", args=[visit.pk]) in listing.content.decode()
    assert "Aucune personne notée" in listing.content.decode()
    assert app.status_code == 200
    text = html.unescape(app.content.decode())
    assert "Enregistrer la personne" in text
    assert "Arras Ouest" in text and "Hors du territoire" in text
    assert app.context["config"]["submit_url"] == submit_url(visit)
    assert app.context["config"]["recorded_keys"] == []
    assert not app.context["can_refer"]  # a field agent does not refer


def test_a_partner_and_a_stranger_cannot(client, arras, visit, make_member):
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(reverse("outreach_log")).status_code == 403
    assert client.get(reverse("outreach_log_visit", args=[visit.pk])).status_code == 404
    refused = post_json(client, submit_url(visit), {"idempotency_key": "k", "person": person()})
    assert (refused.status_code, refused.json()) == (404, {"error": "Passage inconnu."})
    client.logout()
    expired = post_json(client, submit_url(visit), {"idempotency_key": "k", "person": person()})
    assert expired.status_code == 401
    assert expired.json() == {"error": "Session expirée : reconnectez-vous."}
    assert client.get(reverse("outreach_log")).status_code == 302  # to the login page
    assert not BusVisitor.objects.exists()


def test_a_person_is_sent_once_and_counted(client, arras, visit, make_member):
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    body = {"idempotency_key": "cle-1", "person": person(), "user": 1, "attempts": 0}

    first = post_json(client, submit_url(visit), body)
    again = post_json(client, submit_url(visit), body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["created"] and not again.json()["created"]
    assert BusVisitor.objects.count() == 1
    app = client.get(reverse("outreach_log_visit", args=[visit.pk]))
    assert app.context["config"]["recorded_keys"] == ["cle-1"]
    assert "1 personne notée" in client.get(reverse("outreach_log")).content.decode()


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (b"pas du json", 400, {"error": UNREADABLE}),
        ([1, 2], 400, {"error": UNREADABLE}),
        ({"person": {}}, 400, {"error": UNREADABLE}),
        ({"idempotency_key": "k", "person": "x"}, 400, {"error": UNREADABLE}),
        ({"idempotency_key": "k", "person": {"a": DEEP}}, 400,
         {"error": "Envoi refusé : JSON imbriqué sur plus de 20 niveaux."}),
        ({"idempotency_key": "", "person": {}}, 422,
         {"error": "Clé d'envoi absente.", "errors": {"idempotency_key": "Clé d'envoi absente."}}),
    ],
)  # fmt: skip
def test_unreadable_bodies_get_a_french_error(
    client, arras, visit, make_member, body, status, expected
):
    client.force_login(make_member(arras, Role.FIELD_AGENT))

    response = post_json(client, submit_url(visit), body)

    assert (response.status_code, response.json()) == (status, expected)
    assert not BusVisitor.objects.exists()


def test_a_refused_person_comes_back_with_the_reasons_by_field(client, arras, visit, make_member):
    client.force_login(make_member(arras, Role.FIELD_AGENT))

    response = post_json(
        client, submit_url(visit),
        {"idempotency_key": "k", "person": person(commune="75056", themes=[], nom="Martin")},
    )  # fmt: skip

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "commune": "Commune de résidence : « 75056 » n'est pas une commune du territoire.",
        "themes": "Thèmes : cochez au moins un thème.",
        "nom": "Champ inconnu « nom » : le journal ne garde ni nom ni coordonnées.",
    }
    assert response.json()["error"] == "Personne refusée : 3 problèmes."


def test_a_too_big_body_is_refused(client, arras, visit, make_member):
    client.force_login(make_member(arras, Role.FIELD_AGENT))

    response = post_json(client, submit_url(visit), "x" * (1024 * 1024 + 1))

    assert response.status_code == 413
    assert response.json()["error"].startswith("Envoi trop volumineux")


def test_a_cancelled_visit_says_so(client, arras, qpv, make_member):
    cancelled = make_visit(arras, status=VisitStatus.CANCELLED)
    client.force_login(make_member(arras, Role.FIELD_AGENT))

    page = client.get(reverse("outreach_log_visit", args=[cancelled.pk]))
    refused = post_json(client, submit_url(cancelled), {"idempotency_key": "k", "person": person()})

    assert "a été annulé" in html.unescape(page.content.decode())
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "passage": "Ce passage du bus a été annulé : on n'y note plus personne."
    }


def test_hours_of_presence_are_saved_and_refused_in_french(client, arras, visit, make_member):
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    url = reverse("outreach_log_presence", args=[visit.pk])

    saved = post_json(client, url, {"idempotency_key": "p", "arrived_at": "09:10", "left_at": ""})
    wrong = post_json(client, url, {"arrived_at": "12:00", "left_at": "11:00"})
    odd = post_json(client, url, {"arrived_at": 9, "left_at": None})

    assert saved.json() == {"id": visit.pk, "arrived_at": "09:10", "left_at": ""}
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == {
        "left_at": "Heure de départ : 11:00 n'est pas après l'arrivée (12:00)."
    }
    assert odd.json()["errors"] == {
        "arrived_at": "Heure d'arrivée : heure attendue au format 14:30."
    }
    visit.refresh_from_db()
    assert f"{visit.arrived_at:%H:%M}" == "09:10"
    assert (
        client.get(reverse("outreach_log_visit", args=[visit.pk])).context["config"]["arrived_at"]
        == "09:10"
    )


def test_service_worker_and_manifest(client):
    worker = client.get(reverse("outreach_log_sw"))
    manifest = client.get(reverse("outreach_log_manifest"))

    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/aller-vers/journal/"
    assert "/static/js/bus_log.js" in worker.text and "/static/js/outbox.js" in worker.text
    # escapejs writes "-" as \u002D: the same string for JavaScript.
    assert 'const PREFIX = "nonrecours\\u002Djournal\\u002D"' in worker.text
    assert manifest.json()["scope"] == "/aller-vers/journal/"
    assert client.get(reverse("outreach_log_submit", args=[1])).status_code == 405


def referral_data(user):
    return {
        "sender_organisation": user.memberships.get().organisation.pk,
        "first_name": "Dominique", "last_name": "Durand", "phone": "0612345678",
        "commune": "62041", "consent_mode": "oral", "consent": "on",
    }  # fmt: skip


def test_a_referral_from_the_bus_is_tagged_with_the_visit(client, arras, visit, make_member):
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    structure = Structure.objects.get()
    lead = make_member(arras, Role.PROJECT_LEAD)
    client.force_login(lead)
    app = client.get(reverse("outreach_log_visit", args=[visit.pk]))
    assert app.context["can_refer"] and app.context["structures"] == [structure]
    url = reverse("referral_new") + f"?structure={structure.pk}&passage={visit.pk}"

    page = client.get(url)
    sent = client.post(reverse("referral_new") + f"?structure={structure.pk}",
                       {**referral_data(lead), "passage": str(visit.pk)})  # fmt: skip

    assert "Depuis le bus" in html.unescape(page.content.decode())
    assert f'name="passage" value="{visit.pk}"' in page.content.decode()
    assert sent.status_code == 302
    assert sent["Location"] == reverse("outreach_log_visit", args=[visit.pk])
    link = BusReferral.objects.get()
    assert (link.visit, link.referral) == (visit, Referral.objects.get())
    # Without the tag, a referral is not the bus's.
    plain = client.post(reverse("referral_new") + f"?structure={structure.pk}", referral_data(lead))
    assert plain.status_code == 302
    assert Referral.objects.count() == 2 and BusReferral.objects.count() == 1


def test_a_referral_tag_the_user_may_not_use_is_refused(client, arras, qpv, make_member):
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    structure = Structure.objects.get()
    visit = make_visit(arras)  # noqa: F811 (not the fixture: this test's own)
    partner = make_member(arras, Role.PARTNER)  # refers, but does not log the bus
    lead = make_member(arras, Role.PROJECT_LEAD)
    client.force_login(partner)
    url = reverse("referral_new") + f"?structure={structure.pk}"

    unknown = client.post(url, {**referral_data(partner), "passage": str(visit.pk)})
    client.force_login(lead)
    visit.status = VisitStatus.CANCELLED
    visit.save()
    cancelled = client.post(url, {**referral_data(lead), "passage": str(visit.pk)})
    odd = client.get(url + "&passage=abc")

    assert unknown.status_code == 404
    assert cancelled.status_code == 422
    assert "Ce passage du bus a été annulé" in html.unescape(cancelled.content.decode())
    assert odd.status_code == 404
    assert not Referral.objects.exists() and not BusReferral.objects.exists()
