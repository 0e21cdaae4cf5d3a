import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.surveys import queries
from nonrecours.surveys.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(arras):
    call_command("demo", "--responses", "300", stdout=StringIO())
    return Campaign.objects.get(slug="demo-2024")


def test_progress_adds_up(demo):
    progress = queries.campaign_progress(demo)
    assert progress.total == 300
    assert sum(r.count for r in progress.by_commune) == 300
    assert sum(r.count for r in progress.by_stratum) == 300
    assert len(progress.by_commune) == 46
    assert sum(a.count for a in progress.by_agent) + progress.online_without_agent == 300
    assert 1 <= len(progress.by_agent) <= 6
    assert progress.target == sum(r.target or 0 for r in progress.by_commune)
    assert set(progress.by_channel) <= {"En ligne", "Porte-à-porte"}


def test_project_lead_follows_the_collection(client, demo, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    html = client.get(reverse("barometer_follow_up", args=[demo.slug])).text
    assert "Suivi de la collecte" in html
    assert "données synthétiques" in html
    assert "Facteur démo" in html
    assert len(re.findall(r"<tr(?: class=\"behind\")?><th scope=\"row\">", html)) >= 46
    home = client.get("/").text
    assert "Suivi de la collecte" in home


@pytest.mark.parametrize("role", [Role.PARTNER, Role.FIELD_AGENT])
def test_others_cannot_follow_the_collection(client, demo, arras, make_member, role):
    client.force_login(make_member(arras, role))
    assert client.get(reverse("barometer_follow_up", args=[demo.slug])).status_code == 403
    assert "Suivi de la collecte" not in client.get("/").text


def test_anonymous_is_sent_to_sign_in(client, demo):
    response = client.get(reverse("barometer_follow_up", args=[demo.slug]))
    assert response.status_code == 302


def test_call_back_requests_for_the_team_only(client, demo, arras, make_member):
    from nonrecours.surveys.contacts import contact_token
    from nonrecours.surveys.models import Contact

    url = reverse("barometer_contacts", args=[demo.slug])
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(url).status_code == 403
    lead = make_member(arras, Role.PROJECT_LEAD, first_name="Alex", last_name="Martin")
    client.force_login(lead)
    html = client.get(url).text
    contacts = Contact.objects.filter(campaign=demo)
    assert contacts.exists()
    assert contacts.first().phone in html
    first = contacts.filter(handled_at__isnull=True).first()
    # Requests are named by a keyed hash, never by their creation-ordered id,
    # and dated by their week only.
    assert f'value="{first.pk}"' not in html
    assert all(c.received_on.weekday() == 0 for c in contacts)
    assert (
        "Demande de rappel introuvable."
        in client.post(url, {"demande": first.pk}, follow=True).text
    )
    done = client.post(url, {"demande": contact_token(first)}, follow=True)
    assert "marquée comme traitée" in done.text
    first.refresh_from_db()
    assert first.handled_by == lead and first.handled_at is not None
    assert "Demande de rappel introuvable." in client.post(url, {"demande": "x"}, follow=True).text


def test_targets_per_agent(client, demo, arras, make_member):
    progress = queries.campaign_progress(demo)
    # set by the demo: 255 door-to-door answers split between 6 agents, adding up
    assert sorted(a.target for a in progress.by_agent) == [42, 42, 42, 43, 43, 43]
    newcomer = make_member(arras, Role.FIELD_AGENT, first_name="Nora", last_name="Nouvelle")
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("barometer_agent_targets", args=[demo.slug])
    response = client.post(url, {f"objectif_{newcomer.pk}": "40"}, follow=True)
    assert "Objectifs des enquêteur·rices enregistrés." in response.text
    rows = {a.name: a for a in queries.campaign_progress(demo).by_agent}
    assert (rows["Nora Nouvelle"].count, rows["Nora Nouvelle"].target) == (0, 40)
    bad = client.post(url, {f"objectif_{newcomer.pk}": "beaucoup"}, follow=True)
    assert "« beaucoup » n&#x27;est pas un nombre entier" in bad.text
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    assert client.post(url, {}).status_code == 403


def test_call_back_requests_are_erased_after_their_retention(demo, arras, make_member, settings):
    from nonrecours.surveys import actions
    from nonrecours.surveys.models import Contact

    settings.NONRECOURS_CONTACT_RETENTION_DAYS = 92
    lead = make_member(arras, Role.PROJECT_LEAD)
    total = Contact.objects.filter(campaign=demo).count()
    handled = Contact.objects.filter(campaign=demo).first()
    with time_machine.travel(datetime.datetime(2024, 10, 1, 12, tzinfo=datetime.UTC)):
        actions.contact_mark_handled(contact=handled, user=lead)
    # The demo campaign ended on 2024-11-29: its requests stay until 92 days later.
    assert actions.contacts_erase(today=datetime.date(2024, 12, 31)) == 0
    assert actions.contacts_erase(today=datetime.date(2025, 1, 2)) == 1  # handled 1 October
    assert actions.contacts_erase(today=datetime.date(2025, 3, 1)) == 0  # 92 days exactly
    assert actions.contacts_erase(today=datetime.date(2025, 3, 2)) == total - 1
    assert not Contact.objects.filter(campaign=demo).exists()
    demo = Campaign.objects.get(pk=demo.pk)
    assert (demo.erased_contacts, demo.erased_contacts_handled) == (total, 1)


def test_purge_erases_call_back_requests_and_the_notice_says_when(client, demo):
    out = StringIO()
    call_command("purge", stdout=out)  # today is long after the 2024 demo ended
    assert "demande(s) de rappel du baromètre effacée(s)" in out.getvalue()
    notice = client.get(reverse("barometer_online_privacy", args=[demo.slug])).text
    assert "effacés 92 jours après le rappel" in notice
