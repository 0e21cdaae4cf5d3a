import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.analysis.raking import RakingError
from nonrecours.cli.barometer_national import add_national_parser, handle_national
from nonrecours.cli.options import (
    add_weighting_options,
    campaign_with_answers,
    weighting_options,
)
from nonrecours.surveys.analysis import as_dict
from nonrecours.surveys.barometer import campaign_barometer
from nonrecours.surveys.weighting import Weighting


class Command(BaseCommand):
    help = "Baromètre pondéré d'une campagne enregistrée : indicateurs, erreurs-types, strates."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        compute = sub.add_parser(
            "compute",
            help="Calculer les indicateurs pondérés d'une campagne (JSON).",
            description=(
                "Cale les poids sur la population réelle des communes, puis estime chaque "
                "indicateur du questionnaire, sur l'ensemble et par strate, avec son "
                "erreur-type et son intervalle de confiance à 95 %, secret statistique appliqué."
            ),
        )
        compute.add_argument("--campaign", required=True, metavar="CAMPAGNE", help="identifiant")
        compute.add_argument("--out", metavar="FICHIER.json", help="fichier (défaut : écran)")
        add_weighting_options(compute)
        add_national_parser(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "national":
            handle_national(self, options)
            return
        campaign = campaign_with_answers(options["campaign"])
        try:
            barometer = campaign_barometer(
                campaign, weighting=Weighting(**weighting_options(options)), potential=False
            )
            result = as_dict(barometer.analysis)
        except RakingError as error:
            raise CommandError(str(error)) from None
        text = json.dumps(result, ensure_ascii=False, indent=2)
        if options["out"]:
            Path(options["out"]).write_text(text + "\n", encoding="utf-8")
            self.stdout.write(
                self.style.SUCCESS(
                    f"{len(result['resultats'])} résultats écrits dans {options['out']}."
                )
            )
        else:
            self.stdout.write(text)
