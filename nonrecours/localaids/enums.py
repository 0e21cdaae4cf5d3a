"""Choices of a local aid: English values, French labels. The YAML files
use the French words of ``FILE_WORDS``."""

from django.db import models


class InstitutionKind(models.TextChoices):
    # French administrative names with no honest translation stay as they are.
    COMMUNE = "commune", "Commune"
    CCAS = "ccas", "CCAS"
    EPCI = "epci", "Intercommunalité (EPCI)"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    CAF = "caf", "CAF"
    MSA = "msa", "MSA"
    CROUS = "crous", "Crous"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    MAISON_EMPLOI = "maison_emploi", "Maison de l'emploi"
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    ASSOCIATION = "association", "Association"
    OTHER = "other", "Autre"


class Period(models.TextChoices):
    ONE_OFF = "one_off", "une fois"
    MONTHLY = "monthly", "par mois"
    YEARLY = "yearly", "par an"


class Status(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmée"
    TO_CONFIRM = "to_confirm", "À confirmer"


# The words of the YAML files (French, as the situation files) -> values.
FILE_WORDS: dict[str, dict[str, str]] = {
    "type": {
        "commune": InstitutionKind.COMMUNE,
        "ccas": InstitutionKind.CCAS,
        "epci": InstitutionKind.EPCI,
        "departement": InstitutionKind.DEPARTEMENT,
        "region": InstitutionKind.REGION,
        "caf": InstitutionKind.CAF,
        "msa": InstitutionKind.MSA,
        "crous": InstitutionKind.CROUS,
        "mission_locale": InstitutionKind.MISSION_LOCALE,
        "maison_emploi": InstitutionKind.MAISON_EMPLOI,
        "france_travail": InstitutionKind.FRANCE_TRAVAIL,
        "association": InstitutionKind.ASSOCIATION,
        "autre": InstitutionKind.OTHER,
    },
    "periode": {
        "ponctuel": Period.ONE_OFF,
        "mensuel": Period.MONTHLY,
        "annuel": Period.YEARLY,
    },
    "statut": {
        "confirmee": Status.CONFIRMED,
        "confirmée": Status.CONFIRMED,
        "a_confirmer": Status.TO_CONFIRM,
        "à confirmer": Status.TO_CONFIRM,
        "a confirmer": Status.TO_CONFIRM,
    },
}
