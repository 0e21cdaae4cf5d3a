"""The factories of tests/factories.py build what the domain accepts, and
their traits mean what they say."""

import datetime

import pytest
import time_machine

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.referrals.enums import Status
from nonrecours.surveys.enums import Channel
from nonrecours.territories.models import Commune
from tests.factories import (
    CampaignFactory,
    CommuneFactory,
    MemberFactory,
    OfferFactory,
    OrganisationFactory,
    ReferralFactory,
    ResponseFactory,
    StructureFactory,
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db
FROZEN = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def test_a_territory_has_three_member_communes_of_its_own():
    territory = TerritoryFactory()
    codes = list(Commune.objects.members_of(territory).values_list("insee_code", flat=True))
    assert len(codes) == 3
    assert all(code.startswith("99") for code in codes)
    assert TerritoryFactory(communes=[]).communes.count() == 0


def test_a_commune_that_left_is_not_a_member():
    territory = TerritoryFactory(communes=[])
    CommuneFactory(territory=territory, left_the_epci=True)
    CommuneFactory(territory=territory, rural=True)
    assert Commune.objects.members_of(territory).get().stratum == "rural"


def test_a_member_has_the_role_of_the_trait_in_the_given_territory():
    territory = TerritoryFactory()
    lead = MemberFactory(project_lead=True, membership__organisation__territory=territory)
    membership = lead.memberships.get()
    assert (membership.role, membership.organisation.territory) == (Role.PROJECT_LEAD, territory)
    assert lead.check_password("mot-de-passe-de-test")
    assert MemberFactory().memberships.get().role == Role.PARTNER
    assert OrganisationFactory(caf=True).kind == OrganisationKind.CAF


@time_machine.travel(FROZEN, tick=False)
def test_campaign_traits_place_the_dates_around_the_frozen_day():
    today = datetime.date(2026, 3, 10)
    campaign = CampaignFactory()
    assert (campaign.starts_on, campaign.ends_on) == (
        datetime.date(2026, 3, 9),
        datetime.date(2026, 4, 9),
    )
    assert campaign.is_open_on(today)
    assert campaign.channels == [Channel.ONLINE]
    closed = CampaignFactory(closed=True, door_to_door=True)
    assert closed.ends_on == datetime.date(2026, 3, 9) and not closed.is_open_on(today)
    assert closed.channels == [Channel.DOOR_TO_DOOR]
    assert CampaignFactory(future=True).starts_on == datetime.date(2026, 3, 20)


def test_responses_are_stored_through_the_action():
    campaign = CampaignFactory(door_to_door=True)
    online = ResponseFactory(campaign=campaign)
    collected = ResponseFactory(campaign=campaign, door_to_door=True)
    assert online.commune.territory == campaign.territory
    assert (online.channel, online.agent) == (Channel.ONLINE, None)
    assert collected.channel == Channel.DOOR_TO_DOOR
    assert collected.agent.memberships.get().role == Role.FIELD_AGENT
    assert campaign.responses.count() == 2


def test_structure_offer_and_referral_share_the_territory():
    referral = ReferralFactory()
    assert referral.status == Status.SENT
    assert referral.structure.territory == referral.territory
    assert referral.offer.structure == referral.structure
    assert referral.sender.memberships.get().organisation == referral.sender_organisation
    assert referral.commune == referral.structure.insee_code
    offer = OfferFactory(structure=StructureFactory(territory=referral.territory))
    assert offer.tags.exists()
    assert ReferralFactory(territory=referral.territory, to_structure=True).offer is None


def test_the_arras_fixture_copies_exactly_what_the_import_writes(arras):
    """tests/conftest.py's `arras` copies the rows of the process's first
    import: the copy must be the import (fields, communes and their order)."""
    from nonrecours.territories import actions
    from tests import conftest

    assert conftest._arras_rows is not None  # the fixture has run: the next one is a copy
    Commune.objects.all().delete()
    type(arras).objects.all().delete()
    copied = conftest.arras_rows(conftest.arras_territory())
    Commune.objects.all().delete()
    type(arras).objects.all().delete()
    imported = conftest.arras_rows(actions.territory_import(siren=conftest.ARRAS_SIREN).territory)
    assert copied == imported
    assert len(imported[1]) == 46
