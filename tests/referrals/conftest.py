import datetime

import pytest
import time_machine
from django.utils import timezone

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.directory import actions as directory_actions
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals import actions
from nonrecours.referrals.enums import Channel, ConsentMode, OutcomeKind, RefusalReason
from nonrecours.referrals.models import Referral, Scheme

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
# The statistics' referrals are sent on this day (a calendar year's, 2026).
START = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
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
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
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


@pytest.fixture
def dataset(arras, send, receiver):
    """51 referrals: France Services 30 (25 accepted with RSA opened, 5
    refused), Mission locale 12 (unanswered), CAF 5 and CCAS 4 (accepted,
    person not reached), answered 2 days after sending."""
    scheme = Scheme.objects.create(territory=arras, name="Pass santé jeunes")
    senders = {
        name: member(arras, name, Role.PARTNER)
        for name in ("Mission locale", '=HYPERLINK("x")', "CCAS de quartier")
    }

    def many(count, user=None, answer=None, outcome=None, **overrides):
        for _ in range(count):
            extra = (
                {"sender": user, "sender_organisation": user.memberships.get().organisation}
                if user
                else {}
            )
            with time_machine.travel(START, tick=False):
                referral = send(**extra, **overrides)
            if answer is None:
                continue
            with time_machine.travel(START + datetime.timedelta(days=2), tick=False):
                actions.referral_answer(
                    referral,
                    accept=answer,
                    reason=RefusalReason.FULL,
                    user=receiver,
                    via=Channel.ACCOUNT,
                )
                if outcome:
                    actions.referral_record_outcome(
                        referral, user=receiver, via=Channel.ACCOUNT, **outcome
                    )

    rsa = {"kind": OutcomeKind.RIGHT_OPENED, "benefit": "rsa", "monthly_amount": "500"}
    many(25, answer=True, outcome=rsa, scheme=scheme)
    many(5, answer=False)
    many(12, senders["Mission locale"])
    many(5, senders['=HYPERLINK("x")'], answer=True, outcome={"kind": OutcomeKind.NOT_REACHED})
    many(4, senders["CCAS de quartier"], answer=True, outcome={"kind": OutcomeKind.NOT_REACHED})
    return arras


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
