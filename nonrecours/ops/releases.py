"""Released migrations: the manifest that keeps them from being edited.

``releases/migrations.sha256`` holds one line per released migration file:
``<release> <sha256> <path>`` (path from the repository's root, SHA-256 of
the file's bytes in hexadecimal). tests/ops/test_migrations_released.py
checks that each listed file still exists with the same hash; new migrations
not listed yet are fine. At each release, after `makemigrations`:

    .venv/bin/python -m nonrecours.ops.releases 0.2.0

appends the committed migrations (every ``*.py`` of a migrations folder but
``__init__.py``) not listed yet under that release's name, and never
changes the lines already written (docs/configuration.md, « Migrations
publiées »); the tests check, from git's history, that no line committed
once was edited or removed since.
"""

import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from nonrecours.errors import UserError

ROOT = Path(__file__).resolve().parent.parent.parent
MANIFEST = ROOT / "releases" / "migrations.sha256"
# Every Python file of a migrations folder, whatever its name (Django loads
# them all), but the package's __init__.py.
MIGRATION_GLOB = "nonrecours/*/migrations/*.py"
RELEASE_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-+]*")
_LINE = re.compile(r"(?P<release>\S+) (?P<digest>[0-9a-f]{64}) (?P<path>\S+)")


class ReleaseError(UserError):
    """The manifest or the release name is not as expected (French message
    naming the file and line, or the name)."""


@dataclass(frozen=True)
class Released:
    """One released migration: its release, its file's SHA-256, its path."""

    release: str
    digest: str
    path: str


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes, in lowercase hexadecimal."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(manifest: Path = MANIFEST) -> list[Released]:
    """The lines of the manifest (empty when it does not exist); lines
    starting with # and empty lines are skipped. Raises ReleaseError on a
    malformed line or a path listed twice."""
    if not manifest.exists():
        return []
    released: list[Released] = []
    seen: set[str] = set()
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line.strip())
        if match is None:
            raise ReleaseError(
                f"{manifest}, ligne {number} : attendu « version empreinte-sha256 chemin »."
            )
        if match["path"] in seen:
            raise ReleaseError(f"{manifest}, ligne {number} : {match['path']} est déjà listé.")
        seen.add(match["path"])
        released.append(Released(match["release"], match["digest"], match["path"]))
    return released


def committed_migrations(root: Path = ROOT) -> list[str]:
    """The migration files of the repository, as paths from ``root``: those
    git tracks (a release is cut from commits), or every file on disk when
    ``root`` is not a git checkout."""
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "ls-files", "--", MIGRATION_GLOB],  # noqa: S607 - git from PATH
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        found = [str(path.relative_to(root)) for path in root.glob(MIGRATION_GLOB)]
    else:
        found = [line for line in result.stdout.splitlines() if line]
    return sorted(path for path in found if Path(path).name != "__init__.py")


def _git(root: Path, *arguments: str) -> str | None:
    """git's output for ``arguments`` in ``root``, or None when git is
    missing or fails."""
    try:
        result = subprocess.run(  # noqa: S603 - arguments built here
            ["git", *arguments],  # noqa: S607 - git from PATH
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout


def manifest_history_unavailable(root: Path = ROOT, manifest: Path = MANIFEST) -> str:
    """Why the manifest's history cannot be read from git (French), or ""
    when it can: no git, not a checkout, a shallow clone (the oldest
    versions missing), or the manifest never committed."""
    if _git(root, "rev-parse", "--git-dir") is None:
        return "pas de dépôt git (ou git absent)"
    if (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
        return "clone superficiel : l'historique du manifeste est incomplet"
    relative = str(manifest.relative_to(root))
    if not (_git(root, "log", "--format=%H", "--", relative) or "").strip():
        return f"{relative} n'a encore jamais été commité"
    return ""


def lost_manifest_lines(root: Path = ROOT, manifest: Path = MANIFEST) -> list[str]:
    """One French sentence per line of the manifest, as committed in any
    commit of its history, that is missing or different in ``manifest``
    now: the manifest only grows. Empty when its history cannot be read
    (see manifest_history_unavailable)."""
    relative = str(manifest.relative_to(root))
    commits = (_git(root, "log", "--format=%H", "--", relative) or "").split()
    current = {(entry.release, entry.digest, entry.path) for entry in read_manifest(manifest)}
    problems: list[str] = []
    seen: set[str] = set()
    for commit in commits:
        text = _git(root, "show", f"{commit}:{relative}")
        if text is None:
            continue  # the commit removed the file
        for line in text.splitlines():
            match = _LINE.fullmatch(line.strip())
            if match is None or line in seen:
                continue
            seen.add(line)
            if (match["release"], match["digest"], match["path"]) not in current:
                problems.append(
                    f"la ligne « {line.strip()} » (commit {commit[:12]}) a été modifiée ou retirée."
                )
    return problems


def record_release(
    release: str, *, root: Path = ROOT, manifest: Path = MANIFEST, paths: list[str] | None = None
) -> list[Released]:
    """Append to ``manifest`` the migrations of ``paths`` (default:
    committed_migrations) that it does not list yet, under ``release``;
    returns them (empty: nothing to record). Lines already written are
    never changed. Raises ReleaseError for a release name that is not
    a version (letters, digits, . - +) or one already used."""
    if not RELEASE_NAME.fullmatch(release):
        raise ReleaseError(
            f"« {release} » n'est pas un nom de version (par exemple 0.2.0 : chiffres, "
            "lettres, points)."
        )
    existing = read_manifest(manifest)
    if any(entry.release == release for entry in existing):
        raise ReleaseError(f"La version {release} est déjà enregistrée dans {manifest}.")
    listed = {entry.path for entry in existing}
    new = [
        Released(release, file_digest(root / path), path)
        for path in (committed_migrations(root) if paths is None else paths)
        if path not in listed
    ]
    if new:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        header = (
            ""
            if manifest.exists()
            else (
                "# Migrations publiées : version, SHA-256 du fichier, chemin.\n"
                "# Ne jamais modifier une migration listée ici : en écrire une nouvelle.\n"
                "# Ajout : .venv/bin/python -m nonrecours.ops.releases <version>\n"
            )
        )
        with manifest.open("a", encoding="utf-8") as output:
            output.write(header)
            output.writelines(f"{e.release} {e.digest} {e.path}\n" for e in new)
    return new


def changed_migrations(root: Path = ROOT, manifest: Path = MANIFEST) -> list[str]:
    """One French sentence per released migration that was removed or
    edited since its release (empty: all as released)."""
    problems = []
    for entry in read_manifest(manifest):
        path = root / entry.path
        if not path.is_file():
            problems.append(f"{entry.path} (publiée en {entry.release}) a disparu.")
        elif file_digest(path) != entry.digest:
            problems.append(f"{entry.path} (publiée en {entry.release}) a été modifiée.")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage : python -m nonrecours.ops.releases <version, ex. 0.2.0>\n")
        return 2
    try:
        new = record_release(argv[0])
    except ReleaseError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    if not new:
        sys.stdout.write("Aucune nouvelle migration à enregistrer.\n")
    for entry in new:
        sys.stdout.write(f"{entry.release} : {entry.path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
