"""The project's commands speak French in their help and their errors, and
accept their former names.

Django builds each command's parser in English (« usage: », « positional
arguments », « options », « show this help message and exit », its own
options --verbosity, --settings…). ``install()``, run once by the cli app
(nonrecours.cli.apps), wraps ``BaseCommand.create_parser``: for a command of
the project (its module under ``nonrecours.``), the parser and its
sub-parsers are given French headers, French help for Django's options and
French error messages. Django's own commands are left as they are (listed
apart, in English, by ``nonrecours help``). The domain apps cannot import
``nonrecours.cli`` (import-linter), hence a wrapper rather than a base class
every command would have to import (docs/adr/020-noms-des-commandes.md).

A project command's refusal (CommandError) on the command line is written
« nonrecours screen : erreur : … », as the parser's own errors, instead of
Django's « CommandError: … » (``install()`` wraps ``BaseCommand.execute``).

A command run under a former name (``RENAMED``) writes one French line on
stderr saying its new name, then runs as usual: scripts and crontabs keep
working.
"""

import argparse
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    SystemCheckError,
)

# Former name → name (docs/adr/020-noms-des-commandes.md). The former name
# stays a command, for scripts and crontabs written before.
RENAMED: dict[str, str] = {
    "environnement": "environment",
    "comptes": "accounts",
    "orientations": "referrals",
}

USAGE = "Usage : "
# argparse writes « title: »; a no-break space before it gives « arguments : ».
TITLES = {
    "positional arguments": "arguments\u00a0",
    "options": "options\u00a0",
    "optional arguments": "options\u00a0",
}
# Django's options of every command (BaseCommand.create_parser), by dest.
OPTION_HELP = {
    "help": "afficher cette aide et s'arrêter",
    "version": "afficher la version de Django et s'arrêter",
    "verbosity": "niveau de détail des messages : 0 minimal, 1 normal (défaut), 2 détaillé, "
    "3 très détaillé",
    "settings": "module Python des réglages, par exemple «\u00a0config.settings.prod\u00a0» "
    "(sinon la variable d'environnement DJANGO_SETTINGS_MODULE)",
    "pythonpath": "répertoire à ajouter au chemin de recherche de Python, par exemple "
    "«\u00a0/srv/nonrecours\u00a0»",
    "traceback": "afficher toute la pile d'appels Python quand la commande échoue",
    "no_color": "sortie sans couleurs",
    "force_color": "sortie en couleurs, même hors d'un terminal",
    "skip_checks": "ne pas lancer les vérifications du système («\u00a0check\u00a0») "
    "avant la commande",
}
# argparse's messages (Python 3.11, argparse.py), as regular expressions.
ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"the following arguments are required: (.*)"), r"à indiquer : \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"arguments inconnus : \1"),
    (
        re.compile(r"one of the arguments (.*) is required"),
        r"à indiquer, l'un de : \1",
    ),
    (
        re.compile(r"argument (.+?): invalid choice: (.*) \(choose from (.*)\)"),
        r"argument \1 : choix inconnu : \2 (choisir parmi \3)",
    ),
    (
        re.compile(r"argument (.+?): invalid (\w+) value: (.*)"),
        r"argument \1 : valeur invalide : \3",
    ),
    (re.compile(r"argument (.+?): expected one argument"), r"argument \1 : une valeur attendue"),
    (
        re.compile(r"argument (.+?): expected at least one argument"),
        r"argument \1 : au moins une valeur attendue",
    ),
    (
        re.compile(r"argument (.+?): not allowed with argument (.*)"),
        r"argument \1 : incompatible avec \2",
    ),
    (
        re.compile(r"argument (.+?): ignored explicit argument (.*)"),
        r"argument \1 : valeur en trop : \2",
    ),
    (re.compile(r"argument (.+?): (.*)"), r"argument \1 : \2"),
)


def french_error(message: str) -> str:
    """argparse's English error in French: « the following arguments are
    required: siren » → « à indiquer : siren »; the project's own messages
    (already French) keep their words, after « argument --x : »."""
    for pattern, replacement in ERRORS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class FrenchHelpFormatter(DjangoHelpFormatter):
    """Django's order (the command's own options before Django's), with
    « Usage : » for « usage: »."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class FrenchCommandParser(CommandParser):
    """Django's CommandParser whose errors are in French."""

    def error(self, message: str) -> NoReturn:
        message = french_error(message)
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog} : erreur : {message}\n")
        raise CommandError(f"Erreur : {message}")


def frenchify(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``parser`` and its sub-parsers in French (headers, Django's options,
    errors), in place; returns it."""
    if isinstance(parser, CommandParser):
        # Same state, French error(): CommandParser adds no slot of its own.
        parser.__class__ = FrenchCommandParser
    parser.formatter_class = FrenchHelpFormatter
    for group in parser._action_groups:
        if group.title in TITLES:
            group.title = TITLES[group.title]
    for action in parser._actions:
        if action.dest in OPTION_HELP and action.option_strings:
            action.help = OPTION_HELP[action.dest]
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                frenchify(subparser)
    return parser


def renamed_notice(old: str) -> str:
    """The line written on stderr when a command is run by its former name."""
    new = RENAMED[old]
    return (
        f"nonrecours : la commande « {old} » s'appelle désormais « {new} » ; "
        f"l'ancien nom marche encore, écrivez « nonrecours {new} » dans vos scripts.\n"
    )


def _is_ours(command: BaseCommand) -> bool:
    return type(command).__module__.startswith("nonrecours.")


def install() -> None:
    """Wrap ``BaseCommand.create_parser`` and ``execute`` once (see the
    module's docstring)."""
    original: Callable[..., CommandParser] = BaseCommand.create_parser
    if getattr(original, "french", False):
        return

    def create_parser(
        self: BaseCommand, prog_name: str, subcommand: str, **kwargs: Any
    ) -> CommandParser:
        parser = original(self, prog_name, subcommand, **kwargs)
        if not _is_ours(self):
            return parser
        if subcommand in RENAMED and getattr(self, "_called_from_command_line", False):
            sys.stderr.write(renamed_notice(subcommand))
        frenchify(parser)
        # The name the command was called by (« nonrecours accounts »,
        # « manage.py environnement »), for its refusals (_french_refusal).
        self._called_as = parser.prog  # type: ignore[attr-defined]
        return parser

    create_parser.french = True  # type: ignore[attr-defined]
    BaseCommand.create_parser = create_parser  # type: ignore[method-assign]
    BaseCommand.execute = _french_refusal(BaseCommand.execute)  # type: ignore[method-assign]


def _french_refusal(execute: Callable[..., Any]) -> Callable[..., Any]:
    """``execute`` whose CommandError, for a project command run from the
    command line, is written « nonrecours screen : erreur : … » (as the
    parser's errors are) rather than Django's « CommandError: … »; exit
    code unchanged. With --traceback, the error is raised as Django does."""

    def french_execute(self: BaseCommand, *args: Any, **options: Any) -> Any:
        try:
            return execute(self, *args, **options)
        except CommandError as error:
            if (
                not _is_ours(self)
                or not getattr(self, "_called_from_command_line", False)
                or options.get("traceback")
                or isinstance(error, SystemCheckError)
            ):
                raise
            called_as = getattr(self, "_called_as", "nonrecours")
            self.stderr.write(f"{called_as} : erreur : {error}")
            sys.exit(error.returncode)

    return french_execute
