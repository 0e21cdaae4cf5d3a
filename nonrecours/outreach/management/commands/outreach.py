"""`nonrecours outreach`: the aller-vers — the priority index of a
territory, and the imports of the files it is built on."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.errors import UserError, command_error
from nonrecours.outreach import imports
from nonrecours.outreach.priorities import priority_index
from nonrecours.outreach.queries import priority_index_data
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory


def _territory_option(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--territory", required=True, metavar="SIREN", help="code SIREN du territoire"
    )


class Command(BaseCommand):
    help = (
        "Aller-vers : indice de priorité des communes et des quartiers prioritaires, "
        "import des fichiers sur lesquels il s'appuie (QPV, Filosofi, CAF)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        priorities = sub.add_parser(
            "priorities",
            help="Écrire l'indice de priorité (classement, raisons, facteurs) en JSON.",
        )
        _territory_option(priorities)
        priorities.add_argument(
            "--out", required=True, metavar="FICHIER.json", help="fichier JSON écrit"
        )
        qpv = sub.add_parser(
            "import-qpv",
            help="Importer la liste et les contours des quartiers prioritaires (ANCT, GeoJSON).",
        )
        qpv.add_argument("file", metavar="FICHIER", help="le GeoJSON publié par l'ANCT")
        _territory_option(qpv)
        filosofi = sub.add_parser(
            "import-filosofi",
            help="Importer INSEE Filosofi : par commune (défaut) ou par carreau de 200 m.",
        )
        filosofi.add_argument("file", metavar="FICHIER", help="le CSV publié par l'INSEE")
        _territory_option(filosofi)
        filosofi.add_argument(
            "--carreaux",
            action="store_true",
            help="fichier des carreaux de 200 m (Filosofi carroyé), sommé par commune",
        )
        filosofi.add_argument(
            "--annee",
            type=int,
            metavar="AAAA",
            help="année des revenus du fichier carroyé (obligatoire avec --carreaux)",
        )
        caf = sub.add_parser(
            "import-caf",
            help="Importer les foyers allocataires par commune (CAF : RSA, prime d'activité, "
            "aide au logement, AAH).",
        )
        caf.add_argument("file", metavar="FICHIER", help="le CSV exporté de data.caf.fr")
        _territory_option(caf)

    def _territory(self, siren: str) -> Territory:
        try:
            return territory_queries.territory_by_siren(siren)
        except Territory.DoesNotExist:
            raise CommandError(f"Aucun territoire importé n'a le code SIREN {siren}.") from None

    def handle(self, *args: Any, **options: Any) -> None:
        territory = self._territory(options["territory"])
        action = options["action"]
        try:
            if action == "priorities":
                self._priorities(territory, Path(options["out"]))
                return
            path = Path(options["file"])
            if action == "import-qpv":
                done = imports.priority_areas_import(territory=territory, path=path)
            elif action == "import-caf":
                done = imports.caf_import(territory=territory, path=path)
            elif options["carreaux"]:
                if options["annee"] is None:
                    raise CommandError("--annee : l'année des revenus du fichier carroyé.")
                done = imports.filosofi_squares_import(
                    territory=territory, path=path, year=options["annee"]
                )
            else:
                done = imports.filosofi_commune_import(territory=territory, path=path)
        except UserError as error:
            raise command_error(error) from None
        self.stdout.write(done.summary)

    def _priorities(self, territory: Territory, out: Path) -> None:
        index = priority_index(territory)
        data = priority_index_data(index)
        try:
            out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{out} : écriture impossible ({error.strerror}).") from None
        first = index.places[0] if index.places else None
        self.stdout.write(
            f"{out} : {len(index.places)} lieu(x) classé(s)"
            + (f", en tête {first.name} (indice {first.score:.0f})" if first else "")
            + f" ; facteurs utilisés : {len(index.used)}, absents : {len(index.missing)}."
        )
