"""Every command, option and setting is documented (as Datasette does)."""

import argparse
import importlib
import re
import tomllib
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


def test_every_option_of_our_pytest_plugins_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    addopts = pyproject["tool"]["pytest"]["ini_options"]["addopts"]
    plugins = re.findall(r"-p (nonrecours\.testing\.\w+)", addopts)
    assert plugins, "aucun greffon trouvé : le test ne vérifierait rien"
    options: dict[str, str | None] = {}

    class Recorder:
        def addoption(self, *names: str, **attributes: object) -> None:
            options.update(dict.fromkeys(names, attributes.get("help")))

    for plugin in plugins:
        importlib.import_module(plugin).pytest_addoption(Recorder())
    assert {"--postgresql", "--clock-offset-days"} <= set(options)
    for name, help_text in options.items():
        assert help_text, f"{name} sans aide"
        assert name in readme, f"{name} absent du README"


def test_every_make_target_of_the_ci_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"^make ([\w-]+)", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)
    assert {"test", "test-clock"} <= set(targets)
    for target in targets:
        assert f"`make {target}`" in readme, target
