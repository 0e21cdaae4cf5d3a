from django.db import models


class Channel(models.TextChoices):
    ONLINE = "online", "En ligne"
    DOOR_TO_DOOR = "door_to_door", "Porte-à-porte"
    IMPORT = "import", "Import (KoboToolbox, ODK, LimeSurvey…)"
    SYNTHETIC = "synthetic", "Données de démonstration (synthétiques)"
