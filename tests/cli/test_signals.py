"""The command as the system stops it: a reader that leaves (`| head`),
`systemctl stop` sending SIGTERM to every process of the service."""

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nonrecours.rights.screening import example_csv

ROOT = Path(__file__).resolve().parent.parent.parent
COMMAND = str(Path(sys.executable).parent / "nonrecours")


def _alive(group: int) -> bool:
    """Whether a process of the group (the command's session) still runs."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _environment(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "NONRECOURS_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "NONRECOURS_VAR_DIR": str(tmp_path / "var"),
    }


def test_a_reader_that_leaves_ends_the_command_quietly(tmp_path):
    """`nonrecours help | head -1`: no traceback, no « Exception ignored »;
    the exit code a shell gives a process ended by SIGPIPE."""
    with subprocess.Popen(
        [COMMAND, "help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=ROOT, env=_environment(tmp_path),
    ) as process:  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == 128 + signal.SIGPIPE
    assert stderr == ""


@pytest.mark.parametrize("stop", ["group", "main-twice"])
def test_a_screening_stopped_with_its_workers_leaves_no_partial_file(tmp_path, stop):
    """In the middle of the computing, SIGTERM to the command and its two
    worker processes at once, as `systemctl stop` does (« group »), or
    twice to the command alone (« main-twice »: the second one arrives
    while it cleans up). A worker that died must not kill the command
    before it cleans up (SIGPIPE); the workers are stopped, none is left
    running; the partial result (it names households) is removed and the
    old result stays; exit code 143."""
    rows = list(csv.DictReader(io.StringIO(example_csv())))
    households = tmp_path / "foyers.csv"
    with households.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for number in range(20_000):
            writer.writerow({**rows[number % len(rows)], "id": f"F{number}"})
    out = tmp_path / "resultats.csv"
    out.write_text("ancien\n", encoding="utf-8")
    with subprocess.Popen(
        [COMMAND, "screen", str(households), "--out", str(out), "--workers", "2",
         "--tranche", "200", "--mois", "2026-11", "--silencieux"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env=_environment(tmp_path), start_new_session=True,
    ) as process:  # fmt: skip
        assert process.stderr is not None
        # In the middle of the computing: the first results are in the partial
        # file (100 tranches in all).
        deadline = time.monotonic() + 120
        while not any(p.stat().st_size for p in tmp_path.glob(".resultats.csv.*.partiel")):
            assert process.poll() is None, process.stderr.read().decode(errors="replace")
            assert time.monotonic() < deadline
            time.sleep(0.05)
        if stop == "group":
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.send_signal(signal.SIGTERM)
            time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
        rest = process.stderr.read().decode(errors="replace")
        assert process.wait(timeout=120) == 128 + signal.SIGTERM, rest
        assert f"Arrêté (SIGTERM) : {out} n'a pas été écrit (ni remplacé)." in rest
        assert "Traceback" not in rest
        # No worker left running in the command's session.
        deadline = time.monotonic() + 10
        while _alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(process.pid)
    assert out.read_text(encoding="utf-8") == "ancien\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "var") == [
        "foyers.csv",
        "resultats.csv",
    ]
