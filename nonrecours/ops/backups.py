"""Daily backups (`nonrecours backup`) and the comparison of two databases
that proves a backup restores (`make restore-check`, scripts/restore_check.py).

A backup is one file per run, ``<dir>/nonrecours-AAAAMMJJ-HHMMSS.dump``
(PostgreSQL: ``pg_dump --format=custom``, restored by ``pg_restore``) or
``.sqlite3`` (SQLite: a copy taken by SQLite's online backup API), written
under a temporary name then renamed, so that a file with the final name is
always complete. Beside the dumps, ``cle-secrete.sha256``: the fingerprint of
the secret key the data goes with (nonrecours.ops.keys). Dumps older than
the retention are then removed: data erased from the database (the nightly
purge) stays in the backups that many days more (docs/guide/exploitation.md).
"""

import errno
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from config.settings.env import env_int, env_str
from nonrecours.errors import UserError, system_reason
from nonrecours.ops.keys import FINGERPRINT_FILE_NAME, secret_key_fingerprint
from nonrecours.stopping import stopped_as_exit

# Names written by backup_create, and only these are ever removed.
BACKUP_NAME = re.compile(r"^nonrecours-(\d{8})-(\d{6})\.(dump|sqlite3)$")
# The temporary names of _atomic, left by a run killed without a chance to
# clean up (SIGKILL, the machine stopped): removed once a day old.
PARTIAL_NAME = re.compile(
    r"^\.(?:nonrecours-\d{8}-\d{6}\.(?:dump|sqlite3)|"
    + re.escape(FINGERPRINT_FILE_NAME)
    + r")\.en-cours-\d+$"
)
PARTIAL_MAX_AGE = timedelta(days=1)
STAMP_FORMAT = "%Y%m%d-%H%M%S"
DEFAULT_DIRECTORY = "/var/backups/nonrecours"
DEFAULT_KEEP_DAYS = 14


class BackupError(UserError):
    """A backup could not be made: one French sentence saying what and
    where (the command prints it and exits with a non-zero code)."""


def backup_directory() -> Path:
    """Where the backups go: NONRECOURS_BACKUP_DIR, /var/backups/nonrecours
    by default (docs/configuration.md)."""
    return Path(env_str("NONRECOURS_BACKUP_DIR", DEFAULT_DIRECTORY) or DEFAULT_DIRECTORY)


def backup_keep_days() -> int:
    """How many days a backup is kept: NONRECOURS_BACKUP_DAYS, 14 by
    default, at least 1 (ImproperlyConfigured in French otherwise)."""
    return env_int("NONRECOURS_BACKUP_DAYS", DEFAULT_KEEP_DAYS, minimum=1)


@dataclass(frozen=True)
class Backup:
    """What backup_create did: the file written, its size in bytes, the
    seconds the dump took, the fingerprint file and the old dumps removed."""

    path: Path
    size: int
    seconds: float
    fingerprint_path: Path
    removed: tuple[Path, ...]


def backup_create(*, directory: Path, keep_days: int, now: datetime | None = None) -> Backup:
    """Dump the configured database into ``directory``, write the secret
    key's fingerprint there, then remove the dumps of more than
    ``keep_days`` days (counted from ``now``, by the date in their name)
    and the partial files a killed run left more than a day ago.
    SIGTERM or SIGHUP during the dump removes the partial file and exits
    with 128 + the signal's number (nonrecours.stopping).

    ``directory`` is created if missing (mode 0700: the dumps hold personal
    data; each file is 0600). ``keep_days`` is at least 1. Raises
    BackupError (French message) when the directory cannot be written, the
    disk is full, pg_dump is missing or fails, or the database is neither
    PostgreSQL nor SQLite; nothing is left under a final name then.
    """
    if keep_days < 1:
        raise BackupError(
            f"Durée de conservation des sauvegardes de {keep_days} jour(s) : attendu au moins 1."
        )
    now = now or timezone.now()
    _prepare(directory)
    vendor = connection.vendor
    suffix = {"postgresql": "dump", "sqlite": "sqlite3"}.get(vendor)
    if suffix is None:
        raise BackupError(
            f"Base de données « {vendor} » : seules PostgreSQL et SQLite sont prises."
        )
    stamp = timezone.localtime(now).strftime(STAMP_FORMAT)
    final = directory / f"nonrecours-{stamp}.{suffix}"
    if final.exists():
        raise BackupError(f"La sauvegarde {final} existe déjà (une autre vient d'être faite ?).")
    started = time.monotonic()
    with _atomic(final) as temporary:
        if vendor == "postgresql":
            pg_dump(settings_dict=connection.settings_dict, target=temporary)
        else:
            _sqlite_copy(temporary)
    seconds = time.monotonic() - started
    fingerprint_path = directory / FINGERPRINT_FILE_NAME
    with _atomic(fingerprint_path) as temporary:
        temporary.write_text(secret_key_fingerprint() + "\n", encoding="ascii")
    removed = _remove_old(directory, keep=final, before=now - timedelta(days=keep_days), now=now)
    return Backup(
        path=final,
        size=final.stat().st_size,
        seconds=seconds,
        fingerprint_path=fingerprint_path,
        removed=removed,
    )


def backups_in(directory: Path) -> list[tuple[datetime, Path]]:
    """The dumps written by backup_create in ``directory``, oldest first,
    with the local moment their name gives (aware datetime)."""
    found = []
    for path in directory.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        try:
            # Local time, as the name was written: made aware just below.
            moment = datetime.strptime(f"{match[1]}-{match[2]}", STAMP_FORMAT)  # noqa: DTZ007
        except ValueError:
            continue  # a name that looks like ours but is no date: not ours
        found.append((timezone.make_aware(moment), path))
    return sorted(found)


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise BackupError(f"{directory} n'est pas un dossier (NONRECOURS_BACKUP_DIR, --dossier).")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"Dossier des sauvegardes {directory} impossible à créer : {system_reason(error)}."
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise BackupError(
            f"Le dossier des sauvegardes {directory} n'est pas accessible en écriture à "
            "l'utilisateur qui lance la commande (propriétaire : le compte du service)."
        )


@contextmanager
def _atomic(final: Path) -> Iterator[Path]:
    """A temporary path beside ``final`` (same file system), renamed to
    ``final`` once the block succeeds and the data is on disk; removed on
    any failure, and on SIGTERM or SIGHUP (nonrecours.stopping: the process
    then exits with 128 + the signal's number). Files are created readable by their owner only."""
    temporary = final.with_name(f".{final.name}.en-cours-{os.getpid()}")
    old_umask = os.umask(0o077)
    try:
        with stopped_as_exit():
            yield temporary
            with temporary.open("rb") as written:
                os.fsync(written.fileno())
            temporary.rename(final)
            _fsync_directory(final.parent)
    except OSError as error:
        raise BackupError(f"Écriture de {final} impossible : {system_reason(error)}.") from None
    finally:
        os.umask(old_umask)
        temporary.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sqlite_copy(target: Path) -> None:
    # SQLite's online backup API, through the connection Django opened: a
    # consistent copy while the site writes (WAL), of a file or in memory.
    if connection.in_atomic_block:
        # The copy would wait forever for the transaction it is part of.
        raise BackupError("Copie de la base SQLite impossible pendant une transaction.")
    connection.ensure_connection()
    origin = connection.connection
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)
    except sqlite3.OperationalError as error:
        if "full" in str(error).lower():
            raise OSError(errno.ENOSPC, "disque plein") from None
        raise BackupError(f"Copie de la base SQLite impossible : {error}.") from None
    finally:
        copy.close()


def _remove_old(
    directory: Path, *, keep: Path, before: datetime, now: datetime
) -> tuple[Path, ...]:
    """Remove the dumps dated before ``before`` (but ``keep``), and the
    partial files of killed runs (PARTIAL_NAME) last written more than
    PARTIAL_MAX_AGE before ``now``; returns what was removed."""
    removed = []
    for moment, path in backups_in(directory):
        if moment < before and path != keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    stale = (now - PARTIAL_MAX_AGE).timestamp()
    for path in sorted(directory.iterdir()):
        if PARTIAL_NAME.match(path.name) and path.is_file() and path.stat().st_mtime < stale:
            path.unlink(missing_ok=True)
            removed.append(path)
    return tuple(removed)


def find_program(name: str) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore): on the
    PATH, else the newest /usr/lib/postgresql/*/bin. Raises BackupError
    naming the Debian package when there is none."""
    found = shutil.which(name)
    if found is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
        found = str(candidates[0]) if candidates else None
    if found is None:
        raise BackupError(
            f"Programme {name} introuvable : installez le paquet Debian postgresql-client "
            "(sudo apt-get install postgresql-client), de la version du serveur ou plus récent."
        )
    return found


def libpq_environment(settings_dict: Mapping[str, Any]) -> dict[str, str]:
    """The libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
    PGSSLMODE…) for a Django database's settings: the password goes through
    the environment of the child process, never on its command line, where
    any user of the machine could read it (ps)."""
    options = settings_dict.get("OPTIONS") or {}
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
    }
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environment.update({name: str(value) for name, value in values.items() if value})
    return environment


def libpq_conninfo(settings_dict: Mapping[str, Any]) -> str:
    """A libpq connection string (``host=… dbname=…``) for a Django
    database's settings, for psycopg or psql."""
    from psycopg.conninfo import make_conninfo

    options = settings_dict.get("OPTIONS") or {}
    parameters = {
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "dbname": settings_dict.get("NAME"),
        "sslmode": options.get("sslmode"),
    }
    return make_conninfo("", **{k: str(v) for k, v in parameters.items() if v})


def pg_dump(*, settings_dict: Mapping[str, Any], target: Path) -> None:
    """``pg_dump --format=custom`` of the database ``settings_dict``
    describes (Django's DATABASES entry) into ``target``. Raises
    BackupError with pg_dump's own last line when it fails."""
    _run(
        [find_program("pg_dump"), "--format=custom", "--no-password", f"--file={target}"],
        environment=libpq_environment(settings_dict),
        what="pg_dump",
    )


def pg_restore(*, settings_dict: Mapping[str, Any], dump: Path, clean: bool = False) -> None:
    """Restore ``dump`` (pg_dump's custom format) into the database
    ``settings_dict`` describes, in one transaction, stopping at the first
    error; ``clean`` first drops the objects the dump holds (``--clean
    --if-exists``, for a restore over an existing database). Objects are
    owned by the role that restores (``--no-owner``). Raises BackupError."""
    command = [find_program("pg_restore"), "--no-password", "--no-owner", "--exit-on-error"]
    command += ["--single-transaction", f"--dbname={settings_dict['NAME']}"]
    if clean:
        command += ["--clean", "--if-exists"]
    _run([*command, str(dump)], environment=libpq_environment(settings_dict), what="pg_restore")


def _run(command: list[str], *, environment: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 (a program found above, arguments built here)
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode == 0:
        return
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else "aucun message"
    if any("No space left on device" in line for line in lines):
        raise BackupError(f"{what} a échoué : disque plein ({last}).")
    raise BackupError(f"{what} a échoué (code {result.returncode}) : {last}")


# The comparison of two PostgreSQL databases: does the restored copy hold
# exactly what was dumped? Every ordinary table of every schema but
# PostgreSQL's own, by row count and a digest of all its rows that does not
# depend on their order, and every sequence's position.
TABLES_SQL = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'S')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
ORDER BY 1
"""


@dataclass(frozen=True)
class Content:
    """What a table or a sequence holds: ``rows`` (tables: row count;
    sequences: 1) and ``digest`` (tables: md5 of all rows as text, sorted;
    sequences: « last_value/is_called »); ``sequence`` tells which."""

    rows: int
    digest: str
    sequence: bool = False


def database_contents(settings_dict: Mapping[str, Any]) -> dict[str, Content]:
    """Each table and sequence (``schema.name``, quoted as in SQL) of the
    PostgreSQL database ``settings_dict`` describes, with its Content.
    Reads everything: seconds for the demonstration data, not for a
    production database under load."""
    import psycopg

    contents = {}
    with psycopg.connect(libpq_conninfo(settings_dict)) as database:
        database.read_only = True
        for name, kind in database.execute(TABLES_SQL).fetchall():
            if kind == "S":
                value, called = database.execute(
                    f"SELECT last_value, is_called FROM {name}"  # noqa: S608 (quoted by quote_ident)
                ).fetchone() or (None, None)
                contents[name] = Content(rows=1, digest=f"{value}/{called}", sequence=True)
                continue
            count, digest = database.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "  # noqa: S608
                f"FROM {name} AS t"
            ).fetchone() or (0, "")
            contents[name] = Content(rows=int(count), digest=str(digest))
    return contents


def contents_differences(
    original: Mapping[str, Content], restored: Mapping[str, Content]
) -> list[str]:
    """One French line per difference between two database_contents()
    results, naming the table or sequence; empty when they are the same."""
    lines = []
    for name in sorted(set(original) | set(restored)):
        before, after = original.get(name), restored.get(name)
        if after is None:
            lines.append(f"{name} : absente de la base restaurée.")
        elif before is None:
            lines.append(f"{name} : présente seulement dans la base restaurée.")
        elif before.rows != after.rows:
            lines.append(
                f"{name} : {before.rows} ligne(s) sauvegardée(s), {after.rows} restaurée(s)."
            )
        elif before.digest != after.digest:
            lines.append(f"{name} : même nombre de lignes ({before.rows}), contenu différent.")
    return lines
