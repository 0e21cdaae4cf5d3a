from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nonrecours.accounts import actions, queries, second_factor
from nonrecours.accounts.invitation_file import role_from_text, role_names
from nonrecours.accounts.models import User
from nonrecours.csvtext import UnreadableFile, read_text
from nonrecours.errors import command_error
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory


class Command(BaseCommand):
    help = (
        "Comptes : inviter des personnes par courriel (une, ou une liste CSV), retirer le "
        "second facteur d'une personne qui a perdu son téléphone."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        invite = sub.add_parser(
            "inviter",
            help="Envoyer une invitation (lien valable NONRECOURS_INVITATION_DAYS jours) ; "
            "tous les rôles peuvent être donnés.",
        )
        invite.add_argument("siren", metavar="SIREN", help="code SIREN du territoire")
        invite.add_argument("email", metavar="E-MAIL", nargs="?", help="adresse de la personne")
        invite.add_argument(
            "organisation", metavar="ORGANISATION", nargs="?", help="nom de l'organisation"
        )
        invite.add_argument(
            "role", metavar="RÔLE", nargs="?", help=f"rôle donné, parmi : {role_names()}"
        )
        invite.add_argument(
            "--fichier",
            metavar="CSV",
            help="inviter toutes les personnes d'un fichier CSV (colonnes e-mail, "
            "organisation, rôle), tout ou rien",
        )
        reset = sub.add_parser(
            "retirer-second-facteur",
            help="Retirer le second facteur d'une personne : elle en installera un nouveau à "
            "sa prochaine connexion.",
        )
        reset.add_argument("username", metavar="IDENTIFIANT", help="identifiant de la personne")

    def _territory(self, siren: str) -> Territory:
        try:
            return territory_queries.territory_by_siren(siren)
        except territory_queries.UnknownTerritory as error:
            raise command_error(error) from None

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "retirer-second-facteur":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"Aucun compte n'a l'identifiant « {options['username']} ».")
            removed = second_factor.second_factor_reset(user=user)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{removed} second(s) facteur(s) retiré(s) pour {user.username} : un "
                    "nouveau sera installé à la prochaine connexion."
                )
            )
            return
        territory = self._territory(options["siren"])
        if options["fichier"]:
            if options["email"]:
                raise CommandError("Donnez soit --fichier, soit E-MAIL ORGANISATION RÔLE.")
            try:
                path = Path(options["fichier"])
                invitations = actions.invitations_import(
                    invited_by=None, territory=territory, text=read_text(path), filename=path.name
                )
            except UnreadableFile as error:
                raise command_error(error) from None
            except actions.InvitationsRejected as error:
                raise command_error(error) from None
            self.stdout.write(self.style.SUCCESS(f"{len(invitations)} invitation(s) envoyée(s)."))
            return
        if not (options["email"] and options["organisation"] and options["role"]):
            raise CommandError("Donnez E-MAIL ORGANISATION RÔLE, ou --fichier CSV.")
        organisations = list(queries.territory_organisations(territory))
        organisation = queries.organisation_named(options["organisation"], organisations)
        if organisation is None:
            names = ", ".join(f"« {o.name} »" for o in organisations)
            raise CommandError(
                f"« {options['organisation']} » n'est pas une organisation de {territory.name} "
                f"(organisations : {names or 'aucune'})."
            )
        role = role_from_text(options["role"])
        if role is None:
            raise CommandError(f"« {options['role']} » n'est pas un rôle ({role_names()}).")
        try:
            invitation = actions.invitation_create(
                invited_by=None, email=options["email"], organisation=organisation, role=role
            )
        except actions.InvitationError as error:
            raise command_error(error) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Invitation envoyée à {invitation.email} ({organisation.name}, "
                f"{invitation.get_role_display()})."
            )
        )
