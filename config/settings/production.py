"""Production: PostgreSQL, HTTPS, secrets from the environment.

Refuses to start (ImproperlyConfigured, in French) rather than fall back on
a development default: no database given (it would be a local SQLite file,
which the nightly jobs run from cron would silently use instead of the real
database), no secret key, no host names, no public https address for the
links, no e-mail server unless e-mail is explicitly disabled. Every message
says which environment file was read (see config/settings/env.py).
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import (
    DATABASES,
    EMAIL_HOST,
    NONRECOURS_EMAIL_DISABLED,
    SECRET_KEY,
    VAR_DIR,
)
from config.settings.env import (
    env_bool,
    env_import,
    env_int,
    env_list,
    env_str,
    env_url,
    loaded_env_file,
    parse_database_url,
)


def _refuse(message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"{message.rstrip('.')} (réglages de production ; {loaded_env_file().describe()} ; "
        "voir docs/configuration.md)."
    )


DEBUG = False
# No SMS unless a provider's backend is given: the console one would write
# phone numbers and links in the logs (the phone field is then not offered).
SMS_BACKEND = env_import("NONRECOURS_SMS_BACKEND", "", what="un moteur d'envoi de SMS")
NONRECOURS_PROXY_COUNT = env_int("NONRECOURS_PROXY_COUNT", 1, minimum=0)
if not SECRET_KEY:
    raise _refuse("DJANGO_SECRET_KEY doit être défini en production.")
# Django's own rule (security.W009), enforced: a short or repetitive key, or
# one generated for development, signs the links like a real one.
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
    raise _refuse(
        "DJANGO_SECRET_KEY est trop faible : au moins 50 caractères dont 5 différents, "
        "sans le préfixe « django-insecure » ; générez-en une avec "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )
if not VAR_DIR.is_absolute():
    raise _refuse(
        f"NONRECOURS_VAR_DIR vaut « {VAR_DIR} » : en production, un chemin absolu "
        "(/var/lib/nonrecours), sinon le serveur web et les tâches de nuit, lancés depuis "
        "des dossiers différents, n'ouvriraient pas le même dossier."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise _refuse(
        "DJANGO_ALLOWED_HOSTS doit lister les noms de domaine servis (séparés par des virgules)."
    )

# The database: given, never the development SQLite file.
_database_url = env_str("DATABASE_URL", "")
if not _database_url:
    raise _refuse(
        "DATABASE_URL doit désigner la base de production (postgresql://…) : sans elle, "
        "la commande utiliserait un fichier SQLite local, vide, au lieu de la vraie base."
    )
DATABASES["default"] = parse_database_url("DATABASE_URL", _database_url, conn_max_age=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A single-machine install may run on SQLite, if it says so; the file is
    # then named by an absolute path, so that cron (another working folder)
    # and the web server open the same one.
    if not env_bool("NONRECOURS_ALLOW_SQLITE", False):
        raise _refuse(
            "DATABASE_URL désigne une base SQLite : en production, donnez une base "
            "PostgreSQL, ou NONRECOURS_ALLOW_SQLITE=1 pour une installation sur une seule "
            "machine."
        )
    if not Path(str(DATABASES["default"]["NAME"])).is_absolute():
        raise _refuse(
            "DATABASE_URL : le fichier SQLite doit être donné par un chemin absolu "
            "(sqlite:////var/lib/nonrecours/nonrecours.sqlite3), sinon le serveur web et "
            "les tâches de nuit n'ouvriraient pas le même fichier."
        )
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("NONRECOURS_DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# The links sent by e-mail open personal data: a public https address.
if not env_str("NONRECOURS_BASE_URL", "").strip():
    raise _refuse(
        "NONRECOURS_BASE_URL doit donner l'adresse publique de l'application "
        "(https://nonrecours.exemple.fr) : c'est celle des liens envoyés par courriel."
    )
NONRECOURS_BASE_URL = env_url("NONRECOURS_BASE_URL", "", schemes=("https",))

# E-mail: a server, or an explicit "no e-mail" (then no link is sent at all).
if not EMAIL_HOST and not NONRECOURS_EMAIL_DISABLED:
    raise _refuse(
        "NONRECOURS_EMAIL_HOST doit désigner le serveur SMTP des courriels (les liens des "
        "orientations y passent) ; pour une installation sans courriel, mettez "
        "NONRECOURS_EMAIL_DISABLED=1 : aucun lien ne sera alors envoyé."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("NONRECOURS_SSL_REDIRECT", True)
# The health endpoint answers plain HTTP too: a probe on the loopback needs no certificate.
# \Z, not $: "$" also matches before a final line break ("sante/\n").
SECURE_REDIRECT_EXEMPT = [r"^sante/\Z"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("NONRECOURS_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Asking browsers to preload HSTS commits the whole domain: the operator's
# choice (NONRECOURS_HSTS_PRELOAD), so Django's reminder is silenced when
# it is declined.
SECURE_HSTS_PRELOAD = env_bool("NONRECOURS_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Shared by every web worker (rate limits, map cache) without another
# service: a table of the database (`nonrecours createcachetable`).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "nonrecours_cache",
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
