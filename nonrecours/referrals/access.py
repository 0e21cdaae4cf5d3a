"""Who may refer, and who sees and answers a referral (the checks built on
the roles of accounts.access).

The ``access_*_by_id`` functions fetch and check in one call, as Zulip's
``access_stream_by_id`` does: a view gives the id it received and gets the
object it may use, or an exception Django turns into the page to show.
Every decision about who sees a referred person is taken here, none in the
views. Where a referral's very existence is personal (someone was referred
from here to there), "unknown" and "not yours" get the same answer: Http404
with the same French message.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nonrecours.accounts.access import (
    DENIAL_MESSAGES,
    ROLE_CAPABILITIES,
    referral_organisations,
    require_capability,
)
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals.enums import Channel, Status
from nonrecours.referrals.models import Referral
from nonrecours.referrals.queries import referral_by_pk
from nonrecours.territories.models import Territory
from nonrecours.textrules import database_id

# Referrals. Nobody sees a referral's person but the two organisations it
# links: the one that sent it and the one that received it (the link sent
# by e-mail stands for the receiving structure). Not even a superuser or the
# territory's team, who see the statistics only.

# The one answer for a referral that does not exist and for one the user may
# not see: telling them apart would tell who was referred.
REFERRAL_NOT_FOUND = "Orientation inconnue."
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
    return _sides(referral, referral_organisations(user), by_link=by_link)


def _sides(referral: Referral, organisations: Iterable[int], *, by_link: bool = False) -> set[str]:
    sides = {"receiver"} if by_link and referral.link_key else set()
    if referral.sender_organisation_id in organisations:
        sides.add("sender")
    if referral.receiver_organisation_id is not None and (
        referral.receiver_organisation_id in organisations
    ):
        sides.add("receiver")
    return sides


def can_see_referred_person(referral: Referral, sides: set[str]) -> bool:
    """Whether the sides of a referral (referral_sides) see the person
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


@dataclass(frozen=True)
class ReferralListRow:
    """A referral as a list shows it to a user: ``show_person`` says whether
    the person referred may be named there."""

    referral: Referral
    show_person: bool


def referral_list_rows(user: User, referrals: Iterable[Referral]) -> list[ReferralListRow]:
    """Each referral of a list page (already limited to the user's
    organisations, queries.referrals_of) with whether the user sees its
    person: the same rule as the referral's own page
    (can_see_referred_person), so a list never names someone the page hides
    (after a refusal, an expiry or the anonymisation)."""
    organisations = referral_organisations(user)
    return [
        ReferralListRow(
            referral=referral,
            show_person=can_see_referred_person(referral, _sides(referral, organisations)),
        )
        for referral in referrals
    ]


def access_referral_statistics(user: User, territory: Territory) -> Territory:
    return require_capability(user, territory, Capability.VIEW_REFERRAL_STATISTICS)


@dataclass(frozen=True)
class ReferralAccess:
    """What access_referral_by_id grants: the referral, the user's sides
    ("sender", "receiver", or both), the channel the steps are recorded
    under (Channel.ACCOUNT, or Channel.LINK for the e-mailed link alone)
    and whether the referred person (name, contact, message) is shown."""

    referral: Referral
    sides: frozenset[str]
    channel: str
    show_person: bool


class ReferralLinkClosed(PermissionDenied):
    """The link granted to this browser no longer opens the referral (it was
    answered or its details erased since): the page says so. Only raised for
    someone not logged in who holds that grant, who knew the referral."""

    def __init__(self, referral: Referral) -> None:
        super().__init__("Ce lien n'ouvre plus l'orientation.")
        self.referral = referral


def access_referral_by_id(
    user: User | AnonymousUser, referral_id: int, *, link_key: str | None = None
) -> ReferralAccess:
    """The referral ``referral_id`` as the user (or the holder of its
    e-mailed link: ``link_key``, the key granted to this browser, None when
    none) may see it.

    Raises Http404 (REFERRAL_NOT_FOUND) when it does not exist and, with the
    same message, when the user is on neither of its sides;
    ReferralLinkClosed when an anonymous holder's link no longer opens it.
    """
    referral = referral_by_pk(referral_id)
    # Unknown: the same answer as "not yours" below.
    if referral is None:
        raise Http404(REFERRAL_NOT_FOUND)
    # The link opens the referral while its key is the referral's current
    # one (a referral answered, or anonymised, has its key removed).
    by_link = bool(
        link_key and referral.link_key and secrets.compare_digest(link_key, referral.link_key)
    )
    # A stale grant held by someone not logged in: they opened this referral
    # through its link before, so its existence is no secret to them.
    if link_key is not None and not by_link and not user.is_authenticated:
        raise ReferralLinkClosed(referral)
    sides = referral_sides(user, referral, by_link=by_link)
    # Neither organisation of the referral, nor its valid link: as unknown.
    if not sides:
        raise Http404(REFERRAL_NOT_FOUND)
    # Steps taken by a member of the receiving organisation are recorded as
    # theirs even when the link is open in the same browser.
    through_account = "receiver" in referral_sides(user, referral)
    return ReferralAccess(
        referral=referral,
        sides=frozenset(sides),
        channel=Channel.ACCOUNT if through_account or not by_link else Channel.LINK,
        show_person=can_see_referred_person(referral, sides),
    )


def access_referral_answer_by_id(
    user: User | AnonymousUser, referral_id: int, *, link_key: str | None = None
) -> ReferralAccess:
    """As access_referral_by_id, for accepting, refusing and recording an
    outcome: the receiving side only. Raises, beyond access_referral_by_id's
    answers, PermissionDenied (REFERRAL_NOT_RECEIVER) for the sending side
    (who knows the referral: no need to hide it)."""
    access = access_referral_by_id(user, referral_id, link_key=link_key)
    # Answering is the receiver's: the sender sees, it does not decide.
    if "receiver" not in access.sides:
        raise PermissionDenied(REFERRAL_NOT_RECEIVER)
    return access


def _is_id(text: str) -> bool:
    """A database id as written in an address (textrules.database_id)."""
    return database_id(text) is not None


def access_refer_to(
    user: User | AnonymousUser, *, structure_id: str = "", offer_id: str = ""
) -> tuple[Structure, Offer | None, list[Organisation]]:
    """Where a referral is to be sent (an offer, else a structure, by the
    ids given in the address, as text), and the organisations on whose
    behalf the user may send it (at least one).

    Raises Http404 (French) for an unknown or missing destination (the
    directory is public: its entries are no secret), PermissionDenied
    (DENIAL_MESSAGES[REFER]) when the user may refer for no organisation of
    the destination's territory."""
    offer = None
    # An offer given: its structure is the destination.
    if _is_id(offer_id):
        offer = Offer.objects.select_related("structure").filter(pk=offer_id).first()
        if offer is None:
            raise Http404("Offre inconnue.")
        structure = offer.structure
    # Neither: the page is opened from the directory, which always gives one.
    elif not _is_id(structure_id):
        raise Http404("Choisissez dans l'annuaire la structure ou l'offre où orienter la personne.")
    else:
        found = Structure.objects.filter(pk=structure_id).first()
        if found is None:
            raise Http404("Structure inconnue.")
        structure = found
    # Only the territory's partners and team refer, for their organisations.
    organisations = (
        referral_sender_organisations(user, structure.territory) if isinstance(user, User) else []
    )
    if not organisations:
        raise PermissionDenied(DENIAL_MESSAGES[Capability.REFER])
    return structure, offer, organisations


def access_referral_statistics_by_siren(user: User, siren: str) -> Territory:
    """The territory whose referral statistics the user may read (its team;
    a superuser). Raises Http404 for an unknown territory (territories are
    public), PermissionDenied (French) otherwise."""
    territory = Territory.objects.filter(siren=siren).first()
    if territory is None:
        raise Http404("Territoire inconnu.")
    return access_referral_statistics(user, territory)
