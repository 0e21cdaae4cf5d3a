"""Backups (`nonrecours backup`, nonrecours.ops.backups): a dated file
written atomically, the key's fingerprint beside it, the retention, clear
French errors, and a round trip (dump, restore into a fresh database,
compare every table) on the database the suite runs on."""

import datetime
import os
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from nonrecours.ops import backups
from nonrecours.ops.backups import (
    BackupError,
    Content,
    backup_create,
    contents_differences,
    database_contents,
    libpq_conninfo,
    pg_restore,
)
from nonrecours.ops.keys import secret_key_fingerprint
from tests.factories import MemberFactory, OrganisationFactory, TerritoryFactory

# A backup runs outside any transaction, as the command does: pg_dump sees
# only committed rows, and SQLite's copy waits for an open transaction.
pytestmark = pytest.mark.django_db(transaction=True)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 3, 15, 10, 30, 0, tzinfo=PARIS)


def suffix() -> str:
    return "dump" if connection.vendor == "postgresql" else "sqlite3"


def test_writes_a_dated_dump_and_the_key_fingerprint(tmp_path, capsys):
    directory = tmp_path / "sauvegardes"
    with time_machine.travel(NOW, tick=False):
        call_command("backup", dossier=directory, garder_jours=14)
    dump = directory / f"nonrecours-20260315-103000.{suffix()}"
    assert dump.is_file() and dump.stat().st_size > 0
    # Personal data: readable by the service's account only.
    assert dump.stat().st_mode & 0o777 == 0o600
    assert directory.stat().st_mode & 0o777 == 0o700
    fingerprint = (directory / "cle-secrete.sha256").read_text(encoding="ascii")
    assert fingerprint == secret_key_fingerprint() + "\n"
    # Nothing left under a temporary name.
    assert sorted(p.name for p in directory.iterdir()) == ["cle-secrete.sha256", dump.name]
    output = capsys.readouterr().out
    assert f"Sauvegarde écrite : {dump}" in output
    assert "0 sauvegarde de plus de 14 jours supprimée." in output


def test_removes_only_its_own_dumps_older_than_the_retention(tmp_path):
    names = {
        "nonrecours-20260225-020000.dump": False,  # 18 days: removed
        "nonrecours-20260301-030000.sqlite3": False,  # 14 days and 7 h: removed
        "nonrecours-20260301-120000.dump": True,  # 13 days and 22 h: kept
        "nonrecours-20260314-030000.dump": True,
        "nonrecours-20201399-999999.dump": True,  # not a date: not ours
        "autre-sauvegarde-20200101.dump": True,  # not ours
        "nonrecours-20200101-000000.dump.gpg": True,  # not ours
    }
    for name in names:
        (tmp_path / name).write_text("x")
    with time_machine.travel(NOW, tick=False):
        backup = backup_create(directory=tmp_path, keep_days=14)
    assert sorted(p.name for p in backup.removed) == sorted(
        n for n, kept in names.items() if not kept
    )
    for name, kept in names.items():
        assert (tmp_path / name).exists() == kept, name
    assert backup.path.exists()


def test_partial_files_of_killed_runs_are_removed_after_a_day(tmp_path):
    ages = {
        ".nonrecours-20260313-020000.dump.en-cours-4242": (datetime.timedelta(days=2), False),
        ".nonrecours-20260314-020000.sqlite3.en-cours-7": (datetime.timedelta(hours=25), False),
        ".cle-secrete.sha256.en-cours-4242": (datetime.timedelta(days=3), False),
        # Maybe a backup running right now: kept.
        ".nonrecours-20260315-100000.dump.en-cours-99": (datetime.timedelta(hours=2), True),
        ".autre.dump.en-cours-4242": (datetime.timedelta(days=30), True),  # not ours
    }
    for name, (age, _kept) in ages.items():
        (tmp_path / name).write_text("partiel")
        moment = (NOW - age).timestamp()
        os.utime(tmp_path / name, (moment, moment))
    with time_machine.travel(NOW, tick=False):
        backup = backup_create(directory=tmp_path, keep_days=14)
    assert sorted(p.name for p in backup.removed) == sorted(
        name for name, (_age, kept) in ages.items() if not kept
    )
    for name, (_age, kept) in ages.items():
        assert (tmp_path / name).exists() == kept, name


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_backup_stopped_by_the_system_leaves_no_partial_file(tmp_path, monkeypatch, signum):
    """systemctl stop or a time limit (SIGTERM), a closed terminal (SIGHUP)
    during the dump: the partial file is removed and the command exits
    with 128 + the signal's number, as a shell reports it."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("les signaux ne sont reçus que par le fil principal")
    seen = []

    def dump_then_killed(target: Path, **kwargs: Any) -> None:
        target.write_bytes(b"partiel" * 1000)
        seen.append(target)
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(backups, "_sqlite_copy", dump_then_killed)
    monkeypatch.setattr(backups, "pg_dump", lambda **kw: dump_then_killed(kw["target"]))
    with time_machine.travel(NOW, tick=False), pytest.raises(SystemExit) as stopped:
        backup_create(directory=tmp_path, keep_days=14)
    assert stopped.value.code == 128 + signum
    assert seen and not seen[0].exists()
    assert list(tmp_path.iterdir()) == []


def test_the_retention_comes_from_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NONRECOURS_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("NONRECOURS_BACKUP_DAYS", "3")
    (tmp_path / "nonrecours-20260311-100000.dump").write_text("x")
    with time_machine.travel(NOW, tick=False):
        call_command("backup")
    assert not (tmp_path / "nonrecours-20260311-100000.dump").exists()
    assert "1 sauvegarde de plus de 3 jours supprimée." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("variables", "options", "message"),
    [
        ({"NONRECOURS_BACKUP_DAYS": "quinze"}, {}, "NONRECOURS_BACKUP_DAYS vaut « quinze »"),
        ({"NONRECOURS_BACKUP_DAYS": "0"}, {}, "attendu un nombre entier d'au moins 1"),
        ({}, {"garder_jours": 0}, "Durée de conservation des sauvegardes de 0 jour(s)"),
    ],
)
def test_a_bad_retention_is_refused_in_french(tmp_path, monkeypatch, variables, options, message):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("backup", dossier=tmp_path, **options)
    assert list(tmp_path.iterdir()) == []


def test_a_directory_that_cannot_be_made_is_refused(tmp_path):
    a_file = tmp_path / "fichier"
    a_file.write_text("x")
    with pytest.raises(CommandError, match=r"Dossier des sauvegardes .*fichier/dessous impossible"):
        call_command("backup", dossier=a_file / "dessous")
    with pytest.raises(CommandError, match=r"fichier n'est pas un dossier"):
        call_command("backup", dossier=a_file)


def test_a_directory_not_writable_is_refused(tmp_path, monkeypatch):
    # As root (CI) permissions do not stop writing: os.access says what the
    # service's account would get.
    monkeypatch.setattr(backups.os, "access", lambda path, mode: False)
    with pytest.raises(CommandError, match="n'est pas accessible en écriture"):
        call_command("backup", dossier=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_leaves_no_file_and_says_so(tmp_path, monkeypatch):
    if connection.vendor == "postgresql":

        def full(command, **kwargs):
            return subprocess.CompletedProcess(
                command,
                1,
                "",
                "pg_dump: error: could not write to file: No space left on device\n",
            )

        monkeypatch.setattr(backups.subprocess, "run", full)
    else:

        def full(target: Path) -> None:
            target.write_text("début")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(backups, "_sqlite_copy", full)
    with pytest.raises(CommandError, match="disque plein"):
        call_command("backup", dossier=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_pg_dump_missing_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    monkeypatch.setattr(backups.Path, "glob", lambda self, pattern: iter(()))
    with pytest.raises(BackupError, match="installez le paquet Debian postgresql-client"):
        backups.find_program("pg_dump")


def test_the_password_never_goes_on_the_command_line(tmp_path, monkeypatch):
    seen = {}

    def record(command, **kwargs):
        seen.update(command=command, env=kwargs["env"])
        Path(command[-1].removeprefix("--file=")).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(backups.subprocess, "run", record)
    settings_dict = {"NAME": "nonrecours", "USER": "nonrecours", "PASSWORD": "mot/de@passe"}
    settings_dict |= {"HOST": "db.interne", "PORT": 5432, "OPTIONS": {"sslmode": "require"}}
    backups.pg_dump(settings_dict=settings_dict, target=tmp_path / "x.dump")
    assert not any("mot/de@passe" in part for part in seen["command"])
    assert "--format=custom" in seen["command"]
    assert seen["env"]["PGPASSWORD"] == "mot/de@passe"
    assert (seen["env"]["PGHOST"], seen["env"]["PGPORT"]) == ("db.interne", "5432")
    assert seen["env"]["PGSSLMODE"] == "require"


def test_differences_name_the_table():
    same = {"public.a": Content(2, "x"), "public.b": Content(1, "y")}
    assert contents_differences(same, dict(same)) == []
    assert contents_differences(same, {"public.a": Content(2, "z")}) == [
        "public.a : même nombre de lignes (2), contenu différent.",
        "public.b : absente de la base restaurée.",
    ]
    assert contents_differences(same, {**same, "public.a": Content(3, "x")}) == [
        "public.a : 2 ligne(s) sauvegardée(s), 3 restaurée(s)."
    ]


def some_rows() -> None:
    territory = TerritoryFactory()
    organisation = OrganisationFactory(territory=territory, name="Centre « Élan » ; l'été")
    MemberFactory(membership__organisation=organisation)


@pytest.fixture
def fresh_database() -> Iterator[dict[str, Any]]:
    """A new, empty database on the suite's PostgreSQL server (dropped at
    the end), as Django's settings describe a database."""
    import psycopg

    server = libpq_conninfo({**connection.settings_dict, "NAME": "postgres"})
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS nonrecours_restauree")
        admin.execute("CREATE DATABASE nonrecours_restauree")
    yield {**connection.settings_dict, "NAME": "nonrecours_restauree"}
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("DROP DATABASE nonrecours_restauree WITH (FORCE)")


def test_a_postgresql_backup_restores_identical(tmp_path, request):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump et pg_restore : seulement avec --postgresql (SQLite : test suivant)")
    import psycopg

    restored = request.getfixturevalue("fresh_database")
    some_rows()
    backup = backup_create(directory=tmp_path, keep_days=14)
    pg_restore(settings_dict=restored, dump=backup.path)
    original = database_contents(connection.settings_dict)
    copy = database_contents(restored)
    assert len(original) > 50  # every table of the project, and their sequences
    assert original["public.accounts_organisation"].rows == 1
    assert contents_differences(original, copy) == []
    # The comparison sees a change of one value in one row.
    with psycopg.connect(libpq_conninfo(restored), autocommit=True) as database:
        database.execute("UPDATE accounts_organisation SET name = name || ' '")
    assert contents_differences(original, database_contents(restored)) == [
        "public.accounts_organisation : même nombre de lignes (1), contenu différent."
    ]


def test_a_sqlite_backup_holds_every_row(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("copie SQLite : seulement sans --postgresql (PostgreSQL : test précédent)")
    some_rows()
    backup = backup_create(directory=tmp_path, keep_days=14)
    # Read as Django reads it (its type converters), to compare like with like.
    copy = sqlite3.connect(
        backup.path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
    )
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert len(tables) > 50
    live = connection.connection
    for table in tables:
        select = f'SELECT * FROM "{table}"'  # noqa: S608 (names from the catalogue)
        assert sorted(copy.execute(select).fetchall()) == sorted(live.execute(select).fetchall())
    assert copy.execute("SELECT name FROM accounts_organisation").fetchall() == [
        ("Centre « Élan » ; l'été",)
    ]
    copy.close()
