import datetime
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.referrals import actions, queries
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.referrals.exports import statistics_csv
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"« {text} » n'est pas une date AAAA-MM-JJ.") from None


class Command(BaseCommand):
    help = (
        "Orientations entre partenaires : échéances (relance à 10 jours, expiration à 30, "
        "effacement des données personnelles après la durée de conservation), dispositifs, "
        "export des statistiques."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser(
            "echeances",
            help="Relancer, faire expirer et anonymiser ce qui est arrivé à échéance ; "
            "à planifier chaque nuit (le relancer ne refait rien).",
        )
        scheme = sub.add_parser("dispositif", help="Ajouter un dispositif proposé à l'envoi.")
        scheme.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")
        scheme.add_argument("name", metavar="NOM", help="ex. « Pass santé jeunes »")
        exporter = sub.add_parser(
            "export", help="Statistiques des orientations (CSV, règle de diffusion appliquée)."
        )
        exporter.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")
        exporter.add_argument("--out", required=True, metavar="FICHIER", help="fichier écrit")
        exporter.add_argument("--debut", metavar="AAAA-MM-JJ", help="envoyées à partir du")
        exporter.add_argument("--fin", metavar="AAAA-MM-JJ", help="envoyées jusqu'au")
        demo = sub.add_parser("demo", help="Créer des orientations synthétiques (une fois).")
        demo.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")

    def _territory(self, siren: str) -> Territory:
        try:
            return territory_queries.territory_by_siren(siren)
        except Territory.DoesNotExist:
            raise CommandError(f"Aucun territoire importé n'a le code SIREN {siren}.") from None

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "echeances":
            report = actions.referrals_process_deadlines()
            self.stdout.write(self.style.SUCCESS(report.summary()))
        elif action == "dispositif":
            territory = self._territory(options["siren"])
            try:
                scheme = actions.scheme_create(territory=territory, name=options["name"])
            except actions.ReferralError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(self.style.SUCCESS(f"Dispositif « {scheme.name} » proposé."))
        elif action == "export":
            territory = self._territory(options["siren"])
            start = _day(options["debut"]) if options["debut"] else None
            end = _day(options["fin"]) if options["fin"] else None
            stats = queries.referral_statistics(territory, start=start, end=end)
            Path(options["out"]).write_text(statistics_csv(stats), encoding="utf-8-sig")
            self.stdout.write(self.style.SUCCESS(f"Statistiques écrites dans {options['out']}."))
        else:
            territory = self._territory(options["siren"])
            created = referrals_demo_create(territory=territory)
            self.stdout.write(
                self.style.SUCCESS(f"{created} orientation(s) synthétique(s) créée(s).")
            )
