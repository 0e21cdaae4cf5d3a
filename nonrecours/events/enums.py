"""Choices of the events app: English values, French labels."""

from django.db import models


class EventKind(models.TextChoices):
    FORUM = "forum", "Forum des partenaires"
    TRAINING = "training", "Formation"


class HalfDay(models.TextChoices):
    """A half-day of an event: what one signature of the attendance sheet covers."""

    MORNING = "morning", "Matin"
    AFTERNOON = "afternoon", "Après-midi"


class RegistrationSource(models.TextChoices):
    """Who wrote a registration."""

    TEAM = "team", "Saisie par l'équipe"
    FILE = "file", "Fichier importé"
    PUBLIC = "public", "Lien d'inscription"


class QuizMoment(models.TextChoices):
    """Which questionnaire of an event an answer is to."""

    BEFORE = "before", "Quiz avant la formation"
    AFTER = "after", "Quiz après la formation"
    SATISFACTION = "satisfaction", "Questionnaire de satisfaction"
