"""The serious game's pieces, as plain data: the board (tables with their
real hours and bus stops, the communes' coordinates, the rules), a team's
steps, its state between rounds (stored as JSON) and what happened
(``Outcome``). The engine that moves them is training.game.
"""

import datetime
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

from nonrecours.french import weekday_date_text
from nonrecours.outreach.travel import DETOUR_FACTOR, haversine_km
from nonrecours.rights.catalogue import benefits
from nonrecours.training.game_rules import GameRules

PARIS = ZoneInfo("Europe/Paris")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")
# When a persona may be at a desk, by half-day: from, to (hour, minute),
# Paris time; a desk open at any moment of it receives.
HALF_DAY_TIME = {"matin": ((8, 0), (12, 30)), "apres_midi": ((13, 30), (18, 0))}
HALF_DAYS = {"matin": "matin", "apres_midi": "après-midi"}


class Action(models.TextChoices):
    """What a persona does at a desk (a step of a round)."""

    INFORM = "s_informer", "S'informer sur ses droits"
    CLAIM = "demander", "Demander un droit"
    DOCUMENT = "obtenir_piece", "Obtenir une pièce justificative"
    LIFT = "lever_frein", "Se faire aider (lever un frein)"
    APPOINTMENT = "prendre_rendez_vous", "Prendre rendez-vous"


class Way(models.TextChoices):
    """How the persona reaches the desk."""

    ON_SITE = "sur_place", "Sur place"
    PHONE = "telephone", "Par téléphone"
    ONLINE = "en_ligne", "En ligne"


class OutcomeKind(models.TextChoices):
    """What happened (each kind has its colour on the board)."""

    CHANGE = "changement", "Changement de situation"
    OPENED = "ouvert", "Droit ouvert"
    FILED = "depose", "Demande déposée"
    REFUSED = "refuse", "Demande refusée"
    MISSING = "piece_manquante", "Pièce manquante"
    BLOCKED = "bloque", "Frein"
    CLOSED = "ferme", "Porte close"
    INFORMED = "informe", "Information"
    DOCUMENT = "piece_obtenue", "Pièce obtenue"
    LIFTED = "frein_leve", "Frein levé"
    REFERRAL = "orientation", "Orientation"
    APPOINTMENT = "rendez_vous", "Rendez-vous"
    OUT_OF_TIME = "temps_epuise", "Plus de temps cette semaine"
    NOT_POSSIBLE = "impossible", "Impossible ici"


@dataclass(frozen=True)
class Table:
    """A table of the session: a desk of the rules, where it is (INSEE code;
    None for the roaming bus), its name and hours (OpenStreetMap; "" for
    the desk's usual hours) and, for the bus, where it stops: (date,
    half-day « matin »/« apres_midi ») -> INSEE code."""

    id: str
    kind: str
    name: str
    commune: str | None = None
    hours: str = ""
    stops: Mapping[tuple[datetime.date, str], tuple[str, ...]] = field(
        default_factory=dict, hash=False
    )


@dataclass(frozen=True)
class Board:
    """What every team plays on: the rules, the tables, the communes'
    coordinates (INSEE -> latitude, longitude) and the Monday of round 1."""

    rules: GameRules
    tables: Sequence[Table]
    coordinates: Mapping[str, tuple[float, float]]
    start: datetime.date

    def table(self, table_id: str | None) -> Table | None:
        return next((table for table in self.tables if table.id == table_id), None)

    def day(self, round_number: int, weekday: int) -> datetime.date:
        """The date of ``weekday`` (0 Monday … 5 Saturday) in the round."""
        return self.start + datetime.timedelta(days=7 * (round_number - 1) + weekday)

    def km(self, first: str | None, second: str | None) -> float:
        """Kilometres by road between two communes (haversine × detour
        factor, outreach.travel); 0 within a commune or when unknown."""
        if not first or not second or first == second:
            return 0.0
        if first not in self.coordinates or second not in self.coordinates:
            return 0.0
        return haversine_km(self.coordinates[first], self.coordinates[second]) * DETOUR_FACTOR


@dataclass(frozen=True)
class Step:
    """A team's choice for one step of a round. ``table``: a table id (None
    online); ``right``/``document``/``barrier``: catalogue id, document id,
    Barrier value, as the action needs; ``weekday`` 0 (Monday) to 5."""

    action: Action
    way: Way = Way.ON_SITE
    table: str | None = None
    right: str | None = None
    document: str | None = None
    barrier: str | None = None
    weekday: int = 0
    half_day: str = "matin"


@dataclass(frozen=True)
class Outcome:
    """What happened, in French. ``step``: the step's index (None for what
    happens at the round's start); ``monthly``: euros per month of a right
    opened or told; ``half_days`` and ``km`` spent."""

    kind: OutcomeKind
    text: str
    step: int | None = None
    table: str | None = None
    right: str | None = None
    monthly: float | None = None
    half_days: int = 0
    km: float = 0.0

    def data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "text": self.text,
            "step": self.step,
            "table": self.table,
            "right": self.right,
            "monthly": self.monthly,
            "half_days": self.half_days,
            "km": self.km,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "Outcome":
        return cls(**{**data, "kind": OutcomeKind(data["kind"])})


@dataclass
class TeamState:
    """Where a team stands, as plain data (stored as JSON between rounds).
    ``claims``: right -> {status « instruction »/« ouvert »/« refuse »,
    filed, decided (round numbers), table, monthly}; ``appointments``:
    table id -> first round it may be used."""

    documents: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)
    barriers_met: list[str] = field(default_factory=list)
    obtained: list[str] = field(default_factory=list)  # documents obtained in the game
    known: list[str] = field(default_factory=list)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    appointments: dict[str, int] = field(default_factory=dict)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    half_days: int = 0
    trips: int = 0
    km: float = 0.0
    steps: int = 0
    rounds_played: int = 0

    def data(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "TeamState":
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})

    def opened(self) -> list[str]:
        return [right for right, claim in self.claims.items() if claim["status"] == "ouvert"]


@functools.cache
def benefit_labels() -> dict[str, str]:
    """Catalogue id -> French label of every right (rights/benefits.yaml)."""
    return {benefit.id: benefit.label for benefit in benefits()}


def when_text(day: datetime.date, half_day: str) -> str:
    """« mardi 15 décembre (matin) »."""
    return f"{weekday_date_text(day, with_year=False)} ({HALF_DAYS.get(half_day, half_day)})"
