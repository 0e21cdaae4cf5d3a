"""The serious game's sessions, as stored: a session (forum or solo), its
tables (desks of the rules, tied where possible to a directory entry, the
bus with its real stops), its teams (one persona version each, played from
a phone through a secret link), their steps round by round, what the
engine decided (``GameRoundResult``, never recomputed) and what the agents
staffing the tables noted. Imported by training.models."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from nonrecours.training.game_board import Action, Way


class SessionStatus(models.TextChoices):
    PREPARATION = "preparation", "En préparation"
    RUNNING = "en_cours", "En cours"
    FINISHED = "terminee", "Terminée"


class GameSession(models.Model):
    """A session of the game. ``month`` (« AAAA-MM »): the legislation the
    amounts are computed at; ``start_day``: the Monday of round 1, the real
    week whose hours and bus days are played; ``rules_text``: the rules as
    they were when the session was created (training.game_rules);
    ``current_round`` 0 before the first; ``summary``: the anonymous
    aggregate kept for the yearly report once finished."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="game_sessions",
    )
    title = models.CharField("titre", max_length=120)
    is_solo = models.BooleanField("en solo", default=False)
    month = models.CharField("mois de la législation", max_length=7)
    start_day = models.DateField("lundi de la première semaine")
    rounds = models.PositiveSmallIntegerField("nombre de tours")
    round_minutes = models.PositiveSmallIntegerField("minutes par tour")
    rules_text = models.TextField("règles (YAML)")
    status = models.CharField(
        "état", max_length=12, choices=SessionStatus.choices, default=SessionStatus.PREPARATION
    )
    current_round = models.PositiveSmallIntegerField("tour en cours", default=0)
    round_started_at = models.DateTimeField("tour commencé le", null=True, blank=True)
    round_closed = models.BooleanField("tour joué", default=False)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    summary = models.JSONField("bilan anonyme", default=dict, blank=True)

    class Meta:
        verbose_name = "séance du jeu"
        verbose_name_plural = "séances du jeu"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class GameTable(models.Model):
    """A table of a session: ``kind`` is a desk of the rules; ``key`` the
    engine's id of the table; ``stops``: the bus's [ISO day, half-day,
    INSEE code] during the session's weeks; ``token``: the secret link of
    the agent staffing it."""

    session = models.ForeignKey(
        GameSession, verbose_name="séance", on_delete=models.CASCADE, related_name="tables"
    )
    key = models.CharField("clé", max_length=20)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    kind = models.CharField("guichet", max_length=40)
    name = models.CharField("nom", max_length=150)
    commune = models.CharField("commune (code INSEE)", max_length=5, blank=True)
    structure = models.ForeignKey(
        "directory.Structure",
        verbose_name="fiche de l'annuaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField("adresse", max_length=300, blank=True)
    phone = models.CharField("téléphone", max_length=40, blank=True)
    hours = models.TextField("horaires (OpenStreetMap)", blank=True)
    stops = models.JSONField("arrêts du bus", default=list, blank=True)
    token = models.CharField("lien de la table", max_length=64, unique=True)

    class Meta:
        verbose_name = "table"
        verbose_name_plural = "tables"
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "key"], name="training_table_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


class GameTeam(models.Model):
    """A team and the persona version it plays; ``state``: the engine's
    TeamState after the last round played; ``token``: its secret link."""

    session = models.ForeignKey(
        GameSession, verbose_name="séance", on_delete=models.CASCADE, related_name="teams"
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)
    name = models.CharField("nom", max_length=60)
    persona_version = models.ForeignKey(
        "training.PersonaVersion",
        verbose_name="persona",
        on_delete=models.PROTECT,
        related_name="teams",
    )
    state = models.JSONField("état", default=dict)
    token = models.CharField("lien de l'équipe", max_length=64, unique=True)

    class Meta:
        verbose_name = "équipe"
        verbose_name_plural = "équipes"
        ordering = ["session", "position"]

    def __str__(self) -> str:
        return self.name


class GameStep(models.Model):
    """A step a team chose for a round (replaced as a whole until the round
    is played)."""

    team = models.ForeignKey(
        GameTeam, verbose_name="équipe", on_delete=models.CASCADE, related_name="steps"
    )
    round = models.PositiveSmallIntegerField("tour")
    position = models.PositiveSmallIntegerField("ordre")
    action = models.CharField("démarche", max_length=24, choices=Action.choices)
    way = models.CharField("comment", max_length=12, choices=Way.choices)
    table = models.ForeignKey(
        GameTable,
        verbose_name="table",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="steps",
    )
    right = models.CharField("droit", max_length=40, blank=True)
    document = models.CharField("pièce", max_length=40, blank=True)
    barrier = models.CharField("frein", max_length=40, blank=True)
    weekday = models.PositiveSmallIntegerField("jour", default=0)
    half_day = models.CharField("demi-journée", max_length=12, default="matin")

    class Meta:
        verbose_name = "démarche"
        verbose_name_plural = "démarches"
        ordering = ["team", "round", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "round", "position"], name="training_step_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} — tour {self.round}, démarche {self.position}"


class GameRoundResult(models.Model):
    """What the engine decided for a team at a round: the outcomes (Outcome
    data), the state after it and the persona's rights at that round
    (catalogue id, label, euros per month and per year, received)."""

    team = models.ForeignKey(
        GameTeam, verbose_name="équipe", on_delete=models.CASCADE, related_name="results"
    )
    round = models.PositiveSmallIntegerField("tour")
    outcomes = models.JSONField("ce qui s'est passé", default=list)
    state = models.JSONField("état après le tour", default=dict)
    rights = models.JSONField("droits à ce tour", default=list)
    played_at = models.DateTimeField("joué le", default=timezone.now)

    class Meta:
        verbose_name = "tour joué"
        verbose_name_plural = "tours joués"
        ordering = ["team", "round"]
        constraints = [
            models.UniqueConstraint(fields=["team", "round"], name="training_result_unique_round")
        ]

    def __str__(self) -> str:
        return f"{self.team} — tour {self.round}"


class TableNote(models.Model):
    """What the agent staffing a table noted about a team at a round."""

    table = models.ForeignKey(
        GameTable, verbose_name="table", on_delete=models.CASCADE, related_name="notes"
    )
    team = models.ForeignKey(
        GameTeam, verbose_name="équipe", on_delete=models.CASCADE, related_name="table_notes"
    )
    round = models.PositiveSmallIntegerField("tour")
    text = models.TextField("note")
    created_at = models.DateTimeField("notée le", default=timezone.now)

    class Meta:
        verbose_name = "note de table"
        verbose_name_plural = "notes de table"
        ordering = ["table", "round", "created_at"]

    def __str__(self) -> str:
        return f"{self.table} — {self.team}, tour {self.round}"
