import datetime
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nonrecours.errors import command_error
from nonrecours.rights import dependencies, legislation


def _french_date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


class Command(BaseCommand):
    help = "Simulateur de droits : état des barèmes (paramètres OpenFisca) qu'il lit."
    # Files and OpenFisca only: no database.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        parameters = sub.add_parser(
            "parameters",
            help="Lister les barèmes en retard pour un mois simulé.",
            description=(
                "Liste les paramètres d'OpenFisca-France (avec la surcouche du projet) que "
                "lisent les prestations du simulateur et dont la dernière valeur connue est "
                "plus ancienne que leur revalorisation habituelle : chemin, date de la "
                "dernière valeur, rythme de révision, prestations concernées, où trouver "
                "la nouvelle valeur."
            ),
        )
        parameters.add_argument(
            "--mois",
            metavar="AAAA-MM",
            default=None,
            help="mois simulé (défaut : le mois en cours)",
        )
        parameters.add_argument(
            "--regenerer",
            action="store_true",
            help="refaire d'abord la liste des paramètres lus (rights/parameters_read.txt) "
            "et celle des variables à recalculer au point fixe "
            "(rights/feedback_dependents.txt) en traçant les cas de référence",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["regenerer"]:
            read = legislation.trace_parameters_read()
            legislation.PARAMETERS_READ_FILE.write_text(
                legislation.parameters_read_text(read), encoding="utf-8"
            )
            legislation.parameters_read.cache_clear()
            self.stdout.write(
                f"{len(read)} paramètres lus écrits dans {legislation.PARAMETERS_READ_FILE.name}."
            )
            dependencies.write_dependents()
            names = dependencies.feedback_dependents() or {}
            self.stdout.write(
                f"{len(names)} variables à recalculer écrites dans "
                f"{dependencies.DEPENDENTS_FILE.name}."
            )
        month = options["mois"] or timezone.localdate().strftime("%Y-%m")
        try:
            stale = legislation.stale_parameters(month)
        except legislation.OverlayError as error:
            raise command_error(error) from None
        except ValueError as error:
            raise CommandError(f"--mois : {error}") from None
        if not stale:
            self.stdout.write(f"{month} : aucun barème en retard.")
            return
        self.stdout.write(f"{month} : {len(stale)} barème(s) en retard.")
        for item in stale:
            allowed = legislation.allowance(item.path, month)
            self.stdout.write(
                f"\n{item.path}\n"
                f"  dernière valeur connue au {_french_date(item.last_change)}, "
                f"révisé d'habitude tous les {item.interval_months} mois\n"
                f"  prestations concernées : {', '.join(item.benefits)}\n"
                f"  où trouver la nouvelle valeur : {item.source}"
            )
            if allowed is not None:
                effect = "barème non à jour" if allowed.blocking else "sans effet sur les montants"
                self.stdout.write(f"  retard admis ({effect}) : {allowed.reason}")
