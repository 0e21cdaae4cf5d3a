"""What the serious game's pages show, read from a session: where its
round stands (and the clock), each table's card with its hours and the
bus's stops of the week, a step in words, the outcomes by round, a team's
persona card and the debrief as rows. No write here; every page of
www/training/game*.py draws from these."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone

from nonrecours.directory.hours import opening_hours_text
from nonrecours.french import weekday_date_text
from nonrecours.territories.models import Territory
from nonrecours.territories.queries import member_communes
from nonrecours.training.enums import Barrier, Public
from nonrecours.training.game_board import (
    DAYS,
    HALF_DAYS,
    Action,
    Outcome,
    TeamState,
    Way,
    benefit_labels,
)
from nonrecours.training.game_models import (
    GameRoundResult,
    GameSession,
    GameStep,
    GameTable,
    GameTeam,
    SessionStatus,
    TableNote,
)
from nonrecours.training.game_queries import (
    SessionReport,
    result_outcomes,
    session_rules,
    team_persona,
    team_state,
)
from nonrecours.training.game_round import TeamDebrief
from nonrecours.training.game_rules import GameRules

CLAIM_STATUS = {"instruction": "en cours d'instruction", "ouvert": "ouvert", "refuse": "refusé"}


def commune_names(territory: Territory) -> dict[str, str]:
    """INSEE code -> name of the territory's member communes."""
    return {commune.insee_code: commune.name for commune in member_communes(territory)}


@dataclass(frozen=True)
class RoundState:
    """Where a session stands, for the clock and the buttons. ``number``:
    the round open or last played (0 before the first); ``open``: a round
    waits for the teams' steps; ``ends_at`` / ``seconds_left``: the end of
    the open round's time (the clock; never negative)."""

    session: GameSession
    number: int
    open: bool
    finished: bool
    ends_at: datetime.datetime | None
    seconds_left: int

    @property
    def can_start(self) -> bool:
        return not self.finished and not self.open and self.number < self.session.rounds

    @property
    def can_finish(self) -> bool:
        return not self.finished and not self.open

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def text(self) -> str:
        """The session's state in one French sentence."""
        total = self.session.rounds
        if self.finished:
            return "La séance est terminée : place au débriefing."
        if self.number == 0:
            return "La séance n'a pas commencé : le premier tour s'ouvre bientôt."
        if self.open:
            return (
                f"Tour {self.number} sur {total} ouvert : les équipes choisissent leurs démarches."
            )
        if self.number >= total:
            return f"Tour {self.number} sur {total} joué : la séance va se terminer."
        return f"Tour {self.number} sur {total} joué : voici ce qui s'est passé."


def round_state(session: GameSession, now: datetime.datetime | None = None) -> RoundState:
    now = now or timezone.now()
    finished = session.status == SessionStatus.FINISHED
    is_open = session.status == SessionStatus.RUNNING and not session.round_closed
    ends_at = None
    seconds = 0
    if is_open and session.round_started_at is not None and not session.is_solo:
        ends_at = session.round_started_at + datetime.timedelta(minutes=session.round_minutes)
        seconds = max(0, int((ends_at - now).total_seconds()))
    return RoundState(session, session.current_round, is_open, finished, ends_at, seconds)


def round_version(session: GameSession) -> str:
    """Changes when a round opens, is played, or the session ends: what a
    team's page waits for."""
    return f"{session.status}.{session.current_round}.{int(session.round_closed)}"


def board_version(session: GameSession) -> str:
    """round_version, and changes too when a team saves its steps or a
    table notes something: what the facilitator's board waits for."""
    steps = GameStep.objects.filter(team__session=session).aggregate(last=Max("pk"))["last"]
    notes = TableNote.objects.filter(table__session=session).aggregate(last=Max("pk"))["last"]
    return f"{round_version(session)}.{steps or 0}.{notes or 0}"


def week_start(session: GameSession, number: int) -> datetime.date:
    """The Monday of round ``number`` (round 1 before the first)."""
    return session.start_day + datetime.timedelta(days=7 * (max(number, 1) - 1))


@dataclass(frozen=True)
class TableCard:
    """A table as a card: its desk's name, hours in French, and for the bus
    its stops of the week (day, half-day, commune's name)."""

    table: GameTable
    desk: str
    hours: str
    commune: str
    stops: list[str]
    roaming: bool = False

    @property
    def option(self) -> str:
        """The table in a select: « CAF d'Arras (CAF, Arras) »."""
        where = f", {self.commune}" if self.commune else ""
        desk = self.desk if self.desk != self.table.name else ""
        inside = ", ".join(part for part in (desk, where.lstrip(", ")) if part)
        return f"{self.table.name} ({inside})" if inside else self.table.name


def table_cards(
    session: GameSession, rules: GameRules, communes: dict[str, str], number: int
) -> list[TableCard]:
    """The session's tables, with the bus's stops of round ``number``'s week."""
    monday = week_start(session, number)
    days = {(monday + datetime.timedelta(days=i)).isoformat() for i in range(len(DAYS))}
    cards = []
    for table in session.tables.all():
        desk = rules.desks.get(table.kind)
        hours = table.hours or (desk.hours if desk else "")
        stops = [
            f"{weekday_date_text(datetime.date.fromisoformat(day), with_year=False)} "
            f"{HALF_DAYS.get(half_day, half_day)} : {communes.get(commune, commune)}"
            for day, half_day, commune in table.stops
            if day in days
        ]
        cards.append(
            TableCard(
                table=table,
                desk=desk.name if desk else table.kind,
                hours=opening_hours_text(hours) if hours else "",
                commune=communes.get(table.commune, table.commune),
                stops=stops,
                roaming=bool(desk and desk.roaming),
            )
        )
    return cards


def step_text(step: GameStep, rules: GameRules, tables: dict[int, str]) -> str:
    """A step in words: « Demander un droit (Prime d'activité) — CAF d'Arras,
    sur place, mardi après-midi »."""
    what = Action(step.action).label
    detail = ""
    if step.right:
        detail = benefit_labels().get(step.right, step.right)
    elif step.document:
        detail = rules.documents.get(step.document, step.document)
    elif step.barrier and step.barrier in Barrier.values:
        detail = Barrier(step.barrier).label
    where = tables.get(step.table_id or 0, "")
    way = Way(step.way).label.lower()
    when = f"{DAYS[step.weekday]} {HALF_DAYS.get(step.half_day, step.half_day)}"
    place = ", ".join(part for part in (where, way, when) if part)
    return f"{what}{f' ({detail})' if detail else ''} — {place}"


@dataclass(frozen=True)
class OutcomeRow:
    kind: str  # OutcomeKind's value, for the colour
    label: str
    text: str


def outcome_rows(outcomes: list[Outcome]) -> list[OutcomeRow]:
    return [OutcomeRow(o.kind.value, o.kind.label, o.text) for o in outcomes]


def rounds_played(team: GameTeam) -> list[tuple[int, list[OutcomeRow]]]:
    """The team's rounds played, the latest first, with what happened."""
    results = GameRoundResult.objects.filter(team=team).order_by("-round")
    return [(result.round, outcome_rows(result_outcomes(result))) for result in results]


def persona_card(team: GameTeam, rules: GameRules, communes: dict[str, str]) -> dict[str, Any]:
    """The team's persona as the team sees it now: who it is, its timeline,
    the barriers still in its way, the documents in hand and missing, the
    rights it knows of, its claims and where they stand."""
    persona = team_persona(team)
    state: TeamState = team_state(team, rules)
    labels = benefit_labels()
    return {
        "persona": persona,
        "commune": communes.get(persona.commune, persona.commune),
        "barriers": [Barrier(value).label for value in state.barriers if value in Barrier.values],
        "documents": [rules.documents.get(d, d) for d in state.documents],
        "missing": [label for d, label in rules.documents.items() if d not in state.documents],
        "known": [labels.get(right, right) for right in state.known],
        "claims": [
            (labels.get(right, right), CLAIM_STATUS.get(claim.get("status", ""), ""))
            for right, claim in state.claims.items()
        ],
        "state": state,
    }


@dataclass(frozen=True)
class RightRow:
    label: str
    amount: str
    status: str
    missed: bool  # eligible and neither received nor opened


def right_rows(debrief: TeamDebrief) -> list[RightRow]:
    rows = []
    for right in debrief.eligible:
        if right in debrief.opened:
            status = "ouvert pendant le jeu"
        elif right.received or right in debrief.obtained:
            status = "perçu avant le jeu"
        elif right in debrief.pending:
            status = "demandé, en cours d'instruction"
        else:
            status = "non demandé"
        rows.append(RightRow(right.label, right.amount_text, status, right in debrief.not_claimed))
    for right in debrief.outside:
        # No desk of the rules opens it (the AAH, school grants…).
        rows.append(
            RightRow(right.label, right.amount_text, "hors du jeu (à demander ailleurs)", False)
        )
    return rows


def summary_rows(summary: dict[str, Any], rules: GameRules) -> list[tuple[str, str]]:
    """The anonymous aggregate kept for the yearly report, in words."""
    if not summary:
        return []
    from nonrecours.french import amount, number

    publics = {public.value: public.label for public in Public}
    barriers = {barrier.value: barrier.label for barrier in Barrier}
    desks = {kind: desk.name for kind, desk in rules.desks.items()}

    def counted(items: dict[str, int], names: dict[str, str]) -> str:
        return " ; ".join(f"{names.get(k, k)} : {v}" for k, v in items.items()) or "aucun"

    return [
        ("Semaine jouée", summary.get("date", "")),
        ("En solo", "oui" if summary.get("solo") else "non"),
        ("Équipes", str(summary.get("teams", 0))),
        ("Tours joués", str(summary.get("rounds", 0))),
        ("Publics joués", counted(summary.get("publics", {}), publics)),
        ("Droits éligibles", str(summary.get("rights_eligible", 0))),
        ("Droits obtenus (perçus ou ouverts)", str(summary.get("rights_obtained", 0))),
        ("Droits ouverts pendant le jeu", str(summary.get("rights_opened", 0))),
        ("Droits en cours d'instruction", str(summary.get("rights_pending", 0))),
        ("Droits hors du jeu (aucun guichet des règles)", str(summary.get("rights_outside", 0))),
        ("Ouverts pendant le jeu, par mois", amount(summary.get("opened_monthly", 0), 2)),
        ("En cours d'instruction, par mois", amount(summary.get("pending_monthly", 0), 2)),
        ("Non demandés, par mois", amount(summary.get("not_claimed_monthly", 0), 2)),
        ("Démarches", str(summary.get("steps", 0))),
        ("Déplacements", str(summary.get("trips", 0))),
        ("Demi-journées passées", str(summary.get("half_days", 0))),
        ("Kilomètres", number(summary.get("km", 0), 1)),
        ("Freins rencontrés", counted(summary.get("barriers_met", {}), barriers)),
        ("Tables installées", str(summary.get("tables", 0))),
        ("Tables que personne n'a découvertes",
         ", ".join(desks.get(k, k) for k in summary.get("tables_unvisited", [])) or "aucune"),
    ]  # fmt: skip


def debrief_context(report: SessionReport) -> dict[str, Any]:
    """The debrief page's context: each team with its rights as rows, the
    tables nobody reached and the anonymous summary in words."""
    session = report.session
    rules = session_rules(session)
    communes = commune_names(session.territory)
    teams = [
        {
            "report": item,
            "commune": communes.get(item.persona.commune, item.persona.commune),
            "rights": right_rows(item.debrief) if item.debrief is not None else [],
        }
        for item in report.teams
    ]
    cards = {card.table.key: card for card in table_cards(session, rules, communes, 1)}
    unvisited = [cards[table.id] for table in report.unvisited if table.id in cards]
    return {
        "session": session,
        "teams": teams,
        "unvisited": unvisited,
        "summary": summary_rows(session.summary, rules),
        "state": round_state(session),
    }
