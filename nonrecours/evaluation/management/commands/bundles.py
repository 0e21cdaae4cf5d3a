from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nonrecours.errors import UserError, command_error
from nonrecours.evaluation import bundles_actions, bundles_queries
from nonrecours.evaluation.bundle_models import NationalFigure
from nonrecours.evaluation.bundles_format import bundle_filename, bundle_json, bundle_of
from nonrecours.evaluation.bundles_reference import REFERENCE_FILE
from nonrecours.surveys.models import Publication
from nonrecours.surveys.publication import publication_at
from nonrecours.territories.queries import territory_by_siren


class Command(BaseCommand):
    help = (
        "Lots d'indicateurs pour comparer les territoires : exporter celui d'une vague publiée, "
        "importer ceux d'autres territoires, charger les chiffres nationaux de référence."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        export = sub.add_parser(
            "export",
            help="Exporter le lot d'indicateurs d'une vague publiée (JSON).",
            description=(
                "Écrit le lot d'indicateurs d'une vague publiée : territoire, vague, "
                "questionnaire et sa version, pondération, et chaque case publiée (jamais une "
                "case masquée). Le même fichier est public à l'adresse "
                "/barometre/<SIREN>/<vague>/lot-indicateurs.json."
            ),
        )
        export.add_argument(
            "--territory", required=True, metavar="SIREN", help="SIREN du territoire"
        )
        export.add_argument(
            "--wave", required=True, metavar="VAGUE", help="identifiant de la vague"
        )
        export.add_argument("--out", metavar="FICHIER.json", help="fichier (défaut : écran)")
        importer = sub.add_parser(
            "import",
            help="Importer les lots d'indicateurs d'autres territoires (tout ou rien).",
            description=(
                "Importe les lots pour la comparaison du territoire donné par --territory, et "
                "pour elle seule : les autres territoires de l'installation ne les voient pas. "
                "Vérifie chaque fichier ; au moindre problème rien n'est enregistré et chaque "
                "problème est dit avec son fichier, son chemin dans le JSON et son champ. Une "
                "vague que ce territoire a déjà importée (même SIREN, même vague) est remplacée. "
                "Un lot d'un territoire de cette installation est refusé."
            ),
        )
        importer.add_argument(
            "--territory",
            required=True,
            metavar="SIREN",
            help="SIREN du territoire de cette installation qui importe (sa comparaison)",
        )
        importer.add_argument("files", nargs="+", metavar="FICHIER", help="fichiers .json")
        reference = sub.add_parser(
            "reference",
            help="Charger les chiffres nationaux de référence (YAML, tout ou rien).",
            description=(
                "Remplace les chiffres nationaux de référence par ceux du fichier : chacun "
                "avec sa formulation, sa population, son année, sa publication et son adresse."
            ),
        )
        reference.add_argument(
            "file",
            nargs="?",
            metavar="FICHIER",
            help=f"fichier .yaml ; sans fichier : celui fourni ({REFERENCE_FILE.name})",
        )
        listing = sub.add_parser(
            "list", help="Lister les lots importés et les chiffres de référence."
        )
        listing.add_argument(
            "--territory",
            metavar="SIREN",
            help="seulement les lots importés par ce territoire (défaut : tous)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "export":
            self._export(options["territory"], options["wave"], options["out"])
        elif action == "import":
            self._import(options["territory"], [Path(name) for name in options["files"]])
        elif action == "reference":
            path = Path(options["file"]) if options["file"] else REFERENCE_FILE
            try:
                done = bundles_actions.reference_import(path=path)
            except OSError as error:
                raise CommandError(f"{path} : fichier illisible ({error.strerror}).") from None
            except UserError as error:
                raise command_error(error) from None
            self.stdout.write(self.style.SUCCESS(done.summary()))
        else:
            self._list(options["territory"])

    def _export(self, siren: str, slug: str, out: str | None) -> None:
        try:
            publication = publication_at(siren, slug)
        except Publication.DoesNotExist:
            raise CommandError(
                f"Aucune vague publiée « {slug} » pour le territoire de SIREN {siren} : seule "
                "une vague publiée a un lot d'indicateurs (nonrecours campaign publish)."
            ) from None
        bundle = bundle_of(publication)
        text = bundle_json(bundle)
        if not out:
            self.stdout.write(text, ending="")
            return
        Path(out).write_text(text, encoding="utf-8")
        self.stdout.write(
            self.style.SUCCESS(
                f"Lot d'indicateurs écrit dans {out} ({len(bundle['cellules'])} cases publiées ; "
                f"nom conseillé : {bundle_filename(bundle)})."
            )
        )

    def _import(self, siren: str, paths: list[Path]) -> None:
        done = []
        try:
            territory = territory_by_siren(siren.strip())
            with transaction.atomic():
                for path in paths:
                    try:
                        data = path.read_bytes()
                    except OSError as error:
                        raise CommandError(
                            f"{path} : fichier illisible ({error.strerror}) ; rien n'a été "
                            "enregistré."
                        ) from None
                    done.append(
                        bundles_actions.bundle_import(
                            territory=territory, data=data, filename=path.name
                        )
                    )
        except UserError as error:
            raise command_error(error) from None
        for imported in done:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{imported.summary()} Pour la comparaison de {territory.name} "
                    f"(SIREN {territory.siren})."
                )
            )

    def _list(self, siren: str | None) -> None:
        if siren is None:
            bundles = bundles_queries.every_imported_bundle()
        else:
            try:
                territory = territory_by_siren(siren.strip())
            except UserError as error:
                raise command_error(error) from None
            bundles = bundles_queries.imported_bundles(territory).select_related("territory")
        if not bundles:
            self.stdout.write("Aucun lot d'indicateurs importé.")
        for bundle in bundles:
            self.stdout.write(
                f"{bundle.siren} {bundle.wave_slug} : {bundle.territory_name} — "
                f"{bundle.wave_name} (importé le {bundle.imported_at:%d/%m/%Y} par "
                f"{bundle.territory.name}, SIREN {bundle.territory.siren})"
            )
        count = NationalFigure.objects.count()
        self.stdout.write(f"{count} chiffre(s) national(aux) de référence.")
