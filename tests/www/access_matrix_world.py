"""Two territories on one instance, each with everything its pages show:
a team in every role, partner organisations, campaigns (open, closed,
published), a directory, referrals sent and received, the bus (stops,
calendar, activity), training (personas, a game session, events),
evaluation (a call-back chain, a follow-up, the yearly report's entries,
an imported bundle) and invitations. Built with the products' own actions
(the demonstration creators where there is one, as `nonrecours setup`
runs them), so every object is one the product would make.

`world_build(territory, label)` returns a `World`: the objects whose ids,
slugs and tokens fill the URLs of tests/www/test_access_matrix.py, the
users by role, and the French words only this territory's private pages
show (``secrets``: a page of the other territory that shows one of them
leaks)."""

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from nonrecours.accounts import actions as account_actions
from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Invitation, Membership, Organisation, User
from nonrecours.directory import actions as directory_actions
from nonrecours.directory.imports import directory_import
from nonrecours.directory.models import Offer, Structure
from nonrecours.directory.town_halls import directory_prefill_town_halls
from nonrecours.evaluation import bundles_actions
from nonrecours.evaluation.bundle_models import ExternalBundle
from nonrecours.evaluation.bundles_format import bundle_json, bundle_of
from nonrecours.evaluation.chain_actions import chain_open
from nonrecours.evaluation.chain_models import Chain
from nonrecours.evaluation.demo import evaluation_demo_create
from nonrecours.evaluation.followup_actions import followup_create
from nonrecours.evaluation.followup_models import FollowUp
from nonrecours.evaluation.followup_sending import link_token as followup_link_token
from nonrecours.events.demo import TRAINING_TITLE, events_demo_create
from nonrecours.events.models import Event, Registration
from nonrecours.outreach.demo import outreach_demo_create
from nonrecours.outreach.models import BusCalendar, BusVisit, Stop
from nonrecours.outreach.publishing import calendar_publish
from nonrecours.referrals import actions as referral_actions
from nonrecours.referrals.enums import ConsentMode
from nonrecours.referrals.models import Referral
from nonrecours.referrals.notifications import link_token as referral_link_token
from nonrecours.rights.actions import simulation_save
from nonrecours.surveys import actions as survey_actions
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Campaign, Contact, Publication
from nonrecours.surveys.publication import campaign_publish
from nonrecours.territories.models import Territory
from nonrecours.training.actions import personas_import
from nonrecours.training.demo import game_demo_create
from nonrecours.training.game_models import GameSession
from nonrecours.training.personas import ARRAS_PERSONAS
from nonrecours.training.queries import current_persona_versions
from tests.factories import PASSWORD, first_member_code
from tests.surveys.test_questionnaire import complete_answers

# The roles of accounts.enums.Role, plus the two ways of holding none.
ANONYMOUS = "anonyme"
STRANGER = "sans_role"
ROLES: tuple[str, ...] = tuple(Role.values)
VIEWERS: tuple[str, ...] = (ANONYMOUS, STRANGER, *ROLES)


@dataclass
class World:
    """One territory and its objects (see the module's docstring)."""

    label: str
    territory: Territory
    users: dict[str, User]
    team: Organisation
    partner_organisation: Organisation
    structure: Structure  # attached to the partner organisation: it receives
    offer: Offer
    other_structure: Structure  # where the partner sends
    other_offer: Offer
    referral_sent: Referral
    referral_received: Referral
    open_campaign: Campaign
    published_campaign: Campaign
    stop: Stop
    published_stop: Stop  # of the published calendar
    calendar: BusCalendar
    visit: BusVisit
    persona_key: str
    persona_number: int
    game: GameSession
    event: Event
    registration: Registration
    invitation: Invitation
    invitation_token: str
    chain: Chain
    follow_up: FollowUp
    simulation_code: str = ""
    bundle: ExternalBundle | None = None
    secrets: list[str] = field(default_factory=list)

    @property
    def siren(self) -> str:
        return self.territory.siren

    @property
    def commune(self) -> str:
        return first_member_code(self.territory)

    def tokens(self) -> dict[str, str]:
        """The secret links of this territory's objects, by kind."""
        team = self.game.teams.order_by("pk").first()
        table = self.game.tables.order_by("pk").first()
        assert team is not None and table is not None
        return {
            "referral": referral_link_token(self.referral_received),
            "invitation": self.invitation_token,
            "game_team": team.token,
            "game_table": table.token,
            "followup": followup_link_token(self.follow_up, 1),
            "chain": self.chain.token,
            "registration": self.event.registration_token,
            "quiz": self.event.quiz_token,
        }


def _member(username: str, organisation: Organisation, role: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@exemple.test"
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def _structure(territory: Territory, key: str, name: str) -> tuple[Structure, Offer]:
    """A structure of the territory with one offer, imported as the
    directory's import does."""
    commune = territory.communes.members().order_by("name").first()
    assert commune is not None
    structure_id = f"nonrecours--{key}"
    record = {
        "source": "nonrecours", "id": structure_id, "nom": name,
        "date_maj": timezone.localdate().isoformat(), "code_insee": commune.insee_code,
        "commune": commune.name, "code_postal": "62000", "adresse": "1 place de la Mairie",
        "courriel": f"accueil@{key}.example",
    }  # fmt: skip
    offer = {
        "source": "nonrecours", "structure_id": structure_id, "id": f"{structure_id}--droits",
        "nom": f"Accès aux droits ({name})",
        "description": "Un travailleur social vous reçoit pour faire le point sur vos droits.",
        "date_maj": timezone.localdate().isoformat(), "type": "accompagnement",
        "thematiques": [
            "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"
        ],
        "publics": ["tous-publics"], "zone_eligibilite": [commune.insee_code],
    }  # fmt: skip
    directory_import(records=[record, offer], territory=territory)
    found = Structure.objects.get(di_id=structure_id)
    return found, Offer.objects.get(di_id=f"{structure_id}--droits")


def _referral(
    world_label: str,
    territory: Territory,
    sender: User,
    organisation: Organisation,
    structure: Structure,
    offer: Offer,
    last_name: str,
) -> Referral:
    return referral_actions.referral_send(
        territory=territory,
        sender=sender,
        sender_organisation=organisation,
        structure=structure,
        offer=offer,
        person=referral_actions.Person(
            first_name="Dominique",
            last_name=last_name,
            phone="06 12 34 56 78",
            commune=first_member_code(territory),
            age_band="25_34",
            message=f"Souhaite faire le point sur le RSA ({world_label}).",
        ),
        consent=True,
        consent_mode=ConsentMode.ORAL,
    )


def personas_for(territory: Territory, folder: Path) -> Path:
    """The shipped personas of Arras, moved to ``territory``'s first member
    commune (written in ``folder``), for a territory other than Arras."""
    commune = first_member_code(territory)
    for path in ARRAS_PERSONAS.glob("*.yaml"):
        text = re.sub(
            r'^commune: "\d{5}".*$', f'commune: "{commune}"', path.read_text(), flags=re.M
        )
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def world_build(territory: Territory, label: str, *, personas: Path = ARRAS_PERSONAS) -> World:
    """Everything of one territory (see the module's docstring). ``label``
    (« arras », « lens ») makes usernames, slugs and names unique on the
    instance; ``personas``: the folder of the territory's personas
    (personas_for). The territory's bundle comes from world_bundle_import."""
    today = timezone.localdate()
    team = Organisation.objects.create(
        territory=territory, name=f"Équipe {label}", kind=OrganisationKind.TERRITORY
    )
    partner_organisation = Organisation.objects.create(
        territory=territory, name=f"France Services {label}", kind=OrganisationKind.FRANCE_SERVICES
    )
    association = Organisation.objects.create(
        territory=territory, name=f"Association {label}", kind=OrganisationKind.ASSOCIATION
    )
    users = {
        role: _member(
            f"{label}-{role}", partner_organisation if role == Role.PARTNER else team, role
        )
        for role in ROLES
    }
    association_partner = _member(f"{label}-association", association, Role.PARTNER)

    # Directory: the town halls, the partner's structure (it receives) and another.
    directory_prefill_town_halls(territory=territory)
    structure, offer = _structure(territory, f"fs-{label}", f"France Services {label}")
    directory_actions.structure_attach(structure=structure, organisation=partner_organisation)
    other_structure, other_offer = _structure(territory, f"ccas-{label}", f"CCAS {label}")

    # Referrals: one sent by the partner, one it receives.
    secret_sent = f"Envoyee{label.capitalize()}"
    secret_received = f"Recue{label.capitalize()}"
    referral_sent = _referral(
        label, territory, users[Role.PARTNER], partner_organisation, other_structure,
        other_offer, secret_sent,
    )  # fmt: skip
    referral_received = _referral(
        label, territory, association_partner, association, structure, offer, secret_received
    )

    # Campaigns: the demonstration's, over and published; an open one with
    # a call-back request (the chain's).
    published_campaign, _ = survey_actions.demo_campaign_create(
        territory=territory, responses=300, seed=7, slug=f"demo-{label}"
    )
    campaign_publish(campaign=published_campaign, user=None)
    open_campaign = survey_actions.campaign_create(
        territory=territory,
        slug=f"vague-ouverte-{label}",
        name=f"Baromètre en cours {label}",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=30),
        channels=[Channel.ONLINE, Channel.DOOR_TO_DOOR],
    )
    survey_actions.response_submit(
        campaign=open_campaign,
        answers=complete_answers(
            commune=first_member_code(territory),
            consentement_recontact="oui",
            contact_telephone="0612345678",
        ),
        channel=Channel.DOOR_TO_DOOR,
        idempotency_key=f"rappel-{label}",
    )
    contact = Contact.objects.filter(campaign=open_campaign).get()
    chain = chain_open(contact=contact, user=users[Role.PROJECT_LEAD])

    # The bus: the demonstration's calendar, its stops and activity.
    outreach_demo_create(territory=territory, today=today)
    calendar = BusCalendar.objects.filter(territory=territory).order_by("pk").first()
    assert calendar is not None
    visit = BusVisit.objects.filter(calendar=calendar).order_by("day", "pk").first()
    stop = Stop.objects.filter(territory=territory).order_by("pk").first()
    assert visit is not None and stop is not None
    published_stop = _published_calendar(territory, label, today)
    # An answer of the running wave where the bus stops too: the waves'
    # comparison (difference in differences) has both groups.
    survey_actions.response_submit(
        campaign=open_campaign,
        answers=complete_answers(commune=published_stop.commune.insee_code),
        channel=Channel.ONLINE,
        idempotency_key=f"bus-{label}",
    )

    # Training: the personas, a game session, the events.
    personas_import(territory, personas)
    game = game_demo_create(territory=territory, today=today)
    assert game is not None
    persona = current_persona_versions(territory)[0]
    events_demo_create(territory=territory, today=today)
    event = Event.objects.filter(territory=territory, title=TRAINING_TITLE).first()
    assert event is not None
    registration = Registration.objects.filter(event=event).order_by("pk").first()
    assert registration is not None

    # Evaluation: the yearly report's entries, a follow-up, a bundle.
    evaluation_demo_create(territory=territory, today=today)
    follow_up = followup_create(
        territory=territory,
        commune_code=first_member_code(territory),
        benefits=[("rsa", 573.49)],
        email=f"suivi-{label}@exemple.test",
        phone="",
        consent=True,
        nonce=f"suivi-{label}",
    )

    kept = simulation_save(situation=_situation(territory), territory=territory, consent=True)

    invitation_email = f"invitee-{label}@exemple.test"
    invitation = account_actions.invitation_create(
        invited_by=users[Role.ADMIN],
        email=invitation_email,
        organisation=partner_organisation,
        role=Role.PARTNER,
    )
    invitation_token = _invitation_token(invitation)

    return World(
        label=label,
        territory=territory,
        users=users,
        team=team,
        partner_organisation=partner_organisation,
        structure=structure,
        offer=offer,
        other_structure=other_structure,
        other_offer=other_offer,
        referral_sent=referral_sent,
        referral_received=referral_received,
        open_campaign=open_campaign,
        published_campaign=published_campaign,
        stop=stop,
        published_stop=published_stop,
        calendar=calendar,
        visit=visit,
        persona_key=persona.persona.key,
        persona_number=persona.number,
        game=game,
        event=event,
        registration=registration,
        invitation=invitation,
        invitation_token=invitation_token,
        chain=chain,
        follow_up=follow_up,
        simulation_code=kept.code,
        secrets=[
            secret_sent,
            secret_received,
            invitation_email,
            open_campaign.name,
            team.name,
            association.name,
            f"Calendrier publié {label}",
        ],
    )


def _situation(territory: Territory) -> dict[str, Any]:
    """A simulated household (a retired person housed for free)."""
    return {
        "mois": "2026-11",
        "commune": first_member_code(territory),
        "logement": {"statut": "loge_gratuitement"},
        "personnes": [{"role": "demandeur", "naissance": "1962-05-15", "activite": "inactif"}],
    }


def _published_calendar(territory: Territory, label: str, today: datetime.date) -> Stop:
    """A calendar of the bus published to residents (the demonstration's
    never is): its first stop, on Tuesdays of the coming weeks."""
    monday = today - datetime.timedelta(days=today.weekday())
    calendar = BusCalendar.objects.create(
        territory=territory, name=f"Calendrier publié {label}", start=monday, weeks=8,
        problem={}, status="optimal", objective=0, coverage=0,
    )  # fmt: skip
    stops = Stop.objects.filter(territory=territory, kind="mairie")
    stops = stops.order_by("-commune__population", "pk")
    # The largest commune (where the demonstration's wave has answers), not
    # the one of the running wave's first answer (see world_build): the
    # waves' comparison then has answers in both of its groups.
    stop = stops.exclude(commune__insee_code=first_member_code(territory)).first()
    assert stop is not None
    for week in range(1, 4):
        BusVisit.objects.create(
            calendar=calendar, stop=stop, stop_key=stop.commune.insee_code,
            day=monday + datetime.timedelta(days=7 * week + 1), half_day="matin",
        )  # fmt: skip
    calendar_publish(calendar=calendar, user=None, today=today)
    return stop


def world_bundle_import(world: World, source: World) -> None:
    """Import into ``world``'s comparison the bundle of ``source``'s
    published wave, as if a territory of another instance had published it
    (a bundle of a territory of this instance is refused)."""
    publication = Publication.objects.get(campaign=source.published_campaign)
    bundle = json.loads(bundle_json(bundle_of(publication)))
    bundle["territoire"] = {"siren": "200000001", "nom": "Territoire d'une autre instance"}
    bundles_actions.bundle_import(
        territory=world.territory,
        data=json.dumps(bundle, ensure_ascii=False).encode("utf-8"),
        filename="autre-instance.json",
    )
    world.bundle = ExternalBundle.objects.get(territory=world.territory)


def _invitation_token(invitation: Invitation) -> str:
    """A fresh link for the invitation (the one mailed is not kept, only
    its hash), as a resend gives."""
    token = account_actions._new_token(invitation, timezone.now())
    invitation.save()
    return token
