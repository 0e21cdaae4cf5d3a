"""The `nonrecours` console command: Django's management commands under one name."""

import os
import signal
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if hasattr(signal, "SIGPIPE"):
        # `nonrecours campaign list | head` ends quietly, like any Unix command.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nonrecours", *(sys.argv[1:] if argv is None else argv)])
