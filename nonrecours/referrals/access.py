"""Who may refer, and who sees and answers a referral (the checks built on
the roles of accounts.access)."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from nonrecours.accounts.access import (
    DENIAL_MESSAGES,
    ROLE_CAPABILITIES,
    referral_organisations,
    require_capability,
)
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.referrals.enums import Status
from nonrecours.referrals.models import Referral
from nonrecours.territories.models import Territory

# Referrals. Nobody sees a referral's person but the two organisations it
# links: the one that sent it and the one that received it (the link sent
# by e-mail stands for the receiving structure). Not even a superuser or the
# territory's team, who see the statistics only.

REFERRAL_DENIED = (
    "Cette orientation ne concerne pas votre organisation : seules l'organisation qui l'a "
    "envoyée et celle qui la reçoit peuvent la consulter."
)
REFERRAL_NOT_RECEIVER = "Seule l'organisation qui reçoit l'orientation peut y répondre."


def referral_sender_organisations(user: User, territory: Territory) -> list[Organisation]:
    """The organisations on whose behalf the user may refer on the territory."""
    if not user.is_authenticated or not user.is_active:
        return []
    memberships = Membership.objects.filter(
        user=user, organisation__territory=territory
    ).select_related("organisation")
    return sorted(
        {m.organisation for m in memberships if Capability.REFER in ROLE_CAPABILITIES[m.role]},
        key=lambda o: o.name,
    )


def can_refer(user: User | AnonymousUser, territory: Territory) -> bool:
    if not user.is_authenticated:
        return False
    return bool(referral_sender_organisations(user, territory))


def access_territory_refer(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.REFER)


def access_refer(user: User, territory: Territory, organisation: Organisation) -> Organisation:
    """The user refers on behalf of this organisation of the territory."""
    if organisation not in referral_sender_organisations(user, territory):
        raise PermissionDenied(DENIAL_MESSAGES[Capability.REFER])
    return organisation


def referral_sides(
    user: User | AnonymousUser, referral: Referral, *, by_link: bool = False
) -> set[str]:
    """ "sender", "receiver", both or none; `by_link`: the person opened the
    link sent to the receiving structure, and it is still valid."""
    organisations = referral_organisations(user)
    sides = {"receiver"} if by_link and referral.link_key else set()
    if referral.sender_organisation_id in organisations:
        sides.add("sender")
    if referral.receiver_organisation_id is not None and (
        referral.receiver_organisation_id in organisations
    ):
        sides.add("receiver")
    return sides


def access_referral(
    user: User | AnonymousUser, referral: Referral, *, by_link: bool = False
) -> set[str]:
    sides = referral_sides(user, referral, by_link=by_link)
    if not sides:
        raise PermissionDenied(REFERRAL_DENIED)
    return sides


def can_see_referred_person(referral: Referral, sides: set[str]) -> bool:
    """Whether the sides of a referral (access_referral) see the person
    referred (name, contact, message):

    - nobody once the referral is anonymised;
    - the sending side, until then;
    - the receiving side while the referral awaits its answer (not after
      its expiry date), and once it has accepted; not after refusing.
    """
    if referral.anonymised_at:
        return False
    if "sender" in sides:
        return True
    if referral.status == Status.ACCEPTED:
        return True
    return referral.status == Status.SENT and not referral.overdue


def access_referral_answer(
    user: User | AnonymousUser, referral: Referral, *, by_link: bool = False
) -> Referral:
    """Accepting, refusing and recording an outcome: the receiving side."""
    if "receiver" not in access_referral(user, referral, by_link=by_link):
        raise PermissionDenied(REFERRAL_NOT_RECEIVER)
    return referral


def access_referral_statistics(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.VIEW_REFERRAL_STATISTICS)
