from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from nonrecours.accounts.second_factor import login_attempts_purge_expired
from nonrecours.referrals.actions import referrals_anonymise
from nonrecours.rights.actions import simulations_purge_expired
from nonrecours.surveys.actions import contacts_erase


class Command(BaseCommand):
    help = (
        "Supprimer les données personnelles arrivées à échéance (simulations de droits "
        "conservées au-delà de leur durée, demandes de rappel du baromètre au-delà de leur durée, "
        "coordonnées des personnes orientées au-delà de la durée de conservation des "
        "orientations, sessions de connexion expirées, tentatives de connexion échouées qui ne "
        "bloquent plus) ; à planifier chaque nuit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = simulations_purge_expired()
        self.stdout.write(self.style.SUCCESS(f"{deleted} simulation(s) expirée(s) supprimée(s)."))
        erased = contacts_erase()
        self.stdout.write(
            self.style.SUCCESS(
                f"{erased} demande(s) de rappel du baromètre effacée(s) (nombre gardé sur la "
                "campagne)."
            )
        )
        anonymised = referrals_anonymise()
        self.stdout.write(
            self.style.SUCCESS(f"{anonymised} orientation(s) anonymisée(s) (statistiques gardées).")
        )
        # Django keeps expired sessions (who was logged in, answers being
        # typed) until told to remove them, as `clearsessions` does.
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        self.stdout.write(self.style.SUCCESS("Sessions de connexion expirées supprimées."))
        attempts = login_attempts_purge_expired()
        self.stdout.write(
            self.style.SUCCESS(
                f"{attempts} trace(s) de connexion échouée qui ne bloque(nt) plus effacée(s)."
            )
        )
