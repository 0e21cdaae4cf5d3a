"""The access matrix: every URL name of nonrecours/www/urls.py, how its
kwargs are filled from a territory's objects (tests/www/access_matrix_world
.py), and who may see it. tests/www/test_access_matrix.py walks it, and
fails when a URL of the resolver is missing here: a new page is added here,
on purpose, with who may see it.

Kinds of page:

- ``Page(roles=…)``: the territory's own, for those roles of its team (the
  others, of any territory, get 403 or 404; anonymous people the login);
- ``public(…)``: anyone, signed in or not, on purpose (published pages,
  the simulator, the online questionnaire, the bus's pages…);
- ``link(…)``: whoever holds the secret link (a token in the URL) acts
  with it: the secret is the permission (a referral's e-mailed link, a
  game team's page, an invitation…);
- ``mine(…)``: a page without an object in its URL; it shows each person
  what is theirs, never another territory's (its private words must not
  appear: World.secrets).
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from nonrecours.accounts.enums import Role
from tests.www.access_matrix_world import World

Fill = Callable[[World], dict[str, Any]]

ADMIN, LEAD, AGENT, PARTNER, TRAINER = (
    Role.ADMIN.value,
    Role.PROJECT_LEAD.value,
    Role.FIELD_AGENT.value,
    Role.PARTNER.value,
    Role.TRAINER.value,
)
EVERY_ROLE = frozenset({ADMIN, LEAD, AGENT, PARTNER, TRAINER})
TEAM = frozenset({ADMIN, LEAD})
AGGREGATES = frozenset({ADMIN, LEAD, PARTNER})
COLLECTORS = frozenset({ADMIN, LEAD, AGENT})
TRAINERS = frozenset({ADMIN, LEAD, TRAINER})
REFERRERS = frozenset({ADMIN, LEAD, PARTNER})


def _none(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Page:
    """One URL name of the matrix (see the module's docstring). ``ok``:
    the status of a normal answer to GET; ``data``: the body of the POST
    that would change the object (empty: the form's own refusal or the
    action without fields)."""

    fill: Fill = _none
    roles: frozenset[str] = frozenset()
    kind: str = "roles"
    ok: int = 200
    data: dict[str, Any] = field(default_factory=dict)
    why: str = ""
    # Whether the URL's other kwargs name one territory's object, so that
    # the other territory's SIREN with them must be refused (not a year,
    # nor a persona's key, which every territory may have).
    mixed: bool = True


def public(fill: Fill = _none, why: str = "", ok: int = 200) -> Page:
    return Page(fill=fill, kind="public", ok=ok, why=why)


def link(fill: Fill, why: str, ok: int = 200) -> Page:
    return Page(fill=fill, kind="link", ok=ok, why=why)


def mine(why: str) -> Page:
    return Page(kind="mine", why=why)


def siren(world: World) -> dict[str, Any]:
    return {"siren": world.siren}


def with_siren(**more: Callable[[World], Any]) -> Fill:
    def fill(world: World) -> dict[str, Any]:
        return {"siren": world.siren, **{key: get(world) for key, get in more.items()}}

    return fill


def without_siren(**more: Callable[[World], Any]) -> Fill:
    def fill(world: World) -> dict[str, Any]:
        return {key: get(world) for key, get in more.items()}

    return fill


def token(kind: str) -> Fill:
    return lambda world: {"token": world.tokens()[kind]}


def events(**more: Callable[[World], Any]) -> Fill:
    return with_siren(pk=lambda w: w.event.pk, **more)


def game(**more: Callable[[World], Any]) -> Fill:
    return with_siren(pk=lambda w: str(w.game.pk), **more)


def campaign(which: str = "open_campaign", **more: Callable[[World], Any]) -> Fill:
    return without_siren(slug=lambda w: getattr(w, which).slug, **more)


def published(**more: Callable[[World], Any]) -> Fill:
    return with_siren(slug=lambda w: w.published_campaign.slug, **more)


def last_year(world: World) -> int:
    """A finished year (the yearly indicators of events export only those)."""
    return timezone.localdate().year - 1


def bus_commune(world: World) -> str:
    assert world.published_stop is not None
    return str(world.published_stop.commune.insee_code)


PAGES: dict[str, Page] = {
    # --- Home, territories, accounts -----------------------------------------
    "home": public(why="accueil"),
    "territory_index": public(why="liste des territoires (publique)"),
    "territory_detail": public(siren, why="fiche publique du territoire"),
    "territory_strata_edit": Page(siren, frozenset({ADMIN})),
    "login": public(why="connexion"),
    "logout": public(why="déconnexion (POST seulement)", ok=405),
    "landing": mine("mon espace : mes territoires et rôles"),
    "second_factor_verify": mine("second facteur de la personne connectée"),
    "second_factor_setup": mine("second facteur de la personne connectée"),
    "invitation_list": Page(siren, TEAM),
    "invitation_new": Page(siren, TEAM, ok=405, why="POST seulement"),
    "invitation_import": Page(siren, TEAM, ok=405, why="POST seulement"),
    "invitation_resend": Page(
        with_siren(pk=lambda w: w.invitation.pk), TEAM, ok=405, why="POST seulement"
    ),
    "invitation_cancel": Page(
        with_siren(pk=lambda w: w.invitation.pk), TEAM, ok=405, why="POST seulement"
    ),
    "invitation_accept": link(token("invitation"), "lien d'invitation envoyé par courriel"),
    "invitation_logout": link(
        token("invitation"), "lien d'invitation envoyé par courriel (POST seulement)", ok=405
    ),
    "privacy_register": mine("registre des traitements : tout le site, administrateur·rices"),
    "privacy_register_csv": mine("registre des traitements : tout le site, administrateur·rices"),
    "health": public(why="sonde de supervision"),
    # --- Outreach ------------------------------------------------------------------
    "outreach_priorities": Page(siren, AGGREGATES),
    "outreach_stops": Page(siren, TEAM),
    "outreach_bus_settings": Page(siren, TEAM),
    "outreach_stop": Page(with_siren(pk=lambda w: str(w.stop.pk)), TEAM),
    "outreach_dashboard": Page(siren, TEAM),
    "outreach_calendar_publish": Page(
        with_siren(pk=lambda w: w.calendar.pk), TEAM, ok=405, why="POST seulement"
    ),
    "outreach_calendars": Page(siren, TEAM),
    "outreach_calendar": Page(with_siren(pk=lambda w: str(w.calendar.pk)), TEAM),
    "outreach_visit": Page(
        with_siren(pk=lambda w: str(w.calendar.pk), visit_pk=lambda w: str(w.visit.pk)), TEAM
    ),
    "outreach_public": public(siren, why="calendrier publié du bus"),
    "outreach_public_leaflet": public(siren, why="dépliant du bus"),
    "outreach_public_commune": public(
        with_siren(insee=bus_commune), why="passages publiés dans une commune"
    ),
    "outreach_public_ics": public(with_siren(insee=bus_commune), why="flux iCalendar publié"),
    "outreach_public_poster": public(with_siren(insee=bus_commune), why="affiche publiée"),
    "outreach_log": mine("journal du bus : les passages des territoires de l'enquêteur·rice"),
    "outreach_log_sw": public(why="service worker, sans donnée"),
    "outreach_log_manifest": public(why="manifeste, sans donnée"),
    "outreach_log_visit": Page(without_siren(pk=lambda w: w.visit.pk), COLLECTORS),
    "outreach_log_submit": Page(
        without_siren(pk=lambda w: w.visit.pk), COLLECTORS, ok=405, why="POST seulement"
    ),
    "outreach_log_presence": Page(
        without_siren(pk=lambda w: w.visit.pk), COLLECTORS, ok=405, why="POST seulement"
    ),
    # --- Directory -------------------------------------------------------------------
    "directory_search": public(why="annuaire public"),
    "directory_structure": public(
        without_siren(pk=lambda w: w.structure.pk), why="fiche publique de l'annuaire"
    ),
    "directory_offer": public(
        without_siren(pk=lambda w: w.offer.pk), why="fiche publique de l'annuaire"
    ),
    "directory_structure_new": mine("nouvelle fiche, dans un territoire de la personne"),
    "directory_structure_edit": Page(
        without_siren(pk=lambda w: w.structure.pk), frozenset({ADMIN, LEAD, PARTNER})
    ),
    "directory_offer_new": Page(
        without_siren(structure_pk=lambda w: w.structure.pk), frozenset({ADMIN, LEAD, PARTNER})
    ),
    "directory_offer_edit": Page(
        without_siren(pk=lambda w: w.offer.pk), frozenset({ADMIN, LEAD, PARTNER})
    ),
    # --- Referrals ---------------------------------------------------------------------
    "referral_list": mine("orientations envoyées et reçues par les organisations de la personne"),
    "referral_new": mine("orienter depuis une organisation de la personne"),
    "referral_detail": Page(
        without_siren(pk=lambda w: w.referral_received.pk), frozenset({PARTNER})
    ),
    "referral_act": Page(
        without_siren(pk=lambda w: w.referral_received.pk),
        frozenset({PARTNER}),
        ok=405,
        data={"action": "accept"},
        why="POST seulement",
    ),
    "referral_link": link(token("referral"), "lien envoyé à la structure qui reçoit"),
    "referral_dashboard": Page(siren, TEAM),
    "referral_export": Page(siren, TEAM),
    "referral_export_xlsx": Page(siren, TEAM),
    "referral_export_notes": Page(siren, TEAM),
    "referral_export_internal": Page(siren, TEAM),
    # --- Simulator, follow-up ---------------------------------------------------------
    "rights_start": public(why="simulateur"),
    "rights_step": public(why="simulateur"),
    "rights_expert": public(why="simulateur"),
    "rights_recap": public(why="simulateur", ok=405),
    "rights_keep": public(why="simulateur", ok=405),
    "rights_reopen": mine("reprendre une simulation par son code (professionnel·les)"),
    "rights_followup": public(why="consentement au suivi, depuis les résultats", ok=405),
    "followup_answer": link(token("followup"), "lien du message de suivi"),
    "followup_unsubscribe": link(token("followup"), "lien du message de suivi"),
    "followup_statistics": Page(siren, AGGREGATES),
    # --- Barometer ---------------------------------------------------------------------
    "barometer_campaign_new": Page(siren, TEAM),
    "barometer_questionnaire_module": Page(siren, TEAM),
    "barometer_collect_index": mine("campagnes où la personne est enquêteur·rice"),
    "barometer_collect_sw": public(why="service worker, sans donnée"),
    "barometer_collect_manifest": public(why="manifeste, sans donnée"),
    "barometer_collect": Page(campaign(), COLLECTORS),
    "barometer_collect_submit": Page(campaign(), COLLECTORS, ok=405, why="POST seulement"),
    "barometer_online_start": public(campaign(), why="questionnaire en ligne"),
    "barometer_online_form": public(campaign(), why="questionnaire en ligne"),
    "barometer_online_thanks": public(campaign(), why="questionnaire en ligne"),
    "barometer_online_privacy": public(campaign(), why="questionnaire en ligne"),
    "barometer_xlsform": Page(campaign(), TEAM),
    "barometer_export": Page(campaign("published_campaign", fmt=lambda w: "csv"), TEAM),
    "barometer_import": Page(campaign(), TEAM),
    "barometer_contacts": Page(campaign(), TEAM),
    "barometer_dashboard": Page(campaign("published_campaign"), AGGREGATES),
    "barometer_open_data": Page(campaign("published_campaign", fmt=lambda w: "csv"), AGGREGATES),
    "barometer_report": Page(campaign("published_campaign", fmt=lambda w: "html"), AGGREGATES),
    "barometer_agent_targets": Page(campaign(), TEAM, ok=405, why="POST seulement"),
    "barometer_follow_up": Page(campaign(), TEAM),
    "barometer_poster": Page(campaign(), TEAM),
    "barometer_publish": Page(campaign("published_campaign"), TEAM),
    "public_waves": public(siren, why="vagues publiées"),
    "public_results": public(published(), why="vague publiée"),
    "public_report": public(published(fmt=lambda w: "html"), why="vague publiée"),
    "public_data": public(published(fmt=lambda w: "csv"), why="vague publiée"),
    "public_dictionary": public(published(), why="vague publiée"),
    "public_notes": public(published(), why="vague publiée"),
    # --- Training: personas, events, game ------------------------------------------------
    "training_personas": Page(siren, TRAINERS),
    "training_persona_new": Page(siren, TRAINERS),
    "training_persona_yaml_new": Page(siren, TRAINERS),
    "training_persona": Page(with_siren(key=lambda w: w.persona_key), TRAINERS, mixed=False),
    "training_persona_edit": Page(with_siren(key=lambda w: w.persona_key), TRAINERS, mixed=False),
    "training_persona_yaml": Page(with_siren(key=lambda w: w.persona_key), TRAINERS, mixed=False),
    "training_persona_download": Page(
        with_siren(key=lambda w: w.persona_key, number=lambda w: w.persona_number),
        TRAINERS,
        mixed=False,
    ),
    "events_list": Page(siren, TRAINERS),
    "events_new": Page(siren, TRAINERS),
    "events_year": Page(with_siren(year=last_year), TRAINERS, mixed=False),
    "events_year_csv": Page(with_siren(year=last_year), TRAINERS, mixed=False),
    "events_detail": Page(events(), TRAINERS),
    "events_edit": Page(events(), TRAINERS),
    "events_delete": Page(events(), TRAINERS),
    "events_registration_remove": Page(
        events(registration_id=lambda w: w.registration.pk), TRAINERS
    ),
    "events_registration_new": Page(events(), TRAINERS, ok=405, why="POST seulement"),
    "events_registration_import": Page(events(), TRAINERS, ok=405, why="POST seulement"),
    "events_link": Page(events(), TRAINERS, ok=405, why="POST seulement"),
    "events_attendance_sheet": Page(events(), TRAINERS),
    "events_attendance": Page(events(), TRAINERS),
    "events_public_register": link(
        with_siren(token=lambda w: w.event.registration_token), "lien public d'inscription"
    ),
    "events_public_quiz_start": link(
        with_siren(token=lambda w: w.event.quiz_token), "lien public des questionnaires"
    ),
    "events_public_quiz": link(
        with_siren(token=lambda w: w.event.quiz_token, moment=lambda w: "avant"),
        "lien public des questionnaires",
    ),
    "training_game_sessions": Page(siren, TRAINERS),
    "training_game_new": Page(siren, TRAINERS),
    "training_game_solo": Page(siren, EVERY_ROLE),
    "training_game_board": Page(game(), TRAINERS),
    "training_game_board_state": Page(game(), TRAINERS),
    "training_game_act": Page(game(), TRAINERS, ok=405, why="POST seulement"),
    "training_game_debrief": Page(game(), TRAINERS),
    "training_game_kit": Page(game(), TRAINERS),
    "training_game_team": link(token("game_team"), "lien de l'équipe"),
    "training_game_team_state": link(token("game_team"), "lien de l'équipe"),
    "training_game_team_debrief": link(token("game_team"), "lien de l'équipe"),
    "training_game_table": link(token("game_table"), "lien de la table"),
    "training_game_table_state": link(token("game_table"), "lien de la table"),
    # --- Evaluation ----------------------------------------------------------------------
    "evaluation_public_bundle": public(published(), why="lot d'indicateurs d'une vague publiée"),
    "evaluation_bundle_comparison": Page(siren, AGGREGATES),
    "evaluation_bundle_comparison_csv": Page(siren, AGGREGATES),
    "evaluation_bundle_import": Page(siren, TEAM),
    "evaluation_bundle_delete": Page(
        with_siren(pk=lambda w: str(w.bundle.pk if w.bundle else 0)),
        TEAM,
        ok=405,
        why="POST seulement",
    ),
    "evaluation_waves": Page(siren, AGGREGATES),
    "evaluation_waves_csv": Page(siren, AGGREGATES),
    "evaluation_waves_did": Page(siren, TEAM),
    "evaluation_waves_did_csv": Page(siren, TEAM),
    "evaluation_waves_power": Page(siren, TEAM),
    "evaluation_report": Page(siren, TEAM),
    "evaluation_chain": Page(without_siren(token=lambda w: w.chain.token), TEAM),
    "evaluation_chain_funnel": Page(siren, AGGREGATES),
}


# --- Another territory's objects inside one's own page -------------------------
#
# A page of one's own territory that takes an object by the query string or
# the form (the structure to refer to, the bus's visit, the waves compared,
# the organisation invited…): given the other territory's object, it
# refuses, by 403/404 or by the French refusal ``refusal`` on the page, and
# writes nothing. With one's own object instead (``own``), the same request
# is accepted (the case is filled right).

Pair = Callable[[World, World], dict[str, Any]]


@dataclass(frozen=True)
class Cross:
    """``name``: the URL; ``kwargs``, ``query`` and ``data`` (for a POST)
    from (own territory, territory whose object is slipped in); ``viewers``:
    the own territory's roles that may use the page; ``accepted``: the
    status of the request with one's own object."""

    name: str
    viewers: frozenset[str]
    why: str
    kwargs: Pair = lambda own, other: {}
    query: Pair = lambda own, other: {}
    data: Pair | None = None
    refusal: str = ""
    accepted: int = 200


def _wave_pair(own: World, other: World) -> dict[str, Any]:
    return {"a": other.published_campaign.slug, "b": own.open_campaign.slug}


def _registration(own: World, other: World) -> dict[str, Any]:
    return {
        "last_name": "Inscrite",
        "first_name": "Claude",
        "organisation": other.partner_organisation.pk,
    }


_invited = itertools.count(1)


def _invitation(own: World, other: World) -> dict[str, Any]:
    return {
        "email": f"nouvelle-{next(_invited)}@exemple.test",
        "organisation": other.partner_organisation.pk,
        "role": Role.PARTNER.value,
    }


CROSSES: list[Cross] = [
    Cross(
        "referral_new",
        REFERRERS,
        "orienter vers une structure de l'autre territoire",
        query=lambda own, other: {"structure": other.structure.pk},
    ),
    Cross(
        "referral_new",
        REFERRERS,
        "orienter vers une offre de l'autre territoire",
        query=lambda own, other: {"offre": other.offer.pk},
    ),
    Cross(
        "referral_new",
        TEAM,
        "orientation envoyée depuis un passage du bus de l'autre territoire",
        query=lambda own, other: {"structure": own.structure.pk, "passage": other.visit.pk},
    ),
    Cross(
        "referral_new",
        TEAM,
        "orientation depuis une demande de rappel de l'autre territoire",
        query=lambda own, other: {"structure": own.structure.pk, "rappel": other.chain.token},
    ),
    Cross(
        "referral_new",
        frozenset({PARTNER}),
        "orientation au nom d'une organisation de l'autre territoire",
        query=lambda own, other: {"structure": own.other_structure.pk},
        data=lambda own, other: {
            "sender_organisation": other.partner_organisation.pk,
            "first_name": "Claude",
            "last_name": "Orientee",
            "phone": "06 12 34 56 78",
            "commune": own.commune,
            "age_band": "25_34",
            "consent_mode": "oral",
            "consent": "on",
        },
        refusal="Sélectionnez un choix valide",
        accepted=302,
    ),
    Cross(
        "evaluation_waves",
        AGGREGATES,
        "comparer une vague de l'autre territoire",
        kwargs=lambda own, other: {"siren": own.siren},
        query=_wave_pair,
        refusal="Sélectionnez un choix valide",
    ),
    Cross(
        "evaluation_waves_did",
        TEAM,
        "double différence avec une vague de l'autre territoire",
        kwargs=lambda own, other: {"siren": own.siren},
        query=lambda own, other: {**_wave_pair(own, other), "calculer": "1"},
        refusal="Sélectionnez un choix valide",
    ),
    Cross(
        "directory_structure_new",
        TEAM,
        "nouvelle fiche dans l'annuaire de l'autre territoire",
        query=lambda own, other: {"territoire": other.siren},
    ),
    Cross(
        "rights_reopen",
        REFERRERS,
        "reprendre une simulation conservée dans l'autre territoire",
        data=lambda own, other: {"code": other.simulation_code},
        refusal="Aucune simulation en cours avec ce code",
    ),
    Cross(
        "invitation_new",
        TEAM,
        "inviter dans une organisation de l'autre territoire",
        kwargs=lambda own, other: {"siren": own.siren},
        data=_invitation,
        refusal="Choisissez une organisation de la liste.",
        accepted=302,
    ),
    Cross(
        "events_registration_new",
        TRAINERS,
        "inscrire au nom d'une organisation de l'autre territoire",
        kwargs=lambda own, other: {"siren": own.siren, "pk": own.event.pk},
        data=_registration,
        refusal="Choisissez une organisation de la liste.",
        accepted=302,
    ),
]
