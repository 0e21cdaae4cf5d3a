"""Reads of the serious game's sessions: the board a session plays on (its
rules, tables, communes' coordinates), each team's persona and rounds, the
tables the directory and the bus offer, and the debrief."""

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import QuerySet

from nonrecours.directory.models import Structure
from nonrecours.directory.queries import centroids
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.queries import running_visits
from nonrecours.territories.models import Territory
from nonrecours.training.game import initial_state
from nonrecours.training.game_board import Board, Outcome, Table, TeamState
from nonrecours.training.game_models import GameRoundResult, GameSession, GameTeam
from nonrecours.training.game_round import TeamDebrief, team_debrief, unvisited_tables
from nonrecours.training.game_rules import GameRules, parse_rules
from nonrecours.training.persona_file import Persona
from nonrecours.training.personas import PersonaRights, RightAmount
from nonrecours.training.queries import stored_persona

# outreach's half-days (« matin », « après-midi ») -> the game's.
BUS_HALF_DAYS = {"matin": "matin", "après-midi": "apres_midi"}


@lru_cache(maxsize=32)
def _rules(text: str, month: str) -> GameRules:
    return parse_rules(text, "regles.yaml", month=month)


def session_rules(session: GameSession) -> GameRules:
    """The rules the session was created with (checked then; read once per
    process for a given text)."""
    return _rules(session.rules_text, session.month)


def session_board(session: GameSession) -> Board:
    """What the session's teams play on: its rules, its tables (with their
    hours and the bus's stops during the session's weeks) and the
    territory's communes' coordinates (latitude, longitude)."""
    tables = []
    for row in session.tables.all():
        stops: dict[tuple[datetime.date, str], tuple[str, ...]] = {}
        for day, half_day, commune in row.stops:
            slot = (datetime.date.fromisoformat(day), half_day)
            stops[slot] = (*stops.get(slot, ()), commune)
        tables.append(
            Table(
                id=row.key,
                kind=row.kind,
                name=row.name,
                commune=row.commune or None,
                hours=row.hours,
                stops=stops,
            )
        )
    coordinates = {code: (lat, lon) for code, (lon, lat) in centroids(session.territory).items()}
    return Board(session_rules(session), tables, coordinates, session.start_day)


def team_persona(team: GameTeam) -> Persona:
    """The persona the team plays (its stored version, parsed)."""
    return stored_persona(team.persona_version)


def team_state(team: GameTeam, rules: GameRules) -> TeamState:
    """The team's state after its last round (before the first: the
    persona's start, training.game.initial_state)."""
    if team.state:
        return TeamState.from_data(team.state)
    return initial_state(rules, team_persona(team))


def bus_stops(territory: Territory, start: datetime.date, rounds: int) -> list[list[str]]:
    """Where the bus stops during ``rounds`` weeks from ``start``: [ISO day,
    half-day, INSEE code] of the territory's running visits
    (outreach.queries.running_visits), cancelled ones left out."""
    end = start + datetime.timedelta(days=7 * rounds - 1)
    visits = (
        running_visits(territory)
        .filter(day__gte=start, day__lte=end)
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("stop__commune")
    )
    stops = [
        [
            visit.day.isoformat(),
            BUS_HALF_DAYS.get(visit.half_day, "matin"),
            visit.stop.commune.insee_code,
        ]
        for visit in visits
    ]
    # By day, the morning first (the database would put « après-midi » first).
    return sorted(stops, key=lambda stop: (stop[0], stop[1] != "matin", stop[2]))


def directory_structures(territory: Territory) -> QuerySet[Structure]:
    """The territory's directory entries a table may be tied to, by name."""
    return Structure.objects.filter(territory=territory).order_by("name")


def structure_contacts(structure: Structure) -> dict[str, str]:
    """What a table card shows of a directory entry (data·inclusion fields):
    address, phone, e-mail, website and OpenStreetMap hours ("" when
    absent)."""
    record: dict[str, Any] = structure.record if isinstance(structure.record, dict) else {}

    def text(key: str) -> str:
        value = record.get(key)
        return value.strip() if isinstance(value, str) else ""

    address = " ".join(
        part for part in (text("adresse"), text("code_postal"), text("commune")) if part
    )
    return {
        "address": address,
        "phone": text("telephone"),
        "email": text("courriel"),
        "website": text("site_web"),
        "hours": text("horaires_accueil"),
    }


def team_results(team: GameTeam) -> list[GameRoundResult]:
    """The team's rounds played, in order."""
    return list(team.results.order_by("round"))


def result_outcomes(result: GameRoundResult) -> list[Outcome]:
    return [Outcome.from_data(item) for item in result.outcomes]


def rights_data(rights: PersonaRights) -> list[dict[str, Any]]:
    """A persona's rights at a round as stored (GameRoundResult.rights)."""
    return [
        {
            "benefit": r.benefit,
            "label": r.label,
            "monthly": r.monthly,
            "yearly": r.yearly,
            "received": r.received,
            "in_kind": r.in_kind,
            "per_year": r.per_year,
        }  # fmt: skip
        for r in rights.eligible
    ]


def stored_rights(persona: Persona, month: str, data: Sequence[dict[str, Any]]) -> PersonaRights:
    """The PersonaRights of a stored round (``rights_data``)."""
    return PersonaRights(persona, month, tuple(RightAmount(**item) for item in data))


@dataclass(frozen=True)
class TeamReport:
    """A team of the debrief: its name, the persona's debrief (None before
    any round was played) and the rounds' outcomes."""

    team: GameTeam
    persona: Persona
    debrief: TeamDebrief | None
    rounds: list[tuple[int, list[Outcome]]]


@dataclass(frozen=True)
class SessionReport:
    """The debrief of a session: each team, and the tables nobody went to
    nor called (the local places left undiscovered)."""

    session: GameSession
    teams: list[TeamReport]
    unvisited: list[Table]

    def summary(self) -> dict[str, Any]:
        """The anonymous aggregate kept for the yearly report: no team name,
        no note; counts and euros per month only."""
        debriefs = [report.debrief for report in self.teams if report.debrief is not None]
        barriers: Counter[str] = Counter()
        for debrief in debriefs:
            barriers.update(barrier.value for barrier in debrief.barriers_met)
        publics = Counter(report.persona.public.value for report in self.teams)
        return {
            "date": self.session.start_day.isoformat(),
            "solo": self.session.is_solo,
            "teams": len(self.teams),
            "rounds": self.session.current_round,
            "publics": dict(sorted(publics.items())),
            "rights_eligible": sum(len(d.eligible) for d in debriefs),
            "rights_obtained": sum(len(d.obtained) for d in debriefs),
            "rights_opened": sum(len(d.opened) for d in debriefs),
            "rights_pending": sum(len(d.pending) for d in debriefs),
            "rights_outside": sum(len(d.outside) for d in debriefs),
            "pending_monthly": round(sum(d.pending_monthly for d in debriefs), 2),
            "opened_monthly": round(sum(d.opened_monthly for d in debriefs), 2),
            "not_claimed_monthly": round(sum(d.not_claimed_monthly for d in debriefs), 2),
            "steps": sum(d.steps for d in debriefs),
            "trips": sum(d.trips for d in debriefs),
            "half_days": sum(d.half_days for d in debriefs),
            "km": round(sum(d.km for d in debriefs), 1),
            "barriers_met": dict(sorted(barriers.items())),
            "tables": len(session_board(self.session).tables),
            "tables_unvisited": sorted(table.kind for table in self.unvisited),
        }


def session_report(session: GameSession) -> SessionReport:
    """The debrief of ``session``: per team, from its last round played
    (amounts stored at that round: the simulator's), and the tables no team
    reached."""
    board = session_board(session)
    reports = []
    states = []
    teams = list(session.teams.select_related("persona_version").order_by("position"))
    for team in teams:
        persona = team_persona(team)
        results = team_results(team)
        debrief = None
        if results:
            last = results[-1]
            state = TeamState.from_data(last.state)
            states.append(state)
            debrief = team_debrief(
                stored_rights(persona, session.month, last.rights), state, board.rules.rights
            )
        rounds = [(result.round, result_outcomes(result)) for result in results]
        reports.append(TeamReport(team, persona, debrief, rounds))
    return SessionReport(session, reports, unvisited_tables(board, states))
