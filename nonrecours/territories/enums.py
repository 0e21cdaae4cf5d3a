from django.db import models


class Stratum(models.TextChoices):
    """Groups of communes the barometer is analysed by."""

    CENTRAL_CITY = "central_city", "Ville-centre"
    SMALL_COMMUNE = "small_commune", "Petite commune"
    URBAN = "urban", "Urbain"
    RURAL = "rural", "Rural"


class StratumSource(models.TextChoices):
    RULE = "rule", "Règle automatique"
    MANUAL = "manual", "Choix manuel"


class EpciKind(models.TextChoices):
    METROPOLE = "ME", "Métropole"
    CU = "CU", "Communauté urbaine"
    CA = "CA", "Communauté d'agglomération"
    CC = "CC", "Communauté de communes"
