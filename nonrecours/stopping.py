"""A long command stopped by the system leaves as it does on an error.

`kill`, `systemctl stop` and a job's time limit send SIGTERM; a closed
terminal or SSH session sends SIGHUP. Python's default for both is to die at
once, without running `finally` blocks: a partial file (a backup, a
screening result naming households) would stay on disk. Inside
``stopped_as_exit()``, either signal raises ``Stopped`` (a SystemExit) in
the main thread instead, so every block around it leaves as on an error:
temporary files removed, worker processes and pg_dump stopped. The exit
code is the one a shell reports for a process killed by that signal
(128 + its number: 143 for SIGTERM, 129 for SIGHUP).

This module imports nothing from Django.
"""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(SystemExit):
    """The signal that stopped the command: ``signal_name`` (« SIGTERM »),
    ``code`` 128 + its number."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signal_name = signal.Signals(signum).name


@contextmanager
def stopped_as_exit() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise Stopped in the main
    thread; the previous handlers are put back after. Outside the main
    thread (where Python cannot set a handler), the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Stopped(signum)

    previous = {number: signal.signal(number, stop) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def default_signals() -> None:
    """In a worker process forked while stopped_as_exit() was active: die on
    SIGTERM and SIGHUP as any process does (the parent cleans up), and
    ignore SIGINT (Ctrl-C reaches the whole process group; the parent stops
    the workers, they do not each print a traceback)."""
    for number in SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
