import pytest
from django.utils import timezone

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.directory import actions as directory_actions
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals import actions
from nonrecours.referrals.enums import ConsentMode
from nonrecours.referrals.models import Referral

TODAY = timezone.localdate().isoformat()
STRUCTURE = {
    "source": "nonrecours", "id": "nonrecours--ccas-arras", "nom": "CCAS d'Arras",
    "date_maj": TODAY, "code_insee": "62041", "commune": "Arras", "code_postal": "62000",
    "adresse": "1 place Guy Mollet", "courriel": "accueil@ccas-arras.example",
}  # fmt: skip
OFFER = {
    "source": "nonrecours", "structure_id": "nonrecours--ccas-arras",
    "id": "nonrecours--ccas-arras--acces-droits", "nom": "Accompagnement à l'accès aux droits",
    "description": "Un travailleur social vous reçoit pour faire le point sur vos droits.",
    "date_maj": TODAY, "type": "accompagnement",
    "thematiques": [
        "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"
    ],
    "publics": ["tous-publics"], "zone_eligibilite": ["62041"],
}  # fmt: skip
PERSON = actions.Person(
    first_name="Camille", last_name="Martin", phone="06 12 34 56 78", commune="62041",
    age_band="25_34", message="Souhaite faire le point sur le RSA.",
)  # fmt: skip


def member(territory, organisation_name, role, kind=OrganisationKind.OTHER, **fields) -> User:
    organisation, _ = Organisation.objects.get_or_create(
        territory=territory, name=organisation_name, defaults={"kind": kind}
    )
    user = User.objects.create_user(
        username=f"{organisation_name}-{role}-{User.objects.count()}",
        password="mot-de-passe-de-test",
        **fields,
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def directory(arras) -> tuple[Structure, Offer]:
    directory_actions.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    return Structure.objects.get(), Offer.objects.get()


@pytest.fixture
def sender(arras) -> User:
    return member(arras, "France Services d'Arras", Role.PARTNER, email="agent@fs.example")


@pytest.fixture
def receiver(arras, directory) -> User:
    """A CCAS professional with an account: the structure is attached to the CCAS."""
    user = member(arras, "CCAS d'Arras", Role.PARTNER, email="pro@ccas.example")
    directory_actions.structure_attach(
        structure=directory[0], organisation=user.memberships.get().organisation
    )
    return user


@pytest.fixture
def send(arras, directory, sender):
    """send(**overrides) -> a referral from France Services to the CCAS offer."""

    def make(**overrides) -> Referral:
        structure, offer = directory
        arguments = {
            "territory": arras,
            "sender": sender,
            "sender_organisation": sender.memberships.get().organisation,
            "structure": structure,
            "offer": offer,
            "person": PERSON,
            "consent": True,
            "consent_mode": ConsentMode.ORAL,
            **overrides,
        }
        return actions.referral_send(**arguments)

    return make


@pytest.fixture(autouse=True)
def no_failed_email(request):
    """An e-mail that fails is recorded, not raised: a broken template would
    go unnoticed, so every test here checks none failed."""
    yield
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        from nonrecours.referrals.enums import EventKind
        from nonrecours.referrals.models import Event

        failed = list(
            Event.objects.filter(kind=EventKind.NOTIFY_FAILED).values_list("detail", flat=True)
        )
        assert failed == [], failed
