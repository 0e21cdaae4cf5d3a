"""Choices of a persona: English values, French labels. The persona files
use the French words of ``FILE_WORDS``."""

from django.db import models


class Public(models.TextChoices):
    """The four publics the territory follows (its forum and serious game)."""

    YOUTH = "youth", "Jeunes"
    SINGLE_PARENTS = "single_parents", "Familles monoparentales"
    RSA_RECIPIENTS = "rsa_recipients", "Allocataires du RSA"
    SENIORS = "seniors", "Seniors"


class LifeEvent(models.TextChoices):
    """What happened in a persona's life (its timeline, « parcours »)."""

    JOB_LOSS = "job_loss", "Perte d'emploi"
    SEPARATION = "separation", "Séparation"
    BIRTH = "birth", "Naissance"
    TURNING_25 = "turning_25", "25 ans"
    RETIREMENT = "retirement", "Départ à la retraite"
    MOVE_TO_VILLAGE = "move_to_village", "Déménagement dans un village"
    ILLNESS = "illness", "Maladie"
    END_OF_STUDIES = "end_of_studies", "Fin des études"
    OTHER = "other", "Autre"


class Barrier(models.TextChoices):
    """What keeps a persona from claiming a right (« freins »)."""

    NO_INTERNET = "no_internet", "Pas d'accès à internet"
    NOT_AT_EASE_ONLINE = "not_at_ease_online", "Pas à l'aise avec le numérique"
    NO_CAR = "no_car", "Pas de voiture"
    DISTRUST = "distrust", "Méfiance envers les institutions"
    UNAWARE = "unaware", "Ne connaît pas le droit"
    LANGUAGE = "language", "Langue"
    DISABILITY = "disability", "Handicap"
    WORKING_HOURS = "working_hours", "Horaires de travail"


# The words of the YAML files (French, as the situation files) -> values.
FILE_WORDS: dict[str, dict[str, str]] = {
    "public": {
        "jeunes": Public.YOUTH,
        "familles_monoparentales": Public.SINGLE_PARENTS,
        "allocataires_rsa": Public.RSA_RECIPIENTS,
        "seniors": Public.SENIORS,
    },
    "evenement": {
        "perte_emploi": LifeEvent.JOB_LOSS,
        "separation": LifeEvent.SEPARATION,
        "naissance": LifeEvent.BIRTH,
        "vingt_cinq_ans": LifeEvent.TURNING_25,
        "retraite": LifeEvent.RETIREMENT,
        "demenagement_village": LifeEvent.MOVE_TO_VILLAGE,
        "maladie": LifeEvent.ILLNESS,
        "sortie_etudes": LifeEvent.END_OF_STUDIES,
        "autre": LifeEvent.OTHER,
    },
    "freins": {
        "pas_d_internet": Barrier.NO_INTERNET,
        "pas_a_l_aise_numerique": Barrier.NOT_AT_EASE_ONLINE,
        "pas_de_voiture": Barrier.NO_CAR,
        "mefiance_institutions": Barrier.DISTRUST,
        "ne_connait_pas_le_droit": Barrier.UNAWARE,
        "langue": Barrier.LANGUAGE,
        "handicap": Barrier.DISABILITY,
        "horaires_de_travail": Barrier.WORKING_HOURS,
    },
}
