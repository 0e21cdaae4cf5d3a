"""The chain's pages: « Appeler » on the call-back list, the chain's page,
the simulator pre-filled from the request, the referral sent from it, and
the funnel with its exports (nonrecours/www/evaluation/chain.py)."""

import datetime
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis.extra.django import TestCase
from openpyxl import load_workbook

from nonrecours.accounts.enums import Role
from nonrecours.evaluation import chain_actions
from nonrecours.evaluation.access import access_chain_by_token
from nonrecours.evaluation.chain_models import Chain, ChainReferral
from nonrecours.evaluation.chain_queries import chain_year
from nonrecours.referrals import actions as referral_actions
from nonrecours.referrals.enums import Channel, OutcomeKind
from nonrecours.referrals.models import Referral
from nonrecours.referrals.outcome_actions import referral_correct_outcome
from nonrecours.surveys.contacts import contact_token
from nonrecours.www.rights.path import expert_initial
from tests.evaluation.chain_setup import (
    PHONE,
    call_back_request,
    campaign_of,
    ccas_receiver,
    directory_of,
    member,
    send_arguments,
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
    assert "secret" in funnel.text and "Chiffres provisoires" in funnel.text
    # Hidden is not empty: the tables are there, every cell « secret ».
    assert 'id="entonnoir-ensemble"' in funnel.text and "Aucune étape" not in funnel.text


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
    assert current.status_code == 422
    assert "Les chiffres de 2026 sont arrêtés au 31 mars 2027" in current.text
    assert "à partir du 1er avril 2027" in current.text
    unknown = client.post(
        reverse("barometer_contacts", args=[campaign.slug]), {"demande": "x", "action": "appeler"}
    )
    assert unknown.status_code == 302 and Chain.objects.count() == 1


def test_exports_of_a_year_that_is_over(client, arras, campaign, team):
    chain = _open_as(client, campaign, team)
    june = datetime.datetime(2025, 6, 3, 9, 0, tzinfo=datetime.UTC)
    Chain.objects.filter(pk=chain.pk).update(
        month=datetime.date(2025, 6, 1), contacted_at=june, attempts=1
    )
    url = reverse("evaluation_chain_funnel", args=[arras.siren])
    csv = client.get(url, {"annee": "2025", "format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == [
        "tableau", "ligne", "personnes contactées", "personnes jointes",
        "personnes dont les droits ont été vérifiés", "personnes orientées",
        "personnes ayant ouvert un droit",
        "taux de passage des contactées aux jointes (%)",
        "taux de passage des jointes aux droits vérifiés (%)",
        "taux de passage des droits vérifiés aux orientées (%)",
        "taux de passage des orientées au droit ouvert (%)",
        "taux de passage des contactées au droit ouvert (%)",
        "montant des droits ouverts (€ par an)",
    ]  # fmt: skip
    assert lines[1].startswith("Ensemble;Ensemble;secret;")
    assert len(lines[1].split(";")) == len(lines[0].split(";"))
    xlsx = client.get(url, {"annee": "2025", "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["données", "notes"]
    assert workbook["données"]["C2"].value == "secret"


def _spaced(text: str) -> str:
    """Numbers as « 71 400 » whatever the space French formatting puts."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _worked_chains(arras, campaign, team, amounts: list[str]):
    """One chain per amount: called, reached, referred to the CCAS, which
    records an RSA of that many euros a month. Returns the outcomes."""
    structure, offer = directory_of(arras)
    receiver = ccas_receiver(arras, structure)
    outcomes = []
    for index, amount in enumerate(amounts):
        chain = chain_actions.chain_open(
            contact=call_back_request(campaign, f"k{index}"), user=team
        )
        chain_actions.chain_call_record(chain=chain, reached=True)
        referral = chain_actions.chain_referral_send(
            chain=chain, **send_arguments(arras, team, structure, offer)
        )
        referral_actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
        outcomes.append(
            referral_actions.referral_record_outcome(
                referral,
                kind=OutcomeKind.RIGHT_OPENED,
                benefit="rsa",
                monthly_amount=amount,
                user=receiver,
                via=Channel.ACCOUNT,
            )  # fmt: skip
        )
    return receiver, outcomes


def test_a_correction_after_the_cutoff_changes_no_partner_view_nor_export(
    client, arras, campaign, team
):
    """The attack: a partner downloads the closed year twice, around one
    person's corrected amount (450 → 123 € a month). Stopped at 31 March,
    both downloads and pages are the same; the team sees the live figure."""
    receiver, outcomes = _worked_chains(arras, campaign, team, ["500"] * 11 + ["450"])
    partner = member(arras, "France Services", Role.PARTNER)
    url = reverse("evaluation_chain_funnel", args=[arras.siren])
    # Before 1 April 2027, 2026 is the team's only.
    with time_machine.travel(datetime.datetime(2027, 3, 31, 20, 0, tzinfo=datetime.UTC)):
        client.force_login(partner)
        early = client.get(url, {"annee": "2026", "format": "csv"})
        assert early.status_code == 422 and "à partir du 1er avril 2027" in early.text
    expected = (11 * 500 + 450) * 12  # 71 400 € a year
    with time_machine.travel(datetime.datetime(2027, 4, 2, 9, 0, tzinfo=datetime.UTC)):
        client.force_login(partner)
        first_csv = client.get(url, {"annee": "2026", "format": "csv"}).content
        first_page = client.get(url, {"annee": "2026"}).text
        assert "71 400" in _spaced(first_page)
        assert "Chiffres arrêtés" in first_page and "31 mars 2027 inclus" in first_page
    with time_machine.travel(datetime.datetime(2027, 4, 10, 9, 0, tzinfo=datetime.UTC)):
        referral_correct_outcome(
            outcomes[-1].referral, outcome_id=outcomes[-1].pk, kind=OutcomeKind.RIGHT_OPENED,
            benefit="rsa", monthly_amount="123", reason="Montant mal saisi", user=receiver,
            via=Channel.ACCOUNT,
        )  # fmt: skip
    with time_machine.travel(datetime.datetime(2027, 4, 20, 9, 0, tzinfo=datetime.UTC)):
        client.force_login(partner)
        assert client.get(url, {"annee": "2026", "format": "csv"}).content == first_csv
        again = client.get(url, {"annee": "2026"}).text
        assert "71 400" in _spaced(again)
        assert chain_year(arras, 2026).total.yearly_amount == expected
        # The team sees the live figures, marked provisional.
        client.force_login(team)
        live = client.get(url, {"annee": "2026"}).text
        assert "67 476" in _spaced(live)  # 11 × 500 × 12 + 123 × 12
        assert "Chiffres provisoires" in live
    assert str(expected).encode() in first_csv


def test_before_any_year_is_stopped_a_partner_sees_no_figure(client, arras, campaign, team):
    """In February 2027, no year is stopped yet: a partner gets neither the
    default page nor ?annee=2026 with the live figures (review of issue
    17: the page fell back to the year before and drew it live)."""
    _worked_chains(arras, campaign, team, ["500"] * 12)
    partner = member(arras, "France Services", Role.PARTNER)
    url = reverse("evaluation_chain_funnel", args=[arras.siren])
    with time_machine.travel(datetime.datetime(2027, 2, 10, 9, 0, tzinfo=datetime.UTC)):
        client.force_login(partner)
        default = client.get(url)
        asked = client.get(url, {"annee": "2026"})
        client.force_login(team)
        live = client.get(url, {"annee": "2026"}).text
    # Both show 2025, stopped (the last year before 1 April 2026's cut-off
    # that has passed), where nothing happened; never 2026 live.
    assert default.status_code == 200 and "Parcours des demandes de rappel, 2025" in default.text
    assert asked.status_code == 422 and "sont réservés à" in asked.text
    for page in (default.text, asked.text):
        assert "72 000" not in _spaced(page) and "Chiffres provisoires" not in page
        assert "Aucune étape de parcours en 2025" in page
    assert "72 000" in _spaced(live)  # the team: 12 × 500 × 12, provisional


def test_after_erasure_the_chain_page_shows_no_referral_name_or_phone(
    client, arras, campaign, team
):
    _worked_chains(arras, campaign, team, ["450"])
    chain = Chain.objects.get()
    client.force_login(team)
    before = client.get(reverse("evaluation_chain", args=[chain.token])).text
    assert "Orientation n°" in before and PHONE in before
    with time_machine.travel(datetime.datetime(2027, 3, 1, 3, 0, tzinfo=datetime.UTC)):
        call_command("purge", stdout=io.StringIO())
        client.force_login(team)
        page = client.get(reverse("evaluation_chain", args=[chain.token])).text
    for personal in ("Orientation n°", PHONE, "06 12 34 56 78", "Camille", "Martin", "stimé"):
        assert personal not in page, personal
    assert "ne sont plus reliées à ce parcours" in page
    assert "Revenu de solidarité active (RSA) (5\xa0400 € par an)" in page
    assert not ChainReferral.objects.exists()
    assert Referral.objects.get().simulated_amounts == {}


def test_only_years_with_a_step_are_offered_and_days_read_1er(client, arras, campaign, team):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)):
        client.force_login(team)
        chain = _open(client, campaign, call_back_request(campaign, "k1"))
        client.post(reverse("evaluation_chain", args=[chain.token]), {"appel": "joint"})
        page = client.get(reverse("evaluation_chain", args=[chain.token])).text
        assert "Contactée</strong> — le 1er décembre 2026" in page
        assert "(1 appel noté)" in page
        funnel = client.get(reverse("evaluation_chain_funnel", args=[arras.siren])).text
    options = re.findall(r'<option value="(\d{4})"', funnel)
    assert options == ["2026"]
    # A partner sees no year yet (2026 is shown from 1 April 2027).
    partner = member(arras, "France Services", Role.PARTNER)
    with time_machine.travel(datetime.datetime(2027, 4, 1, 9, 0, tzinfo=datetime.UTC)):
        client.force_login(partner)
        shown = client.get(reverse("evaluation_chain_funnel", args=[arras.siren])).text
    assert re.findall(r'<option value="(\d{4})"', shown) == ["2026"]


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
