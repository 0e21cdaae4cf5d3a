"""factory_boy factories for the main models, with traits, in the manner of
les-emplois' tests/job_applications/factories.py.

A factory builds a valid object with as few arguments as the test cares
about: `CampaignFactory(territory=arras, closed=True)` instead of the six
arguments of `campaign_create`. Objects with rules of their own are made
through their domain action (`campaign_create`, `response_submit`,
`directory_import`, `referral_send`), so a factory never stores what the
product would refuse; plain rows (territory, commune, organisation, user,
membership) are written directly.

Dates are relative to the clock when the object is built (`timezone
.localdate()`), so a test that freezes time (time-machine) gets dates around
its frozen day, and the suite holds with `--clock-offset-days`.

A territory from the factory is synthetic (three member communes with
invented INSEE codes in the 99xxx range, which no real commune uses); a test
that needs the real Arras (its communes, map, population) takes the `arras`
fixture of tests/conftest.py and passes it: `CampaignFactory(territory=arras)`.
"""

import datetime
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals import actions as referral_actions
from nonrecours.referrals.enums import ConsentMode
from nonrecours.referrals.models import Referral
from nonrecours.surveys import actions as survey_actions
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Campaign, Response
from nonrecours.territories.enums import EpciKind, Stratum
from nonrecours.territories.models import Commune, Territory
from tests.surveys.test_questionnaire import complete_answers

PASSWORD = "mot-de-passe-de-test"


def _today() -> datetime.date:
    return timezone.localdate()


def _days_from_today(days: int) -> factory.LazyFunction:
    return factory.LazyFunction(lambda: _today() + datetime.timedelta(days=days))


def first_member_code(territory: Territory) -> str:
    """The INSEE code of the territory's first member commune (by name)."""
    return Commune.objects.members_of(territory).values_list("insee_code", flat=True)[0]


# --- territories ---------------------------------------------------------------


class TerritoryFactory(DjangoModelFactory):
    """A synthetic EPCI with three member communes (`communes=0` for none)."""

    class Meta:
        model = Territory
        django_get_or_create = ("siren",)
        skip_postgeneration_save = True

    siren = factory.Sequence(lambda n: f"9{n:08d}")
    name = factory.Sequence(lambda n: f"Communauté d'essai {n}")
    kind = EpciKind.CA
    population = 30_000
    source = "fabrique de test"
    imported_at = factory.LazyFunction(timezone.now)
    communes = factory.RelatedFactoryList(
        "tests.factories.CommuneFactory", factory_related_name="territory", size=3
    )


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    territory = factory.SubFactory(TerritoryFactory, communes=[])
    insee_code = factory.Sequence(lambda n: f"99{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Commune d'essai {n}")
    population = 10_000
    area_km2 = 10.0
    stratum = Stratum.URBAN

    class Params:
        rural = factory.Trait(population=300, area_km2=12.0, stratum=Stratum.RURAL)
        left_the_epci = factory.Trait(is_member=False)


# --- accounts ------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """A person who signs in with PASSWORD (no membership: see MemberFactory)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"personne-{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@exemple.test")
    password = Password(PASSWORD)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("territory", "name")

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.OTHER

    class Params:
        territory_team = factory.Trait(
            kind=OrganisationKind.TERRITORY, name=factory.LazyAttribute(lambda o: o.territory.name)
        )
        caf = factory.Trait(kind=OrganisationKind.CAF, name="CAF du Pas-de-Calais")
        ccas = factory.Trait(kind=OrganisationKind.CCAS, name="CCAS d'Arras")
        france_services = factory.Trait(
            kind=OrganisationKind.FRANCE_SERVICES, name="France Services d'Arras"
        )


class MembershipFactory(DjangoModelFactory):
    """A user's role in an organisation (a partner unless a trait says)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PARTNER

    class Params:
        admin = factory.Trait(role=Role.ADMIN)
        project_lead = factory.Trait(role=Role.PROJECT_LEAD)
        field_agent = factory.Trait(role=Role.FIELD_AGENT)


class MemberFactory(UserFactory):
    """A user with one membership: `MemberFactory(project_lead=True,
    membership__organisation__territory=arras)`."""

    membership = factory.RelatedFactory(MembershipFactory, factory_related_name="user")
    # Declared here too: without it the traits below leave the role empty.
    membership__role = Role.PARTNER

    class Params:
        admin = factory.Trait(membership__role=Role.ADMIN)
        project_lead = factory.Trait(membership__role=Role.PROJECT_LEAD)
        field_agent = factory.Trait(membership__role=Role.FIELD_AGENT)


# --- surveys -------------------------------------------------------------------


class CampaignFactory(DjangoModelFactory):
    """A campaign made by `surveys.actions.campaign_create`: open (from
    yesterday to 30 days from now) online, on the core questionnaire."""

    class Meta:
        model = Campaign

    territory = factory.SubFactory(TerritoryFactory)
    slug = factory.Sequence(lambda n: f"vague-{n}")
    name = factory.Sequence(lambda n: f"Baromètre {n}")
    starts_on = _days_from_today(-1)
    ends_on = _days_from_today(30)
    channels = factory.LazyFunction(lambda: [Channel.ONLINE])
    questionnaire = None
    commune_targets = None
    stratum_targets = None
    is_synthetic = False

    class Params:
        door_to_door = factory.Trait(channels=factory.LazyFunction(lambda: [Channel.DOOR_TO_DOOR]))
        imported = factory.Trait(channels=factory.LazyFunction(lambda: [Channel.IMPORT]))
        closed = factory.Trait(starts_on=_days_from_today(-60), ends_on=_days_from_today(-1))
        future = factory.Trait(starts_on=_days_from_today(10), ends_on=_days_from_today(40))
        synthetic = factory.Trait(is_synthetic=True)

    @classmethod
    def _create(cls, model_class: type[Campaign], *args: Any, **kwargs: Any) -> Campaign:
        return survey_actions.campaign_create(**kwargs)


class ResponseFactory(DjangoModelFactory):
    """An answer stored by `surveys.actions.response_submit` (complete
    answers of the core questionnaire, living in the campaign territory's
    first member commune). `answers__sexe="homme"`-style overrides go
    through `answers=complete_answers(sexe="homme", commune=…)`."""

    class Meta:
        model = Response

    campaign = factory.SubFactory(CampaignFactory)
    channel = Channel.ONLINE
    idempotency_key = factory.Sequence(lambda n: f"cle-{n}")
    answers = factory.LazyAttribute(
        lambda r: complete_answers(commune=first_member_code(r.campaign.territory))
    )
    agent = None
    submitted_at = None

    class Params:
        door_to_door = factory.Trait(
            channel=Channel.DOOR_TO_DOOR,
            agent=factory.LazyAttribute(
                lambda r: MemberFactory(
                    field_agent=True, membership__organisation__territory=r.campaign.territory
                )
            ),
        )

    @classmethod
    def _create(cls, model_class: type[Response], *args: Any, **kwargs: Any) -> Response:
        response, _ = survey_actions.response_submit(**kwargs)
        return response


# --- directory -----------------------------------------------------------------


def structure_record(**overrides: Any) -> dict[str, Any]:
    """A data·inclusion structure record (v1) that the import accepts."""
    record = {
        "source": "nonrecours",
        "id": "nonrecours--structure",
        "nom": "Structure d'essai",
        "date_maj": _today().isoformat(),
        "code_insee": "62041",
        "commune": "Arras",
        "code_postal": "62000",
        "adresse": "1 place Guy Mollet",
        "courriel": "accueil@structure.example",
    }
    return {**record, **overrides}


def offer_record(**overrides: Any) -> dict[str, Any]:
    """A data·inclusion service record (v1) that the import accepts."""
    record = {
        "source": "nonrecours",
        "structure_id": "nonrecours--structure",
        "id": "nonrecours--structure--acces-droits",
        "nom": "Accompagnement à l'accès aux droits",
        "description": "Un travailleur social vous reçoit pour faire le point sur vos droits.",
        "date_maj": _today().isoformat(),
        "type": "accompagnement",
        "thematiques": [
            "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"
        ],
        "publics": ["tous-publics"],
        "zone_eligibilite": ["62041"],
    }
    return {**record, **overrides}


class StructureFactory(DjangoModelFactory):
    """A directory structure imported by `directory.imports.directory_import`
    (so with what the import derives: place, search tags). Its commune is
    the territory's first member commune unless `insee_code` says."""

    class Meta:
        model = Structure

    territory = factory.SubFactory(TerritoryFactory)
    di_id = factory.Sequence(lambda n: f"nonrecours--structure-{n}")
    name = factory.Sequence(lambda n: f"Structure {n}")
    insee_code = factory.LazyAttribute(lambda s: first_member_code(s.territory))

    @classmethod
    def _create(cls, model_class: type[Structure], *args: Any, **kwargs: Any) -> Structure:
        territory = kwargs["territory"]
        record = structure_record(
            id=kwargs["di_id"],
            nom=kwargs["name"],
            code_insee=kwargs["insee_code"],
            commune=Commune.objects.get(insee_code=kwargs["insee_code"]).name,
        )
        directory_imports.directory_import(records=[record], territory=territory)
        return Structure.objects.get(di_id=kwargs["di_id"])


class OfferFactory(DjangoModelFactory):
    """A service of a structure, imported with it (see StructureFactory)."""

    class Meta:
        model = Offer

    structure = factory.SubFactory(StructureFactory)
    di_id = factory.Sequence(lambda n: f"nonrecours--offre-{n}")
    name = "Accompagnement à l'accès aux droits"

    @classmethod
    def _create(cls, model_class: type[Offer], *args: Any, **kwargs: Any) -> Offer:
        structure: Structure = kwargs["structure"]
        record = offer_record(
            id=kwargs["di_id"],
            structure_id=structure.di_id,
            nom=kwargs["name"],
            zone_eligibilite=[structure.insee_code],
        )
        directory_imports.directory_import(
            records=[structure.record, record], territory=structure.territory
        )
        return Offer.objects.get(di_id=kwargs["di_id"])


# --- referrals -----------------------------------------------------------------


class ReferralFactory(DjangoModelFactory):
    """A referral sent by `referrals.actions.referral_send`: a partner of a
    France Services sends Camille Martin, with oral consent, to an offer of
    a structure of the same territory."""

    class Meta:
        model = Referral

    territory = factory.SubFactory(TerritoryFactory)
    sender_organisation = factory.SubFactory(
        OrganisationFactory, territory=factory.SelfAttribute("..territory"), france_services=True
    )
    sender = factory.LazyAttribute(
        lambda r: MembershipFactory(organisation=r.sender_organisation).user
    )
    structure = factory.SubFactory(StructureFactory, territory=factory.SelfAttribute("..territory"))
    offer = factory.SubFactory(OfferFactory, structure=factory.SelfAttribute("..structure"))
    person = factory.LazyAttribute(
        lambda r: referral_actions.Person(
            first_name="Camille",
            last_name="Martin",
            phone="06 12 34 56 78",
            commune=first_member_code(r.territory),
            age_band="25_34",
            message="Souhaite faire le point sur le RSA.",
        )
    )
    consent = True
    consent_mode = ConsentMode.ORAL

    class Params:
        to_structure = factory.Trait(offer=None)

    @classmethod
    def _create(cls, model_class: type[Referral], *args: Any, **kwargs: Any) -> Referral:
        return referral_actions.referral_send(**kwargs)
