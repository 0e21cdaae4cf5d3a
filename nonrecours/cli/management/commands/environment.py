"""`nonrecours environment`: which settings, environment file and database a
command uses (docs/guide/commandes.md)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.db.migrations.recorder import MigrationRecorder

from config.settings.env import loaded_env_file


def _database() -> str:
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite, fichier {config['NAME']}"
    where = str(config.get("HOST") or "socket local")
    if config.get("PORT"):
        where += f":{config['PORT']}"
    return f"{connection.vendor}, base « {config['NAME']} » sur {where}"


def _migrations() -> str:
    if connection.vendor == "sqlite" and not Path(str(connection.settings_dict["NAME"])).exists():
        # Opening it would create an empty file.
        raise CommandError(
            f"La base SQLite {connection.settings_dict['NAME']} n'existe pas "
            "(lancez nonrecours migrate, ou vérifiez DATABASE_URL)."
        )
    try:
        recorder = MigrationRecorder(connection)
        if not recorder.has_table():
            return "aucune (base vide : lancez nonrecours migrate)"
        return str(recorder.migration_qs.count())
    except DatabaseError as error:
        raise CommandError(f"La base de données ne répond pas : {error}") from None


def _email() -> str:
    if settings.NONRECOURS_EMAIL_DISABLED:
        return "désactivés (NONRECOURS_EMAIL_DISABLED) : aucun lien n'est envoyé"
    if settings.EMAIL_HOST:
        return f"serveur SMTP {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    return "écrits dans la console (développement)"


class Command(BaseCommand):
    help = (
        "Dire quels réglages, quel fichier d'environnement et quelle base de données cette "
        "commande utilise (sans aucun mot de passe) : à lancer comme la crontab lance les "
        "tâches de nuit, pour vérifier qu'elles atteignent la base de production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        env_file = loaded_env_file().describe()
        self.stdout.write(env_file[0].upper() + env_file[1:])
        lines = [
            ("Réglages", settings.SETTINGS_MODULE),
            ("Base de données", _database()),
            ("Migrations appliquées", _migrations()),
            ("Adresse publique", settings.NONRECOURS_BASE_URL),
            ("Courriels", _email()),
        ]
        for label, value in lines:
            self.stdout.write(f"{label} : {value}")
