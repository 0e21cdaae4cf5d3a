"""Benchmark of the serious game (issue 16): a forum round for 12 teams.

Goal: each round resolved in ≤ 2 s, all the personas simulated in ONE
vectorised simulation (training.game_round.play_teams), against simulating
the teams one by one (persona_rights of each persona alone, then the same
engine), in the same run. The 8 personas of Arras, 4 of them played by two
teams; round 3, where a persona's situation changes; 3 steps a team. The
engine itself (no simulation) is timed too.
"""

import datetime
import statistics
import time
from collections.abc import Callable
from typing import Any

GOAL_SECONDS = 2.0
TEAMS = 12
MONTH = "2026-11"


def _timed(function: Callable[[], object], repeat: int = 3) -> float:
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def _board() -> tuple[Any, list[Any]]:
    from nonrecours.training.game import initial_state
    from nonrecours.training.game_board import Action, Board, Step, Table, Way
    from nonrecours.training.game_round import TeamTurn
    from nonrecours.training.game_rules import read_rules
    from nonrecours.training.personas import ARRAS_PERSONAS, read_personas

    personas = read_personas(ARRAS_PERSONAS, month=MONTH)
    rules = read_rules(month=MONTH, communes={p.key: p.commune for p in personas})
    tables = [
        Table("t1", "caf", "CAF d'Arras", "62041"),
        Table("t2", "france_services", "France Services d'Arras", "62041"),
        Table("t3", "ccas", "CCAS d'Arras", "62041"),
        Table("t4", "bus", "Bus", stops={(datetime.date(2026, 12, 29), "matin"): ("62753",)}),
    ]
    coordinates = {"62041": (50.2898, 2.7653), "62753": (50.2987, 2.8139)}
    board = Board(rules, tables, coordinates, datetime.date(2026, 12, 14))
    steps = [
        Step(Action.INFORM, Way.ON_SITE, "t2", weekday=5),
        Step(Action.CLAIM, Way.ONLINE, right="css"),
        Step(Action.CLAIM, Way.ON_SITE, "t3", right="rsa", weekday=1),
    ]
    turns = [
        TeamTurn(persona, initial_state(rules, persona), steps)
        for persona in (personas * 2)[:TEAMS]
    ]
    return board, turns


def run() -> None:
    """Print the round's time for 12 teams, vectorised and one by one."""
    from nonrecours.training.game import persona_at, play_round
    from nonrecours.training.game_round import play_teams
    from nonrecours.training.personas import persona_rights

    board, turns = _board()
    play_teams(board, turns, 3, MONTH)  # the legislation loaded once

    def vectorised() -> None:
        play_teams(board, turns, 3, MONTH)

    def one_by_one() -> None:
        for turn in turns:
            persona = persona_at(board.rules, turn.persona, 3)
            rights = persona_rights([persona], MONTH)[0]
            play_round(board, persona, rights, turn.state, 3, turn.steps)

    rights = persona_rights([persona_at(board.rules, t.persona, 3) for t in turns], MONTH)

    def engine_only() -> None:
        for turn, persona_rights_now in zip(turns, rights, strict=True):
            persona = persona_at(board.rules, turn.persona, 3)
            play_round(board, persona, persona_rights_now, turn.state, 3, turn.steps)

    fast = _timed(vectorised)
    slow = _timed(one_by_one)
    engine = _timed(engine_only, 10)
    verdict = "atteint" if fast <= GOAL_SECONDS else "NON ATTEINT"
    print(
        f"Jeu sérieux, un tour de {TEAMS} équipes : {fast:.2f} s en une simulation vectorisée "
        f"(objectif ≤ {GOAL_SECONDS:.0f} s : {verdict}) ; équipe par équipe (référence) "
        f"{slow:.2f} s, soit {slow / fast:.1f} × plus lent ; le moteur seul {engine * 1000:.1f} ms"
    )


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    run()
