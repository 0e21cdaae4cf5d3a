"""Every permission check of the project, in one place.

A user holds roles on territories through memberships (a role given on
behalf of an organisation). What a role allows is the matrix below; the
``access_*`` functions are what views, commands and actions call.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from nonrecours.accounts.enums import Capability, Role
from nonrecours.accounts.models import Membership, User
from nonrecours.territories.models import Territory

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Capability.values),
    Role.PROJECT_LEAD: frozenset(
        {
            Capability.VIEW_AGGREGATES,
            Capability.COLLECT,
            Capability.VIEW_RESPONSES,
            Capability.MANAGE_CAMPAIGNS,
            Capability.REOPEN_SIMULATIONS,
        }
    ),
    Role.FIELD_AGENT: frozenset({Capability.COLLECT}),
    Role.PARTNER: frozenset({Capability.VIEW_AGGREGATES, Capability.REOPEN_SIMULATIONS}),
}

DENIAL_MESSAGES: dict[str, str] = {
    Capability.VIEW_AGGREGATES: "Vous n'avez pas accès aux indicateurs de ce territoire.",
    Capability.COLLECT: "Vous n'êtes pas enquêteur·rice sur ce territoire.",
    Capability.VIEW_RESPONSES: (
        "Les réponses individuelles sont réservées à l'équipe du territoire "
        "(administrateur·rice, chargé·e de mission)."
    ),
    Capability.MANAGE_CAMPAIGNS: "Seule l'équipe du territoire gère les campagnes.",
    Capability.ADMINISTER: "Seul·e un·e administrateur·rice du territoire peut faire cela.",
    Capability.REOPEN_SIMULATIONS: (
        "Seul·es les professionnel·les partenaires du territoire peuvent reprendre une "
        "simulation enregistrée."
    ),
}


def can_use_back_office(user: User | AnonymousUser) -> bool:
    """The Django admin (accounts, organisations, memberships, raw data) is
    for superusers only: a territory's administrator works through the pages,
    whose actions keep the rules (strata, permissions) consistent."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return bool(user.is_superuser)


def roles_on(user: User, territory: Territory) -> set[str]:
    """The roles the user holds on the territory, through any organisation."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Membership.objects.filter(user=user, organisation__territory=territory).values_list(
            "role", flat=True
        )
    )


def has_capability(user: User, territory: Territory, capability: Capability) -> bool:
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(capability in ROLE_CAPABILITIES[role] for role in roles_on(user, territory))


def capabilities_on(user: User, territory: Territory) -> set[str]:
    return {c for c in Capability.values if has_capability(user, territory, Capability(c))}


def _require(user: User, territory: Territory, capability: Capability) -> Territory:
    if not has_capability(user, territory, capability):
        raise PermissionDenied(DENIAL_MESSAGES[capability])
    return territory


def access_territory_aggregates(user: User, territory: Territory) -> Territory:
    return _require(user, territory, Capability.VIEW_AGGREGATES)


def access_territory_collect(user: User, territory: Territory) -> Territory:
    return _require(user, territory, Capability.COLLECT)


def access_territory_responses(user: User, territory: Territory) -> Territory:
    return _require(user, territory, Capability.VIEW_RESPONSES)


def access_territory_campaigns(user: User, territory: Territory) -> Territory:
    return _require(user, territory, Capability.MANAGE_CAMPAIGNS)


def access_territory_administration(user: User, territory: Territory) -> Territory:
    return _require(user, territory, Capability.ADMINISTER)


def can_reopen_simulations(user: User | AnonymousUser) -> bool:
    """Whether the user may open the page to reopen a simulation by its code
    (on at least one territory)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return any(Capability.REOPEN_SIMULATIONS in ROLE_CAPABILITIES[role] for role in roles)


def access_saved_simulation(user: User, territory: Territory | None) -> Territory | None:
    """A kept simulation is reopened by a professional of its territory
    (one without a territory, kept before this rule: by a superuser only)."""
    if territory is None:
        if not (user.is_active and user.is_superuser):
            raise PermissionDenied(DENIAL_MESSAGES[Capability.REOPEN_SIMULATIONS])
        return None
    return _require(user, territory, Capability.REOPEN_SIMULATIONS)
