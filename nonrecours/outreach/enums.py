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


class VisitStatus(models.TextChoices):
    """Where a saved visit of the bus stands: as planned, moved by the team
    to another half-day, or cancelled (both dated, shown everywhere)."""

    PLANNED = "prevu", "Prévu"
    MOVED = "deplace", "Déplacé"
    CANCELLED = "annule", "Annulé"


class VisitTheme(models.TextChoices):
    """What a person came to the bus for (the activity log's themes)."""

    CAF = "caf", "CAF (prestations familiales, RSA, prime d'activité, logement)"
    RETIREMENT = "retraite", "Retraite"
    HEALTH = "sante", "Santé (CPAM, complémentaire santé solidaire)"
    EMPLOYMENT = "emploi", "Emploi"
    HOUSING = "logement", "Logement"
    DIGITAL = "numerique", "Numérique (compte en ligne, courriel)"
    ENERGY = "energie", "Énergie (chèque énergie, factures)"
    TAXES = "impots", "Impôts"
    PAPERS = "papiers", "Papiers (identité, titre de séjour, permis)"
    OTHER = "autre", "Autre"
