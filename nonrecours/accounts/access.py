"""Roles and capabilities, and the permission checks on a territory.

A user holds roles on territories through memberships (a role given on
behalf of an organisation). What a role allows is the matrix below; the
``access_*`` functions are what views, commands and actions call. The
checks on one app's own things sit in that app's access.py, built on these:
referrals/access.py (a referral and its person), directory/access.py (an
entry of the directory).
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nonrecours.accounts.enums import Capability, Role
from nonrecours.accounts.models import Invitation, Membership, Organisation, User
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
            Capability.REFER,
            Capability.VIEW_REFERRAL_STATISTICS,
            Capability.EDIT_DIRECTORY,
            Capability.INVITE,
            Capability.PLAN_OUTREACH,
            Capability.LOG_OUTREACH,
            Capability.RUN_TRAINING,
        }
    ),
    Role.FIELD_AGENT: frozenset({Capability.COLLECT, Capability.LOG_OUTREACH}),
    Role.PARTNER: frozenset(
        {Capability.VIEW_AGGREGATES, Capability.REOPEN_SIMULATIONS, Capability.REFER}
    ),
    Role.TRAINER: frozenset({Capability.RUN_TRAINING}),
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
    Capability.REFER: (
        "Seul·es les professionnel·les partenaires et l'équipe du territoire peuvent orienter "
        "une personne."
    ),
    Capability.VIEW_REFERRAL_STATISTICS: (
        "Les statistiques des orientations sont réservées à l'équipe du territoire "
        "(administrateur·rice, chargé·e de mission)."
    ),
    Capability.EDIT_DIRECTORY: (
        "Seule l'équipe du territoire (ou l'organisation rattachée à la structure, pour sa "
        "fiche) peut modifier l'annuaire."
    ),
    Capability.INVITE: (
        "Seule l'équipe du territoire (administrateur·rice, chargé·e de mission) invite des "
        "personnes dans ses organisations."
    ),
    Capability.PLAN_OUTREACH: (
        "Seule l'équipe du territoire (administrateur·rice, chargé·e de mission) planifie "
        "l'aller-vers."
    ),
    Capability.LOG_OUTREACH: (
        "Seule l'équipe du bus (enquêteur·rice, chargé·e de mission, administrateur·rice du "
        "territoire) note l'activité du bus."
    ),
    Capability.RUN_TRAINING: (
        "Seule l'équipe du territoire et ses formateur·rices animent les formations et le jeu."
    ),
}


def can_use_back_office(user: User | AnonymousUser) -> bool:
    """The Django admin (accounts, organisations, memberships, raw data) is
    for superusers only: a territory's administrator works through the pages,
    whose actions keep the rules (strata, permissions) consistent. Where the
    second factor is required, the login must have been confirmed by a code
    too (``is_verified``, set by django-otp's middleware)."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if not user.is_superuser:
        return False
    return not second_factor_required(user) or is_verified(user)


# The second factor (TOTP). Whoever sees personal data confirms each login
# with a code: administrators and project leads of any territory, and the
# back-office's users (`is_staff`, `is_superuser`). NONRECOURS_REQUIRE_2FA
# turns it off (development, the test suite); `check --deploy` warns then.
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.PROJECT_LEAD})


def second_factor_required(user: User | AnonymousUser) -> bool:
    """Whether this user must confirm their login with a code."""
    if not settings.NONRECOURS_REQUIRE_2FA:
        return False
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role__in=SECOND_FACTOR_ROLES).exists()


def role_requires_second_factor(role: str) -> bool:
    """Whether a person given this role will have to set up a second factor."""
    return bool(settings.NONRECOURS_REQUIRE_2FA) and role in SECOND_FACTOR_ROLES


def is_verified(user: User | AnonymousUser) -> bool:
    """Whether this session's login was confirmed by a code (django-otp's
    middleware sets ``is_verified`` on the request's user)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def roles_on(user: User, territory: Territory) -> set[str]:
    """The roles the user holds on the territory, through any organisation."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Membership.objects.filter(user=user, organisation__territory=territory).values_list(
            "role", flat=True
        )
    )


def has_capability(
    user: User | AnonymousUser, territory: Territory, capability: Capability
) -> bool:
    """Whether the user holds the capability on the territory (never an
    anonymous or inactive user; always a superuser)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(capability in ROLE_CAPABILITIES[role] for role in roles_on(user, territory))


def capabilities_on(user: User | AnonymousUser, territory: Territory) -> set[str]:
    return {c for c in Capability.values if has_capability(user, territory, Capability(c))}


def require_capability(
    user: User | AnonymousUser, territory: Territory, capability: Capability
) -> Territory:
    """The territory, if the user has the capability on it; else PermissionDenied
    with the capability's French message."""
    if not has_capability(user, territory, capability):
        raise PermissionDenied(DENIAL_MESSAGES[capability])
    return territory


def access_territory_aggregates(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.VIEW_AGGREGATES)


def access_territory_collect(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.COLLECT)


def access_territory_responses(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.VIEW_RESPONSES)


def access_territory_campaigns(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.MANAGE_CAMPAIGNS)


def access_territory_administration(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.ADMINISTER)


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
    return require_capability(user, territory, Capability.REOPEN_SIMULATIONS)


# Within an organisation, only the roles that may refer handle referrals (an
# organisation's field agents do not see the people it refers or receives).
# The referrals' own checks are in referrals/access.py, the directory's in
# directory/access.py.
REFERRAL_ROLES = frozenset(
    role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.REFER in capabilities
)


def referral_organisations(user: User | AnonymousUser) -> set[int]:
    """The organisations whose sent and received referrals the user sees
    (ids; none for an inactive or anonymous user)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Membership.objects.filter(user=user, role__in=REFERRAL_ROLES).values_list(
            "organisation_id", flat=True
        )
    )


# Invitations: the territory's team (administrators, project leads) invites
# people into the territory's organisations; only an administrator (of the
# territory, or a superuser) grants the administrator role.

INVITATION_ROLE_DENIED = (
    "Seul·e un·e administrateur·rice peut donner le rôle d'administrateur·rice : "
    "choisissez un autre rôle."
)


def access_territory_invitations(user: User, territory: Territory) -> Territory:
    """The user may invite into the territory's organisations (administrators, project leads)."""
    return require_capability(user, territory, Capability.INVITE)


def grantable_roles(user: User | AnonymousUser, territory: Territory) -> list[Role]:
    """The roles the user may give on the territory, in the enum's order."""
    if not has_capability(user, territory, Capability.INVITE):
        return []
    if has_capability(user, territory, Capability.ADMINISTER):
        return list(Role)
    return [role for role in Role if role != Role.ADMIN]


def access_grant(user: User, organisation: Organisation, role: str) -> Organisation:
    """The user may invite into this organisation with this role."""
    access_territory_invitations(user, organisation.territory)
    if role not in grantable_roles(user, organisation.territory):
        raise PermissionDenied(INVITATION_ROLE_DENIED)
    return organisation


def access_invitation(user: User, invitation: Invitation) -> Invitation:
    """Resending or cancelling: whoever could have sent this invitation."""
    access_grant(user, invitation.organisation, invitation.role)
    return invitation


def access_invitation_by_id(user: User, siren: str, invitation_id: int) -> Invitation:
    """The invitation ``invitation_id`` of the territory ``siren``, to
    resend or cancel it: whoever could have sent it (access_invitation).

    Raises Http404 (French) for an unknown territory, or an invitation that
    is not one of this territory's (once the user may invite there: others
    learn nothing of its invitations), PermissionDenied (French) otherwise."""
    territory = Territory.objects.filter(siren=siren).first()
    # Unknown territory: territories are public.
    if territory is None:
        raise Http404(f"Aucun territoire n'a le code SIREN {siren}.")
    # Only the territory's team handles its invitations: checked before
    # looking the invitation up, so that others learn nothing of them.
    access_territory_invitations(user, territory)
    invitation = Invitation.objects.filter(pk=invitation_id, organisation__territory=territory)
    found = invitation.select_related("organisation__territory").first()
    # Unknown, or an invitation of another territory: the same answer.
    if found is None:
        raise Http404("Invitation inconnue.")
    # Giving the administrator role is an administrator's: so is resending it.
    return access_invitation(user, found)


PRIVACY_REGISTER_DENIED = (
    "Le registre des traitements de données personnelles est réservé aux administrateur·rices."
)


def can_read_privacy_register(user: User | AnonymousUser) -> bool:
    """The register of processing (RGPD article 30) covers the whole site:
    for superusers and the administrators of any territory."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role=Role.ADMIN).exists()


def access_privacy_register(user: User | AnonymousUser) -> None:
    """Raises PermissionDenied (French) unless can_read_privacy_register."""
    if not can_read_privacy_register(user):
        raise PermissionDenied(PRIVACY_REGISTER_DENIED)
