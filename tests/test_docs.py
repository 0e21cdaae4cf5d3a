"""Every command, option and setting is documented (as Datasette does)."""

import argparse
import re
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
OUR_APPS = ("nonrecours.",)


def our_commands() -> list[tuple[str, str]]:
    return sorted((n, app) for n, app in get_commands().items() if app.startswith(OUR_APPS))


def all_parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from all_parsers(sub)


def test_we_have_commands():
    assert {"territory", "setup"} <= {name for name, _ in our_commands()}


@pytest.mark.parametrize(("name", "app"), our_commands())
def test_every_command_and_option_has_help(name, app):
    command = load_command_class(app, name)
    assert command.help, name
    parser = command.create_parser("nonrecours", name)
    for sub in all_parsers(parser):
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    assert choice.help, f"{name}: sous-commande {choice.dest} sans aide"
                continue
            assert action.help, f"{name}: option {action.option_strings or action.dest} sans aide"


def test_every_command_is_in_the_user_guide():
    guide = (ROOT / "docs" / "guide" / "commandes.md").read_text(encoding="utf-8")
    for name, _ in our_commands():
        assert f"nonrecours {name}" in guide, name


def test_every_environment_variable_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    read = set()
    for path in (ROOT / "config").rglob("*.py"):
        read |= set(re.findall(r'env_(?:str|bool|list|int)\(\s*"([A-Z_]+)"', path.read_text()))
    assert read, "aucune variable trouvée : le test ne vérifierait rien"
    missing = sorted(name for name in read if f"`{name}`" not in documented)
    assert not missing, f"Variables non documentées dans docs/configuration.md : {missing}"
