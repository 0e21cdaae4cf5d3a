"""nonrecours.stopping: SIGTERM and SIGHUP end a long command as an error
does (blocks left, files cleaned), with the shell's exit code."""

import os
import signal
import threading

import pytest

from nonrecours.stopping import Stopped, stopped_as_exit

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="les signaux ne sont reçus que par le fil principal",
)


@pytest.mark.parametrize(
    ("signum", "name"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP")]
)
def test_a_signal_leaves_the_block_as_an_error_does(signum, name):
    previous = [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)]
    left = []
    with pytest.raises(Stopped) as stopped, stopped_as_exit():
        try:
            os.kill(os.getpid(), signum)
        finally:
            left.append(True)
    assert left == [True]
    assert stopped.value.code == 128 + signum and stopped.value.signal_name == name
    assert isinstance(stopped.value, SystemExit)
    # The command is ending: a second signal must not cut its cleanup short.
    assert [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)] == [signal.SIG_IGN] * 2
    assert previous != [signal.SIG_IGN] * 2


def test_an_error_in_the_block_puts_the_handlers_back():
    previous = [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)]
    with pytest.raises(ValueError), stopped_as_exit():
        raise ValueError
    assert [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)] == previous


def test_outside_a_block_nothing_is_changed():
    previous = [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)]
    with stopped_as_exit():
        pass
    assert [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)] == previous
