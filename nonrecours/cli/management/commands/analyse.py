import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.analysis.files import AnalysisFileError, analyse_files, as_json_rows
from nonrecours.cli.options import add_weighting_options, weighting_options


class Command(BaseCommand):
    help = (
        "Baromètre pondéré à partir de fichiers : calage (raking) sur les marges, "
        "proportions avec erreurs-types calées et intervalles à 95 %, par domaine, "
        "avec secret statistique."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "answers",
            metavar="REPONSES.csv",
            help="une ligne par répondant : variables de calage, indicateurs (0, 1 ou vide)",
        )
        parser.add_argument(
            "--margins",
            required=True,
            metavar="MARGES.csv",
            help="colonnes variable,modalite,effectif : population de chaque modalité",
        )
        parser.add_argument(
            "--by",
            action="append",
            default=[],
            metavar="COLONNE",
            help="ventiler selon cette colonne (répétable), ex. --by strate",
        )
        parser.add_argument(
            "--weight", metavar="COLONNE", help="colonne des poids initiaux (défaut : égaux)"
        )
        add_weighting_options(parser)
        parser.add_argument(
            "--out",
            metavar="RESULTATS.json",
            help="fichier JSON à écrire (défaut : sortie standard)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = analyse_files(
                Path(options["answers"]),
                Path(options["margins"]),
                by=options["by"],
                weight=options["weight"],
                **weighting_options(options),
            )
        except AnalysisFileError as error:
            raise CommandError(str(error)) from None
        text = json.dumps(as_json_rows(rows), ensure_ascii=False, indent=2)
        if options["out"]:
            Path(options["out"]).write_text(text + "\n", encoding="utf-8")
            self.stdout.write(
                self.style.SUCCESS(f"{len(rows)} résultats écrits dans {options['out']}.")
            )
        else:
            self.stdout.write(text)
