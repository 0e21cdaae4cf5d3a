"""Choices of the outreach app (aller-vers)."""

from django.db import models


class FigureSource(models.TextChoices):
    """Where a per-commune figure comes from (the files a territory holds;
    see docs/guide/donnees-aller-vers.md)."""

    FILOSOFI_COMMUNE = "filosofi_commune", "INSEE Filosofi, par commune"
    FILOSOFI_SQUARES = "filosofi_carreaux", "INSEE Filosofi, carreaux de 200 m"
    CAF = "caf", "CAF, allocataires par commune"
    SCREENING = "criblage", "Criblage de fichiers de foyers"


class StopKind(models.TextChoices):
    TOWN_HALL = "mairie", "Mairie"
    PRIORITY_AREA = "qpv", "Quartier prioritaire (QPV)"
    PLACE = "lieu", "Lieu ajouté par l'équipe"
