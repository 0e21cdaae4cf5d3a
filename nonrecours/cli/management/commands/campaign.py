import datetime
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from nonrecours.errors import command_error
from nonrecours.surveys import actions, campaigns, publication, queries
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Campaign, QuestionnaireVersion
from nonrecours.surveys.targets import TargetError
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Territory

# Channels a person may choose (synthetic answers are the demo's only), by
# their code value and by a French spelling that is easier to type.
CHANNEL_NAMES = {
    **{c.value: c for c in Channel if c != Channel.SYNTHETIC},
    "en_ligne": Channel.ONLINE,
    "porte_a_porte": Channel.DOOR_TO_DOOR,
}
DEFAULT_CHANNELS = "import"


class Command(BaseCommand):
    help = "Campagnes du baromètre : créer une campagne, lister les campagnes, publier une vague."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = sub.add_parser(
            "create",
            help="Créer une campagne avec ses objectifs de réponses.",
            description=(
                "Crée une campagne (une vague du baromètre) d'un territoire. L'objectif total "
                "est réparti entre les communes selon leur population (5 réponses au moins "
                "par commune) ; chaque objectif de strate s'y ajoute, réparti entre les "
                "communes de la strate. Les arrondis gardent les totaux exacts. Au moindre "
                "problème, rien n'est enregistré."
            ),
        )
        create.add_argument(
            "--territoire", required=True, metavar="SIREN", help="code SIREN du territoire"
        )
        create.add_argument(
            "--slug",
            required=True,
            metavar="IDENTIFIANT",
            help="identifiant de la campagne (lettres minuscules, chiffres et tirets), "
            "ex. barometre-2026",
        )
        create.add_argument("--nom", required=True, metavar="NOM", help="nom de la campagne")
        create.add_argument("--debut", required=True, metavar="AAAA-MM-JJ", help="premier jour")
        create.add_argument("--fin", required=True, metavar="AAAA-MM-JJ", help="dernier jour")
        create.add_argument(
            "--canaux",
            default=DEFAULT_CHANNELS,
            metavar="CANAL,…",
            help="canaux de collecte séparés par des virgules : "
            f"{', '.join(sorted(CHANNEL_NAMES))} (défaut : {DEFAULT_CHANNELS})",
        )
        create.add_argument(
            "--objectif",
            metavar="N",
            help="objectif total de réponses, réparti entre les communes selon leur population",
        )
        create.add_argument(
            "--objectif-strate",
            dest="stratum_targets",
            action="append",
            default=[],
            metavar="STRATE=N",
            help="réponses en plus pour une strate, réparties entre ses communes "
            f"(répétable) ; strates : {', '.join(Stratum.values)}",
        )
        create.add_argument(
            "--questionnaire",
            metavar="VERSION",
            help="numéro de version du questionnaire (commun ou module local du territoire ; "
            "défaut : le questionnaire commun)",
        )
        publish = sub.add_parser(
            "publish",
            help="Publier une vague : résultats, rapport et données ouvertes publics, figés.",
            description=(
                "Publie une vague finie : ses résultats (tels que le secret statistique les "
                "laisse publier), son rapport et ses données ouvertes deviennent publics, sans "
                "connexion, à /barometre/<SIREN>/<IDENTIFIANT>/. Définitif : les chiffres sont "
                "gardés tels quels et la vague ne reçoit plus de réponse."
            ),
        )
        publish.add_argument("slug", metavar="IDENTIFIANT", help="identifiant de la campagne")
        listing = sub.add_parser("list", help="Lister les campagnes, leurs réponses et objectifs.")

        listing.add_argument(
            "--territoire", metavar="SIREN", help="seulement les campagnes de ce territoire"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"handle_{options['action']}")(**options)

    def handle_create(self, **options: Any) -> None:
        territory = _territory(options["territoire"])
        slug = options["slug"]
        if campaigns.slug_problem(slug):
            raise CommandError(f"--slug : {campaigns.slug_problem(slug)}")
        if Campaign.objects.filter(slug=slug).exists():
            raise CommandError(f"--slug : l'identifiant « {slug} » est déjà pris.")
        name = options["nom"].strip()
        if campaigns.name_problem(name):
            raise CommandError(f"--nom : {campaigns.name_problem(name)}")
        starts_on = _date(options["debut"], "--debut")
        ends_on = _date(options["fin"], "--fin")
        if ends_on < starts_on:
            raise CommandError(
                f"--fin : la fin ({ends_on:%d/%m/%Y}) précède le début ({starts_on:%d/%m/%Y})."
            )
        channels = _channels(options["canaux"])
        total = _count(options["objectif"], "--objectif") if options["objectif"] else 0
        extras = _stratum_targets(options["stratum_targets"])
        questionnaire = _questionnaire(territory, options["questionnaire"])
        try:
            targets = actions.commune_targets_by_population(
                territory=territory, total=total, stratum_extras=extras, strict_minimum=True
            )
        except TargetError as error:
            option = "--objectif-strate" if error.stratum else "--objectif"
            raise CommandError(f"{option} : {error}") from None
        try:
            campaign = actions.campaign_create(
                territory=territory,
                slug=slug,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                channels=channels,
                questionnaire=questionnaire,
                commune_targets=targets,
            )
        except ValueError as error:
            raise command_error(error) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Campagne « {campaign.name} » ({campaign.slug}) créée pour {territory.name} : "
                f"objectif de {sum(targets.values())} réponses réparti entre "
                f"{len(targets)} communes."
            )
        )

    def handle_publish(self, **options: Any) -> None:
        try:
            campaign = queries.campaign_by_slug(options["slug"])
        except Campaign.DoesNotExist:
            raise CommandError(
                f"Aucune campagne « {options['slug']} ». Voir : nonrecours campaign list"
            ) from None
        try:
            published = publication.campaign_publish(campaign=campaign, user=None)
        except publication.PublicationRefused as error:
            raise command_error(error) from None
        address = reverse("public_results", args=[campaign.territory.siren, campaign.slug])
        self.stdout.write(
            self.style.SUCCESS(
                f"Vague « {campaign.name} » publiée ({published.respondents} réponses) : "
                f"{settings.NONRECOURS_BASE_URL}{address}"
            )
        )

    def handle_list(self, **options: Any) -> None:
        territory = _territory(options["territoire"]) if options["territoire"] else None
        summaries = queries.campaign_summaries(territory)
        if not summaries:
            self.stdout.write("Aucune campagne. Exemple : nonrecours campaign create --help")
            return
        header = ["identifiant", "nom", "territoire", "début", "fin", "réponses", "objectif"]
        self.stdout.write("\t".join(header))
        for summary in summaries:
            campaign = summary.campaign
            self.stdout.write(
                "\t".join(
                    [
                        campaign.slug,
                        " ".join(campaign.name.split()),
                        f"{campaign.territory.name} ({campaign.territory.siren})",
                        campaign.starts_on.isoformat(),
                        campaign.ends_on.isoformat(),
                        str(summary.answers),
                        str(summary.target) if summary.target else "—",
                    ]
                )
            )


def _territory(siren: str) -> Territory:
    try:
        return territory_queries.territory_by_siren(siren)
    except Territory.DoesNotExist:
        raise CommandError(
            f"--territoire : aucun territoire importé n'a le code SIREN « {siren} ». "
            "Voir : nonrecours territory list"
        ) from None


def _date(text: str, option: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"{option} : « {text} » n'est pas une date au format AAAA-MM-JJ (ex. 2026-09-01)."
        ) from None
    if campaigns.day_problem(day):
        raise CommandError(f"{option} : {campaigns.day_problem(day)}")
    return day


def _count(text: str, option: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise CommandError(f"{option} : « {text} » n'est pas un nombre entier.") from None
    if value < 0:
        raise CommandError(f"{option} : un objectif ne peut pas être négatif ({value}).")
    if value > 10_000_000:
        raise CommandError(f"{option} : {value} réponses, c'est plus que 10 000 000.")
    return value


def _channels(text: str) -> list[Channel]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise CommandError("--canaux : indiquez au moins un canal de collecte.")
    unknown = [name for name in names if name not in CHANNEL_NAMES]
    if unknown:
        raise CommandError(
            f"--canaux : canal inconnu « {', '.join(unknown)} » ; "
            f"canaux possibles : {', '.join(sorted(CHANNEL_NAMES))}."
        )
    return list(dict.fromkeys(CHANNEL_NAMES[name] for name in names))


def _stratum_targets(pairs: list[str]) -> dict[str, int]:
    result: dict[str, int] = {}
    for pair in pairs:
        stratum, sign, number = pair.partition("=")
        stratum = stratum.strip()
        if not sign or stratum not in Stratum.values:
            raise CommandError(
                f"--objectif-strate : « {pair} » ; attendu STRATE=N avec une strate parmi "
                f"{', '.join(Stratum.values)} (ex. rural=150)."
            )
        if stratum in result:
            raise CommandError(f"--objectif-strate : la strate {stratum} est donnée deux fois.")
        result[stratum] = _count(number, f"--objectif-strate {stratum}")
    return result


def _questionnaire(territory: Territory, text: str | None) -> QuestionnaireVersion | None:
    if text is None:
        return None
    actions.questionnaire_version_default()  # the core is offered once it is stored
    versions = queries.questionnaire_versions_for(territory)
    if not (text.strip().isascii() and text.strip().isdigit()):  # not « ² »
        raise CommandError(f"--questionnaire : « {text} » n'est pas un numéro de version.")
    version = versions.filter(version=int(text)).first()
    if version is None:
        known = ", ".join(str(v) for v in versions.values_list("version", flat=True)) or "aucune"
        raise CommandError(
            f"--questionnaire : pas de version {text} pour ce territoire (versions : {known})."
        )
    return version
