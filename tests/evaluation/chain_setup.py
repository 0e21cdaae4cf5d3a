"""What the chain's tests share: a campaign of Arras, a respondent who asks
to be called back after answering the situation questions, the team
member who calls, and the CCAS that receives the referrals."""

import datetime

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.directory import actions as directory_actions
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals.actions import Person
from nonrecours.referrals.enums import ConsentMode
from nonrecours.surveys import actions as survey_actions
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Campaign, Contact
from nonrecours.territories.models import Territory
from tests.surveys.test_questionnaire import complete_answers

# A lone parent looking for work, one child of 3 to 10, 450 € of rent
# charges comprises, no income (tests/surveys/test_eligibility.py).
SITUATION_ANSWERS = {
    "tranche_age": "35_44", "type_foyer": "monoparental", "activite": "recherche_emploi",
    "logement_statut": "locataire_prive", "loyer": 450, "enfants_3_10": 1,
    "revenus_foyer": 0, "handicap_reconnu": "non",
}  # fmt: skip
PHONE = "0612345678"
TODAY = "2026-11-01"
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
PERSON = Person(
    first_name="Camille", last_name="Martin", phone="06 12 34 56 78", commune="62041",
    age_band="35_44", message="Rappel du baromètre.",
)  # fmt: skip


def member(territory: Territory, organisation_name: str, role: Role, **fields: object) -> User:
    organisation, _ = Organisation.objects.get_or_create(
        territory=territory, name=organisation_name, defaults={"kind": OrganisationKind.OTHER}
    )
    user = User.objects.create_user(
        username=f"{organisation_name}-{role}-{User.objects.count()}",
        password="mot-de-passe-de-test",
        **fields,
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def campaign_of(territory: Territory) -> Campaign:
    return survey_actions.campaign_create(
        territory=territory,
        slug="vague-2026",
        name="Baromètre 2026",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 11, 30),
        channels=[Channel.ONLINE, Channel.DOOR_TO_DOOR],
    )


def call_back_request(
    campaign: Campaign, key: str, *, situation: bool = True, **answers
) -> Contact:
    """A respondent of Arras (62041) who asks to be called back; with the
    situation questions answered unless ``situation`` is False."""
    survey_actions.response_submit(
        campaign=campaign,
        answers=complete_answers(
            consentement_recontact="oui",
            contact_telephone=PHONE,
            **(SITUATION_ANSWERS if situation else {}),
            **answers,
        ),
        channel=Channel.DOOR_TO_DOOR,
        idempotency_key=key,
    )
    return Contact.objects.order_by("-pk").first()  # type: ignore[return-value]


def directory_of(territory: Territory) -> tuple[Structure, Offer]:
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=territory)
    return Structure.objects.get(), Offer.objects.get()


def ccas_receiver(territory: Territory, structure: Structure) -> User:
    user = member(territory, "CCAS d'Arras", Role.PARTNER, email="pro@ccas.example")
    directory_actions.structure_attach(
        structure=structure, organisation=user.memberships.get().organisation
    )
    return user


def send_arguments(
    territory: Territory, sender: User, structure: Structure, offer: Offer
) -> dict[str, object]:
    return {
        "territory": territory,
        "sender": sender,
        "sender_organisation": sender.memberships.get().organisation,
        "structure": structure,
        "offer": offer,
        "person": PERSON,
        "consent": True,
        "consent_mode": ConsentMode.PHONE,
    }
