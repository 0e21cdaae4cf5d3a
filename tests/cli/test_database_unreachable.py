"""A database that does not answer, or is not migrated: one French line,
no traceback, from any command."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def run(tmp_path, database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "NONRECOURS_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "NONRECOURS_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "nonrecours"), *arguments],
        capture_output=True, text=True, check=False, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip


def test_a_server_that_refuses_gives_one_french_line(tmp_path):
    result = run(tmp_path, "postgresql://nonrecours:secret-x@127.0.0.1:1/nonrecours", "migrate")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nonrecours : la base de données ne répond pas (DATABASE_URL")
    assert "secret-x" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_never_migrated_says_to_migrate(tmp_path):
    result = run(tmp_path, f"sqlite:///{tmp_path / 'vide.sqlite3'}", "purge")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "nonrecours migrate" in lines[0] and "une table manque" in lines[0]
