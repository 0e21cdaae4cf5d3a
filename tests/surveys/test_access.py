"""surveys/access.py: each capability on the campaign's own territory,
an unknown campaign a plain 404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import User
from nonrecours.surveys import access
from tests.factories import CampaignFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

# What each role may do with a campaign of its own territory.
EXPECTED = {
    Role.ADMIN: {"aggregates", "responses", "management", "collect"},
    Role.PROJECT_LEAD: {"aggregates", "responses", "management", "collect"},
    Role.PARTNER: {"aggregates"},
    Role.FIELD_AGENT: {"collect"},
}
CHECKS = {
    "aggregates": access.access_campaign_aggregates_by_slug,
    "responses": access.access_campaign_responses_by_slug,
    "management": access.access_campaign_management_by_slug,
    "collect": access.access_campaign_collect_by_slug,
}


def _allowed(user, slug) -> set[str]:
    allowed = set()
    for name, check in CHECKS.items():
        try:
            campaign = check(user, slug)
        except PermissionDenied as denied:
            assert str(denied), name  # a French reason, never empty
        else:
            assert campaign.slug == slug
            allowed.add(name)
    return allowed


def test_each_role_on_its_own_territory(arras, make_member):
    campaign = CampaignFactory(territory=arras)
    for role, expected in EXPECTED.items():
        assert _allowed(make_member(arras, role), campaign.slug) == expected, role


def test_nothing_on_another_territory_nor_anonymously(arras, make_member):
    other = CampaignFactory(territory=TerritoryFactory())
    lead = make_member(arras, Role.PROJECT_LEAD)
    assert _allowed(lead, other.slug) == set()
    assert _allowed(AnonymousUser(), other.slug) == set()
    lead.is_active = False
    lead.save()
    assert _allowed(lead, CampaignFactory(territory=arras).slug) == set()


def test_a_superuser_may_do_everything(arras):
    campaign = CampaignFactory(territory=arras)
    root = User.objects.create_superuser("racine", password="mot-de-passe-de-test")
    assert _allowed(root, campaign.slug) == set(CHECKS)


def test_personal_data_are_for_the_team_with_the_capability_message(arras, make_member):
    campaign = CampaignFactory(territory=arras)
    with pytest.raises(PermissionDenied, match="réservées à l'équipe du territoire"):
        access.access_campaign_responses_by_slug(make_member(arras, Role.PARTNER), campaign.slug)


def test_an_unknown_campaign_is_a_plain_404(arras, make_member):
    lead = make_member(arras, Role.PROJECT_LEAD)
    for check in CHECKS.values():
        with pytest.raises(Http404, match="Aucune enquête à cette adresse"):
            check(lead, "pas-de-campagne")
    with pytest.raises(Http404):
        access.campaign_by_slug_or_404("pas-de-campagne")
