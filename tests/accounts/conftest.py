import pytest
from django_otp.oath import totp

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User

PASSWORD = "mot-de-passe-de-test"
GOOD_PASSWORD = "Sept lapins verts 2026"


def code_for(key: str, offset_steps: int = 0) -> str:
    """The TOTP code an authenticator application shows now for this secret
    (``offset_steps`` × 30 s later)."""
    return f"{totp(bytes.fromhex(key), drift=offset_steps):06d}"


@pytest.fixture
def caf(arras) -> Organisation:
    return Organisation.objects.create(
        territory=arras, name="CAF du Pas-de-Calais", kind=OrganisationKind.CAF
    )


@pytest.fixture
def team(arras) -> Organisation:
    return Organisation.objects.create(
        territory=arras, name="Communauté urbaine d'Arras", kind=OrganisationKind.TERRITORY
    )


def member(organisation: Organisation, role: Role | None, username: str, **fields: object) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    if role is not None:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def lead(team) -> User:
    return member(team, Role.PROJECT_LEAD, "cheffe", email="cheffe@arras.example")


@pytest.fixture
def admin(team) -> User:
    return member(team, Role.ADMIN, "admin-arras", email="admin@arras.example")
