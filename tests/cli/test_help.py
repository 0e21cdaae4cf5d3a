"""`nonrecours` alone, `help`, `--help`: the project's commands, grouped,
one French line each; Django's listed apart."""

import pytest
from django.db import connection

from nonrecours.cli import help as cli_help
from nonrecours.cli import main
from nonrecours.cli.parser import RENAMED, french_error


@pytest.mark.parametrize("arguments", [[], ["help"], ["--help"], ["-h"]])
def test_the_listing_shows_the_projects_commands_in_french(arguments, capsys):
    main(arguments)
    out = capsys.readouterr().out
    assert out.startswith("nonrecours — ")
    assert "Baromètre du non-recours :" in out
    assert "  simulate       simuler les droits d'une situation" in out
    # Django's commands apart, after the project's.
    assert out.index("Commandes de Django") > out.index("  accounts ")
    assert "migrate" in out.split("Commandes de Django")[1]
    assert "migrate" not in out.split("Commandes de Django")[0]


def test_every_command_of_the_project_has_its_group_and_line():
    """A new command is not left in « Autres commandes » without a line:
    it must be added to GROUPS."""
    import django

    django.setup()
    listed = [name for _, commands in cli_help.GROUPS for name, _ in commands]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(cli_help.our_commands()) - set(RENAMED)
    width = 100 - 17
    too_long = [name for _, cs in cli_help.GROUPS for name, line in cs if len(line) > width]
    assert not too_long


def test_a_commands_own_help_is_its_own_in_french(capsys):
    main(["help", "simulate"])
    out = capsys.readouterr().out
    assert "Simuler les droits d'une situation" in out
    assert out.startswith("Usage : nonrecours simulate ")


ENGLISH = ("usage:", "positional arguments", "optional arguments", "show this help message")


def _parsers(name):
    """The parser of a project command and those of its sub-commands."""
    import argparse

    from django.core.management import load_command_class

    command = load_command_class(cli_help.our_commands()[name], name)
    parsers = [(name, command.create_parser("nonrecours", name))]
    while parsers:
        where, parser = parsers.pop()
        yield where, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers += [(f"{where} {sub}", p) for sub, p in action.choices.items()]


def test_every_project_command_and_sub_command_has_its_help_in_french(capsys):
    import django

    django.setup()
    names = sorted(cli_help.our_commands())
    assert len(names) >= 18
    seen = 0
    for name in names:
        for where, parser in _parsers(name):
            text = parser.format_help()
            assert text.startswith(f"Usage : nonrecours {where}"), where
            assert "options\u00a0:\n" in text, where
            assert "-h, --help" in text and "afficher cette aide et s'arrêter" in text, where
            assert not [word for word in ENGLISH if word in text], where
            seen += 1
    assert seen > len(names)  # sub-commands too (comptes inviter, campaign create…)


@pytest.mark.parametrize("name", ["simulate", "environment", "accounts", "territory"])
def test_help_from_the_command_line_is_french(name, capsys):
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage : nonrecours {name} ")
    assert "\noptions\u00a0:\n" in out
    assert "niveau de détail des messages" in out  # Django's --verbosity, in French
    assert not [word for word in ENGLISH if word in out]


def test_djangos_own_commands_stay_in_english(capsys):
    with pytest.raises(SystemExit):
        main(["migrate", "--help"])
    assert capsys.readouterr().out.startswith("usage: nonrecours migrate")


def test_a_mistake_on_the_command_line_is_told_in_french(capsys):
    with pytest.raises(SystemExit) as done:
        main(["accounts", "inviter"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Usage : nonrecours accounts inviter ")
    assert err.endswith("nonrecours accounts inviter : erreur : à indiquer : SIREN\n")


def test_a_refusal_from_the_command_line_is_told_in_french(tmp_path, capsys):
    """Not Django's « CommandError: … »: the command's name and « erreur »,
    as for a mistake in the arguments; exit code 1; nothing written."""
    (tmp_path / "vide.csv").write_text("")
    out = tmp_path / "resultats.csv"
    arguments = ["screen", str(tmp_path / "vide.csv"), "--out", str(out), "--skip-checks"]
    with pytest.raises(SystemExit) as done:
        main(arguments)
    assert done.value.code == 1
    assert capsys.readouterr().err == (
        "nonrecours screen : erreur : vide.csv : fichier vide ou sans ligne d'en-tête.\n"
    )
    assert not out.exists()
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="fichier vide"):
        main([*arguments, "--traceback"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("called", ["accounts", "comptes"])
def test_a_refusal_names_the_command_as_it_was_called(called, capsys):
    """`accounts` shares its class with its former name `comptes`: each
    refusal names the command the person typed."""
    code, captured = _run([called, "--skip-checks", "retirer-second-facteur", "personne"], capsys)
    assert code == 1
    assert captured.err.endswith(
        f"nonrecours {called} : erreur : Aucun compte n'a l'identifiant « personne ».\n"
    )


def test_a_mistake_from_code_is_a_french_command_error():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="^Erreur : arguments inconnus : --nope$"):
        call_command("environment", "--nope")


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("the following arguments are required: SIREN", "à indiquer : SIREN"),
        ("unrecognized arguments: --x y", "arguments inconnus : --x y"),
        (
            "argument -v/--verbosity: invalid choice: 5 (choose from 0, 1, 2, 3)",
            "argument -v/--verbosity : choix inconnu : 5 (choisir parmi 0, 1, 2, 3)",
        ),
        ("argument --out: expected one argument", "argument --out : une valeur attendue"),
        (
            "argument --threshold: invalid int value: 'x'",
            "argument --threshold : valeur invalide : 'x'",
        ),
        ("argument --bornes: « x » : attendu", "argument --bornes : « x » : attendu"),
        ("one of the arguments --a --b is required", "à indiquer, l'un de : --a --b"),
        ("Aucune campagne « x ».", "Aucune campagne « x »."),
    ],
)
def test_argparse_errors_in_french(english, french):
    assert french_error(english) == french


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED.items()))
def test_a_former_name_still_works_and_says_the_new_one(old, new, capsys):
    with pytest.raises(SystemExit) as done:
        main([old, "--help"])
    assert done.value.code == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"nonrecours : la commande « {old} » s'appelle désormais « {new} » ; l'ancien nom "
        f"marche encore, écrivez « nonrecours {new} » dans vos scripts.\n"
    )
    with pytest.raises(SystemExit):
        main([new, "--help"])
    again = capsys.readouterr()
    assert again.err == ""
    assert (
        captured.out.replace(f"nonrecours {old}", f"nonrecours {new}").split() == again.out.split()
    )


def _run(arguments, capsys):
    try:
        main(arguments)
        code = 0
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr()


# transaction=True: each run closes the database connection at its end, as
# any command does (BaseCommand.run_from_argv); outside a test's transaction
# the next run simply reconnects (PostgreSQL too).
@pytest.mark.django_db(transaction=True)
def test_the_former_name_environnement_runs_the_command(capsys):
    """The same result (or the same refusal, on an in-memory SQLite test
    database) under both names; only the notice differs."""
    former_code, former = _run(["environnement", "--skip-checks"], capsys)
    code, current = _run(["environment", "--skip-checks"], capsys)
    notice = (
        "nonrecours : la commande « environnement » s'appelle désormais « environment » ; "
        "l'ancien nom marche encore, écrivez « nonrecours environment » dans vos scripts.\n"
    )
    # A refusal names the command as it was called.
    called_as_before = current.err.replace("nonrecours environment :", "nonrecours environnement :")
    assert former.err == notice + called_as_before
    assert (former_code, former.out) == (code, current.out)
    if connection.vendor == "sqlite":  # the in-memory test database is no file
        assert "La base SQLite" in current.err and code != 0
    else:
        assert "Base de données" in current.out and code == 0


def test_renamed_commands_are_not_listed_twice(capsys):
    main([])
    out = capsys.readouterr().out
    for old, new in RENAMED.items():
        assert f"\n  {old:<15}" not in out
        assert f"  {new} " in out
    assert "environnement → environment, comptes → accounts, orientations → referrals" in out
