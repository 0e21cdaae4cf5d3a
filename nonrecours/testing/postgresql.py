"""pytest plugin: `pytest --postgresql` runs the suite on a throwaway
PostgreSQL server started from the machine's initdb/pg_ctl.

The server listens only on a Unix socket in a private temporary folder, with
fsync off, and is stopped and deleted when the run ends. PostgreSQL refuses
to run as root: as root (CI), the server runs as the `postgres` system user.
With pytest-xdist (`-n`), the controller starts the one server and its
workers use it, each with its own test database.
"""

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Generator
from pathlib import Path
from urllib.parse import quote

import pytest


def _find_binary(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = shutil.which(name) or (candidates[0] if candidates else None)
    if found is None:
        raise pytest.UsageError(
            f"PostgreSQL introuvable ({name}). Installez-le : apt-get install postgresql "
            "(ou lancez `make test`, qui l'installe)."
        )
    return found


class ThrowawayPostgres:
    port = 5432  # on a private socket folder: never collides with another server

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="nonrecours-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"Échec de {' '.join(command)} :\n{result.stdout}\n{result.stderr}\n{log}"
            )

    def start(self) -> None:
        self._run(
            _find_binary("initdb"),
            "-D", str(self.data),
            "-U", "postgres",
            "-A", "trust",
            "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        options = f"-F -p {self.port} -k {self.root} -c listen_addresses=''"
        self._run(
            _find_binary("pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.log), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        if self.data.exists():
            try:
                self._run(_find_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
            except RuntimeError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{quote(str(self.root), safe='')}:{self.port}/nonrecours"


_server: ThrowawayPostgres | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgresql",
        action="store_true",
        help="lancer les tests sur un serveur PostgreSQL jetable (initdb/pg_ctl de la machine)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, None, None]:
    # Runs before pytest-django reads the settings, so DATABASE_URL is seen.
    global _server
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("DATABASE_URL"):
        # A pytest-xdist worker: the controller started the server and gave
        # its address in the environment; pytest-django gives each worker
        # its own test database on it (test_nonrecours_gw0, _gw1…).
        return (yield)
    if early_config.known_args_namespace.postgresql and _server is None:
        _server = ThrowawayPostgres()
        atexit.register(_server.stop)
        _server.start()
        os.environ["DATABASE_URL"] = _server.url
    return (yield)


def pytest_report_header(config: pytest.Config) -> str:
    if _server is not None:
        return f"base de données : PostgreSQL jetable ({_server.root})"
    return "base de données : SQLite"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _server is not None:
        _server.stop()
