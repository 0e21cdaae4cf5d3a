"""`nonrecours` alone, `help`, `--help`: the project's commands, grouped,
one French line each; Django's listed apart."""

import pytest

from nonrecours.cli import help as cli_help
from nonrecours.cli import main


@pytest.mark.parametrize("arguments", [[], ["help"], ["--help"], ["-h"]])
def test_the_listing_shows_the_projects_commands_in_french(arguments, capsys):
    main(arguments)
    out = capsys.readouterr().out
    assert out.startswith("nonrecours — ")
    assert "Baromètre du non-recours :" in out
    assert "  simulate       simuler les droits d'une situation" in out
    # Django's commands apart, after the project's.
    assert out.index("Commandes de Django") > out.index("  comptes ")
    assert "migrate" in out.split("Commandes de Django")[1]
    assert "migrate" not in out.split("Commandes de Django")[0]


def test_every_command_of_the_project_has_its_group_and_line():
    """A new command is not left in « Autres commandes » without a line:
    it must be added to GROUPS."""
    import django

    django.setup()
    listed = [name for _, commands in cli_help.GROUPS for name, _ in commands]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(cli_help.our_commands())
    width = 100 - 17
    too_long = [name for _, cs in cli_help.GROUPS for name, line in cs if len(line) > width]
    assert not too_long


def test_a_commands_own_help_is_still_djangos(capsys):
    main(["help", "simulate"])
    assert "Simuler les droits d'une situation" in capsys.readouterr().out
