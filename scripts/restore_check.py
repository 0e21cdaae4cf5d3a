"""`make restore-check` : une sauvegarde se restaure-t-elle à l'identique ?

Sans argument : démarre un serveur PostgreSQL jetable (celui de la suite de
tests, nonrecours.testing.postgresql), y crée une base remplie par
`nonrecours setup` (CU d'Arras et toutes les données de démonstration), la
sauvegarde avec `nonrecours backup` (ce que lance la tâche de nuit), la
restaure dans une base NEUVE avec pg_restore, puis compare le contenu de
chaque table (nombre de lignes et empreinte de toutes les lignes, quel que
soit leur ordre) et la position de chaque séquence. Puis il change une ligne
de la copie et vérifie que la comparaison le voit (un contrôle qui ne peut
pas échouer ne prouve rien). Code de sortie 1 à la moindre différence, avec
le nom de la table.

Avec `--sauvegarde FICHIER` (make restore-check SAUVEGARDE=…) : restaure une
vraie sauvegarde de production dans le serveur jetable et dit ce qu'elle
contient (tables, lignes, migrations), sans rien comparer : la base d'origine
a changé depuis.

The comparison itself is nonrecours.ops.backups (database_contents,
contents_differences), shared with tests/ops/test_backups.py.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dj_database_url  # noqa: E402
import psycopg  # noqa: E402
import pytest  # noqa: E402

from nonrecours.ops.backups import (  # noqa: E402
    BackupError,
    Content,
    contents_differences,
    database_contents,
    libpq_conninfo,
    pg_restore,
)
from nonrecours.testing.postgresql import ThrowawayPostgres  # noqa: E402

NONRECOURS = Path(sys.executable).with_name("nonrecours")
T = TypeVar("T")


def number(value: float, decimals: int = 0) -> str:
    """1234.5 → « 1 234,5 » (as nonrecours.french.number, without Django)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


class Check:
    """The steps of one run, each timed, on one throwaway server."""

    def __init__(self, server: ThrowawayPostgres, work: Path) -> None:
        self.server = server
        self.work = work
        self.seconds: dict[str, float] = {}

    def timed(self, step: str, action: Callable[[], T]) -> T:
        started = time.monotonic()
        result = action()
        self.seconds[step] = time.monotonic() - started
        return result

    def database(self, name: str) -> dict[str, Any]:
        """A new empty database on the server, as Django describes one."""
        server = dj_database_url.parse(self.server.url.rsplit("/", 1)[0] + "/postgres")
        with psycopg.connect(libpq_conninfo(server), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return {**server, "NAME": name}

    def nonrecours(self, *arguments: str, database: dict[str, Any]) -> str:
        """Run the `nonrecours` command on ``database`` with the development
        settings and no environment file; raise on failure with its output."""
        url = self.server.url.rsplit("/", 1)[0] + f"/{database['NAME']}"
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(self.work)),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "NONRECOURS_ENV_FILE": "",
            "NONRECOURS_VAR_DIR": str(self.work / "var"),
            "DATABASE_URL": url,
            "OPENBLAS_NUM_THREADS": "1",
        }
        result = subprocess.run(  # noqa: S603 (our own command)
            [str(NONRECOURS), *arguments],
            env=environment,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(
                f"nonrecours {' '.join(arguments)} a échoué (code {result.returncode}) :\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        return result.stdout


def totals(contents: dict[str, Content]) -> tuple[int, int, int]:
    """(tables, sequences, rows of all tables)."""
    sequences = sum(1 for content in contents.values() if content.sequence)
    rows = sum(content.rows for content in contents.values() if not content.sequence)
    return len(contents) - sequences, sequences, rows


def round_trip(check: Check) -> int:
    original = check.database("nonrecours")
    print("Base de démonstration : nonrecours setup (CU d'Arras, données de démonstration)…")
    check.timed("remplissage", lambda: check.nonrecours("setup", database=original))
    backups = check.work / "sauvegardes"
    check.timed(
        "sauvegarde",
        lambda: check.nonrecours("backup", f"--dossier={backups}", database=original),
    )
    dump = next(backups.glob("nonrecours-*.dump"))
    restored = check.database("nonrecours_restauree")
    check.timed("restauration", lambda: pg_restore(settings_dict=restored, dump=dump))
    before, after = check.timed(
        "comparaison",
        lambda: (database_contents(original), database_contents(restored)),
    )
    differences = contents_differences(before, after)

    # The check of the check: one value of one row changed in the copy.
    with psycopg.connect(libpq_conninfo(restored), autocommit=True) as database:
        database.execute(
            "UPDATE django_migrations SET name = name || '_modifiee' "
            "WHERE id = (SELECT min(id) FROM django_migrations)"
        )
    seen = contents_differences(before, database_contents(restored))

    tables, sequences, rows = totals(before)
    print("Vérification d'une restauration — résultats")
    print(
        f"  Tables comparées : {number(tables)} ({number(rows)} lignes) ; "
        f"séquences comparées : {number(sequences)}"
    )
    print(
        f"  Taille de la sauvegarde : {number(dump.stat().st_size / 1_000_000, 1)} Mo ({dump.name})"
    )
    print(
        "  Durées : "
        + " ; ".join(f"{step} {number(seconds, 1)} s" for step, seconds in check.seconds.items())
    )
    failed = False
    if differences:
        failed = True
        print(f"  ÉCHEC : {len(differences)} différence(s) entre la base sauvegardée et la copie :")
        for line in differences:
            print(f"    - {line}")
    else:
        print("  Contenu identique : chaque table, chaque ligne, chaque séquence.")
    expected = ["public.django_migrations : même nombre de lignes ("]
    if len(seen) == 1 and seen[0].startswith(expected[0]):
        print("  Contrôle du contrôle : une ligne changée dans la copie est bien vue.")
    else:
        failed = True
        print(f"  ÉCHEC du contrôle du contrôle : une ligne changée donne {seen or 'rien'}.")
    return 1 if failed else 0


def restore_only(check: Check, dump: Path) -> int:
    restored = check.database("nonrecours_restauree")
    check.timed("restauration", lambda: pg_restore(settings_dict=restored, dump=dump))
    contents = check.timed("lecture", lambda: database_contents(restored))
    tables, sequences, rows = totals(contents)
    migrations = contents.get("public.django_migrations")
    print(f"Restauration de {dump} — résultats")
    print(f"  Tables : {number(tables)} ({number(rows)} lignes) ; séquences : {number(sequences)}")
    print(f"  Migrations enregistrées : {number(migrations.rows if migrations else 0)}")
    print(
        "  Durées : "
        + " ; ".join(f"{step} {number(seconds, 1)} s" for step, seconds in check.seconds.items())
    )
    if migrations is None or migrations.rows == 0:
        print("  ÉCHEC : la copie n'a pas de table django_migrations remplie.")
        return 1
    print("  La sauvegarde se restaure.")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="make restore-check",
        description="Vérifier qu'une sauvegarde se restaure à l'identique (PostgreSQL jetable).",
    )
    parser.add_argument(
        "--sauvegarde",
        type=Path,
        help="restaurer ce fichier (pg_dump --format=custom) au lieu d'une base de démonstration",
    )
    arguments = parser.parse_args(argv)
    if arguments.sauvegarde and not arguments.sauvegarde.is_file():
        print(f"Sauvegarde introuvable : {arguments.sauvegarde}.", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="nonrecours-restauration-"))
    try:
        server = ThrowawayPostgres()
        server.start()
    except (pytest.UsageError, RuntimeError) as error:
        print(f"Serveur PostgreSQL jetable impossible à démarrer : {error}", file=sys.stderr)
        return 2
    try:
        check = Check(server, work)
        if arguments.sauvegarde:
            return restore_only(check, arguments.sauvegarde.resolve())
        return round_trip(check)
    except (BackupError, psycopg.Error) as error:
        print(f"ÉCHEC : {error}", file=sys.stderr)
        return 1
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
