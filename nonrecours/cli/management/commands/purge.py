from typing import Any

from django.core.management.base import BaseCommand

from nonrecours.rights.actions import simulations_purge_expired


class Command(BaseCommand):
    help = (
        "Supprimer les données personnelles arrivées à échéance (simulations de droits "
        "conservées au-delà de leur durée) ; à planifier chaque nuit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = simulations_purge_expired()
        self.stdout.write(self.style.SUCCESS(f"{deleted} simulation(s) expirée(s) supprimée(s)."))
