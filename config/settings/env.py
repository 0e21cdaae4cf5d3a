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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    raise _refused(name, raw, "« true » ou « false »")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _shown(raw: str, limit: int = 80) -> str:
    """A value as a message quotes it: on one line (line breaks and other
    invisible characters written as escapes), at most ``limit`` characters."""
    text = "".join(char if char.isprintable() else repr(char)[1:-1] for char in raw)
    return text if len(text) <= limit else text[:limit] + "…"


def _refused(name: str, raw: str, expected: str) -> ImproperlyConfigured:
    """The one-line French refusal of a variable's value."""
    return ImproperlyConfigured(
        f"La variable d'environnement {name} vaut « {_shown(raw)} » : attendu {expected}."
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A whole number, ``default`` when the variable is unset or empty.

    Raises ImproperlyConfigured (one French line naming the variable, its
    value and what is expected) when the value is not a whole number or lies
    outside [minimum, maximum] (each bound optional, both included).
    """
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if minimum is not None and maximum is not None:
        expected = f"un nombre entier de {minimum} à {maximum}"
    elif minimum == 0:
        expected = "un nombre entier positif ou nul"
    elif minimum is not None:
        expected = f"un nombre entier d'au moins {minimum}"
    elif maximum is not None:
        expected = f"un nombre entier d'au plus {maximum}"
    else:
        expected = "un nombre entier"
    try:
        value = int(raw.strip())
    except ValueError:
        raise _refused(name, raw, expected) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise _refused(name, raw, expected)
    return value


def env_choice(name: str, default: str, choices: Sequence[str]) -> str:
    """One of ``choices``, read without regard to case (``info`` gives
    ``INFO``) and returned as written in ``choices``; ``default`` when unset
    or empty. Raises ImproperlyConfigured (one French line listing the
    accepted values) for any other value."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    for choice in choices:
        if raw.strip().casefold() == choice.casefold():
            return choice
    raise _refused(name, raw, "l'une des valeurs " + ", ".join(choices))


def env_pattern(name: str, default: str, pattern: str, expected: str) -> str:
    """A text that matches the regular expression ``pattern`` entirely
    (spaces around it removed); ``default`` when unset. ``expected`` says in
    French what is expected (« un code SIREN de 9 chiffres »). An empty
    value is checked like any other: set but empty is refused when the
    pattern refuses it. Raises ImproperlyConfigured (one French line)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if not re.fullmatch(pattern, raw.strip()):
        raise _refused(name, raw, expected)
    return raw.strip()


def env_url(name: str, default: str, *, schemes: Sequence[str] = ("https",)) -> str:
    """The address of a site: a scheme among ``schemes``, a host name, no
    path other than "/", no query string; returned without its final "/";
    ``default`` when unset or empty. Raises ImproperlyConfigured (one French line
    naming the variable and an example) otherwise: e.g. a value without
    ``https://``, which a browser would not open from an e-mail."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().rstrip("/")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:  # a port that is not a number, a broken [IPv6]
        valid = False
    else:
        valid = (
            parts.scheme in schemes
            and bool(parts.hostname)
            and not (parts.path or parts.query or parts.fragment or parts.username)
        )
    if not valid:
        listed = " ou ".join(f"{scheme}://" for scheme in schemes)
        raise _refused(
            name,
            raw,
            f"une adresse en {listed} sans chemin, par exemple {schemes[0]}://nonrecours.exemple.fr",
        )
    return value


def env_sender(name: str, default: str) -> str:
    """A sender as an e-mail's From shows it: « adresse@domaine » or
    « Nom <adresse@domaine> » (spaces around it removed); ``default`` when
    unset or empty. Raises ImproperlyConfigured (one French line naming the
    variable) when the address is not one Django's EmailValidator accepts,
    or when something is left outside the name and the address."""
    from email.utils import formataddr, parseaddr

    from django.core.exceptions import ValidationError
    from django.core.validators import EmailValidator

    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    display, address = parseaddr(value)
    valid = bool(address) and "\n" not in value and "\r" not in value
    if valid:
        try:
            EmailValidator()(address)
        except ValidationError:
            valid = False
    # parseaddr forgives a lot (« a@b.fr c@d.fr » gives the first one): the
    # value must read back as it was written.
    if valid and value not in {
        address,
        f"<{address}>",
        formataddr((display, address)),
        f"{display} <{address}>",
    }:
        valid = False
    if not valid:
        raise _refused(
            name,
            raw,
            "une adresse de courriel, seule ou précédée d'un nom : "
            "« nonrecours <ne-pas-repondre@nonrecours.exemple.fr> »",
        )
    return value


def env_import(name: str, default: str, *, what: str) -> str:
    """The dotted path of a Python class or function (``what`` says in
    French which, « un moteur d'envoi de SMS »), imported once to be sure it
    exists; ``default`` when unset (an empty value stays empty: « none »).
    Raises ImproperlyConfigured (one French line naming the variable) when
    it cannot be imported."""
    from django.utils.module_loading import import_string

    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip()
    if value == "":
        return ""
    try:
        import_string(value)
    except ImportError:
        raise _refused(
            name, raw, f"le chemin Python importable d'{what} (ou vide pour n'en avoir aucun)"
        ) from None
    return value


# Gunicorn's address: host:port ([IPv6]:port) or unix:/absolute/path.
_BIND = re.compile(
    r"(?:(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>[0-9]{1,5})|unix:/\S+)"
)


def env_bind(name: str, default: str) -> str:
    """Where a server listens: « hôte:port » (port from 1 to 65535, an
    IPv6 address between brackets) or « unix:/chemin/absolu »; ``default``
    when unset or empty. Raises ImproperlyConfigured (one French line
    naming the variable) otherwise."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    match = _BIND.fullmatch(value)
    if match is None or (match["port"] is not None and not 1 <= int(match["port"]) <= 65535):
        raise _refused(
            name,
            raw,
            "« hôte:port » (port de 1 à 65535), par exemple 127.0.0.1:8000, ou unix:/chemin",
        )
    return value


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


def parse_database_url(name: str, url: str, **options: Any) -> dict[str, Any]:
    """The Django DATABASES entry of ``url`` (dj_database_url.parse with
    ``options``). Raises ImproperlyConfigured, one French line naming the
    variable but never repeating its value (it holds the password), when
    the address cannot be read: unknown scheme, or a character of the
    password that should have been percent-encoded (/ # ? give an English
    "not properly quote()'ed" otherwise)."""
    import dj_database_url

    try:
        return dict(dj_database_url.parse(url, **options))
    except dj_database_url.UnknownSchemeError:
        scheme = url.partition(":")[0][:20]
        raise ImproperlyConfigured(
            f"La variable d'environnement {name} commence par « {scheme}: », un type de base "
            "inconnu : attendu postgresql://utilisateur:motdepasse@hôte:5432/base ou "
            "sqlite:////chemin/absolu.sqlite3."
        ) from None
    except ValueError:
        raise ImproperlyConfigured(
            f"La variable d'environnement {name} n'est pas une adresse de base lisible : attendu "
            "postgresql://utilisateur:motdepasse@hôte:5432/base, port en chiffres ; dans le mot "
            "de passe, écrivez / en %2F, # en %23, ? en %3F, @ en %40, : en %3A et % en %25."
        ) from None
