"""`nonrecours evaluation`: the evaluation of the experiment — the yearly
report of a territory (PDF, CSV or XLSX)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.errors import UserError, command_error
from nonrecours.evaluation.report import DEMONSTRATION, yearly_report
from nonrecours.evaluation.report_files import report_csv, report_xlsx
from nonrecours.evaluation.report_render import report_pdf
from nonrecours.territories.queries import territory_by_siren

FORMATS = ("pdf", "csv", "xlsx")


class Command(BaseCommand):
    help = (
        "Évaluation de l'expérimentation : rapport annuel d'un territoire (personnes touchées "
        "par action, orientations et droits ouverts, baromètre, budget et coût par droit "
        "ouvert), en PDF, CSV ou XLSX, avec le secret statistique sur chaque case."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        report = sub.add_parser(
            "report",
            help="Produire le rapport annuel d'un territoire pour une année civile (l'année en "
            "cours est possible : le rapport est alors marqué « provisoire »).",
        )
        report.add_argument(
            "--territory", required=True, metavar="SIREN", help="code SIREN du territoire"
        )
        report.add_argument(
            "--year", required=True, metavar="AAAA", help="année civile, par exemple 2025"
        )
        report.add_argument(
            "--format", required=True, choices=FORMATS, metavar="pdf|csv|xlsx",
            help="pdf (imprimable, A4, avec graphiques), csv (« ; », virgule décimale) ou xlsx",
        )  # fmt: skip
        report.add_argument(
            "--output",
            metavar="FICHIER",
            help="fichier écrit (défaut : rapport-annuel-SIREN-AAAA.FORMAT, dossier courant)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            territory = territory_by_siren(str(options["territory"]).strip())
            report = yearly_report(territory, options["year"])
        except UserError as error:
            raise command_error(error) from None
        kind = options["format"]
        if kind == "pdf":
            content = report_pdf(report)
        elif kind == "csv":
            # With a BOM, so that a spreadsheet reads the accents.
            content = ("\ufeff" + report_csv(report)).encode()
        else:
            content = report_xlsx(report)
        suffix = "-provisoire" if report.provisional else ""
        path = Path(
            options["output"] or f"rapport-annuel-{territory.siren}-{report.year}{suffix}.{kind}"
        )
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"{path} : écriture impossible ({error.strerror}).") from None
        hidden = sum(1 for _, figure in report.figures if figure.hidden)
        self.stdout.write(
            f"Rapport annuel {report.year} de {territory.name} écrit dans {path} "
            f"({len(report.figures)} chiffres, dont {hidden} masqués par le secret statistique)."
        )
        if report.demonstration:
            self.stdout.write(
                f"{DEMONSTRATION} : le territoire n'a encore aucune donnée réelle, le rapport "
                "compte les données de démonstration."
            )
        if report.provisional:
            self.stdout.write(
                f"Rapport provisoire : l'année {report.year} n'est pas terminée, chiffres comptés "
                "jusqu'à aujourd'hui."
            )
