"""The chain's pages: « Appeler » on the call-back list, the chain's page,
the simulator pre-filled from the request, the referral sent from it, and
the funnel with its exports (nonrecours/www/evaluation/chain.py)."""

import datetime
import io
import re

import pytest
import time_machine
from django.http import Http404
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis.extra.django import TestCase
from openpyxl import load_workbook

from nonrecours.accounts.enums import Role
from nonrecours.evaluation.access import access_chain_by_token
from nonrecours.evaluation.chain_models import Chain, ChainReferral
from nonrecours.referrals import actions as referral_actions
from nonrecours.referrals.enums import Channel, OutcomeKind
from nonrecours.referrals.models import Referral
from nonrecours.surveys.contacts import contact_token
from nonrecours.www.rights.path import expert_initial
from tests.evaluation.chain_setup import (
    PHONE,
    call_back_request,
    campaign_of,
    ccas_receiver,
    directory_of,
    member,
)
from tests.www.test_hostile_input import FORM_TEXT

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def campaign(arras):
    return campaign_of(arras)


@pytest.fixture
def team(arras):
    return member(arras, "Communauté urbaine d'Arras", Role.PROJECT_LEAD)


def _open(client, campaign, contact) -> Chain:
    response = client.post(
        reverse("barometer_contacts", args=[campaign.slug]),
        {"demande": contact_token(contact), "action": "appeler"},
    )
    chain = Chain.objects.get(personal__contact=contact)
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation_chain", args=[chain.token])
    return chain


def test_the_chain_walked_through_the_pages(client, arras, campaign, team):
    structure, offer = directory_of(arras)
    receiver = ccas_receiver(arras, structure)
    contact = call_back_request(campaign, "k1")
    client.force_login(team)
    listing = client.get(reverse("barometer_contacts", args=[campaign.slug])).text
    assert "Appeler" in listing
    chain = _open(client, campaign, contact)
    assert (
        "Suivre le parcours" in client.get(reverse("barometer_contacts", args=[campaign.slug])).text
    )
    page = client.get(reverse("evaluation_chain", args=[chain.token]))
    assert page.status_code == 200 and PHONE in page.text
    client.post(reverse("evaluation_chain", args=[chain.token]), {"appel": "non-joint"})
    client.post(reverse("evaluation_chain", args=[chain.token]), {"appel": "joint"})
    chain.refresh_from_db()
    assert (chain.attempts, chain.reached_at) == (2, NOW)
    # The simulator opens pre-filled with the situation kept with the request.
    expert = client.get(reverse("rights_expert"), {"rappel": chain.token})
    assert expert.status_code == 200
    assert 'name="logement-loyer"' in expert.text and 'value="374.81"' in expert.text
    assert f'name="rappel" value="{chain.token}"' in expert.text
    data = expert_initial(contact.prefill, "2026-11")
    results = client.post(reverse("rights_expert"), {**data, "rappel": chain.token})
    assert results.status_code == 200
    assert "Revenu de solidarité active" in results.text
    chain.refresh_from_db()
    assert chain.rights_checked_at == NOW
    link = re.search(
        r'href="(/orientations/nouvelle/\?offre=\d+&amp;rappel=[0-9a-f]{24})"', results.text
    )
    assert link is not None
    form = client.get(link.group(1).replace("&amp;", "&"))
    assert form.status_code == 200 and 'value="0612345678"' in form.text
    sent = client.post(
        link.group(1).replace("&amp;", "&"),
        {
            "sender_organisation": team.memberships.get().organisation.pk,
            "first_name": "Camille",
            "last_name": "Martin",
            "phone": PHONE,
            "commune": "62041",
            "age_band": "35_44",
            "consent": "on",
            "consent_mode": "phone",
            "rappel": chain.token,
        },
    )
    assert sent.status_code == 302, sent.text
    assert sent["Location"] == reverse("evaluation_chain", args=[chain.token])
    referral = Referral.objects.get()
    assert ChainReferral.objects.get().referral == referral
    assert referral.simulated_amounts == chain.personal.simulated_amounts
    referral_actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    referral_actions.referral_record_outcome(
        referral, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="600",
        user=receiver, via=Channel.ACCOUNT,
    )  # fmt: skip
    page = client.get(reverse("evaluation_chain", args=[chain.token])).text
    assert "Droit ouvert</strong> — le 20 novembre 2026" in page
    # 600 € a month: 7 200 € a year.
    assert "Revenu de solidarité active (RSA) (7\xa0200 € par an)" in page
    funnel = client.get(reverse("evaluation_chain_funnel", args=[arras.siren]))
    assert funnel.status_code == 200
    # One person: every count is secret.
    assert "secret" in funnel.text and "chiffres provisoires" in funnel.text


def test_who_may_see_a_chain(client, arras, campaign, team):
    chain = _open_as(client, campaign, team)
    partner = member(arras, "CCAS d'Arras", Role.PARTNER)
    client.force_login(partner)
    # Forbidden and unknown get the same answer (the 404 page).
    for token in (chain.token, "0" * 24, "pas-un-jeton"):
        response = client.get(reverse("evaluation_chain", args=[token]))
        assert response.status_code == 404 and "Page introuvable" in response.text
    with pytest.raises(Http404, match="Demande de rappel inconnue"):
        access_chain_by_token(partner, chain.token)
    with pytest.raises(Http404, match="Demande de rappel inconnue"):
        access_chain_by_token(partner, "0" * 24)
    assert access_chain_by_token(team, chain.token) == chain
    assert client.get(reverse("rights_expert"), {"rappel": chain.token}).status_code == 404
    client.logout()
    assert client.get(reverse("rights_expert"), {"rappel": chain.token}).status_code == 404
    # The partner sees the funnel of years that are over, not this one.
    client.force_login(partner)
    funnel = client.get(reverse("evaluation_chain_funnel", args=[arras.siren]))
    assert funnel.status_code == 200 and "Parcours des demandes de rappel, 2025" in funnel.text
    refused = client.get(reverse("evaluation_chain_funnel", args=[arras.siren]), {"annee": "2026"})
    assert refused.status_code == 422 and "réservés à l&#x27;équipe" in refused.text


def _open_as(client, campaign, team) -> Chain:
    client.force_login(team)
    return _open(client, campaign, call_back_request(campaign, "k1"))


def test_bad_input_gets_a_french_message_and_changes_nothing(client, arras, campaign, team):
    chain = _open_as(client, campaign, team)
    response = client.post(
        reverse("evaluation_chain", args=[chain.token]), {"appel": "peut-être"}, follow=True
    )
    assert "choisissez « Personne jointe » ou « Pas de réponse »" in response.text
    chain.refresh_from_db()
    assert chain.attempts == 0
    url = reverse("evaluation_chain_funnel", args=[arras.siren])
    bad_year = client.get(url, {"annee": "deux mille"})
    assert bad_year.status_code == 422 and "Année « deux mille » invalide" in bad_year.text
    current = client.get(url, {"annee": "2026", "format": "csv"})
    assert (
        current.status_code == 422 and "L&#x27;année 2026 n&#x27;est pas terminée" in current.text
    )
    unknown = client.post(
        reverse("barometer_contacts", args=[campaign.slug]), {"demande": "x", "action": "appeler"}
    )
    assert unknown.status_code == 302 and Chain.objects.count() == 1


def test_exports_of_a_year_that_is_over(client, arras, campaign, team):
    chain = _open_as(client, campaign, team)
    Chain.objects.filter(pk=chain.pk).update(month=datetime.date(2025, 6, 1))
    url = reverse("evaluation_chain_funnel", args=[arras.siren])
    csv = client.get(url, {"annee": "2025", "format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("tableau;ligne;personnes contactées;personnes jointes")
    assert lines[1].startswith("Ensemble;Ensemble;secret;")
    xlsx = client.get(url, {"annee": "2025", "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["données", "notes"]
    assert workbook["données"]["C2"].value == "secret"


class HostileChainInput(TestCase):
    """Random and hostile values on the chain's pages: never an error page,
    nothing written when refused."""

    @classmethod
    def setUpTestData(cls) -> None:
        from tests.conftest import arras_territory

        with time_machine.travel(NOW, tick=False):
            cls.territory = arras_territory()
            campaign = campaign_of(cls.territory)
            cls.team = member(cls.territory, "Communauté urbaine d'Arras", Role.PROJECT_LEAD)
            contact = call_back_request(campaign, "k1")
            from nonrecours.evaluation.chain_actions import chain_open

            cls.chain = chain_open(contact=contact, user=cls.team)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(call=FORM_TEXT, year=FORM_TEXT, kind=FORM_TEXT, token=FORM_TEXT)
    def test_calls_years_and_tokens(self, call, year, kind, token) -> None:
        self.client.force_login(self.team)
        url = reverse("evaluation_chain", args=[self.chain.token])
        response = self.client.post(url, {"appel": call})
        assert response.status_code == 302
        self.chain.refresh_from_db()
        assert self.chain.attempts == sum(1 for _ in [call] if call in ("joint", "non-joint"))
        Chain.objects.filter(pk=self.chain.pk).update(attempts=0, reached_at=None)
        funnel = reverse("evaluation_chain_funnel", args=[self.territory.siren])
        response = self.client.get(funnel, {"annee": year, "format": kind})
        assert response.status_code in (200, 422)
        response = self.client.get(reverse("rights_expert"), {"rappel": token})
        assert response.status_code in (200, 404)
