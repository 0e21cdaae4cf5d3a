from typing import Any

from django.core.management.base import BaseCommand

from nonrecours.evaluation.followup_sending import followups_send_due


class Command(BaseCommand):
    help = (
        "Envoyer les messages de suivi des simulations arrivés à échéance (7 et 30 jours après "
        "le consentement, par courriel et par SMS) et effacer les coordonnées après le second ; "
        "à planifier chaque nuit. Relancée, elle n'envoie rien deux fois ; un envoi qui échoue "
        "est réessayé la nuit suivante."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = followups_send_due()
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.sent[1]} premier(s) message(s) et {report.sent[2]} second(s) message(s) "
                f"envoyé(s) ; {report.erased} coordonnée(s) effacée(s)."
            )
        )
        if report.failures:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.failures} envoi(s) en échec (voir le journal) : nouvel essai la "
                    "nuit prochaine."
                )
            )
        if report.mail_waiting:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.mail_waiting} courriel(s) non accepté(s) par le serveur de "
                    "courriel : gardé(s) dans la file d'envoi, renvoyé(s) par "
                    "« nonrecours mailing send »."
                )
            )
