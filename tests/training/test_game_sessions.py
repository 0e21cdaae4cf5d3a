"""A session of the game as stored: created with its tables (the bus with
its real stops), played round by round for every team at once, finished
with the anonymous aggregate; every refusal in French."""

import datetime

import pytest
import time_machine

from nonrecours.outreach.demo import outreach_demo_create
from nonrecours.training import game_actions as actions
from nonrecours.training.actions import personas_import
from nonrecours.training.game_actions import GameError, TableSpec
from nonrecours.training.game_models import SessionStatus
from nonrecours.training.game_queries import session_board, session_report
from nonrecours.training.personas import ARRAS_PERSONAS
from nonrecours.training.queries import current_persona_versions

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)


@pytest.fixture
def versions(arras):
    with time_machine.travel(NOW, tick=False):
        personas_import(arras, ARRAS_PERSONAS)
    return {version.persona.key: version for version in current_persona_versions(arras)}


def _session(arras, versions, keys=("ines-24-ans", "david-47-ans", "kevin-21-ans"), **values):
    tables = [
        TableSpec("caf", name="CAF d'Arras", commune="62041"),
        TableSpec("france_services", name="France Services d'Arras", commune="62041"),
        TableSpec("ccas", name="CCAS de Dainville", commune="62263"),
        TableSpec("bus"),
    ]
    return actions.game_session_create(
        territory=arras,
        user=None,
        title="Forum des partenaires",
        teams=[(f"Équipe {i}", versions[key]) for i, key in enumerate(keys, start=1)],
        tables=tables,
        start_day=datetime.date(2026, 12, 16),
        month="2026-11",
        **values,
    )


def test_a_forum_session_played_to_its_end(arras, versions):
    with time_machine.travel(NOW, tick=False):
        outreach_demo_create(territory=arras, today=datetime.date(2026, 12, 1))
        session = _session(arras, versions)
    assert session.start_day == datetime.date(2026, 12, 14)  # the Monday
    bus = session.tables.get(kind="bus")
    assert bus.stops and all(stop[1] in ("matin", "apres_midi") for stop in bus.stops)
    board = session_board(session)
    assert len(board.tables) == 4 and "62041" in board.coordinates
    teams = list(session.teams.order_by("position"))
    with pytest.raises(GameError, match="Le tour n'est pas ouvert"):
        actions.team_steps_save(teams[0], [{"action": "s_informer", "table": "t2"}])
    session = actions.game_round_start(session)
    actions.team_steps_save(
        teams[0],
        [
            {"action": "s_informer", "table": "t2", "jour": "5"},
            {"action": "demander", "mode": "en_ligne", "droit": "prime_activite"},
        ],
    )
    actions.team_steps_save(teams[1], [{"action": "s_informer", "table": "t3", "jour": "0"}])
    with pytest.raises(GameError, match="n'est pas encore joué"):
        actions.game_round_start(session)
    session = actions.game_round_play(session)
    with pytest.raises(GameError, match="Aucun tour ouvert"):
        actions.game_round_play(session)
    first = teams[0].results.get(round=1)
    assert [o["kind"] for o in first.outcomes] == ["informe", "depose"]
    assert teams[2].results.get(round=1).outcomes == []  # a team that did nothing
    for _ in range(3):
        session = actions.game_round_start(session)
        session = actions.game_round_play(session)
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED
    with pytest.raises(GameError, match="terminée"):
        actions.game_round_start(session)
    summary = session.summary
    assert summary["teams"] == 3 and summary["rounds"] == 4
    assert summary["publics"] == {"rsa_recipients": 1, "youth": 2}
    assert summary["rights_opened"] == 1  # Inès's prime d'activité
    assert "Équipe 1" not in str(summary)  # anonymous
    report = session_report(session)
    ines = report.teams[0].debrief
    assert [r.benefit for r in ines.opened] == ["prime_activite"]
    assert ines.opened_monthly > 0
    assert {t.kind for t in report.unvisited} == {"caf", "bus"}


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"action": "voler"}, "Démarche 1 : démarche inconnue."),
        ({"action": "demander", "table": "t1"}, "Démarche 1 : choisir un droit."),
        ({"action": "demander", "table": "t9", "droit": "rsa"}, "Démarche 1 : choisir une table."),
        (
            {"action": "obtenir_piece", "table": "t1", "piece": "x"},
            "Démarche 1 : choisir une pièce.",
        ),
        ({"action": "lever_frein", "table": "t1", "frein": "x"}, "Démarche 1 : choisir un frein."),
        (
            {"action": "s_informer", "table": "t1", "jour": "6"},
            "Démarche 1 : jour du lundi au samedi.",
        ),
        (
            {"action": "s_informer", "table": "t1", "jour": "٣"},
            "Démarche 1 : jour du lundi au samedi.",
        ),
        (
            {"action": "s_informer", "table": "t1", "moment": "nuit"},
            "Démarche 1 : matin ou après-midi.",
        ),
        ({"action": "s_informer", "table": "t1", "mode": "pigeon"}, "Démarche 1 : mode inconnu"),
    ],
)
def test_a_wrong_step_is_refused_in_french(arras, versions, step, message):
    session = actions.game_round_start(_session(arras, versions))
    team = session.teams.first()
    actions.team_steps_save(team, [{"action": "s_informer", "table": "t1"}])
    with pytest.raises(GameError) as refused:
        actions.team_steps_save(team, [step])
    assert any(p.message.startswith(message) for p in refused.value.problems)
    assert team.steps.count() == 1  # what was saved stays


def test_too_many_steps_and_empty_ones(arras, versions):
    session = actions.game_round_start(_session(arras, versions))
    team = session.teams.first()
    with pytest.raises(GameError, match="Au plus 4 démarches"):
        actions.team_steps_save(team, [{"action": "s_informer", "table": "t1"}] * 5)
    saved = actions.team_steps_save(team, [{"action": ""}, {"action": "s_informer", "table": "t1"}])
    assert [s.position for s in saved] == [1]


def test_a_session_is_checked_before_anything_is_stored(arras, versions):
    with pytest.raises(GameError) as refused:
        actions.game_session_create(
            territory=arras, user=None, title=" ", teams=[], tables=[TableSpec("banque")],
            start_day=datetime.date(2026, 12, 14), month="2026-11", rounds=13,
        )  # fmt: skip
    messages = [p.message for p in refused.value.problems]
    assert messages == [
        "Titre : obligatoire.",
        "Équipes : de 1 à 12.",
        "Table 1 : guichet inconnu des règles.",
        "Nombre de tours : de 1 à 12.",
    ]
    with pytest.raises(GameError, match="un seul persona"):
        _session(arras, versions, solo=True)
    with pytest.raises(GameError, match="regles.yaml, tours"):
        _session(arras, versions, rules_text="version: 1\ntours: 99\n")
    # A change of situation of a persona played, checked in its commune.
    from nonrecours.training.game_rules import DEFAULT_RULES

    wrong = DEFAULT_RULES.read_text(encoding="utf-8").replace("salaire_net: 700", "salaire_net: -1")
    with pytest.raises(GameError, match="ines-24-ans, changement 1, situation"):
        _session(arras, versions, rules_text=wrong)
    from nonrecours.training.game_models import GameSession

    assert not GameSession.objects.exists()


def test_solo_mode_plays_each_round_at_once(arras, versions):
    session = _session(arras, versions, keys=("ines-24-ans",), solo=True)
    team = session.teams.get()
    session = actions.solo_round_play(
        team,
        [
            {"action": "s_informer", "table": "t2", "jour": "5"},
            {"action": "demander", "mode": "en_ligne", "droit": "prime_activite"},
        ],
    )
    assert session.current_round == 1 and session.round_closed
    team.refresh_from_db()
    assert team.state["claims"]["prime_activite"]["status"] == "instruction"
    session = actions.solo_round_play(team, [])
    assert session.current_round == 2
    assert [o["kind"] for o in team.results.get(round=2).outcomes] == ["ouvert"]
    # A form sent twice (the page showed week 2, already played): nothing played.
    with pytest.raises(GameError, match="La semaine 2 est déjà jouée"):
        actions.solo_round_play(team, [], expected_round=2)
    assert actions.solo_round_play(team, [], expected_round=3).current_round == 3
    session.refresh_from_db()
    # Refused steps open no round.
    with pytest.raises(GameError, match="démarche inconnue"):
        actions.solo_round_play(team, [{"action": "voler"}])
    session.refresh_from_db()
    assert session.current_round == 3 and session.round_closed
    forum = _session(arras, versions)
    with pytest.raises(GameError, match="pas en solo"):
        actions.solo_round_play(forum.teams.first(), [])


def test_a_table_note(arras, versions):
    session = _session(arras, versions)
    table = session.tables.first()
    team = session.teams.first()
    with pytest.raises(GameError, match="pas commencé"):
        actions.table_note_add(table, team, "Dossier incomplet")
    actions.game_round_start(session)
    with pytest.raises(GameError, match="obligatoire"):
        actions.table_note_add(table, team, "  ")
    note = actions.table_note_add(table, team, "Dossier incomplet, revenir avec le RIB")
    assert note.round == 1


def test_the_demonstration_session(arras, versions):
    from nonrecours.training.demo import game_demo_create

    with time_machine.travel(NOW, tick=False):
        outreach_demo_create(territory=arras, today=datetime.date(2026, 12, 1))
        session = game_demo_create(territory=arras, today=datetime.date(2026, 12, 1))
        assert game_demo_create(territory=arras, today=datetime.date(2026, 12, 1)) is None
    assert session.status == SessionStatus.FINISHED and "démonstration" in session.title
    report = session_report(session)
    ines, david, gerard = (team.debrief for team in report.teams)
    opened = [sorted(r.benefit for r in debrief.opened) for debrief in (ines, david, gerard)]
    pending = [sorted(r.benefit for r in debrief.pending) for debrief in (ines, david, gerard)]
    assert opened == [["css", "prime_activite"], ["css"], []]
    assert pending == [[], ["cheque_energie"], ["aspa"]]
    assert session.summary["rights_opened"] == 3 and session.summary["km"] > 0
    # A table tied to no place is in the territory's centre.
    assert set(session.tables.exclude(kind="bus").values_list("commune", flat=True)) == {"62041"}
