"""The `--clock-offset-days` pytest option (nonrecours/testing/clock.py),
run on a small test file in a separate pytest process."""

import subprocess
import sys

INNER = """
import datetime
import time

import time_machine

YEAR_AHEAD = datetime.timedelta(days=400)


def real_now():
    # The escape hatch crashes the process when nothing travels (time-machine 2.19).
    if not time_machine.escape_hatch.is_travelling():
        return datetime.datetime.now()
    return time_machine.escape_hatch.datetime.datetime.now()


def test_the_whole_session_runs_ahead():
    assert abs(datetime.datetime.now() - real_now() - YEAR_AHEAD) < datetime.timedelta(minutes=5)


def test_the_clock_still_ticks():
    before = time.time()
    time.sleep(0.01)
    assert time.time() > before


def test_a_test_still_sets_its_own_time_then_gets_the_shifted_clock_back():
    moment = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        assert datetime.datetime.now(datetime.UTC) == moment
    assert abs(datetime.datetime.now() - real_now() - YEAR_AHEAD) < datetime.timedelta(minutes=5)


@time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_the_decorator_too():
    assert datetime.date.today() == datetime.date(2026, 3, 2)
"""


def run_pytest(tmp_path, *options):
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_inner.py").write_text(INNER, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-p", "nonrecours.testing.clock",
               "-p", "no:cacheprovider", "-p", "no:django", *options]  # fmt: skip
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)


def test_the_option_moves_the_clock_for_the_whole_session(tmp_path):
    result = run_pytest(tmp_path, "--clock-offset-days=400")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    assert "horloge : décalée de 400 jours" in result.stdout


def test_without_the_option_the_clock_is_the_real_one(tmp_path):
    result = run_pytest(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 failed, 2 passed" in result.stdout  # the two that expect a shifted clock
    assert "horloge" not in result.stdout
