"""Aller-vers: the files a territory imports to decide where the bus goes
(quartiers prioritaires, per-commune figures), the weights of its priority
index, and the candidate stops of the bus.

No household data is kept here: figures are per commune (or per QPV), as
published by their producer or aggregated before they are stored."""

from django.conf import settings
from django.db import models

from nonrecours.outreach.enums import FigureSource, StopKind


class PriorityArea(models.Model):
    """A quartier prioritaire de la politique de la ville (QPV), from the
    ANCT's list and contours (outreach.importers.qpv)."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="priority_areas",
    )
    code = models.CharField("code du quartier", max_length=20)
    name = models.CharField("nom", max_length=200)
    insee_codes = models.JSONField("communes (codes INSEE)", default=list)
    geometry = models.JSONField("contour (GeoJSON, WGS 84)")
    # A point inside the contour, where the QPV's candidate stop goes.
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.PositiveIntegerField("population", null=True, blank=True)
    file_name = models.CharField("fichier importé", max_length=255)
    imported_at = models.DateTimeField("importé le")

    class Meta:
        verbose_name = "quartier prioritaire"
        verbose_name_plural = "quartiers prioritaires"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="outreach_qpv_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CommuneFigure(models.Model):
    """One figure of one commune from an imported file: `value` None when
    the producer masks it (statistical secrecy). Units by `name`: see
    outreach.figures.FIGURES."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="commune_figures",
    )
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        on_delete=models.CASCADE,
        related_name="figures",
    )
    source = models.CharField("source", max_length=20, choices=FigureSource.choices)
    name = models.CharField("indicateur", max_length=40)
    value = models.FloatField("valeur", null=True, blank=True)
    year = models.PositiveSmallIntegerField("année")
    month = models.PositiveSmallIntegerField("mois (0 : donnée de l'année)", default=0)
    file_name = models.CharField("fichier importé", max_length=255)
    imported_at = models.DateTimeField("importé le")

    class Meta:
        verbose_name = "donnée par commune"
        verbose_name_plural = "données par commune"
        indexes = [models.Index(fields=["territory", "source", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "source", "name", "year", "month"],
                name="outreach_figure_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.source}:{self.name} {self.year} = {self.value}"


class PriorityWeights(models.Model):
    """The weights of a territory's priority index, as its project lead set
    them (factor key -> weight ≥ 0; see outreach.priorities.FACTORS)."""

    territory = models.OneToOneField(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="priority_weights",
    )
    weights = models.JSONField("poids")
    updated_at = models.DateTimeField("modifiés le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modifiés par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "poids de l'indice de priorité"
        verbose_name_plural = "poids de l'indice de priorité"

    def __str__(self) -> str:
        return f"poids de l'indice de priorité ({self.territory_id})"


class Stop(models.Model):
    """A candidate stop of the bus: a town hall, a QPV, or a place the team
    adds (market square, entrance of a housing estate)."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="stops",
    )
    kind = models.CharField("type", max_length=10, choices=StopKind.choices)
    name = models.CharField("nom", max_length=200)
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        related_name="stops",
    )
    priority_area = models.ForeignKey(
        PriorityArea,
        verbose_name="quartier prioritaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stops",
    )
    address = models.CharField("adresse", max_length=300, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # Two hours on site: with the trips from the depot, it fits a half-day
    # of three and a half hours (outreach.planning.DEFAULT_HALF_DAYS).
    service_minutes = models.PositiveSmallIntegerField("durée de présence (minutes)", default=120)
    is_active = models.BooleanField("candidat au calendrier", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "arrêt"
        verbose_name_plural = "arrêts"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "kind", "commune"],
                condition=models.Q(kind=StopKind.TOWN_HALL),
                name="outreach_one_town_hall_stop",
            ),
            models.UniqueConstraint(
                fields=["priority_area"],
                condition=models.Q(kind=StopKind.PRIORITY_AREA),
                name="outreach_one_stop_per_qpv",
            ),
        ]

    def __str__(self) -> str:
        return self.name
