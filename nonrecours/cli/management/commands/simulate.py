import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.rights.engine import simulate
from nonrecours.rights.reference import load_file
from nonrecours.rights.situation import SituationError
from nonrecours.rights.situation_parse import parse_situation


class Command(BaseCommand):
    help = (
        "Simuler les droits d'une situation (même format que les cas de référence) : "
        "prestations trouvées et montants mensuels, en JSON."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "file",
            metavar="SITUATION.yaml",
            help="situation en YAML ou JSON (voir docs/guide/simulateur.md)",
        )
        parser.add_argument(
            "--toutes",
            action="store_true",
            help="lister aussi les prestations non trouvées (par défaut : celles trouvées, "
            "et celles qui ne peuvent pas être calculées)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            situation = parse_situation(load_file(path), path.name)
        except SituationError as error:
            raise CommandError(
                f"{error.source} : situation invalide :\n- " + "\n- ".join(error.problems)
            ) from None
        (result,) = simulate([situation])
        data = result.as_json()
        if not options["toutes"]:
            data["prestations"] = [
                item for item in data["prestations"] if item["statut"] != "non_eligible"
            ]
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
