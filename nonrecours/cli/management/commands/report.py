from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.analysis.raking import RakingError
from nonrecours.cli.options import campaign_with_answers
from nonrecours.surveys.report import build_report, report_html, report_pdf


class Command(BaseCommand):
    help = (
        "Rapport publié d'une campagne du baromètre (PDF ou HTML) : chiffres clés, une partie "
        "par thème avec graphiques et cartes, évolution, annexe méthodologique."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--campaign", required=True, metavar="CAMPAGNE", help="identifiant")
        parser.add_argument(
            "--format", choices=["pdf", "html"], default="pdf", help="pdf (défaut) ou html"
        )
        parser.add_argument("--out", required=True, metavar="FICHIER", help="fichier à écrire")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = campaign_with_answers(options["campaign"])
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"Le dossier « {out.parent} » n'existe pas.")
        try:
            report = build_report(campaign)
        except RakingError as error:
            raise CommandError(str(error)) from None
        if options["format"] == "html":
            out.write_text(report_html(report), encoding="utf-8")
        else:
            out.write_bytes(report_pdf(report))
        self.stdout.write(self.style.SUCCESS(f"Rapport écrit dans {out}."))
