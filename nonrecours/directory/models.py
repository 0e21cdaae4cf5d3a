"""The directory, on the national data·inclusion schema (v1).

Each entry keeps its data·inclusion record as validated by the official
package (`record`), with the columns the search needs beside it."""

import datetime

from django.db import models

STALE_AFTER_DAYS = 183  # six months: an entry older is flagged for update


class Structure(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="structures",
    )
    # Who decided where the referrals go, and since when: the previous
    # recipients are told (a change of route is never silent).
    organisation_since = models.DateTimeField("rattachée depuis", null=True, blank=True)
    organisation_set_by = models.CharField("rattachement décidé par", max_length=200, blank=True)
    di_id = models.CharField("identifiant data·inclusion", max_length=200, unique=True)
    source = models.CharField("source", max_length=100)
    name = models.CharField("nom", max_length=150)
    insee_code = models.CharField("code INSEE", max_length=5, blank=True, db_index=True)
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    updated_on = models.DateField("mise à jour (date_maj)")
    is_town_hall = models.BooleanField("mairie", default=False)
    # The partner organisation that answers referrals to this structure
    # with its accounts (else: through the link sent to its e-mail).
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="organisation partenaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="structures",
    )
    record = models.JSONField("fiche data·inclusion")
    imported_at = models.DateTimeField("importée le", auto_now=True)

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_stale(self, today: datetime.date) -> bool:
        return (today - self.updated_on).days > STALE_AFTER_DAYS


class Offer(models.Model):
    """A data·inclusion « service »: what a structure offers."""

    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.CASCADE, related_name="offers"
    )
    # The structure's, copied: a search filters on it without a join.
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.PROTECT, related_name="+", null=True
    )
    di_id = models.CharField("identifiant data·inclusion", max_length=200, unique=True)
    source = models.CharField("source", max_length=100)
    name = models.CharField("nom", max_length=150)
    insee_code = models.CharField("code INSEE", max_length=5, blank=True, db_index=True)
    thematics = models.JSONField("thématiques", default=list)
    publics = models.JSONField("publics", default=list)
    eligibility = models.JSONField("zone d'éligibilité", default=list)
    # Where and when, resolved at import (the offer's own, else its
    # structure's; the place falls back to the commune's centre).
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    opening_hours = models.TextField("horaires (OpenStreetMap)", blank=True)
    updated_on = models.DateField("mise à jour (date_maj)")
    quality = models.FloatField("score de qualité data·inclusion", null=True, blank=True)
    record = models.JSONField("fiche data·inclusion")
    imported_at = models.DateTimeField("importée le", auto_now=True)

    class Meta:
        verbose_name = "offre"
        verbose_name_plural = "offres"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_stale(self, today: datetime.date) -> bool:
        return (today - self.updated_on).days > STALE_AFTER_DAYS


class TagKind(models.TextChoices):
    THEMATIC = "t", "thématique ou catégorie"
    PUBLIC = "p", "public"
    ZONE = "z", "code de la zone d'éligibilité"


class OfferTag(models.Model):
    """One value of an offer's lists (thematics and their categories,
    publics, eligibility codes), indexed: a search is a few index lookups,
    on tens of thousands of offers, in SQLite as in PostgreSQL."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(max_length=1, choices=TagKind.choices)
    value = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["kind", "value", "offer"], name="directory_tag_lookup")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
