import os
import subprocess
import sys


def settings_import(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"], **env},
    )


def test_production_refuses_to_start_without_secret_key():
    result = settings_import("config.settings.production", DJANGO_ALLOWED_HOSTS="exemple.fr")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY doit être défini en production" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = settings_import("config.settings.production", DJANGO_SECRET_KEY="x" * 50)
    assert "DJANGO_ALLOWED_HOSTS doit lister" in result.stderr


def test_production_starts_with_its_variables():
    result = settings_import(
        "config.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="exemple.fr",
        DATABASE_URL="postgresql://u@localhost/nonrecours",
    )
    assert result.returncode == 0, result.stderr


def test_the_embedded_database_folder_is_created_by_any_command(tmp_path):
    var_dir = tmp_path / "pas-encore-créé"
    result = settings_import("config.settings.dev", NONRECOURS_VAR_DIR=str(var_dir))
    assert result.returncode == 0, result.stderr
    assert var_dir.is_dir()


def test_a_bad_boolean_gets_a_french_message():
    result = settings_import("config.settings.dev", DJANGO_DEBUG="peut-être")
    assert "DJANGO_DEBUG vaut « peut-être » : attendu « true » ou « false »" in result.stderr
