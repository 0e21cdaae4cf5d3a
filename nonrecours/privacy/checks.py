"""Deployment checks that protect personal data (`nonrecours check --deploy`).

- nonrecours.E001: the public address of the links is not https;
- nonrecours.E002: the public address of the links is a local address;
- nonrecours.W001: e-mail is disabled (no link is sent; referrals reach only
  structures with a partner organisation);
- nonrecours.W002: e-mails would leave with a sender at "localhost";
- nonrecours.W003: the environment file read is readable by other users
  (it holds the secret key and the database password).
"""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from config.settings.env import loaded_env_file

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - names, not a bind


@register(deploy=True)
def check_base_url(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """NONRECOURS_BASE_URL, the address of every link sent by e-mail."""
    url = str(settings.NONRECOURS_BASE_URL)
    parts = urlsplit(url)
    problems: list[CheckMessage] = []
    if parts.scheme != "https":
        problems.append(
            Error(
                f"NONRECOURS_BASE_URL vaut « {url} » : les liens envoyés par courriel, qui "
                "ouvrent des données personnelles, passeraient en clair.",
                hint="Donnez l'adresse publique en https, par exemple "
                "https://nonrecours.exemple.fr.",
                id="nonrecours.E001",
            )
        )
    if (parts.hostname or "") in LOCAL_HOSTS:
        problems.append(
            Error(
                f"NONRECOURS_BASE_URL vaut « {url} » : une adresse locale, que les "
                "destinataires des courriels ne peuvent pas ouvrir.",
                hint="Donnez l'adresse publique de l'application.",
                id="nonrecours.E002",
            )
        )
    return problems


@register(deploy=True)
def check_email(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E-mail disabled, or sent from a local address."""
    if settings.NONRECOURS_EMAIL_DISABLED:
        return [
            Warning(
                "L'envoi de courriels est désactivé (NONRECOURS_EMAIL_DISABLED) : aucun lien "
                "n'est envoyé, les orientations ne vont qu'aux structures rattachées à une "
                "organisation partenaire, sans prévenir personne.",
                hint="Donnez un serveur SMTP (NONRECOURS_EMAIL_HOST) et retirez "
                "NONRECOURS_EMAIL_DISABLED.",
                id="nonrecours.W001",
            )
        ]
    if str(settings.DEFAULT_FROM_EMAIL).rstrip(">").endswith("@localhost"):
        return [
            Warning(
                f"Les courriels partiraient de « {settings.DEFAULT_FROM_EMAIL} », une adresse "
                "que les serveurs de courriel des destinataires refusent ou classent en "
                "indésirables.",
                hint="Donnez l'expéditeur dans NONRECOURS_EMAIL_FROM, par exemple "
                "« nonrecours <ne-pas-repondre@nonrecours.exemple.fr> ».",
                id="nonrecours.W002",
            )
        ]
    return []


@register(deploy=True)
def check_env_file(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The environment file holds secrets: readable by its owner only."""
    path: Path | None = loaded_env_file().path
    if path is None:
        return []
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if mode & 0o007:
        return [
            Warning(
                f"Le fichier d'environnement {path} est lisible par tous les utilisateurs de "
                "la machine ; il contient la clé secrète et le mot de passe de la base.",
                hint=f"chmod 640 {path} (propriétaire root, groupe du service).",
                id="nonrecours.W003",
            )
        ]
    return []
