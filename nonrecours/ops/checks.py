"""Deployment checks of the running service (`nonrecours check --deploy`).

- nonrecours.E003: the manifest of the static files is missing (every page
  would be a 500: `nonrecours collectstatic` was skipped, or the server runs
  with another NONRECOURS_VAR_DIR);
- nonrecours.E004: the host of NONRECOURS_BASE_URL is not served
  (DJANGO_ALLOWED_HOSTS): every link sent would answer 400;
- nonrecours.E005: the manifest does not list some of the application's
  static files (collected from an older version: their pages would be 500);
- nonrecours.W004: the static files were collected before the application's
  own changed (collectstatic not run after an upgrade);
- nonrecours.W005: the mail server does not answer (name unknown, port
  closed or silent for MAIL_CHECK_SECONDS);
- nonrecours.W006: no reverse proxy declared (NONRECOURS_PROXY_COUNT 0)
  while the https of requests is read from X-Forwarded-Proto;
- nonrecours.W007: the backups folder has no fingerprint of the secret key;
- nonrecours.W008: the fingerprint kept with the backups is another key's.

With `--deploy --database default` (Django runs database checks only when
told; deployment checks, so that `migrate`, which runs the database checks,
is not stopped by "migrations not applied"):
- nonrecours.E006: the database does not answer (stopped, wrong password…);
- nonrecours.E007: migrations are not all applied (`nonrecours migrate`);
- nonrecours.E008: the cache table is missing (`nonrecours createcachetable`):
  every page using the cache (rate limits) would be a 500.

Codes E001, E002, W001–W003 are in nonrecours/privacy/checks.py; all are
listed in docs/configuration.md.
"""

import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError, connections
from django.http.request import validate_host
from django.utils.module_loading import import_string

from nonrecours.ops.keys import FINGERPRINT_FILE_NAME, secret_key_fingerprint

MAIL_CHECK_SECONDS = 5.0
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
GUIDE = "docs/guide/exploitation.md"


def _uses_manifest() -> bool:
    backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    return isinstance(backend, type) and issubclass(backend, ManifestFilesMixin)


def static_manifest_missing() -> Path | None:
    """The path of the static files' manifest when the storage needs one
    (ManifestFilesMixin, the production settings) and it does not exist;
    None otherwise. Used by the check below and by config/gunicorn.py,
    which refuses to start without it."""
    if not _uses_manifest():
        return None
    path = Path(settings.STATIC_ROOT) / ManifestFilesMixin.manifest_name
    return None if path.is_file() else path


def _newest_source() -> tuple[float, str]:
    """The modification time and name of the newest static file the
    finders see (the application's and the apps' static folders)."""
    newest = (0.0, "")
    for finder in finders.get_finders():
        for relative, storage in finder.list(["CVS", ".*", "*~"]):
            try:
                moment = Path(storage.path(relative)).stat().st_mtime
            except (OSError, NotImplementedError):
                continue
            if moment > newest[0]:
                newest = (moment, relative)
    return newest


def _sources_not_in(manifest: Path) -> list[str]:
    """The static files the finders see that the manifest does not list
    (all of them when it cannot be read), sorted."""
    try:
        listed = set(json.loads(manifest.read_text(encoding="utf-8")).get("paths", {}))
    except (OSError, ValueError, AttributeError):
        listed = set()
    seen = {
        relative.replace("\\", "/")
        for finder in finders.get_finders()
        for relative, _storage in finder.list(["CVS", ".*", "*~"])
    }
    return sorted(seen - listed)


@register(deploy=True)
def check_static_files(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The collected static files: present, and collected after the last
    change of the application's own."""
    missing = static_manifest_missing()
    if missing is not None:
        return [
            Error(
                f"Le manifeste des fichiers statiques ({missing}) est absent : toutes les "
                "pages répondraient « erreur 500 ».",
                hint="Lancez `nonrecours collectstatic --noinput` avec le même "
                "NONRECOURS_VAR_DIR que le serveur web.",
                id="nonrecours.E003",
            )
        ]
    if not _uses_manifest():
        return []
    manifest = Path(settings.STATIC_ROOT) / ManifestFilesMixin.manifest_name
    absent = _sources_not_in(manifest)
    if absent:
        return [
            Error(
                f"Le manifeste des fichiers statiques ({manifest}) ne connaît pas "
                f"{len(absent)} fichier(s) de l'application ({', '.join(absent[:3])}…) : les "
                "pages qui les utilisent répondraient « erreur 500 ».",
                hint="Relancez `nonrecours collectstatic --noinput` après chaque mise à jour.",
                id="nonrecours.E005",
            )
        ]
    moment, name = _newest_source()
    if moment > manifest.stat().st_mtime:
        return [
            Warning(
                f"Les fichiers statiques ont été collectés avant la dernière modification de "
                f"ceux de l'application ({name}) : les pages serviraient les anciens.",
                hint="Relancez `nonrecours collectstatic --noinput` après chaque mise à jour.",
                id="nonrecours.W004",
            )
        ]
    return []


@register(deploy=True)
def check_base_url_host(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The host of NONRECOURS_BASE_URL is one DJANGO_ALLOWED_HOSTS serves."""
    host = urlsplit(str(settings.NONRECOURS_BASE_URL)).hostname or ""
    if not host or validate_host(host, list(settings.ALLOWED_HOSTS)):
        return []
    return [
        Error(
            f"L'hôte de NONRECOURS_BASE_URL ({host}) n'est pas dans DJANGO_ALLOWED_HOSTS "
            f"({', '.join(settings.ALLOWED_HOSTS) or 'vide'}) : chaque lien envoyé par "
            "courriel répondrait « requête invalide » (400).",
            hint=f"Ajoutez {host} à DJANGO_ALLOWED_HOSTS, ou corrigez NONRECOURS_BASE_URL.",
            id="nonrecours.E004",
        )
    ]


def mail_server_problem(host: str, port: int, timeout: float = MAIL_CHECK_SECONDS) -> str:
    """Why the mail server cannot be reached, in French ("" when a TCP
    connection to ``host``:``port`` opens within ``timeout`` seconds): its
    name does not resolve, or no address answers. Nothing is sent."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        return f"le nom {host} ne se résout pas ({error})"
    last_error = ""
    for family, kind, protocol, _name, address in addresses:
        try:
            with socket.socket(family, kind, protocol) as connection:
                connection.settimeout(timeout)
                connection.connect(address)
        except OSError as error:
            last_error = str(error) or type(error).__name__
            continue
        return ""
    return f"pas de connexion à {host}:{port} en {timeout:g} s ({last_error})"


@register(deploy=True)
def check_mail_server(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The SMTP server answers (only with the SMTP backend: disabled e-mail
    has its own warning, nonrecours.W001)."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return []
    host, port = str(settings.EMAIL_HOST), int(settings.EMAIL_PORT)
    problem = mail_server_problem(host, port)
    if not problem:
        return []
    return [
        Warning(
            f"Le serveur de courriel (NONRECOURS_EMAIL_HOST, NONRECOURS_EMAIL_PORT) ne répond "
            f"pas : {problem}. Les liens des orientations et les invitations ne partiraient pas.",
            hint="Vérifiez le nom, le port et le pare-feu sortant de ce serveur.",
            id="nonrecours.W005",
        )
    ]


@register(deploy=True)
def check_proxy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """HTTPS is read from X-Forwarded-Proto: a proxy must stand in front."""
    if not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []
    if int(settings.NONRECOURS_PROXY_COUNT) >= 1:
        return []
    return [
        Warning(
            "NONRECOURS_PROXY_COUNT vaut 0 alors que l'https des requêtes est lu dans "
            "l'en-tête X-Forwarded-Proto : toutes les requêtes sembleraient venir de la même "
            "adresse (limites d'envois partagées par tous).",
            hint="L'application se met derrière un mandataire TLS (Caddy, nginx) qui pose "
            "X-Forwarded-Proto et X-Forwarded-For ; donnez leur nombre dans "
            f"NONRECOURS_PROXY_COUNT (1 en général). Voir {GUIDE}.",
            id="nonrecours.W006",
        )
    ]


@register(deploy=True)
def check_secret_key_kept(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The backups folder holds the fingerprint of this secret key."""
    from nonrecours.ops.backups import backup_directory

    path = backup_directory() / FINGERPRINT_FILE_NAME
    consequence = (
        "une sauvegarde restaurée avec une autre clé casse tous les liens envoyés par "
        "courriel et les sessions"
    )
    try:
        kept = path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return [
            Warning(
                f"L'empreinte de la clé secrète n'est pas à côté des sauvegardes ({path}) : "
                f"{consequence}.",
                hint="Lancez `nonrecours backup` (qui l'écrit), et gardez DJANGO_SECRET_KEY "
                f"avec les sauvegardes. Voir {GUIDE}.",
                id="nonrecours.W007",
            )
        ]
    if kept[:1] != [secret_key_fingerprint()]:
        return [
            Warning(
                f"L'empreinte de la clé secrète gardée avec les sauvegardes ({path}) est celle "
                f"d'une autre clé que DJANGO_SECRET_KEY : {consequence}.",
                hint="Si la clé a changé, lancez `nonrecours backup` ; sinon, reprenez la clé "
                "qui va avec les sauvegardes.",
                id="nonrecours.W008",
            )
        ]
    return []


@register(Tags.database, deploy=True)
def check_database_ready(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """The database answers, is migrated, and has the cache table (only
    with `check --database default`, as Django's own database checks)."""
    from django.db.migrations.executor import MigrationExecutor

    if not databases or "default" not in databases:
        return []
    connection = connections["default"]
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        tables = set(connection.introspection.table_names())
    except DatabaseError as error:
        detail = next((line for line in str(error).splitlines() if line.strip()), "")
        return [
            Error(
                f"La base de données ne répond pas : {detail}",
                hint="Vérifiez DATABASE_URL (hôte, port, utilisateur, mot de passe encodé, "
                f"nom de la base) et que le serveur PostgreSQL tourne. Voir {GUIDE}.",
                id="nonrecours.E006",
            )
        ]
    messages: list[CheckMessage] = []
    if plan:
        messages.append(
            Error(
                f"{len(plan)} migration(s) de la base ne sont pas appliquées.",
                hint="Lancez `nonrecours migrate` avec le même fichier d'environnement.",
                id="nonrecours.E007",
            )
        )
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("DatabaseCache") and cache["LOCATION"] not in tables:
        messages.append(
            Error(
                f"La table du cache ({cache['LOCATION']}) n'existe pas : les pages qui "
                "l'utilisent (limites d'envois) répondraient « erreur 500 ».",
                hint="Lancez `nonrecours createcachetable`.",
                id="nonrecours.E008",
            )
        )
    return messages
