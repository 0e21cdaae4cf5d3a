from django.contrib.auth import views as auth_views
from django.urls import path

from nonrecours.www.accounts import views as account_views
from nonrecours.www.barometer import collect as collect_views
from nonrecours.www.barometer import public as public_views
from nonrecours.www.barometer import team as team_views
from nonrecours.www.barometer import views as barometer_views
from nonrecours.www.directory import edit as directory_edit
from nonrecours.www.directory import views as directory_views
from nonrecours.www.evaluation import bundles as evaluation_bundle_views
from nonrecours.www.evaluation import chain as evaluation_chain_views
from nonrecours.www.evaluation import followup as followup_views
from nonrecours.www.evaluation import report as evaluation_report_views
from nonrecours.www.evaluation import waves as evaluation_waves_views
from nonrecours.www.events import public as events_public_views
from nonrecours.www.events import views as events_views
from nonrecours.www.health import health_check
from nonrecours.www.outreach import activity as outreach_log_views
from nonrecours.www.outreach import calendar_views as outreach_calendar_views
from nonrecours.www.outreach import dashboard as outreach_dashboard_views
from nonrecours.www.outreach import publishing as outreach_publishing_views
from nonrecours.www.outreach import views as outreach_views
from nonrecours.www.privacy import views as privacy_views
from nonrecours.www.referrals import views as referral_views
from nonrecours.www.rights import views as rights_views
from nonrecours.www.territories import views as territory_views
from nonrecours.www.training import game as game_views
from nonrecours.www.training import game_public as game_public_views
from nonrecours.www.training import personas as persona_views

urlpatterns = [
    path("", territory_views.home, name="home"),
    path("territoires/", territory_views.territory_index, name="territory_index"),
    path("territoires/<str:siren>/", territory_views.territory_detail, name="territory_detail"),
    path(
        "territoires/<str:siren>/strates/",
        territory_views.territory_strata_edit,
        name="territory_strata_edit",
    ),
    path(
        "territoires/<str:siren>/aller-vers/",
        outreach_views.outreach_priorities,
        name="outreach_priorities",
    ),
    path(
        "territoires/<str:siren>/aller-vers/arrets/",
        outreach_views.outreach_stops,
        name="outreach_stops",
    ),
    path(
        "territoires/<str:siren>/aller-vers/reglages/",
        outreach_views.outreach_bus_settings,
        name="outreach_bus_settings",
    ),
    path(
        "territoires/<str:siren>/aller-vers/arrets/<str:pk>/",
        outreach_views.outreach_stop,
        name="outreach_stop",
    ),
    path(
        "territoires/<str:siren>/aller-vers/bilan/",
        outreach_dashboard_views.outreach_dashboard,
        name="outreach_dashboard",
    ),
    path(
        "territoires/<str:siren>/aller-vers/calendriers/<int:pk>/publier/",
        outreach_publishing_views.outreach_calendar_publish,
        name="outreach_calendar_publish",
    ),
    path("bus/<str:siren>/", outreach_publishing_views.public_bus, name="outreach_public"),
    path(
        "bus/<str:siren>/depliant.pdf",
        outreach_publishing_views.public_bus_leaflet,
        name="outreach_public_leaflet",
    ),
    path(
        "bus/<str:siren>/<str:insee>/",
        outreach_publishing_views.public_bus_commune,
        name="outreach_public_commune",
    ),
    path(
        "bus/<str:siren>/<str:insee>.ics",
        outreach_publishing_views.public_bus_ics,
        name="outreach_public_ics",
    ),
    path(
        "bus/<str:siren>/<str:insee>/affiche.pdf",
        outreach_publishing_views.public_bus_poster,
        name="outreach_public_poster",
    ),
    path("aller-vers/journal/", outreach_log_views.log_index, name="outreach_log"),
    path("aller-vers/journal/sw.js", outreach_log_views.log_service_worker, name="outreach_log_sw"),
    path(
        "aller-vers/journal/manifest.webmanifest",
        outreach_log_views.log_manifest,
        name="outreach_log_manifest",
    ),
    path("aller-vers/journal/<int:pk>/", outreach_log_views.log_app, name="outreach_log_visit"),
    path(
        "aller-vers/journal/<int:pk>/envoyer/",
        outreach_log_views.log_submit,
        name="outreach_log_submit",
    ),
    path(
        "aller-vers/journal/<int:pk>/presence/",
        outreach_log_views.log_presence,
        name="outreach_log_presence",
    ),
    path(
        "territoires/<str:siren>/aller-vers/calendriers/",
        outreach_calendar_views.outreach_calendars,
        name="outreach_calendars",
    ),
    path(
        "territoires/<str:siren>/aller-vers/calendriers/<str:pk>/",
        outreach_calendar_views.outreach_calendar,
        name="outreach_calendar",
    ),
    path(
        "territoires/<str:siren>/aller-vers/calendriers/<str:pk>/passages/<str:visit_pk>/",
        outreach_calendar_views.outreach_visit,
        name="outreach_visit",
    ),
    path("annuaire/", directory_views.directory_search, name="directory_search"),
    path(
        "annuaire/structures/<int:pk>/",
        directory_views.directory_structure,
        name="directory_structure",
    ),
    path("annuaire/offres/<int:pk>/", directory_views.directory_offer, name="directory_offer"),
    path(
        "annuaire/structures/nouvelle/",
        directory_edit.structure_edit,
        name="directory_structure_new",
    ),
    path(
        "annuaire/structures/<int:pk>/modifier/",
        directory_edit.structure_edit,
        name="directory_structure_edit",
    ),
    path(
        "annuaire/structures/<int:structure_pk>/offres/nouvelle/",
        directory_edit.offer_edit,
        name="directory_offer_new",
    ),
    path(
        "annuaire/offres/<int:pk>/modifier/", directory_edit.offer_edit, name="directory_offer_edit"
    ),
    path("orientations/", referral_views.referral_list, name="referral_list"),
    path("orientations/nouvelle/", referral_views.referral_new, name="referral_new"),
    path("orientations/<int:pk>/", referral_views.referral_detail, name="referral_detail"),
    path("orientations/<int:pk>/reponse/", referral_views.referral_act, name="referral_act"),
    path("orientations/lien/<str:token>/", referral_views.referral_link, name="referral_link"),
    path(
        "territoires/<str:siren>/orientations/",
        referral_views.referral_dashboard,
        name="referral_dashboard",
    ),
    path(
        "territoires/<str:siren>/orientations.csv",
        referral_views.referral_export,
        name="referral_export",
    ),
    path(
        "territoires/<str:siren>/orientations.xlsx",
        referral_views.referral_export,
        {"kind": "xlsx"},
        name="referral_export_xlsx",
    ),
    path(
        "territoires/<str:siren>/orientations-notes.txt",
        referral_views.referral_export,
        {"kind": "notes"},
        name="referral_export_notes",
    ),
    path(
        "territoires/<str:siren>/orientations-usage-interne.xlsx",
        referral_views.referral_export,
        {"kind": "internal"},
        name="referral_export_internal",
    ),
    path("simulateur/", rights_views.simulator_start, name="rights_start"),
    path("simulateur/etapes/", rights_views.simulator_step, name="rights_step"),
    path("simulateur/expert/", rights_views.simulator_expert, name="rights_expert"),
    path("simulateur/recapitulatif.pdf", rights_views.simulator_recap, name="rights_recap"),
    path("simulateur/conserver/", rights_views.simulator_keep, name="rights_keep"),
    path("simulateur/reprendre/", rights_views.simulator_reopen, name="rights_reopen"),
    path("connexion/", account_views.LoginView.as_view(), name="login"),
    path("mon-espace/", account_views.landing, name="landing"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
]

urlpatterns += [
    path(
        "territoires/<str:siren>/campagnes/nouvelle/",
        team_views.campaign_new,
        name="barometer_campaign_new",
    ),
    path(
        "territoires/<str:siren>/questionnaire/",
        team_views.questionnaire_module,
        name="barometer_questionnaire_module",
    ),
    path("collecte/", collect_views.collect_index, name="barometer_collect_index"),
    path("collecte/sw.js", collect_views.collect_service_worker, name="barometer_collect_sw"),
    path(
        "collecte/manifest.webmanifest",
        collect_views.collect_manifest,
        name="barometer_collect_manifest",
    ),
    path("collecte/<slug:slug>/", collect_views.collect_app, name="barometer_collect"),
    path(
        "collecte/<slug:slug>/reponses/",
        collect_views.collect_submit,
        name="barometer_collect_submit",
    ),
    path("b/<slug:slug>/", barometer_views.online_start, name="barometer_online_start"),
    path(
        "b/<slug:slug>/questionnaire/",
        barometer_views.online_form,
        name="barometer_online_form",
    ),
    path("b/<slug:slug>/merci/", barometer_views.online_thanks, name="barometer_online_thanks"),
    path(
        "campagnes/<slug:slug>/xlsform/",
        barometer_views.campaign_xlsform,
        name="barometer_xlsform",
    ),
    path(
        "campagnes/<slug:slug>/export/<str:fmt>/",
        barometer_views.campaign_export,
        name="barometer_export",
    ),
    path("campagnes/<slug:slug>/import/", barometer_views.campaign_import, name="barometer_import"),
    path("campagnes/<slug:slug>/rappels/", team_views.campaign_contacts, name="barometer_contacts"),
    path(
        "campagnes/<slug:slug>/tableau-de-bord/",
        team_views.campaign_dashboard,
        name="barometer_dashboard",
    ),
    path(
        "campagnes/<slug:slug>/donnees-ouvertes.<str:fmt>",
        team_views.campaign_open_data,
        name="barometer_open_data",
    ),
    path(
        "campagnes/<slug:slug>/rapport.<str:fmt>",
        team_views.campaign_report,
        name="barometer_report",
    ),
    path(
        "campagnes/<slug:slug>/objectifs-enqueteurs/",
        team_views.campaign_agent_targets,
        name="barometer_agent_targets",
    ),
    path(
        "campagnes/<slug:slug>/suivi/",
        barometer_views.campaign_follow_up,
        name="barometer_follow_up",
    ),
    path(
        "campagnes/<slug:slug>/affiche/",
        barometer_views.campaign_poster,
        name="barometer_poster",
    ),
    path(
        "b/<slug:slug>/confidentialite/",
        barometer_views.online_privacy,
        name="barometer_online_privacy",
    ),
]

urlpatterns += [
    path(
        "administration/registre-des-traitements/",
        privacy_views.privacy_register,
        name="privacy_register",
    ),
    path(
        "administration/registre-des-traitements.csv",
        privacy_views.privacy_register_csv,
        name="privacy_register_csv",
    ),
]

# Accounts: second factor, invitations (docs/guide/comptes.md).
urlpatterns += [
    path(
        "connexion/second-facteur/",
        account_views.second_factor_verify,
        name="second_factor_verify",
    ),
    path(
        "connexion/second-facteur/installer/",
        account_views.second_factor_setup,
        name="second_factor_setup",
    ),
    path(
        "territoires/<str:siren>/invitations/",
        account_views.invitation_list,
        name="invitation_list",
    ),
    path(
        "territoires/<str:siren>/invitations/nouvelle/",
        account_views.invitation_new,
        name="invitation_new",
    ),
    path(
        "territoires/<str:siren>/invitations/fichier/",
        account_views.invitation_import,
        name="invitation_import",
    ),
    path(
        "territoires/<str:siren>/invitations/<int:pk>/renvoyer/",
        account_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "territoires/<str:siren>/invitations/<int:pk>/annuler/",
        account_views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("invitation/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path(
        "invitation/<str:token>/deconnexion/",
        account_views.logout_then_invitation,
        name="invitation_logout",
    ),
]

# A published wave, without login (404 until it is published).
urlpatterns += [
    path("barometre/<str:siren>/", public_views.public_waves, name="public_waves"),
    path("barometre/<str:siren>/<slug:slug>/", public_views.public_results, name="public_results"),
    path(
        "barometre/<str:siren>/<slug:slug>/rapport.<str:fmt>",
        public_views.public_report,
        name="public_report",
    ),
    path(
        "barometre/<str:siren>/<slug:slug>/donnees.<str:fmt>",
        public_views.public_data,
        name="public_data",
    ),
    path(
        "barometre/<str:siren>/<slug:slug>/dictionnaire.csv",
        public_views.public_dictionary,
        name="public_dictionary",
    ),
    path(
        "barometre/<str:siren>/<slug:slug>/lisezmoi.txt",
        public_views.public_notes,
        name="public_notes",
    ),
    path(
        "campagnes/<slug:slug>/publier/",
        team_views.campaign_publish,
        name="barometer_publish",
    ),
]

# Training: the territory's personas (docs/guide/personas.md).
urlpatterns += [
    path(
        "territoires/<str:siren>/formation/personas/",
        persona_views.persona_list,
        name="training_personas",
    ),
    path(
        "territoires/<str:siren>/formation/personas/nouveau/",
        persona_views.persona_new,
        name="training_persona_new",
    ),
    path(
        "territoires/<str:siren>/formation/personas/nouveau/yaml/",
        persona_views.persona_yaml_new,
        name="training_persona_yaml_new",
    ),
    path(
        "territoires/<str:siren>/formation/personas/<slug:key>/",
        persona_views.persona_card,
        name="training_persona",
    ),
    path(
        "territoires/<str:siren>/formation/personas/<slug:key>/modifier/",
        persona_views.persona_edit,
        name="training_persona_edit",
    ),
    path(
        "territoires/<str:siren>/formation/personas/<slug:key>/yaml/",
        persona_views.persona_yaml,
        name="training_persona_yaml",
    ),
    path(
        "territoires/<str:siren>/formation/personas/<slug:key>/v<int:number>.yaml",
        persona_views.persona_download,
        name="training_persona_download",
    ),
]

# Forums and trainings of a territory (docs/guide/evenements.md): the team's
# pages, then the public links (registering, questionnaires) by their token.
EVENTS = "territoires/<str:siren>/formation/evenements/"
urlpatterns += [
    path(EVENTS, events_views.event_list, name="events_list"),
    path(f"{EVENTS}nouveau/", events_views.event_new, name="events_new"),
    path(f"{EVENTS}bilan/<int:year>/", events_views.event_year, name="events_year"),
    path(f"{EVENTS}bilan/<int:year>.csv", events_views.event_year_csv, name="events_year_csv"),
    path(f"{EVENTS}<int:pk>/", events_views.event_detail, name="events_detail"),
    path(f"{EVENTS}<int:pk>/modifier/", events_views.event_edit, name="events_edit"),
    path(f"{EVENTS}<int:pk>/supprimer/", events_views.event_delete, name="events_delete"),
    path(
        f"{EVENTS}<int:pk>/inscriptions/<int:registration_id>/retirer/",
        events_views.registration_remove,
        name="events_registration_remove",
    ),
    path(
        f"{EVENTS}<int:pk>/inscriptions/",
        events_views.registration_new,
        name="events_registration_new",
    ),
    path(
        f"{EVENTS}<int:pk>/inscriptions/fichier/",
        events_views.registration_import,
        name="events_registration_import",
    ),
    path(f"{EVENTS}<int:pk>/lien/", events_views.registration_link, name="events_link"),
    path(
        f"{EVENTS}<int:pk>/emargement.pdf",
        events_views.attendance_sheet,
        name="events_attendance_sheet",
    ),
    path(f"{EVENTS}<int:pk>/presences/", events_views.attendance, name="events_attendance"),
    path(
        f"{EVENTS}inscription/<str:token>/",
        events_public_views.public_register,
        name="events_public_register",
    ),
    path(
        f"{EVENTS}questionnaires/<str:token>/",
        events_public_views.public_quiz_start,
        name="events_public_quiz_start",
    ),
    path(
        f"{EVENTS}questionnaires/<str:token>/<str:moment>/",
        events_public_views.public_quiz,
        name="events_public_quiz",
    ),
]

# The serious game (docs/guide/jeu-serieux.md): the facilitator's pages, the
# solo mode, then the teams' and tables' pages by the secret token of their link.
GAME = "territoires/<str:siren>/formation/jeu/"
urlpatterns += [
    path(GAME, game_views.session_list, name="training_game_sessions"),
    path(f"{GAME}nouvelle/", game_views.session_new, name="training_game_new"),
    path(f"{GAME}seul/", game_views.solo_new, name="training_game_solo"),
    path(f"{GAME}<str:pk>/", game_views.session_board, name="training_game_board"),
    path(f"{GAME}<str:pk>/etat.json", game_views.board_state, name="training_game_board_state"),
    path(f"{GAME}<str:pk>/tour/", game_views.session_act, name="training_game_act"),
    path(f"{GAME}<str:pk>/bilan/", game_views.session_debrief, name="training_game_debrief"),
    path(f"{GAME}<str:pk>/kit.pdf", game_views.session_kit, name="training_game_kit"),
    path("jeu/equipe/<str:token>/", game_public_views.team_page, name="training_game_team"),
    path(
        "jeu/equipe/<str:token>/etat.json",
        game_public_views.team_state,
        name="training_game_team_state",
    ),
    path(
        "jeu/equipe/<str:token>/bilan/",
        game_public_views.team_debrief,
        name="training_game_team_debrief",
    ),
    path("jeu/table/<str:token>/", game_public_views.table_page, name="training_game_table"),
    path(
        "jeu/table/<str:token>/etat.json",
        game_public_views.table_state,
        name="training_game_table_state",
    ),
]

# Territories side by side (docs/guide/comparer-les-territoires.md): the
# public bundle of a published wave, the comparison and the import of bundles.
urlpatterns += [
    path(
        "barometre/<str:siren>/<slug:slug>/lot-indicateurs.json",
        evaluation_bundle_views.public_bundle,
        name="evaluation_public_bundle",
    ),
    path(
        "territoires/<str:siren>/comparaison/",
        evaluation_bundle_views.bundle_comparison,
        name="evaluation_bundle_comparison",
    ),
    path(
        "territoires/<str:siren>/comparaison.csv",
        evaluation_bundle_views.bundle_comparison_csv,
        name="evaluation_bundle_comparison_csv",
    ),
    path(
        "territoires/<str:siren>/comparaison/importer/",
        evaluation_bundle_views.bundle_import,
        name="evaluation_bundle_import",
    ),
    path(
        "territoires/<str:siren>/comparaison/lots/<str:pk>/retirer/",
        evaluation_bundle_views.bundle_delete,
        name="evaluation_bundle_delete",
    ),
]

# Follow-up after a simulation (docs/guide/suivi-des-simulations.md): the
# consent of the results page, the answer and unsubscribe pages of the
# messages' signed links (no login), the team's statistics.
urlpatterns += [
    path("simulateur/suivi/", followup_views.simulator_followup, name="rights_followup"),
    path("suivi/<str:token>/", followup_views.followup_answer, name="followup_answer"),
    path(
        "suivi/<str:token>/desinscription/",
        followup_views.followup_unsubscribe,
        name="followup_unsubscribe",
    ),
    path(
        "territoires/<str:siren>/suivi-des-simulations/",
        followup_views.followup_statistics_page,
        name="followup_statistics",
    ),
]

# Waves of the barometer compared (docs/guide/vagues.md): every released
# cell, the difference-in-differences, the answers needed (ADR 027).
urlpatterns += [
    path(
        "territoires/<str:siren>/evaluation/vagues/",
        evaluation_waves_views.waves_compare,
        name="evaluation_waves",
    ),
    path(
        "territoires/<str:siren>/evaluation/vagues.csv",
        evaluation_waves_views.waves_compare_csv,
        name="evaluation_waves_csv",
    ),
    path(
        "territoires/<str:siren>/evaluation/vagues/double-difference/",
        evaluation_waves_views.waves_did,
        name="evaluation_waves_did",
    ),
    path(
        "territoires/<str:siren>/evaluation/vagues/double-difference.csv",
        evaluation_waves_views.waves_did_csv,
        name="evaluation_waves_did_csv",
    ),
    path(
        "territoires/<str:siren>/evaluation/vagues/reponses-a-recueillir/",
        evaluation_waves_views.waves_power,
        name="evaluation_waves_power",
    ),
]

# The yearly report of the experiment (docs/guide/rapport-annuel.md, ADR 029).
urlpatterns += [
    path(
        "territoires/<str:siren>/evaluation/rapport-annuel/",
        evaluation_report_views.yearly_report_page,
        name="evaluation_report",
    ),
]

# The chain, from a barometer call-back request to a right opened
# (docs/guide/rappels.md).
urlpatterns += [
    path("rappels/<str:token>/", evaluation_chain_views.chain_detail, name="evaluation_chain"),
    path(
        "territoires/<str:siren>/evaluation/parcours-rappels/",
        evaluation_chain_views.chain_funnel_page,
        name="evaluation_chain_funnel",
    ),
]

# Monitoring: is the service answering? (docs/guide/exploitation.md)
urlpatterns += [path("sante/", health_check, name="health")]
