"""`make loadtest`: the whole load test, by itself, on loopback.

1. A throwaway PostgreSQL (loadtest.postgres), the production settings in
   the environment (no environment file read), the database prepared
   (loadtest.prepare), Gunicorn started with config/gunicorn.py and 2
   workers on a free loopback port.
2. Locust (loadtest.locustfile, in its own process) with the residents,
   field agents and simulator users at once, for LOADTEST_SECONDS.
3. Meanwhile, faults (LOADTEST_FAULTS, evenly spaced over the load): the
   web workers killed (SIGKILL), Gunicorn killed whole and started again,
   PostgreSQL restarted; each outage is timed until a page that reads the
   database answers again.
4. Load stopped, agents' queues drained, then the database checked
   (loadtest.verify) and the figures printed (loadtest.report) and written
   as JSON (LOADTEST_OUTPUT, test-artifacts/loadtest.json by default).

Exit status 0 when every goal is met, 1 when one is missed (each named),
2 when the run itself could not be made (a French line says why). The
server, the database and the temporary folder go in every case, Ctrl-C
included.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loadtest.config import ConfigError, LoadConfig
from loadtest.postgres import LoadPostgres
from loadtest.report import figures, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_SECONDS = 180  # Gunicorn loads OpenFisca-France before forking its workers


class RunError(Exception):
    """The run could not be made (French message)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_environment(database_url: str, var_dir: Path, port: int) -> dict[str, str]:
    """The environment of every process of the run: the production settings,
    as the operator's environment file would give them, but nothing read
    from /etc (NONRECOURS_ENV_FILE empty)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NONRECOURS_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "NONRECOURS_ENV_FILE": "",
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "NONRECOURS_BASE_URL": "https://nonrecours.exemple.fr",
            "NONRECOURS_EMAIL_DISABLED": "1",
            "NONRECOURS_PROXY_COUNT": "1",
            "NONRECOURS_REQUIRE_2FA": "false",
            "NONRECOURS_VAR_DIR": str(var_dir),
            "NONRECOURS_BIND": f"127.0.0.1:{port}",
            "NONRECOURS_WEB_WORKERS": "2",
            "NONRECOURS_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


class Gunicorn:
    """Gunicorn with config/gunicorn.py, in its own process group."""

    def __init__(self, env: dict[str, str], port: int, log: Path, probe_path: str):
        self.env, self.port, self.log, self.probe_path = env, port, log, probe_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [
                    str(BIN / "gunicorn"), "-c", "config/gunicorn.py",
                    # Gunicorn 27's control socket, else ~/.gunicorn/gunicorn.ctl,
                    # shared with any other Gunicorn of this account.
                    "--control-socket", str(self.log.with_name("gunicorn.ctl")),
                    "config.wsgi",
                ],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def wait_ready(self, seconds: float = READY_SECONDS) -> float:
        """Wait until a page that reads the database answers 200; returns
        the moment it did. Raises RunError past ``seconds``."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RunError(
                    f"Gunicorn s'est arrêté (code {self.process.returncode}) ; son journal :\n"
                    + self.log.read_text(errors="replace")[-3000:]
                )
            if self.probe():
                return time.time()
            time.sleep(0.2)
        raise RunError(f"Gunicorn ne répond pas après {seconds:.0f} s ; journal : {self.log}")

    def probe(self) -> bool:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{self.probe_path}",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.255.255.254"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def workers(self) -> list[int]:
        """The process ids of the master's children (its web workers)."""
        if self.process is None:
            return []
        master = str(self.process.pid)
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == master:
                found.append(int(stat.parent.name))
        return found

    def kill_workers(self) -> int:
        """SIGKILL every web worker (the master forks new ones); how many."""
        pids = self.workers()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return len(pids)

    def kill(self) -> None:
        """SIGKILL the master and its workers (the whole process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def _cleanup_on_signals() -> Iterator[None]:
    """SIGTERM (and SIGHUP) end the run like Ctrl-C: through every finally."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _run_checked(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RunError(f"{what} a échoué :\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def _inject_faults(
    config: LoadConfig, started: float, gunicorn: Gunicorn, postgres: LoadPostgres,
    locust: subprocess.Popen[bytes],
) -> list[dict[str, Any]]:  # fmt: skip
    """Each fault of the plan at its moment; returns the outage windows
    (kind, start, end: when a page reading the database answered again)."""
    windows: list[dict[str, Any]] = []
    for kind, offset in config.fault_plan():
        while time.time() < started + offset:
            if locust.poll() is not None:
                return windows
            time.sleep(0.2)
        start = time.time()
        if kind == "workers":
            if not gunicorn.kill_workers():
                raise RunError("Aucun processus web à tuer : Gunicorn n'a pas de worker.")
        elif kind == "gunicorn":
            gunicorn.kill()
            gunicorn.start()  # what systemd's Restart=always does
        elif kind == "postgresql":
            postgres.restart()
        end = gunicorn.wait_ready()
        windows.append({"kind": kind, "start": start, "end": end})
        print(
            f"  panne « {kind} » à {start - started:.0f} s : service rétabli en {end - start:.1f} s"
        )
    return windows


class Run:
    """One run's processes and files (see the module), each step a method;
    ``close()`` ends whatever was started."""

    def __init__(self, config: LoadConfig):
        self.config = config
        self.load_before = os.getloadavg()
        self.workdir = Path(tempfile.mkdtemp(prefix="nonrecours-charge-"))
        self.plan_file = self.workdir / "plan.json"
        self.records_file = self.workdir / "records.json"
        self.postgres = LoadPostgres()
        self.gunicorn: Gunicorn | None = None
        self.locust: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {}
        self.port = 0

    def serve(self) -> Gunicorn:
        """PostgreSQL, the prepared database, then Gunicorn ready."""
        try:
            self.postgres.start()
            self.postgres.create_database()
        except Exception as error:  # noqa: BLE001 - pytest.UsageError, RuntimeError: French
            raise RunError(f"PostgreSQL n'a pas pu démarrer : {error}") from None
        self.port = _free_port()
        self.env = production_environment(self.postgres.url, self.workdir / "var", self.port)
        self.plan_file.write_text(json.dumps({"agents_wanted": self.config.agents}), "utf-8")
        begun = time.time()
        command = [str(BIN / "python"), "-m", "loadtest.prepare", str(self.plan_file)]
        print(_run_checked(command, self.env, "La préparation des données").strip())
        plan = json.loads(self.plan_file.read_text(encoding="utf-8"))
        prepared = time.time()
        probe = f"/b/{plan['campaign']}/"
        self.gunicorn = Gunicorn(self.env, self.port, self.workdir / "gunicorn.log", probe)
        self.gunicorn.start()
        ready = self.gunicorn.wait_ready()
        print(
            f"Base prête en {prepared - begun:.1f} s ; Gunicorn (2 processus web) prêt en "
            f"{ready - prepared:.1f} s sur http://127.0.0.1:{self.port}."
        )
        return self.gunicorn

    def load(self, gunicorn: Gunicorn) -> list[dict[str, Any]]:
        """Locust with the faults of the plan; returns the outage windows
        once Locust has stopped (load, then the agents' queues drained)."""
        config = self.config
        env = {
            **self.env,
            "LOADTEST_PLAN": str(self.plan_file),
            "LOADTEST_RECORDS": str(self.records_file),
            **config.locust_environment(),
        }
        users = config.residents + config.agents + config.simulator_users
        ramp = max(1.0, min(20.0, config.seconds / 4))
        with (self.workdir / "locust.log").open("wb") as log:
            self.locust = subprocess.Popen(  # noqa: S603 - our own command
                [
                    str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"),
                    "--headless", "--host", f"http://127.0.0.1:{self.port}",
                    "--users", str(users), "--spawn-rate", f"{users / ramp:.1f}",
                    "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
                ],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        started = time.time()
        faults = f" ; pannes : {', '.join(config.faults)}" if config.faults else ""
        print(
            f"Charge : {config.residents} habitant·es, {config.agents} enquêteur·rices, "
            f"{config.simulator_users} personnes au simulateur pendant {config.seconds:.0f} s"
            f"{faults}."
        )
        windows = _inject_faults(config, started, gunicorn, self.postgres, self.locust)
        try:
            self.locust.wait(timeout=config.seconds + config.drain_seconds + 120)
        except subprocess.TimeoutExpired:
            raise RunError("Locust ne s'est pas arrêté à temps.") from None
        return windows

    def conclude(self, windows: list[dict[str, Any]]) -> int:
        """Check the database, print and write the figures; the exit status."""
        if not self.records_file.exists():
            raise RunError(
                "Locust n'a rien enregistré ; son journal :\n"
                + (self.workdir / "locust.log").read_text(errors="replace")[-4000:]
            )
        records = json.loads(self.records_file.read_text(encoding="utf-8"))
        files = [str(self.plan_file), str(self.records_file)]
        command = [str(BIN / "python"), "-m", "loadtest.verify", *files]
        checked = json.loads(_run_checked(command, self.env, "La vérification en base"))
        result = figures(records, windows, checked)
        result["début"] = records["load_started"]
        result["machine"] = _machine(self.load_before)
        result["configuration"] = self.config.as_dict()
        print(text(result, machine=result["machine"]))
        output = self.config.output
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"Chiffres écrits dans {output}.")
        return 1 if result["objectifs_manqués"] else 0

    def close(self) -> None:
        if self.locust is not None and self.locust.poll() is None:
            os.killpg(self.locust.pid, signal.SIGKILL)
            self.locust.wait()
        if self.gunicorn is not None:
            self.gunicorn.stop()
        self.postgres.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def run(config: LoadConfig) -> int:
    """The whole run (see the module); returns the exit status."""
    current = Run(config)
    try:
        with _cleanup_on_signals():
            return current.conclude(current.load(current.serve()))
    except RunError as error:
        print(f"Essai de charge impossible : {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Essai de charge interrompu : arrêt du serveur et de la base.", file=sys.stderr)
        return 130
    finally:
        current.close()


def _machine(before: tuple[float, float, float]) -> str:
    """The cores and the load average (`uptime`) before the run and at its end:
    the machine is shared, and others' work weighs on the figures."""
    after = os.getloadavg()
    return (
        f"{os.cpu_count()} cœurs ; charge moyenne (1, 5, 15 min) avant l'essai "
        f"{before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, à la fin {after[0]:.2f} {after[1]:.2f} "
        f"{after[2]:.2f}"
    )


def main() -> int:
    try:
        config = LoadConfig.from_environment(os.environ)
    except ConfigError as error:
        print(f"Essai de charge impossible : {error}", file=sys.stderr)
        return 2
    return run(config)
