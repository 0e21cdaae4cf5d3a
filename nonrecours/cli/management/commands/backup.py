"""`nonrecours backup`: the daily backup (nonrecours.ops.backups,
docs/guide/exploitation.md)."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from nonrecours.errors import command_error
from nonrecours.french import number, plural
from nonrecours.ops.backups import BackupError, backup_create, backup_directory, backup_keep_days


class Command(BaseCommand):
    help = (
        "Sauvegarder la base de données (pg_dump au format custom, ou copie de la base SQLite) "
        "dans un fichier daté, avec l'empreinte de la clé secrète, puis supprimer les "
        "sauvegardes plus anciennes que la durée de conservation ; à planifier chaque nuit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dossier",
            type=Path,
            default=None,
            help="dossier des sauvegardes (défaut : NONRECOURS_BACKUP_DIR, "
            "/var/backups/nonrecours)",
        )
        parser.add_argument(
            "--garder-jours",
            type=int,
            default=None,
            metavar="N",
            help="supprimer les sauvegardes de plus de N jours (défaut : "
            "NONRECOURS_BACKUP_DAYS, 14)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            directory = options["dossier"] or backup_directory()
            keep_days = options["garder_jours"]
            if keep_days is None:
                keep_days = backup_keep_days()
            backup = backup_create(directory=directory, keep_days=keep_days)
        except BackupError as error:
            raise command_error(error) from None
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        megabytes = number(backup.size / 1_000_000, 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {backup.path} ({megabytes} Mo, "
                f"{number(backup.seconds, 1)} s)."
            )
        )
        self.stdout.write(f"Empreinte de la clé secrète : {backup.fingerprint_path}.")
        count = len(backup.removed)
        self.stdout.write(
            f"{count} {plural(count, 'sauvegarde')} de plus de {keep_days} jours "
            f"{plural(count, 'supprimée')}."
        )
