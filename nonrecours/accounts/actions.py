"""Writes on users, organisations and memberships."""

from django.db import transaction

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.territories.models import Territory


def organisation_get_or_create(
    *, territory: Territory, name: str, kind: OrganisationKind
) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        territory=territory, name=name, defaults={"kind": kind}
    )
    return organisation


def membership_grant(*, user: User, organisation: Organisation, role: Role) -> Membership:
    """Give the user a role on the organisation's territory (updates an existing one)."""
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return membership


@transaction.atomic
def local_admin_ensure(*, territory: Territory, username: str, password: str) -> tuple[User, bool]:
    """The local superuser of a fresh installation, administrator of the territory.

    Returns the user and whether it was created now. An existing account keeps
    its password.
    """
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User.objects.create_superuser(username=username, email="", password=password)
    organisation = organisation_get_or_create(
        territory=territory, name=territory.name, kind=OrganisationKind.TERRITORY
    )
    membership_grant(user=user, organisation=organisation, role=Role.ADMIN)
    return user, created
