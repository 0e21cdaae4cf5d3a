"""A round for every team at once, and the debrief.

Each round, the personas of all the teams are simulated as they are at that
round (their situation may change during the session: rules, personas,
changements) in ONE vectorised simulation (training.personas.persona_rights,
rights.engine.simulate); then each team's steps are played by the engine
(training.game.play_round). ``make bench`` (benchmarks/training.py) compares
it with simulating the teams one by one.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from nonrecours.training.enums import Barrier
from nonrecours.training.game import persona_at, play_round
from nonrecours.training.game_board import Board, Outcome, Step, Table, TeamState
from nonrecours.training.persona_file import Persona
from nonrecours.training.personas import PersonaRights, RightAmount, persona_rights


@dataclass(frozen=True)
class TeamTurn:
    """One team's part of a round: its persona (as in the session, before
    any change), its state before the round and its steps."""

    persona: Persona
    state: TeamState
    steps: Sequence[Step]


@dataclass(frozen=True)
class TeamResult:
    """One team's round: its new state, what happened, and its persona's
    rights at that round (euros per month)."""

    state: TeamState
    outcomes: list[Outcome]
    rights: PersonaRights


def round_rights(
    board: Board, personas: Sequence[Persona], round_number: int, month: str
) -> list[PersonaRights]:
    """The rights of each persona as it is at ``round_number`` (its
    situation changed by the rules), at ``month`` (« AAAA-MM »), from one
    vectorised simulation, in the order given. Raises PersonaError for a
    month the simulator does not know."""
    current = [persona_at(board.rules, persona, round_number) for persona in personas]
    return persona_rights(current, month)


def play_teams(
    board: Board, turns: Sequence[TeamTurn], round_number: int, month: str
) -> list[TeamResult]:
    """Round ``round_number`` for every team (``turns``, in order): one
    simulation of all the personas, then each team's steps. States given
    are not modified. Raises PersonaError for a month the simulator does not
    know."""
    rights = round_rights(board, [turn.persona for turn in turns], round_number, month)
    results = []
    for turn, persona_rights_now in zip(turns, rights, strict=True):
        # The persona as simulated at that round (its situation changed).
        state, outcomes = play_round(
            board,
            persona_rights_now.persona,
            persona_rights_now,
            turn.state,
            round_number,
            turn.steps,
        )
        results.append(TeamResult(state, outcomes, persona_rights_now))
    return results


@dataclass(frozen=True)
class TeamDebrief:
    """A team's debrief: the rights its persona is eligible to at the last
    round that the game's rules cover (``eligible``), those it has
    (received before the game or opened during it), those still examined,
    those it did not claim, and the rights outside the game (no desk of
    the rules opens them: the AAH, school grants…); euros per month;
    the steps, trips, half-days and kilometres spent, the barriers met and
    those left."""

    persona: Persona
    eligible: tuple[RightAmount, ...]
    obtained: tuple[RightAmount, ...]
    opened: tuple[RightAmount, ...]  # of ``obtained``, those opened in the game
    pending: tuple[RightAmount, ...]
    not_claimed: tuple[RightAmount, ...]
    steps: int
    trips: int
    half_days: int
    km: float
    barriers_met: tuple[Barrier, ...]
    barriers_left: tuple[Barrier, ...]
    outside: tuple[RightAmount, ...] = ()

    @property
    def days(self) -> float:
        """Days spent (two half-days a day)."""
        return self.half_days / 2

    @property
    def obtained_monthly(self) -> float:
        return round(sum(right.monthly for right in self.obtained), 2)

    @property
    def opened_monthly(self) -> float:
        return round(sum(right.monthly for right in self.opened), 2)

    @property
    def pending_monthly(self) -> float:
        """Euros per month of the rights claimed and still examined."""
        return round(sum(right.monthly for right in self.pending), 2)

    @property
    def not_claimed_monthly(self) -> float:
        """Euros per month of the rights eligible, neither received, opened
        nor claimed (those still examined are ``pending_monthly``)."""
        return round(sum(right.monthly for right in self.not_claimed), 2)

    @property
    def eligible_monthly(self) -> float:
        return round(sum(right.monthly for right in self.eligible), 2)


def team_debrief(
    rights: PersonaRights, state: TeamState, game_rights: Collection[str] | None = None
) -> TeamDebrief:
    """The debrief of a team from its persona's rights at the last round
    played and its state (amounts from the simulator at that round).
    ``game_rights``: the rights the rules cover (None: all); the others are
    told apart (``outside``), never counted as not claimed."""
    opened_ids = set(state.opened())
    pending_ids = {r for r, claim in state.claims.items() if claim["status"] == "instruction"}
    eligible = tuple(r for r in rights.eligible if game_rights is None or r.benefit in game_rights)
    outside = tuple(r for r in rights.eligible if r not in eligible)
    obtained = tuple(r for r in eligible if r.received or r.benefit in opened_ids)
    pending = tuple(r for r in eligible if r.benefit in pending_ids and r not in obtained)
    return TeamDebrief(
        persona=rights.persona,
        eligible=eligible,
        obtained=obtained,
        opened=tuple(r for r in obtained if r.benefit in opened_ids and not r.received),
        pending=pending,
        not_claimed=tuple(r for r in eligible if r not in obtained and r not in pending),
        steps=state.steps,
        trips=state.trips,
        half_days=state.half_days,
        km=state.km,
        barriers_met=tuple(Barrier(value) for value in state.barriers_met),
        barriers_left=tuple(Barrier(value) for value in state.barriers),
        outside=outside,
    )


def unvisited_tables(board: Board, states: Sequence[TeamState]) -> list[Table]:
    """The tables no team went to nor called: the local places nobody
    (re)discovered during the session."""
    visited = {table for state in states for table in state.visited}
    return [table for table in board.tables if table.id not in visited]
