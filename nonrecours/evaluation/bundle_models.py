"""Models of the evaluation: indicator bundles (see models.py).

An ``ExternalBundle`` is another territory's published indicator bundle,
imported as it was validated (nonrecours.evaluation.bundles_format) by
one territory of this installation, for its own comparison only; a
``NationalFigure`` is one published national figure (the DREES barometer),
entered as data with its source (nonrecours/evaluation/reference/).
Neither holds personal data: aggregates released under statistical
secrecy, and published national figures.
"""

from django.db import models
from django.utils import timezone

__all__ = ["ExternalBundle", "NationalFigure"]


class ExternalBundle(models.Model):
    """One published wave of another territory, as its bundle tells it,
    imported by ``territory`` (a territory of this installation) for its own
    comparison: no other territory sees, replaces or removes it. One per
    (importing territory, SIREN, wave): the same territory importing the
    same wave again replaces it; two territories importing it hold two."""

    # The importing territory. The bundle's own territory is ``siren`` and
    # ``territory_name`` (never one of this installation: bundles_actions).
    territory = models.ForeignKey(
        "territories.Territory", verbose_name="territoire qui l'a importé",
        on_delete=models.CASCADE, related_name="+",
    )  # fmt: skip
    siren = models.CharField("SIREN du territoire", max_length=9)
    territory_name = models.CharField("territoire", max_length=200)
    wave_slug = models.CharField("identifiant de la vague", max_length=100)
    wave_name = models.CharField("vague", max_length=200)
    starts_on = models.DateField("début de l'enquête")
    ends_on = models.DateField("fin de l'enquête")
    synthetic = models.BooleanField("données synthétiques", default=False)
    questionnaire_slug = models.CharField("questionnaire", max_length=100)
    questionnaire_version = models.PositiveIntegerField("version du questionnaire")
    format_version = models.PositiveIntegerField("version du format")
    content = models.JSONField("lot d'indicateurs (tel que vérifié)")
    filename = models.CharField("fichier importé", max_length=255, blank=True)
    imported_at = models.DateTimeField("importé le", default=timezone.now)

    class Meta:
        verbose_name = "lot d'indicateurs d'un autre territoire"
        verbose_name_plural = "lots d'indicateurs d'autres territoires"
        ordering = ["territory_name", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "siren", "wave_slug"], name="bundle_unique_wave_per_territory"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory_name} — {self.wave_name}"


class NationalFigure(models.Model):
    """A national reference figure, as published, with its source."""

    key = models.SlugField("identifiant", max_length=100, unique=True)
    indicator = models.CharField(
        "indicateur du baromètre",
        max_length=100,
        blank=True,
        help_text="Identifiant de l'indicateur du questionnaire qu'il éclaire ; vide si aucun.",
    )
    wording = models.TextField("formulation")
    base = models.TextField("population")
    estimate = models.FloatField("part (entre 0 et 1)")
    ci_low = models.FloatField("borne basse à 95 %", null=True, blank=True)
    ci_high = models.FloatField("borne haute à 95 %", null=True, blank=True)
    n = models.PositiveIntegerField("effectif", null=True, blank=True)
    year = models.PositiveIntegerField("année de l'enquête")
    publication = models.CharField("publication", max_length=300)
    source_url = models.URLField("adresse de la source", max_length=500)
    producer = models.CharField("producteur", max_length=200)
    imported_at = models.DateTimeField("importé le", default=timezone.now)

    class Meta:
        verbose_name = "chiffre national de référence"
        verbose_name_plural = "chiffres nationaux de référence"
        ordering = ["indicator", "key"]

    def __str__(self) -> str:
        return f"{self.wording} ({self.year})"
