from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nonrecours.errors import command_error
from nonrecours.mailing.watch import mail_watch
from nonrecours.referrals import actions
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.referrals.exports import statistics_csv, statistics_notes_text, statistics_xlsx
from nonrecours.referrals.statistics import referral_statistics
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory


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
            "export",
            help="Statistiques des orientations pour les financeurs (règle de diffusion "
            "appliquée) : tableur .xlsx avec ses notes, ou CSV et ses notes à côté.",
        )
        exporter.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")
        exporter.add_argument(
            "--out",
            required=True,
            metavar="FICHIER",
            help="fichier écrit : .xlsx (feuilles « données » et « notes ») ; sinon CSV, "
            "et ses notes dans FICHIER-notes.txt",
        )
        exporter.add_argument(
            "--annee",
            type=int,
            metavar="AAAA",
            help="année civile d'envoi (défaut : la dernière année avec des orientations)",
        )
        demo = sub.add_parser("demo", help="Créer des orientations synthétiques (une fois).")
        demo.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")

    def _territory(self, siren: str) -> Territory:
        try:
            return territory_queries.territory_by_siren(siren)
        except territory_queries.UnknownTerritory as error:
            raise command_error(error) from None

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "echeances":
            with mail_watch():  # a dead mail server is tried once, not once per reminder
                report = actions.referrals_process_deadlines()
            self.stdout.write(self.style.SUCCESS(report.summary()))
        elif action == "dispositif":
            territory = self._territory(options["siren"])
            try:
                scheme = actions.scheme_create(territory=territory, name=options["name"])
            except actions.ReferralError as error:
                raise command_error(error) from None
            self.stdout.write(self.style.SUCCESS(f"Dispositif « {scheme.name} » proposé."))
        elif action == "export":
            territory = self._territory(options["siren"])
            stats = referral_statistics(territory, year=options["annee"])
            if options["annee"] and options["annee"] not in stats.years:
                years = ", ".join(str(y) for y in stats.years) or "aucune"
                raise CommandError(
                    f"Aucune orientation envoyée en {options['annee']} ; années : {years}."
                )
            out = Path(options["out"])
            notes = out.with_name(f"{out.stem}-notes.txt")
            now = timezone.now()
            try:
                if out.suffix.lower() == ".xlsx":
                    out.write_bytes(statistics_xlsx(stats, generated_at=now))
                    written = f"{out}"
                else:
                    out.write_text(statistics_csv(stats), encoding="utf-8-sig")
                    notes.write_text(
                        statistics_notes_text(stats, generated_at=now), encoding="utf-8-sig"
                    )
                    written = f"{out}, et leurs notes dans {notes}"
            except OSError as error:
                raise CommandError(
                    f"Impossible d'écrire {error.filename or out} : {error.strerror}."
                ) from None
            self.stdout.write(self.style.SUCCESS(f"Statistiques écrites dans {written}."))
        else:
            territory = self._territory(options["siren"])
            created = referrals_demo_create(territory=territory)
            self.stdout.write(
                self.style.SUCCESS(f"{created} orientation(s) synthétique(s) créée(s).")
            )
