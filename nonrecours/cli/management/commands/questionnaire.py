from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.surveys import queries
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.questionnaire import default_questionnaire
from nonrecours.surveys.xlsform import xlsform_bytes
from nonrecours.territories.queries import territory_default


class Command(BaseCommand):
    help = "Questionnaire du baromètre : export au format XLSForm (ODK Collect, KoboToolbox)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        export = sub.add_parser(
            "export-xlsform",
            help="Écrire le questionnaire au format XLSForm (.xlsx).",
            description=(
                "Écrit le questionnaire d'une campagne (ou, sans --campaign, le questionnaire "
                "par défaut avec les communes du territoire par défaut) au format XLSForm, "
                "conditions d'affichage et contraintes comprises, pour ODK Collect, "
                "KoboCollect ou Enketo."
            ),
        )
        export.add_argument(
            "--out", required=True, metavar="FICHIER", help="fichier .xlsx à écrire"
        )
        export.add_argument(
            "--campaign", metavar="CAMPAGNE", help="identifiant de la campagne (ex. demo-2024)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["campaign"]
        if slug:
            try:
                campaign = queries.campaign_by_slug(slug)
            except Campaign.DoesNotExist:
                raise CommandError(f"Aucune campagne « {slug} ».") from None
            questionnaire = campaign.questionnaire.questionnaire()
            territory = campaign.territory
            form_id = f"{questionnaire.slug}-{campaign.slug}".replace("-", "_")
        else:
            questionnaire = default_questionnaire()
            found = territory_default()
            if found is None:
                raise CommandError(
                    "Aucun territoire n'est importé : la liste des communes manque. "
                    "Lancez nonrecours territory import, ou précisez --campaign."
                )
            territory = found
            form_id = questionnaire.slug.replace("-", "_")
        communes = [(c.insee_code, c.name) for c in queries.territory_communes(territory)]
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"Le fichier doit finir par .xlsx (reçu : {out.name}).")
        try:
            out.write_bytes(xlsform_bytes(questionnaire, communes, form_id))
        except OSError as error:
            raise CommandError(f"Impossible d'écrire {out} : {error.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Questionnaire « {questionnaire.title} » v{questionnaire.version} écrit dans "
                f"{out} ({len(questionnaire.questions)} questions, {len(communes)} communes)."
            )
        )
