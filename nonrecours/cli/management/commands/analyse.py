import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from nonrecours.analysis.files import AnalysisFileError, analyse_files, as_json_rows
from nonrecours.cli.options import add_weighting_options, weighting_options
from nonrecours.errors import command_error


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


class Command(BaseCommand):
    help = (
        "Baromètre pondéré à partir de fichiers : calage (raking) sur les marges, "
        "proportions avec erreurs-types calées et intervalles à 95 %, par domaine, "
        "avec secret statistique. Les colonnes qui ne sont ni marges, ni ventilation, "
        "ni poids, ni indicateurs sont ignorées et listées."
    )
    # Files only: the URL and model checks would import the whole site first.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "answers",
            metavar="REPONSES.csv",
            help="une ligne par répondant·e : variables de calage, indicateurs (0, 1 ou vide), "
            "autres colonnes (ignorées)",
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
        parser.add_argument(
            "--indicateurs",
            dest="indicators",
            type=_names,
            metavar="A,B,…",
            help="colonnes des indicateurs, séparées par des virgules (défaut : toutes les "
            "autres colonnes dont les valeurs sont 0, 1 ou vide)",
        )
        add_weighting_options(parser)
        parser.add_argument(
            "--out",
            metavar="RESULTATS.json",
            help="fichier JSON à écrire (défaut : sortie standard)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            analysis = analyse_files(
                Path(options["answers"]),
                Path(options["margins"]),
                by=options["by"],
                weight=options["weight"],
                indicators=options["indicators"],
                **weighting_options(options),
            )
        except AnalysisFileError as error:
            raise command_error(error) from None
        text = json.dumps(as_json_rows(analysis.rows), ensure_ascii=False, indent=2)
        # The JSON alone goes to standard output when no file is named.
        report = self.stdout if options["out"] else self.stderr
        chosen = "choisis" if options["indicators"] else "colonnes de 0, 1 ou vide"
        report.write(f"Indicateurs ({chosen}) : {', '.join(analysis.indicators)}.", style_func=str)
        if analysis.ignored:
            report.write(
                "Colonnes ignorées (ni marge, ni ventilation, ni poids, ni indicateur) : "
                f"{', '.join(name or '(sans nom)' for name in analysis.ignored)}.",
                style_func=str,
            )
        if options["out"]:
            Path(options["out"]).write_text(text + "\n", encoding="utf-8")
            self.stdout.write(
                self.style.SUCCESS(f"{len(analysis.rows)} résultats écrits dans {options['out']}.")
            )
        else:
            self.stdout.write(text)
