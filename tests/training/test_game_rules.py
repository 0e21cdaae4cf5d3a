"""The game's rules file: the project's rules read, every mistake told in
French with its place."""

import pytest

from nonrecours.training.enums import Barrier
from nonrecours.training.game_rules import DEFAULT_RULES, RulesError, parse_rules, read_rules
from nonrecours.training.personas import ARRAS_PERSONAS, read_personas

MONTH = "2026-11"
BASE = DEFAULT_RULES.read_text(encoding="utf-8")


def test_the_project_rules_are_read():
    personas = read_personas(ARRAS_PERSONAS, month=MONTH)
    rules = read_rules(month=MONTH, communes={p.key: p.commune for p in personas})
    assert rules.rounds == 4 and rules.round_minutes == 15 and rules.half_days == 3
    assert {"caf", "cpam", "carsat", "ccas", "france_services", "bus"} <= set(rules.desks)
    assert rules.desks["bus"].roaming and rules.desks["caf"].institution
    assert rules.desks["ccas"].informs is None  # « tous »
    assert Barrier.LANGUAGE in rules.desks["association"].lifts
    # The CSS of an RSA recipient: the identity card only.
    assert rules.rights["css"].lighter == ("rsa", ("piece_identite",))
    assert [d.kind for d in rules.openers("cheque_energie")] == ["cheque_energie_en_ligne"]
    assert [d.kind for d in rules.openers("aspa")] == ["carsat"]
    # Every persona of Arras has its part, and Inès's change is checked.
    assert {p.key for p in personas} == set(rules.personas)
    assert rules.persona("ines-24-ans").changes[0].round == 3
    assert rules.persona("inconnue").missing == ()


def _problems(text, communes=None):
    with pytest.raises(RulesError) as refused:
        parse_rules(text, "regles.yaml", month=MONTH, communes=communes)
    return [problem.message for problem in refused.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "tours: 4",
            "tours: 40",
            "regles.yaml, tours : « 40 » ; attendu un nombre entier de 1 à 12",
        ),
        ("tours: 4", "tour: 4", "regles.yaml, fichier : clé(s) inconnue(s) : tour"),
        (
            "    ouvre: [css]",
            "    ouvre: [css, rsb]",
            "regles.yaml, guichets, cpam, ouvre : « rsb » : droit inconnu·e",
        ),
        (
            "    telephone: true\n    en_ligne: true\n    institution: true\n  carsat:",
            "    telephone: oui\n    en_ligne: true\n    institution: true\n  carsat:",
            "regles.yaml, guichets, cpam, telephone : « oui » ; attendu true ou false",
        ),
        (
            '    horaires: "Mo-Fr 08:30-12:00,13:30-16:30; PH off"\n    ouvre: [css]',
            '    horaires: "lundi matin"\n    ouvre: [css]',
            "regles.yaml, guichets, cpam, horaires : « lundi matin » : horaires OpenStreetMap "
            "illisibles",
        ),
        (
            "  cej: {pieces: [piece_identite], instruction_semaines: 1}",
            "  cej: {pieces: [carte_vitale], instruction_semaines: 1}",
            "regles.yaml, droits, cej, pieces : « carte_vitale » : pièce inconnu·e",
        ),
        (
            "  cej: {pieces: [piece_identite], instruction_semaines: 1}",
            "  rsx: {pieces: [piece_identite], instruction_semaines: 1}",
            "regles.yaml, droits, rsx : droit inconnu du simulateur (rights/benefits.yaml)",
        ),
        ("  langue:\n", "  parle_mal:\n", "regles.yaml, freins, parle_mal : frein inconnu"),
        (
            "    bloque: [en_ligne]\n    texte: \"{nom} n'a pas d'accès",
            "    bloque: [internet]\n    texte: \"{nom} n'a pas d'accès",
            "regles.yaml, freins, pas_d_internet, bloque : « internet » : blocage inconnu·e",
        ),
        (
            "  david-47-ans: {pieces_manquantes: [avis_imposition]}",
            "  david-47-ans: {pieces_manquantes: [avis]}",
            "regles.yaml, personas, david-47-ans, pieces_manquantes : « avis » : pièce inconnu·e",
        ),
        (
            "      - tour: 3",
            "      - tour: 1",
            "regles.yaml, personas, ines-24-ans, changement 1, tour : « 1 » ; attendu un nombre "
            "entier de 2 à 12",
        ),
    ],
)
def test_a_mistake_is_told_with_its_place(old, new, expected):
    assert old in BASE
    problems = _problems(BASE.replace(old, new, 1))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_right_that_no_desk_opens_is_refused():
    text = BASE.replace("    ouvre: [aspa]\n", "")
    assert "regles.yaml, droits, aspa : aucun guichet ne l'ouvre (guichets, …, ouvre)" in _problems(
        text
    )


def test_a_change_of_situation_is_checked_as_a_persona_file():
    text = BASE.replace("ressources: {salaire_net: 700}", "ressources: {salaire_net: -5}")
    problems = _problems(text, communes={"ines-24-ans": "62041"})
    assert any(
        p.startswith("regles.yaml, personas, ines-24-ans, changement 1, situation, personne 1")
        for p in problems
    ), problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "regles.yaml : attendu un dictionnaire"),
        ("[1, 2", "regles.yaml, ligne"),
        ("- a\n- b\n", "regles.yaml : attendu un dictionnaire"),
        ("version: 1\nguichets: 3\n", "regles.yaml, guichets : attendu un dictionnaire"),
    ],
)
def test_a_file_that_is_not_rules(text, expected):
    assert any(problem.startswith(expected) for problem in _problems(text))


def test_an_unreadable_file(tmp_path):
    path = tmp_path / "regles.yaml"
    path.write_bytes(b"\xff\xfe version")
    with pytest.raises(RulesError, match="regles.yaml : fichier illisible"):
        read_rules(path, month=MONTH)


def test_a_right_opened_without_a_claim_once_its_document_is_obtained():
    """« automatique_avec »: the document obtained DURING the game opens the
    right at the next round; in hand from the start, it opens nothing (the
    persona file says what is received)."""
    import datetime

    from nonrecours.training.game import initial_state
    from nonrecours.training.game_board import Action, Board, Step, Table
    from nonrecours.training.game_round import TeamTurn, play_teams

    text = BASE.replace(
        "  cheque_energie: {pieces: [avis_imposition, justificatif_domicile], "
        "instruction_semaines: 2}",
        "  cheque_energie: {automatique_avec: avis_imposition}",
    )
    personas = {p.key: p for p in read_personas(ARRAS_PERSONAS, month=MONTH)}
    rules = parse_rules(text, "regles.yaml", month=MONTH)
    board = Board(rules, [Table("fs", "france_services", "France Services", "62263")], {},
                  datetime.date(2026, 12, 14))  # fmt: skip
    david, ines = personas["david-47-ans"], personas["ines-24-ans"]
    states = [initial_state(rules, david), initial_state(rules, ines)]
    steps = [Step(Action.DOCUMENT, table="fs", document="avis_imposition")]
    first = play_teams(
        board, [TeamTurn(david, states[0], steps), TeamTurn(ines, states[1], [])], 1, MONTH
    )
    assert [o.kind.value for o in first[1].outcomes] == []  # Inès: in hand, nothing opens
    second = play_teams(
        board, [TeamTurn(david, first[0].state, []), TeamTurn(ines, first[1].state, [])], 2, MONTH
    )
    assert [(o.kind.value, o.right) for o in second[0].outcomes] == [("ouvert", "cheque_energie")]
    assert second[1].outcomes == []


def test_a_desk_without_a_public_desk_is_reached_by_phone_or_online():
    import datetime

    from nonrecours.training.game import initial_state
    from nonrecours.training.game_board import Action, Board, Step, Table, Way
    from nonrecours.training.game_round import TeamTurn, play_teams

    personas = {p.key: p for p in read_personas(ARRAS_PERSONAS, month=MONTH)}
    rules = read_rules(month=MONTH)
    assert not rules.desks["cheque_energie_en_ligne"].on_site
    board = Board(rules, [Table("ce", "cheque_energie_en_ligne", "Chèque énergie", "62041")],
                  {}, datetime.date(2026, 12, 14))  # fmt: skip
    ines = personas["ines-24-ans"]
    steps = [
        Step(Action.INFORM, Way.ON_SITE, "ce", weekday=5),
        Step(Action.INFORM, Way.PHONE, "ce", weekday=5),
    ]
    result = play_teams(board, [TeamTurn(ines, initial_state(rules, ines), steps)], 1, MONTH)[0]
    assert [(o.kind.value, o.text) for o in result.outcomes][0] == (
        "impossible",
        "Chèque énergie ne reçoit pas de public : par téléphone ou en ligne.",
    )
    # Closed on Saturdays: nobody answers.
    assert result.outcomes[1].kind.value == "ferme"
