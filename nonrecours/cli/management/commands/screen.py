from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from nonrecours.cli.options import whole_number
from nonrecours.cli.progress import progress_bar
from nonrecours.errors import command_error
from nonrecours.rights.cluster import ClusterError
from nonrecours.rights.screening import ScreeningFileError, screen
from nonrecours.rights.situation_parse import SIMULATED_MONTH
from nonrecours.stopping import Stopped, how_stopped, stopped_as_exit
from nonrecours.textrules import printable


def _month(text: str) -> str:
    """--mois: « AAAA-MM » from 2000 to 2099, as a situation's `mois`."""
    if not SIMULATED_MONTH.fullmatch(text.strip()):
        raise ArgumentTypeError(f"« {printable(text)} » : attendu AAAA-MM, par exemple 2026-11")
    return text.strip()


class Command(BaseCommand):
    help = (
        "Cribler le fichier de foyers d'un partenaire : les droits de chaque foyer (CSV), "
        "calculés par tranches sur plusieurs processus, ou sur une grappe Dask."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FOYERS.csv", help="un foyer par ligne (voir le guide)")
        parser.add_argument("--out", required=True, metavar="RESULTATS.csv", help="fichier écrit")
        parser.add_argument(
            "--workers",
            type=whole_number(1, 512, "processus"),
            metavar="N",
            help="nombre de processus locaux (défaut : un par cœur)",
        )
        parser.add_argument(
            "--scheduler",
            metavar="ADRESSE",
            help="calculer sur une grappe Dask distributed (ex. tcp://10.0.0.5:8786)",
        )
        parser.add_argument(
            "--mois",
            type=_month,
            metavar="AAAA-MM",
            help="mois simulé quand la colonne « mois » est vide (défaut : le mois en cours)",
        )
        parser.add_argument(
            "--tranche",
            type=whole_number(1, 100_000, "foyers"),
            default=5000,
            metavar="FOYERS",
            help="foyers par tranche (défaut : 5 000)",
        )
        parser.add_argument("--silencieux", action="store_true", help="sans barre de progression")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            with stopped_as_exit():
                computed, errors = screen(
                    Path(options["file"]),
                    out,
                    default_month=options["mois"] or timezone.localdate().strftime("%Y-%m"),
                    workers=options["workers"],
                    scheduler=options["scheduler"],
                    partition_size=options["tranche"],
                    progress=None
                    if options["silencieux"]
                    else progress_bar(self.stderr._out, "foyers", percent=True),
                )
        except (ScreeningFileError, ClusterError) as error:
            raise command_error(error) from None
        except (KeyboardInterrupt, Stopped) as error:
            reason, code = how_stopped(error)
            self.stderr.write(f"\n{reason} : {out} n'a pas été écrit (ni remplacé).")
            raise SystemExit(code) from None
        message = f"{computed} foyer(s) calculé(s), {errors} en erreur : {out}."
        self.stdout.write(
            self.style.SUCCESS(message) if not errors else self.style.WARNING(message)
        )
