"""The chain, from a barometer call-back request to a right opened: the
pre-fill kept with the request, each step dated, the referrals and their
outcomes in force, and the erasure of the personal link with the request."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from nonrecours.accounts.enums import Role
from nonrecours.evaluation import chain_actions, chain_queries
from nonrecours.evaluation.chain_actions import ChainError
from nonrecours.evaluation.chain_models import Chain, ChainContact, ChainReferral
from nonrecours.referrals import actions as referral_actions
from nonrecours.referrals.actions import ReferralError
from nonrecours.referrals.enums import Channel, OutcomeKind
from nonrecours.referrals.models import Referral
from nonrecours.referrals.outcome_actions import referral_correct_outcome
from nonrecours.rights.batching import simulate_one
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.surveys.actions import contacts_erase
from nonrecours.surveys.models import Campaign, Contact, Response
from tests.evaluation.chain_setup import (
    PHONE,
    call_back_request,
    campaign_of,
    ccas_receiver,
    directory_of,
    member,
    send_arguments,
)

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


def test_the_request_keeps_the_prefill_never_the_response(campaign):
    contact = call_back_request(campaign, "k1")
    prefill = contact.prefill
    assert prefill["commune"] == "62041" and prefill["mois"] == "2026-11"
    # 450 € charges comprises minus the flat amount for charges of a
    # household with one child in November 2026 (61,29 + 13,90 €).
    assert prefill["logement"] == {"statut": "locataire_vide", "loyer": 374.81}
    roles = [person["role"] for person in prefill["personnes"]]
    assert roles == ["demandeur", "enfant"]
    assert prefill["personnes"][0]["activite"] == "chomeur"
    # The situation questions unanswered: nothing to pre-fill.
    assert call_back_request(campaign, "k2", situation=False).prefill == {}
    # Still no field that points to a response.
    assert not any(f.related_model is Response for f in Contact._meta.get_fields())


def test_the_chain_steps_are_dated_and_the_request_handled(campaign, team):
    contact = call_back_request(campaign, "k1")
    chain = chain_actions.chain_open(contact=contact, user=team)
    assert chain_actions.chain_open(contact=contact, user=team) == chain  # once
    contact.refresh_from_db()
    assert contact.handled_at == NOW and contact.handled_by == team
    assert (chain.campaign, chain.commune.insee_code, chain.stratum) == (
        campaign,
        "62041",
        contact.commune.stratum,
    )
    # The request came in the week of Monday 16 November 2026.
    assert chain.month == datetime.date(2026, 11, 1) and chain.contacted_at == NOW
    later = NOW + datetime.timedelta(hours=2)
    chain = chain_actions.chain_call_record(chain=chain, reached=False)
    chain = chain_actions.chain_call_record(chain=chain, reached=True, now=later)
    assert (chain.attempts, chain.not_reached_at, chain.reached_at) == (2, NOW, later)
    assert len(chain.token) == 24


def test_rights_check_referral_and_outcome_make_the_chain(arras, campaign, team):
    structure, offer = directory_of(arras)
    receiver = ccas_receiver(arras, structure)
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "k1"), user=team)
    prefill = chain_actions.chain_prefill(chain)
    amounts = chain_actions.chain_rights_check(chain=chain, situation=prefill)
    # The amounts the simulator gives for the same situation.
    expected = referral_actions.result_amounts(simulate_one(parse_situation(prefill)))
    assert amounts == expected and amounts["rsa"] > 0
    referral = chain_actions.chain_referral_send(
        chain=chain, **send_arguments(arras, team, structure, offer)
    )
    assert referral.simulated_amounts == amounts
    assert not referral.is_synthetic  # a request of a real campaign
    chain.refresh_from_db()
    assert chain.rights_checked_at == NOW and chain.referred_at == NOW
    referral_actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    referral_actions.referral_record_outcome(
        referral,
        kind=OutcomeKind.RIGHT_OPENED,
        benefit="rsa",
        monthly_amount="612.50",
        user=receiver,
        via=Channel.ACCOUNT,
    )
    view = chain_queries.chain_view(chain)
    assert [(s.label, s.at) for s in view.steps] == [
        ("Contactée", NOW),
        ("Jointe", NOW),
        ("Droits vérifiés", NOW),
        ("Orientée", NOW),
        ("Droit ouvert", NOW.date()),
    ]
    assert view.rights_opened == (("Revenu de solidarité active (RSA)", Decimal("7350.00")),)
    funnel = chain_queries.chain_year(arras, 2026)
    exact = chain_queries.chain_funnel(
        arras, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31), exact=True
    )
    assert exact.total.counts == (1, 1, 1, 1, 1)
    assert exact.total.yearly_amount == Decimal("7350.00")
    assert exact.benefits[0].people == 1
    # One person: every cell of the published funnel is hidden.
    assert funnel.total.counts == (None,) * 5 and funnel.total.yearly_amount is None
    assert funnel.benefits[0].people is None and funnel.hidden_cells > 0


def test_a_corrected_outcome_counts_with_its_latest_value(arras, campaign, team):
    structure, offer = directory_of(arras)
    receiver = ccas_receiver(arras, structure)
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "k1"), user=team)
    referral = chain_actions.chain_referral_send(
        chain=chain, **send_arguments(arras, team, structure, offer)
    )
    referral_actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    outcome = referral_actions.referral_record_outcome(
        referral,
        kind=OutcomeKind.RIGHT_OPENED,
        benefit="rsa",
        monthly_amount="600",
        user=receiver,
        via=Channel.ACCOUNT,
    )
    referral_correct_outcome(
        referral,
        outcome_id=outcome.pk,
        kind=OutcomeKind.RIGHT_OPENED,
        benefit="rsa",
        monthly_amount="500",
        reason="Montant mal saisi",
        user=receiver,
        via=Channel.ACCOUNT,
    )
    exact = chain_queries.chain_funnel(
        arras, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30), exact=True
    )
    assert exact.total.yearly_amount == Decimal("6000.00")


def test_erasing_the_request_erases_every_personal_link(arras, campaign, team):
    structure, offer = directory_of(arras)
    contact = call_back_request(campaign, "k1")
    chain = chain_actions.chain_open(contact=contact, user=team)
    chain_actions.chain_rights_check(chain=chain, situation=chain_actions.chain_prefill(chain))
    chain_actions.chain_referral_send(chain=chain, **send_arguments(arras, team, structure, offer))
    # 92 days after it was handled, the nightly purge erases the request.
    assert contacts_erase(today=datetime.date(2027, 3, 1)) == 1
    assert not Contact.objects.exists() and not ChainContact.objects.exists()
    chain = Chain.objects.get()
    # The referral is no longer linked, and its estimates (the simulation
    # of the answers' pre-fill) are gone.
    assert not ChainReferral.objects.exists()
    # Kept to the month (local time): the exact moment would equal the
    # referral's own and join them again.
    november = datetime.datetime(2026, 10, 31, 23, 0, tzinfo=datetime.UTC)  # 1/11 Paris
    assert (chain.referrals_count, chain.erased_at) == (1, november)  # erased on NOW
    assert chain.referred_at == chain.contacted_at == chain.rights_checked_at == november
    assert not Referral.objects.filter(sent_at=chain.referred_at).exists()
    # Nothing in the chain's tables holds the number, the pre-fill or an answer.
    with connection.cursor() as cursor:
        for table in (Chain._meta.db_table, ChainReferral._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            text = repr(cursor.fetchall())
            assert PHONE not in text and "locataire" not in text and "374.81" not in text
    response_ids = set(Response.objects.values_list("pk", flat=True))
    assert {f.related_model for f in Chain._meta.get_fields()}.isdisjoint({Response, Contact})
    assert response_ids  # the answers stay, unlinked
    view = chain_queries.chain_view(chain)
    assert view.contact is None and not view.has_prefill
    with pytest.raises(ChainError, match="effacée"):
        chain_actions.chain_call_record(chain=chain, reached=True)
    with pytest.raises(ChainError, match="effacée"):
        chain_actions.chain_prefill(chain)
    with pytest.raises(ReferralError, match="effacée"):
        chain_actions.chain_referral_send(
            chain=chain, **send_arguments(arras, team, structure, offer)
        )
    # Still counted, anonymously.
    exact = chain_queries.chain_funnel(
        arras, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30), exact=True
    )
    assert exact.total.counts == (1, 1, 1, 1, 0)


def _erased_chain_with_a_right_opened(arras, campaign, team):
    """A chain checked, referred, with an RSA of 450 € a month opened on
    the phone-number-bearing referral; then the request erased."""
    structure, offer = directory_of(arras)
    receiver = ccas_receiver(arras, structure)
    contact = call_back_request(campaign, "k1")
    chain = chain_actions.chain_open(contact=contact, user=team)
    chain_actions.chain_call_record(chain=chain, reached=True)
    amounts = chain_actions.chain_rights_check(
        chain=chain, situation=chain_actions.chain_prefill(chain)
    )
    referral = chain_actions.chain_referral_send(
        chain=chain, **send_arguments(arras, team, structure, offer)
    )
    assert referral.simulated_amounts == amounts and amounts
    referral_actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    referral_actions.referral_record_outcome(
        referral, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="450",
        user=receiver, via=Channel.ACCOUNT,
    )  # fmt: skip
    assert contacts_erase(today=datetime.date(2027, 3, 1)) == 1
    return chain, referral, receiver, amounts


def test_erasure_unlinks_the_referrals_and_keeps_the_right_opened(arras, campaign, team):
    chain, referral, receiver, amounts = _erased_chain_with_a_right_opened(arras, campaign, team)
    referral.refresh_from_db()
    # The referral keeps its person (its own retention) but nothing derived
    # from the answers, and no row joins it to the chain.
    assert referral.phone and referral.last_name == "Martin"
    assert referral.simulated_amounts == {} and referral.simulation_code == ""
    assert not ChainReferral.objects.exists() and not ChainContact.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Chain._meta.db_table}")  # noqa: S608 - our table
        text = repr(cursor.fetchall())
    for personal in (PHONE, "06 12 34 56 78", "Martin", "Camille", str(amounts["rsa"])):
        assert personal not in text
    # The funnel still counts the right opened, with its yearly amount.
    exact = chain_queries.chain_funnel(
        arras, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30), exact=True
    )
    assert exact.total.counts == (1, 1, 1, 1, 1)
    assert exact.total.yearly_amount == Decimal(5400)
    assert [(b.benefit, b.people, b.yearly_amount) for b in exact.benefits] == [
        ("rsa", 1, Decimal(5400))
    ]
    chain.refresh_from_db()
    view = chain_queries.chain_view(chain)
    assert view.referrals == () and view.erased
    assert view.rights_opened == (("Revenu de solidarité active (RSA)", Decimal(5400)),)
    november = datetime.datetime(2026, 10, 31, 23, 0, tzinfo=datetime.UTC)  # 1/11 Paris
    assert ("Orientée", november, "1 orientation") in [
        (s.label, s.at, s.detail) for s in view.steps
    ]
    assert not any(s.time for s in view.steps)  # the month, no time
    # A result recorded after the erasure is not counted (said in the guide).
    referral_actions.referral_record_outcome(
        referral, kind=OutcomeKind.RIGHT_OPENED, benefit="prime_activite", monthly_amount="100",
        user=receiver, via=Channel.ACCOUNT,
    )  # fmt: skip
    again = chain_queries.chain_funnel(
        arras, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30), exact=True
    )
    assert again.total.yearly_amount == Decimal(5400)


def test_erasure_keeps_the_correction_history_for_the_cutoff(arras, campaign, team):
    """A right corrected before the erasure: the copy keeps both values with
    their dates, so a view stopped before the correction reads the first."""
    structure, offer = directory_of(arras)
    receiver = ccas_receiver(arras, structure)
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "k1"), user=team)
    referral = chain_actions.chain_referral_send(
        chain=chain, **send_arguments(arras, team, structure, offer)
    )
    referral_actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
    outcome = referral_actions.referral_record_outcome(
        referral, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="600",
        user=receiver, via=Channel.ACCOUNT,
    )  # fmt: skip
    later = NOW + datetime.timedelta(days=20)  # 10 December: the next month
    with time_machine.travel(later, tick=False):
        referral_correct_outcome(
            referral, outcome_id=outcome.pk, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa",
            monthly_amount="500", reason="Montant mal saisi", user=receiver, via=Channel.ACCOUNT,
        )  # fmt: skip
    with time_machine.travel(datetime.datetime(2027, 3, 1, 3, 0, tzinfo=datetime.UTC)):
        contacts_erase()
    rights = Chain.objects.get().rights_opened
    # Kept to the month: enough for every cut-off (the first of a month).
    assert sorted((r["yearly_amount"], r["opened_on"]) for r in rights) == [
        ("6000.00", "2026-11-01"),
        ("7200.00", "2026-11-01"),
    ]
    month = {"start": datetime.date(2026, 11, 1), "end": datetime.date(2026, 11, 30)}
    first_of_december = datetime.datetime(2026, 11, 30, 23, 0, tzinfo=datetime.UTC)
    before = chain_queries.chain_funnel(arras, **month, exact=True, as_of=first_of_december)
    after = chain_queries.chain_funnel(arras, **month, exact=True)
    assert (before.total.yearly_amount, after.total.yearly_amount) == (7200, 6000)


def test_contacted_means_a_call_noted_on_the_page_and_in_the_funnel(arras, campaign, team):
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "k1"), user=team)
    month = {"start": datetime.date(2026, 11, 1), "end": datetime.date(2026, 11, 30)}
    view = chain_queries.chain_view(chain)
    assert view.steps[0].at is None  # « Contactée : pas encore »
    assert chain_queries.chain_funnel(arras, **month, exact=True).empty
    chain = chain_actions.chain_call_record(chain=chain, reached=False)
    assert chain_queries.chain_view(chain).steps[0] == chain_queries.ChainStep(
        "Contactée", NOW, "1 appel noté"
    )
    funnel = chain_queries.chain_funnel(arras, **month, exact=True)
    assert funnel.total.counts == (1, 0, 0, 0, 0)


def test_a_referral_to_another_territory_is_refused_and_nothing_is_written(arras, campaign, team):
    from tests.factories import StructureFactory, TerritoryFactory

    structure, offer = directory_of(arras)
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "k1"), user=team)
    other = TerritoryFactory()
    elsewhere = StructureFactory(territory=other)
    arguments = {**send_arguments(arras, team, structure, offer), "territory": other}
    arguments.update(structure=elsewhere, offer=None)
    with pytest.raises(ReferralError, match="pas dans le territoire de la demande"):
        chain_actions.chain_referral_send(chain=chain, **arguments)
    # referral_send's own refusal: undone, the chain not marked referred.
    with pytest.raises(ReferralError, match="accord"):
        chain_actions.chain_referral_send(
            chain=chain, **{**send_arguments(arras, team, structure, offer), "consent": False}
        )
    chain.refresh_from_db()
    assert chain.referred_at is None and not ChainReferral.objects.exists()


def test_a_situation_the_simulator_refuses_is_a_french_error(campaign, team):
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "k1"), user=team)
    with pytest.raises(ChainError, match="Situation incomplète"):
        chain_actions.chain_rights_check(chain=chain, situation={"mois": "2026-11"})
    chain.refresh_from_db()
    assert chain.rights_checked_at is None


def test_the_nightly_purge_erases_the_link_with_the_request(arras, campaign, team):
    from io import StringIO

    from django.core.management import call_command

    chain = chain_actions.chain_open(contact=call_back_request(campaign, "k1"), user=team)
    call_command("purge", stdout=StringIO())  # 20 November: kept
    assert ChainContact.objects.filter(chain=chain).exists()
    with time_machine.travel(datetime.datetime(2027, 3, 1, 3, 0, tzinfo=datetime.UTC)):
        out = StringIO()
        call_command("purge", stdout=out)
    assert "1 demande(s) de rappel du baromètre effacée(s)" in out.getvalue()
    assert not ChainContact.objects.exists() and Chain.objects.get() == chain


def test_a_referral_for_a_demonstration_request_is_synthetic(arras, campaign, team):
    """The yearly report leaves synthetic rows out once real data exist: a
    referral sent for a request of the demonstration campaign must not
    count as real (review of issue 17)."""
    campaign.is_synthetic = True
    campaign.save(update_fields=["is_synthetic"])
    structure, offer = directory_of(arras)
    ccas_receiver(arras, structure)
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "demo"), user=team)
    chain_actions.chain_rights_check(chain=chain, situation=chain_actions.chain_prefill(chain))
    referral = chain_actions.chain_referral_send(
        chain=chain, **send_arguments(arras, team, structure, offer)
    )
    referral.refresh_from_db()
    assert referral.is_synthetic


def test_a_chain_counts_as_contacted_in_the_year_of_its_first_call(arras, campaign, team):
    """Opened (« Appeler ») in December 2026 but first called in May 2027:
    « contactée » in 2027, and 2026's stopped figures never grow (review
    of issue 17: they went from 11 to 22 after the cut-off)."""
    december = datetime.datetime(2026, 12, 15, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(december, tick=False):
        chains = [
            chain_actions.chain_open(contact=call_back_request(campaign, f"k{i}"), user=team)
            for i in range(11)
        ]
    with time_machine.travel(datetime.datetime(2027, 4, 2, 9, 0, tzinfo=datetime.UTC)):
        stopped = chain_queries.chain_year(arras, 2026, live=False)
        assert stopped.total.counts[0] is None or stopped.total.counts[0] == 0
    with time_machine.travel(datetime.datetime(2027, 5, 3, 9, 0, tzinfo=datetime.UTC), tick=False):
        for chain in chains:
            chain_actions.chain_call_record(chain=chain, reached=False)
        again = chain_queries.chain_year(arras, 2026, live=False)
        assert again.total.counts == stopped.total.counts
        live_2027 = chain_queries.chain_year(arras, 2027, live=True)
        assert live_2027.total.counts[0] == 11
    assert {c.contacted_at for c in Chain.objects.all()} == {
        datetime.datetime(2027, 5, 3, 9, 0, tzinfo=datetime.UTC)
    }


def test_no_step_is_recorded_once_the_request_is_erased(arras, campaign, team):
    structure, offer = directory_of(arras)
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "k1"), user=team)
    chain_actions.chain_call_record(chain=chain, reached=True)
    situation = chain_actions.chain_prefill(chain)
    contacts_erase(today=datetime.date(2027, 3, 1))
    with pytest.raises(chain_actions.ChainError):
        chain_actions.chain_call_record(chain=chain, reached=True)
    with pytest.raises(chain_actions.ChainError, match="effacée"):
        chain_actions.chain_rights_check(chain=chain, situation=situation)
    with pytest.raises(ReferralError):
        chain_actions.chain_referral_send(
            chain=chain, **send_arguments(arras, team, structure, offer)
        )
    assert not Referral.objects.exists() and not ChainReferral.objects.exists()


def test_demonstration_chains_are_never_mixed_with_real_ones(arras, campaign, team):
    demo = Campaign.objects.get(pk=campaign.pk)  # a copy, synthetic
    demo.pk, demo.slug, demo.is_synthetic = None, "demo-rappels", True
    demo._state.adding = True
    demo.save()
    month = {"start": datetime.date(2026, 11, 1), "end": datetime.date(2026, 11, 30)}
    for key in ("d1", "d2"):
        chain = chain_actions.chain_open(contact=call_back_request(demo, key), user=team)
        chain_actions.chain_call_record(chain=chain, reached=False)
    # Only demonstration chains: they are shown (a demonstration install).
    assert chain_queries.chain_funnel(arras, **month, exact=True).total.counts[0] == 2
    chain = chain_actions.chain_open(contact=call_back_request(campaign, "r1"), user=team)
    chain_actions.chain_call_record(chain=chain, reached=False)
    # One real chain: the demonstration ones are left out.
    assert chain_queries.chain_funnel(arras, **month, exact=True).total.counts[0] == 1
