import pytest

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.territories import actions
from nonrecours.territories.models import Territory

ARRAS_SIREN = "200033579"
LENS_SIREN = "246200364"


@pytest.fixture
def arras(db: None) -> Territory:
    return actions.territory_import(siren=ARRAS_SIREN).territory


@pytest.fixture
def make_member(db: None):
    """make_member(territory, role) -> a user with that role on the territory."""
    counter = iter(range(1, 10_000))

    def make(territory: Territory, role: Role | None, **user_fields: object) -> User:
        n = next(counter)
        user = User.objects.create_user(
            username=f"personne{n}", password="mot-de-passe-de-test", **user_fields
        )
        if role is not None:
            organisation, _ = Organisation.objects.get_or_create(
                territory=territory, name=f"Organisation {role}", kind=OrganisationKind.OTHER
            )
            Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    return make
