from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrateur·rice"
    PROJECT_LEAD = "project_lead", "Chargé·e de mission"
    FIELD_AGENT = "field_agent", "Enquêteur·rice"
    PARTNER = "partner", "Partenaire"
    TRAINER = "trainer", "Formateur·rice"


class OrganisationKind(models.TextChoices):
    TERRITORY = "territory", "Collectivité porteuse (EPCI)"
    COMMUNE = "commune", "Commune"
    CCAS = "ccas", "CCAS / CIAS"
    CAF = "caf", "CAF"
    CPAM = "cpam", "CPAM"
    MSA = "msa", "MSA"
    DEPARTEMENT = "departement", "Département"
    FRANCE_SERVICES = "france_services", "France Services"
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    ASSOCIATION = "association", "Association"
    BAILLEUR = "bailleur", "Bailleur social"
    LA_POSTE = "la_poste", "La Poste"
    OTHER = "other", "Autre"


class Capability(models.TextChoices):
    """What a role allows on a territory. The matrix lives in access.py."""

    VIEW_AGGREGATES = "view_aggregates", "Consulter les indicateurs agrégés"
    COLLECT = "collect", "Saisir des réponses sur le terrain"
    VIEW_RESPONSES = "view_responses", "Consulter les réponses individuelles"
    MANAGE_CAMPAIGNS = "manage_campaigns", "Gérer les campagnes"
    ADMINISTER = "administer", "Administrer le territoire (strates, membres)"
    REOPEN_SIMULATIONS = (
        "reopen_simulations",
        "Reprendre, avec la personne, une simulation de droits enregistrée",
    )
    REFER = "refer", "Orienter une personne vers un service de l'annuaire"
    VIEW_REFERRAL_STATISTICS = (
        "view_referral_statistics",
        "Consulter et exporter les statistiques des orientations",
    )
    EDIT_DIRECTORY = "edit_directory", "Saisir et modifier les fiches de l'annuaire"
    INVITE = "invite", "Inviter des personnes dans les organisations du territoire"
    PLAN_OUTREACH = (
        "plan_outreach",
        "Planifier l'aller-vers (poids des priorités, arrêts et calendrier du bus)",
    )
    LOG_OUTREACH = "log_outreach", "Noter l'activité du bus (personnes reçues)"
    RUN_TRAINING = (
        "run_training",
        "Animer les formations (personas, jeu sérieux, événements et inscriptions)",
    )


class InvitationStatus(models.TextChoices):
    """Where an invitation stands; computed from its dates (never stored)."""

    PENDING = "pending", "En attente"
    ACCEPTED = "accepted", "Acceptée"
    EXPIRED = "expired", "Expirée"
    CANCELLED = "cancelled", "Annulée"
