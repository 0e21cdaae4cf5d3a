"""Who may use the evaluation's pages: fetch and check by id, as
Zulip's ``access_stream_by_id`` does (built on the roles of accounts.access).

- a chain (a call-back request worked, from the call to a right opened)
  is named by its random token; it says which call-back request of the
  barometer is being worked, so an unknown token and a forbidden one get
  the same 404 (CHAIN_NOT_FOUND). It needs ``Capability.VIEW_RESPONSES``,
  the capability of the call-back list itself (the respondents' contacts);
- the funnel of the chains of a territory (figures under the secrecy
  rule): ``Capability.VIEW_AGGREGATES``; an unknown territory is a plain
  404 (territories are public), a forbidden one a 403.
"""

import re

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nonrecours.accounts.access import has_capability, require_capability
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User
from nonrecours.evaluation.chain_models import Chain
from nonrecours.territories.models import Territory

CHAIN_NOT_FOUND = "Demande de rappel inconnue."
TERRITORY_NOT_FOUND = "Territoire inconnu."


def access_chain_by_token(user: User | AnonymousUser, token: str) -> Chain:
    """The chain named by ``token`` if the user may work it: holds
    VIEW_RESPONSES on the chain's territory (a superuser always; never an
    anonymous or inactive user). Raises Http404 (CHAIN_NOT_FOUND) for a
    malformed or unknown token and for a forbidden one alike."""
    # Tokens are 24 hexadecimal characters: anything else is unknown.
    if not re.fullmatch(r"[0-9a-f]{24}", token or ""):
        raise Http404(CHAIN_NOT_FOUND)
    chain = (
        Chain.objects.select_related("territory", "campaign", "commune").filter(token=token).first()
    )
    if chain is None:
        raise Http404(CHAIN_NOT_FOUND)
    # Forbidden looks like unknown: the token would say a request exists.
    if not has_capability(user, chain.territory, Capability.VIEW_RESPONSES):
        raise Http404(CHAIN_NOT_FOUND)
    return chain


def access_chain_funnel_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose funnel of chains the user may read (partners and
    team: VIEW_AGGREGATES; a superuser). Raises Http404
    (TERRITORY_NOT_FOUND) for an unknown territory, PermissionDenied
    (French) otherwise."""
    territory = Territory.objects.filter(siren=siren).first()
    if territory is None:
        raise Http404(TERRITORY_NOT_FOUND)
    return require_capability(user, territory, Capability.VIEW_AGGREGATES)


# Territories side by side (indicator bundles): reading the comparison needs
# the aggregates (partners and team); importing another territory's bundle
# changes what the instance compares with: the team that runs the campaigns.
# The bundle of a published wave itself is public (www/evaluation/bundles.py).


def _territory_or_404(siren: str) -> Territory:
    territory = Territory.objects.filter(siren=siren).first()
    if territory is None:
        raise Http404(TERRITORY_NOT_FOUND)
    return territory


def access_bundle_comparison_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose comparison with other territories the user may
    read: VIEW_AGGREGATES (partners, team; a superuser). Http404 for an
    unknown territory, PermissionDenied (French) otherwise."""
    territory = _territory_or_404(siren)
    return require_capability(user, territory, Capability.VIEW_AGGREGATES)


def access_bundle_import_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory from whose pages the user may import other
    territories' bundles: MANAGE_CAMPAIGNS (the territory's team). Http404
    for an unknown territory, PermissionDenied (French) otherwise."""
    territory = _territory_or_404(siren)
    return require_capability(user, territory, Capability.MANAGE_CAMPAIGNS)


def access_followup_statistics_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose follow-up statistics (take-up after a simulation,
    under the secrecy rule) the user may read: partners and team
    (VIEW_AGGREGATES; a superuser). Raises Http404 (TERRITORY_NOT_FOUND)
    for an unknown territory (territories are public), PermissionDenied
    (French) otherwise. A follow-up itself is opened only by its signed
    link (evaluation.followup_sending.read_token), never by an account."""
    territory = Territory.objects.filter(siren=siren).first()
    if territory is None:
        raise Http404(TERRITORY_NOT_FOUND)
    return require_capability(user, territory, Capability.VIEW_AGGREGATES)


def access_waves_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose waves of the barometer the user may compare (the
    comparison, the difference-in-differences and the answers-needed
    calculator read released cells and weighted figures, as the barometer's
    dashboard: ``Capability.VIEW_AGGREGATES``, as surveys.access's
    access_campaign_aggregates_by_slug; a superuser). Raises Http404
    (TERRITORY_NOT_FOUND) for an unknown territory, PermissionDenied
    (French) otherwise."""
    # Unknown: territories are public, no need to hide one.
    territory = _territory_or_404(siren)
    # The capability of the barometer's dashboard, held on this territory.
    return require_capability(user, territory, Capability.VIEW_AGGREGATES)


def access_waves_answers_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose difference-in-differences and answers-needed
    calculator the user may use: both are computed from the answers
    themselves for groups the user chooses (exposed communes, strata whose
    cells may be hidden), so that two queries could give back a cell the
    secrecy rule hides: the team that may read the answers
    (``Capability.VIEW_RESPONSES``; a superuser). Raises Http404
    (TERRITORY_NOT_FOUND) for an unknown territory, PermissionDenied
    (French) otherwise."""
    territory = _territory_or_404(siren)
    return require_capability(user, territory, Capability.VIEW_RESPONSES)


REPORT_ENTRIES_DENIED = (
    "Seule l'équipe du territoire (administrateur·rice, chargé·e de mission) saisit le budget, "
    "les partenaires et les conventions du rapport annuel."
)


def access_yearly_report_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose yearly report the user may read and download:
    the territory's team (``Capability.VIEW_REFERRAL_STATISTICS``: the
    report repeats the referral statistics published for the funders, and
    the current year's report moves from day to day, so two downloads would
    give back by difference what the rule hides: the team decides what
    leaves; a superuser). Raises Http404 (TERRITORY_NOT_FOUND) for an
    unknown territory, PermissionDenied (French) otherwise."""
    # Unknown: territories are public, no need to hide one.
    territory = _territory_or_404(siren)
    # The team that already reads the referral statistics for the funders.
    return require_capability(user, territory, Capability.VIEW_REFERRAL_STATISTICS)


def access_yearly_report_entries_by_siren(user: User | AnonymousUser, siren: str) -> Territory:
    """The territory whose budget, partners and agreements the user may
    enter: the team that may read the report and manages the barometer's
    campaigns (``Capability.MANAGE_CAMPAIGNS``: administrator, project
    lead; a superuser). Raises Http404 (TERRITORY_NOT_FOUND) for an unknown
    territory, PermissionDenied (REPORT_ENTRIES_DENIED) otherwise."""
    territory = access_yearly_report_by_siren(user, siren)
    # The territory's team: the roles that run the experiment.
    if not has_capability(user, territory, Capability.MANAGE_CAMPAIGNS):
        raise PermissionDenied(REPORT_ENTRIES_DENIED)
    return territory
