"""`nonrecours mailing`: the outbox (nonrecours.mailing)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from nonrecours.mailing import actions, queries
from nonrecours.mailing.delivery import server_label


class Command(BaseCommand):
    help = (
        "Courriels sortants : envoyer ceux dont l'essai est dû (nouveaux essais espacés, "
        "abandon après 6 essais ou 3 jours), dire l'état de la file."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser(
            "send",
            help="Envoyer les courriels en attente dont l'essai est dû et supprimer les "
            "anciens ; à planifier toutes les 5 minutes (deux lancements en même temps "
            "n'envoient rien deux fois).",
        )
        sub.add_parser(
            "status", help="Dire combien de courriels sont envoyés, en attente, abandonnés."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "send":
            report = actions.mail_send_due()
            style = self.style.WARNING if report.waiting or report.abandoned else self.style.SUCCESS
            self.stdout.write(style(report.summary()))
            return
        state = queries.outbox_state()
        self.stdout.write(", ".join(f"{label.lower()} : {n}" for label, n in state.counts))
        if state.oldest is not None:
            self.stdout.write(
                f"{state.due} à essayer maintenant ; le plus ancien en attente date du "
                f"{timezone.localtime(state.oldest):%d/%m/%Y à %H:%M}."
            )
        if state.last_error:
            self.stdout.write(f"Dernière erreur : {state.last_error}.")
            self.stdout.write(f"Serveur de courriel : {server_label()}.")
