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


def _glossary_names() -> list[tuple[str, str]]:
    """(name, row) for every name in backquotes in the code columns of the
    glossary's tables."""
    names = []
    for line in (ROOT / "docs" / "glossaire.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        for cell in line.split("|")[2:-1]:  # the French term first: not code
            names.extend((name.strip(), line) for name in re.findall(r"`([^`]+)`", cell))
    return names


def _code_words() -> set[str]:
    words: set[str] = set()
    for folder in ("nonrecours", "config"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".yaml", ".html", ".js", ".txt") and path.is_file():
                words |= set(re.findall(r"[A-Za-z_]\w*", path.read_text(encoding="utf-8")))
    return words


def test_every_name_of_the_glossary_exists_in_the_code():
    """A name the glossary gives is in the code (a renamed or removed one
    fails here); a path (rights/cases/) exists; a module (surveys.analysis)
    is importable."""
    words = _code_words()
    apps = {p.name for p in (ROOT / "nonrecours").iterdir() if p.is_dir()}
    missing = []
    names = _glossary_names()
    assert len(names) > 100
    for name, row in names:
        if "/" in name:
            found = (ROOT / name).exists() or (ROOT / "nonrecours" / name).exists()
        elif re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", name) and name.split(".")[0] in apps:
            try:
                importlib.import_module(f"nonrecours.{name}")
                found = True
            except ImportError:
                found = False
        else:
            parts = re.findall(r"[A-Za-z_]\w*\*?", name)
            found = all(
                any(w.startswith(p[:-1]) for w in words) if p.endswith("*") else p in words
                for p in parts
            )
        if not found:
            missing.append(f"{name} ({row[:60]}…)")
    assert not missing, "absents du code : " + " ; ".join(missing)


def test_every_domain_app_with_models_has_actions_and_queries():
    """docs/architecture.md: a domain app with models has models.py,
    actions.py (writes) and queries.py (reads)."""
    apps = [p for p in (ROOT / "nonrecours").iterdir() if (p / "models.py").exists()]
    assert len(apps) >= 6
    missing = [
        f"{app.name}/{module}"
        for app in apps
        for module in ("actions.py", "queries.py")
        if not (app / module).exists()
    ]
    assert not missing, missing


def test_every_view_behind_login_takes_an_authenticated_request():
    """A view under login_required takes an AuthenticatedRequest
    (nonrecours/www/requests.py): request.user is a User there, typed so."""
    import ast

    wrong = []
    count = 0
    for path in (ROOT / "nonrecours" / "www").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = {
                d.id if isinstance(d, ast.Name) else getattr(d, "attr", "")
                for d in node.decorator_list
            }
            if "login_required" not in names:
                continue
            count += 1
            first = node.args.args[0]
            if ast.unparse(first.annotation or ast.Constant(None)) != "AuthenticatedRequest":
                wrong.append(f"{path.name}:{node.name}")
    assert count > 20
    assert not wrong, wrong
