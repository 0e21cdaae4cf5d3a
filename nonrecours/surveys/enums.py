from django.db import models


class Channel(models.TextChoices):
    ONLINE = "online", "En ligne"
    DOOR_TO_DOOR = "door_to_door", "Porte-à-porte"
    IMPORT = "import", "Import (KoboToolbox, ODK, LimeSurvey…)"
    SYNTHETIC = "synthetic", "Données de démonstration (synthétiques)"


class RevisionReason(models.TextChoices):
    """Why an imported submission left the results (ResponseRevision)."""

    REPLACED = "replaced", "Remplacée par une version corrigée dans l'outil de collecte"
    WITHDRAWN = "withdrawn", "Retirée : rejetée ou mise en attente dans l'outil de collecte"
