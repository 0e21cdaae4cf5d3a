"""The `nonrecours` console command: Django's management commands under one name.

Without a command (or with ``help``, ``--help``), it lists the project's own
commands, grouped, in French, and Django's apart (nonrecours.cli.help).

Before the settings load, it reads the environment file (config.settings.env,
/etc/nonrecours/nonrecours.env or NONRECOURS_ENV_FILE), as the web server
does: run from cron with only HOME and PATH, a nightly job reaches the same
database as the site. Without any DJANGO_SETTINGS_MODULE, the development
settings are used.
"""

import os
import signal
import sys

from config.settings.env import EnvFileError, load_env_file


def main(argv: list[str] | None = None) -> None:
    try:
        load_env_file()
    except EnvFileError as error:
        sys.stderr.write(f"nonrecours : {error}\n")
        raise SystemExit(2) from None
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    arguments = sys.argv[1:] if argv is None else argv
    try:
        # Load the settings now: Django would otherwise hide a refusal
        # (production without its database…) behind "Unknown command".
        settings.INSTALLED_APPS  # noqa: B018
        if arguments in ([], ["help"], ["--help"], ["-h"]):
            # The project's commands, in French (Django's listed apart).
            import django

            from nonrecours.cli.help import help_text

            django.setup()
            sys.stdout.write(help_text())
        else:
            execute_from_command_line(["nonrecours", *arguments])
        # What is still buffered is written here, where a reader that left
        # is caught, rather than by Python on exit (code 120).
        sys.stdout.flush()
    except BrokenPipeError:
        # `nonrecours campaign list | head`: the reader left; end quietly,
        # like any Unix command (128 + SIGPIPE), without Python's second
        # complaint when it flushes standard output on exit. SIGPIPE itself
        # is left ignored (Python's default): its default action would kill
        # the process, with no cleanup, as soon as a worker process it
        # writes to has died (a partial result left behind).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(128 + signal.SIGPIPE) from None
    except ImproperlyConfigured as error:
        # A setting refused: its French message, without a traceback.
        sys.stderr.write(f"nonrecours : {error}\n")
        raise SystemExit(2) from None
    except OperationalError as error:
        # The database does not answer (stopped, wrong password, unknown
        # base): one French line, with the driver's first line as detail,
        # never the password (the driver does not repeat it).
        sys.stderr.write(f"nonrecours : {database_unreachable(error)}\n")
        raise SystemExit(1) from None


def database_unreachable(error: BaseException) -> str:
    """One French line for a database that does not answer: what to check,
    and the driver's own first line (in English) as the detail."""
    detail = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    if "no such table" in detail or ("relation" in detail and "does not exist" in detail):
        return (
            "la base de données n'est pas prête : une table manque (lancez `nonrecours "
            "migrate`, puis `nonrecours createcachetable`, avec le même fichier "
            f"d'environnement) — détail : {detail}."
        )
    return (
        "la base de données ne répond pas (DATABASE_URL : serveur démarré ? hôte, port, "
        "utilisateur, mot de passe et nom de la base justes ?)"
        + (f" — détail : {detail}" if detail else "")
        + "."
    )
