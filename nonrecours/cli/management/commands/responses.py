from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.errors import command_error
from nonrecours.surveys import actions, exports, queries
from nonrecours.surveys.importers.files import ImportFileError, SourceFormat
from nonrecours.surveys.models import Campaign


class Command(BaseCommand):
    help = (
        "Réponses du baromètre : importer des soumissions KoboToolbox, ODK Central ou "
        "LimeSurvey ; exporter les réponses d'une campagne avec leur codebook."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importer = sub.add_parser(
            "import",
            help="Importer un fichier de soumissions dans une campagne (tout ou rien).",
            description=(
                "Importe un export KoboToolbox ou ODK Central (CSV ou XLSX, « valeurs et "
                "en-têtes XML ») ou un export LimeSurvey (CSV, codes de réponse). Chaque "
                "ligne est contrôlée comme une réponse en ligne ; au moindre problème, rien "
                "n'est enregistré et chaque problème est listé avec sa ligne et son champ. "
                "Réimporter le même fichier n'ajoute rien ; une soumission corrigée dans "
                "l'outil (nouvelle version) remplace l'ancienne, gardée dans l'historique. "
                "Les lignes non approuvées, en attente ou rejetées par la revue de l'outil "
                "sont laissées de côté et listées."
            ),
        )
        importer.add_argument("file", metavar="FICHIER", help="fichier .csv ou .xlsx")
        importer.add_argument(
            "--campaign", required=True, metavar="CAMPAGNE", help="identifiant de la campagne"
        )
        importer.add_argument(
            "--source",
            choices=[s.value for s in SourceFormat],
            default=SourceFormat.KOBO.value,
            help="outil d'origine : kobo (KoboToolbox, ODK Central) ou limesurvey (défaut : kobo)",
        )
        importer.add_argument(
            "--enquete-limesurvey",
            dest="survey_id",
            default="",
            metavar="ID",
            help="identifiant de l'enquête LimeSurvey (sinon lu dans le nom du fichier "
            "results-survey123456.csv) : les numéros de réponse recommencent à 1 dans chaque "
            "enquête",
        )
        importer.add_argument(
            "--separateur",
            dest="separator",
            default="",
            metavar="SEP",
            help="séparateur des groupes dans les en-têtes, s'il n'est ni / ni - ni . ni :",
        )
        importer.add_argument(
            "--inclure-non-validees",
            dest="include_unreviewed",
            action="store_true",
            help="importer aussi les lignes non approuvées, en attente, rejetées ou "
            "incomplètes selon l'outil de collecte",
        )
        exporter = sub.add_parser(
            "export",
            help="Exporter les réponses d'une campagne et leur codebook.",
            description=(
                "csv et parquet : une archive .zip (réponses, codebook, notice) ; xlsx : un "
                "classeur avec les feuilles reponses, codebook et lisezmoi. Les coordonnées "
                "des demandes de rappel ne sont jamais exportées."
            ),
        )
        exporter.add_argument(
            "--campaign", required=True, metavar="CAMPAGNE", help="identifiant de la campagne"
        )
        exporter.add_argument(
            "--format",
            choices=sorted(exports.EXPORTERS),
            default="csv",
            help="format (défaut : csv)",
        )
        exporter.add_argument("--out", required=True, metavar="FICHIER", help="fichier à écrire")

    def _campaign(self, slug: str) -> Campaign:
        try:
            return queries.campaign_by_slug(slug)
        except Campaign.DoesNotExist:
            raise CommandError(f"Aucune campagne « {slug} ».") from None

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = self._campaign(options["campaign"])
        if options["action"] == "import":
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
            try:
                with path.open("rb") as stream:
                    summary = actions.responses_import(
                        campaign=campaign,
                        stream=stream,
                        filename=path.name,
                        source=SourceFormat(options["source"]),
                        survey_id=options["survey_id"],
                        separator=options["separator"],
                        include_unreviewed=options["include_unreviewed"],
                    )
            except (ImportFileError, actions.ImportRejected) as error:
                raise command_error(error) from None
            self.stdout.write(self.style.SUCCESS(str(summary)))
            return
        export, _, _ = exports.EXPORTERS[options["format"]]
        out = Path(options["out"])
        try:
            out.write_bytes(export(campaign))
        except OSError as error:
            raise CommandError(f"Impossible d'écrire {out} : {error.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{campaign.responses.count()} réponses de « {campaign.slug} » écrites dans {out}."
            )
        )
