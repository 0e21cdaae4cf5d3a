"""What every page's template knows about the person: the main menu's items."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from nonrecours.accounts import access, queries
from nonrecours.accounts.enums import Capability
from nonrecours.accounts.models import User


@dataclass(frozen=True)
class Menu:
    """The menu items a signed-in person may use (each one opens a page that
    does not refuse them)."""

    workspace: bool = False  # « Mon espace »: the territory team's follow-up
    referrals: bool = False  # « Orientations »
    collection: bool = False  # « Collecte »
    bus_log: bool = False  # « Journal du bus »
    training: str = ""  # « Formation »: the SIREN of the territory whose training the user runs
    back_office: bool = False  # « Administration »


def menu_for(user: User | AnonymousUser) -> Menu:
    """The items, from the access rules: « Orientations » for whoever
    handles referrals for an organisation (access.referral_organisations,
    as the referrals' list), « Collecte » for whoever may collect on a
    territory (Capability.COLLECT, as access_territory_collect), « Journal
    du bus » for whoever may note the bus's activity on a territory
    (Capability.LOG_OUTREACH, as outreach.access.access_outreach_log),
    « Formation » for whoever runs a territory's training (Capability.RUN_TRAINING,
    as training.access.access_training: the first such territory by name),
    « Administration » for the back-office's users
    (access.can_use_back_office), « Mon espace » for a territory's team
    (accounts.queries.landing_for). Nothing for anonymous or inactive users."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return Menu()
    territories = list(queries.member_territories(user))
    collection = user.is_superuser or any(
        access.has_capability(user, territory, Capability.COLLECT) for territory in territories
    )
    bus_log = user.is_superuser or any(
        access.has_capability(user, territory, Capability.LOG_OUTREACH) for territory in territories
    )
    training = next(
        (t.siren for t in territories if access.has_capability(user, t, Capability.RUN_TRAINING)),
        "",
    )
    return Menu(
        training=training,
        workspace=queries.landing_for(user).page == queries.LandingPage.TERRITORY_TEAM,
        referrals=bool(access.referral_organisations(user)),
        collection=collection,
        bus_log=bus_log,
        back_office=access.can_use_back_office(user),
    )


def menu(request: HttpRequest) -> dict[str, object]:
    """Context processor: ``menu`` (a Menu), computed at most once per
    request, and only when a template reads it."""
    return {"menu": SimpleLazyObject(lambda: menu_for(request.user))}
