"""Reading settings from environment variables, and the environment file.

Every variable read through these helpers must be documented in
docs/configuration.md (tests/test_docs.py checks it).

The environment file (``/etc/nonrecours/nonrecours.env`` by default, or the
path in ``NONRECOURS_ENV_FILE``) is read by ``config/wsgi.py``,
``config/gunicorn.py`` and the ``nonrecours`` command before the settings
load, so that the web server and the nightly jobs (cron gives them only HOME
and PATH) reach the same database with the same settings.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DEFAULT_ENV_FILE = Path("/etc/nonrecours/nonrecours.env")
ENV_FILE_VARIABLE = "NONRECOURS_ENV_FILE"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"La variable d'environnement {name} est obligatoire.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "oui", "on"}:
        return True
    if lowered in {"0", "false", "no", "non", "off"}:
        return False
    raise ImproperlyConfigured(
        f"La variable d'environnement {name} vaut « {raw} » : attendu « true » ou « false »."
    )


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"La variable d'environnement {name} vaut « {raw} » : attendu un nombre entier."
        ) from None


class EnvFileError(ImproperlyConfigured):
    """The environment file cannot be read or holds a malformed line; the
    French message names the file and the line."""


def _unquote(raw: str, where: str) -> str:
    """The value of a KEY=VALUE line: as written, or between quotes
    ('…' taken literally, "…" with \\" and \\\\ as the only escapes)."""
    if not raw or raw[0] not in "\"'":
        if '"' in raw or "'" in raw:
            raise EnvFileError(
                f"{where} : un guillemet au milieu d'une valeur ; mettez toute la valeur "
                "entre guillemets."
            )
        return raw
    quote = raw[0]
    text = raw[1:]
    value: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if quote == '"' and char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
            value.append(text[index + 1])
            index += 2
            continue
        if char == quote:
            if text[index + 1 :].strip():
                raise EnvFileError(
                    f"{where} : du texte après le guillemet fermant "
                    "(un commentaire se met sur sa propre ligne)."
                )
            return "".join(value)
        value.append(char)
        index += 1
    raise EnvFileError(f"{where} : guillemet {quote} ouvert et jamais fermé.")


def parse_env_file(text: str, path: str = "fichier d'environnement") -> dict[str, str]:
    """KEY=VALUE lines of an environment file, as a dict.

    Accepted: empty lines, comments on their own line (``#`` first), an
    optional ``export `` before the name, values as written (spaces around
    them trimmed) or between single or double quotes. Refused, with a French
    message giving the file and the line number (EnvFileError): a line
    without ``=``, a name that is not a shell variable name, a quote left
    open or followed by text, a name given twice. ``#`` after a value is part
    of the value (as systemd reads it): passwords may hold one.
    """
    values: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}, ligne {number}"
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[len("export ") :].lstrip()
        name, equals, raw = stripped.partition("=")
        name = name.strip()
        if not equals:
            raise EnvFileError(f"{where} : attendu NOM=valeur, pas « {stripped[:60]} ».")
        if not _NAME.fullmatch(name):
            raise EnvFileError(
                f"{where} : « {name[:60]} » n'est pas un nom de variable "
                "(lettres sans accent, chiffres et _, sans commencer par un chiffre)."
            )
        if name in values:
            raise EnvFileError(f"{where} : {name} est déjà défini ligne {first_line[name]}.")
        values[name] = _unquote(raw.strip(), where)
        first_line[name] = number
    return values


@dataclass(frozen=True)
class EnvFile:
    """Which environment file this process read: ``path`` (None if none),
    and the names it set (those already in the environment are kept)."""

    path: Path | None
    names: tuple[str, ...] = ()
    why_none: str = "le fichier d'environnement n'est lu que par config/wsgi.py et nonrecours"

    def describe(self) -> str:
        """In French, for messages: which file was read, or why none was."""
        if self.path is not None:
            return f"fichier d'environnement lu : {self.path}"
        return f"aucun fichier d'environnement lu ({self.why_none})"


_loaded = EnvFile(path=None)


def load_env_file() -> EnvFile:
    """Read the environment file into os.environ, before the settings load.

    The file is the path in NONRECOURS_ENV_FILE, or /etc/nonrecours/nonrecours.env
    when that variable is unset (then a missing file is not an error: a
    development machine has none). NONRECOURS_ENV_FILE set but empty reads
    no file. A variable already in the environment wins over the file.
    Raises EnvFileError (French, with the path) when the named file is
    missing or unreadable, or a line is malformed (see parse_env_file).
    Returns what was read; loaded_env_file() gives it again later.
    """
    global _loaded
    chosen = os.environ.get(ENV_FILE_VARIABLE)
    if chosen == "":
        _loaded = EnvFile(path=None, why_none=f"{ENV_FILE_VARIABLE} est vide")
        return _loaded
    path = Path(chosen) if chosen is not None else DEFAULT_ENV_FILE
    if chosen is None and not path.exists():
        _loaded = EnvFile(path=None, why_none=f"{path} n'existe pas")
        return _loaded
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EnvFileError(
            f"{ENV_FILE_VARIABLE} désigne {path}, qui n'existe pas : corrigez le chemin, "
            "ou créez le fichier (voir docs/configuration.md)."
        ) from None
    except PermissionError:
        raise EnvFileError(
            f"Le fichier d'environnement {path} ne peut pas être lu par cet utilisateur "
            "(droits du fichier) : lancez la commande avec l'utilisateur du service."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise EnvFileError(
            f"Le fichier d'environnement {path} ne peut pas être lu ({error})."
        ) from None
    values = parse_env_file(text, str(path))
    names = tuple(name for name in values if name not in os.environ)
    for name in names:
        os.environ[name] = values[name]
    _loaded = EnvFile(path=path.resolve(), names=names)
    return _loaded


def loaded_env_file() -> EnvFile:
    """What load_env_file read in this process (path None if it was not
    called, or found no file: EnvFile.describe says which)."""
    return _loaded
