"""Personas stored per territory, each with its immutable versions.

A persona (``TerritoryPersona``) is a territory's and a key's (« ines-24-ans »);
what it says is the YAML text of its versions (``PersonaVersion``), each
checked when saved (training.actions.persona_save) and never changed
afterwards: a game session points to the version it was played with, as an
answer points to its questionnaire version. The current version is the one
with the highest number.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from nonrecours.training.enums import Public


class TerritoryPersona(models.Model):
    """A persona of a territory, by its key (the file's `cle`); its content
    is in its versions."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="personas",
    )
    key = models.SlugField("clé", max_length=60)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    class Meta:
        verbose_name = "persona"
        verbose_name_plural = "personas"
        ordering = ["territory", "key"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "key"], name="training_persona_unique_key")
        ]

    def __str__(self) -> str:
        return self.key


class PersonaVersion(models.Model):
    """One version of a persona: the YAML text as checked and stored (its
    `version:` is ``number``), with its name and public read from it, who
    saved it and when. Never updated once created (``save`` refuses)."""

    persona = models.ForeignKey(
        TerritoryPersona,
        verbose_name="persona",
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField("version")
    text = models.TextField("fichier YAML")
    checksum = models.CharField("empreinte SHA-256", max_length=64)
    name = models.CharField("nom", max_length=80)
    public = models.CharField("public", max_length=20, choices=Public.choices)
    created_at = models.DateTimeField("enregistrée le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "version de persona"
        verbose_name_plural = "versions de persona"
        ordering = ["persona", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["persona", "number"], name="training_persona_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A version is referenced by the sessions played with it: a change
        # is a new version (training.actions.persona_save), never an update.
        if not self._state.adding:
            raise RuntimeError("une version de persona ne se modifie pas : en créer une autre")
        super().save(*args, **kwargs)


# The serious game's sessions (their own module; imported here so that
# Django finds them).
from nonrecours.training.game_models import (  # noqa: E402
    GameRoundResult,
    GameSession,
    GameStep,
    GameTable,
    GameTeam,
    SessionStatus,
    TableNote,
)

__all__ = [
    "GameRoundResult",
    "GameSession",
    "GameStep",
    "GameTable",
    "GameTeam",
    "PersonaVersion",
    "SessionStatus",
    "TableNote",
    "TerritoryPersona",
]
