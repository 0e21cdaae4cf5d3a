"""Who may use a campaign's pages: fetch and check by its slug, as Zulip's
``access_stream_by_id`` does (built on the roles of accounts.access).

A campaign's address is public (its online questionnaire, its published
results): an unknown campaign is a plain 404, a forbidden one a 403 with
its French reason. What a page shows decides the capability it needs:

- the dashboard, its open data and report (figures, secrecy applied):
  ``Capability.VIEW_AGGREGATES``;
- the answers one by one (export) and the respondents' contacts (personal
  data): ``Capability.VIEW_RESPONSES``;
- running it (publication, follow-up, import, XLSForm, poster, agents'
  targets): ``Capability.MANAGE_CAMPAIGNS``;
- collecting answers in the field: ``Capability.COLLECT``.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from nonrecours.accounts.access import require_capability
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.surveys import queries
from nonrecours.surveys.models import Campaign

CAMPAIGN_NOT_FOUND = "Aucune enquête à cette adresse."


def campaign_by_slug_or_404(slug: str) -> Campaign:
    """The campaign at this address, for everyone (its online form, its
    public pages). Raises Http404 (CAMPAIGN_NOT_FOUND)."""
    try:
        return queries.campaign_by_slug(slug)
    except Campaign.DoesNotExist:
        raise Http404(CAMPAIGN_NOT_FOUND) from None


def access_campaign_by_slug(
    user: User | AnonymousUser, slug: str, *, capability: Capability
) -> Campaign:
    """The campaign ``slug`` if the user holds ``capability`` on its
    territory (a superuser always; never an anonymous or inactive user).

    Raises Http404 (CAMPAIGN_NOT_FOUND) for an unknown campaign,
    PermissionDenied (the capability's French message) otherwise."""
    # Unknown: its address is public anyway, no need to hide it.
    campaign = campaign_by_slug_or_404(slug)
    # The capability is held on the campaign's territory, not on any other.
    require_capability(user, campaign.territory, capability)
    return campaign


def access_campaign_aggregates_by_slug(user: User | AnonymousUser, slug: str) -> Campaign:
    """The dashboard, open data and report of a campaign (figures with the
    secrecy rule): partners and the territory's team."""
    return access_campaign_by_slug(user, slug, capability=Capability.VIEW_AGGREGATES)


def access_campaign_responses_by_slug(user: User | AnonymousUser, slug: str) -> Campaign:
    """The answers one by one and the respondents' contacts (personal
    data): the territory's team only (administrators, project leads)."""
    return access_campaign_by_slug(user, slug, capability=Capability.VIEW_RESPONSES)


def access_campaign_management_by_slug(user: User | AnonymousUser, slug: str) -> Campaign:
    """Running a campaign (publication, follow-up, import, XLSForm, poster,
    agents' targets): the territory's team."""
    return access_campaign_by_slug(user, slug, capability=Capability.MANAGE_CAMPAIGNS)


def access_campaign_collect_by_slug(user: User | AnonymousUser, slug: str) -> Campaign:
    """Collecting answers in the field: the territory's field agents and team."""
    return access_campaign_by_slug(user, slug, capability=Capability.COLLECT)
