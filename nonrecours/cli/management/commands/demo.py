from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from nonrecours.errors import command_error
from nonrecours.surveys.actions import demo_campaign_create
from nonrecours.territories.models import Territory


class Command(BaseCommand):
    help = (
        "Crée la campagne de démonstration « demo-2024 » : des réponses synthétiques au "
        "baromètre, réparties sur les communes du territoire avec les biais d'une collecte "
        "en porte-à-porte, qui reproduisent une fois pondérées les chiffres publiés par la "
        "CU d'Arras en 2024. Sans effet si la campagne existe déjà."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--responses", type=int, default=2500, help="nombre de réponses (défaut : 2500)"
        )
        parser.add_argument(
            "--seed", type=int, default=2024, help="graine du tirage aléatoire (défaut : 2024)"
        )
        parser.add_argument(
            "--epci",
            default=settings.NONRECOURS_DEFAULT_TERRITORY,
            metavar="SIREN",
            help="territoire (déjà importé) de la campagne ; défaut : le territoire par défaut",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        territory = Territory.objects.filter(siren=options["epci"]).first()
        if territory is None:
            raise CommandError(
                f"Le territoire {options['epci']} n'est pas importé. "
                f"Commencez par : nonrecours territory import --epci {options['epci']}"
            )
        try:
            campaign, created = demo_campaign_create(
                territory=territory, responses=options["responses"], seed=options["seed"]
            )
        except ValueError as error:
            raise command_error(error) from None
        count = campaign.responses.count()
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Campagne de démonstration « {campaign.slug} » créée : {count} réponses "
                    "synthétiques."
                )
            )
        else:
            self.stdout.write(
                f"Campagne de démonstration « {campaign.slug} » déjà présente ({count} réponses)."
            )
