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
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(SystemExit):
    """The signal that stopped the command: ``signal_name`` (« SIGTERM »),
    ``code`` 128 + its number."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signum = signum
        self.signal_name = signal.Signals(signum).name


def how_stopped(error: BaseException) -> tuple[str, int]:
    """What a command says and its exit code when `error` (Ctrl-C's
    KeyboardInterrupt, or Stopped) ended it: (« Interrompu », 130) or
    (« Arrêté (SIGTERM) », 143)."""
    if isinstance(error, Stopped):
        return f"Arrêté ({error.signal_name})", 128 + error.signum
    return "Interrompu", 128 + signal.SIGINT


@contextmanager
def stopped_as_exit() -> Iterator[None]:
    """While the block runs, the first SIGTERM or SIGHUP raises Stopped in
    the main thread, and the next ones are then ignored (while the blocks
    around clean up, and until the process ends); otherwise the previous
    handlers are put back after. Outside the main thread (where Python
    cannot set a handler), the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        # Once: a second signal must not cut into the cleanup it starts
        # (a partial file being removed, worker processes being stopped).
        for number in SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {number: signal.signal(number, stop) for number in SIGNALS}
    try:
        yield
    except Stopped:
        # The command is ending: later signals stay ignored, so that the
        # ending (its message, the exit code 128 + the first signal) is not
        # cut short either.
        raise
    except BaseException:
        _restore(previous)
        raise
    _restore(previous)


def _restore(handlers: dict[signal.Signals, Any]) -> None:
    for number, handler in handlers.items():
        signal.signal(number, handler)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool of worker processes at once, when its caller gives up
    (an error, Ctrl-C, Stopped): the workers are terminated (SIGTERM, which
    default_signals leaves deadly to them), what was not started is
    cancelled, and the pool is waited for. ``shutdown()`` alone would wait
    for every task already handed over, and a second signal during that
    wait left the workers running. ``_processes`` is private to
    concurrent.futures (Python 3.14 has ``terminate_workers()`` for this)."""
    try:
        for process in list((pool._processes or {}).values()):
            process.terminate()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def default_signals() -> None:
    """In a worker process forked while stopped_as_exit() was active: die on
    SIGTERM and SIGHUP as any process does (the parent cleans up), and
    ignore SIGINT (Ctrl-C reaches the whole process group; the parent stops
    the workers, they do not each print a traceback)."""
    for number in SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
