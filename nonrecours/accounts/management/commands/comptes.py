import getpass
import os
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from nonrecours.accounts import access, actions, first_admin, queries, second_factor
from nonrecours.accounts.invitation_file import role_from_text, role_names
from nonrecours.accounts.models import User
from nonrecours.csvtext import UnreadableFile, read_text
from nonrecours.errors import command_error
from nonrecours.mailing.watch import MailWatch, mail_watch
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory


class Command(BaseCommand):
    help = (
        "Comptes : créer le premier compte administrateur·rice d'un territoire (serveur de "
        "production), inviter des personnes par courriel (une, ou une liste CSV), retirer le "
        "second facteur d'une personne qui a perdu son téléphone."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        first = sub.add_parser(
            "premier-administrateur",
            # No abbreviations: « --mot-de-passe SECRET » would be taken for
            # --mot-de-passe-fichier, and the password printed as a file name.
            allow_abbrev=False,
            help="Créer le premier compte administrateur·rice d'un territoire importé, et "
            "l'organisation du territoire s'il n'en a pas (serveur de production, sans "
            "démonstration). Le mot de passe est tapé deux fois, ou lu dans la variable "
            f"{first_admin.PASSWORD_VARIABLE} ou dans un fichier : jamais en argument.",
        )
        first.add_argument("siren", metavar="SIREN", help="code SIREN du territoire (importé)")
        first.add_argument(
            "email",
            metavar="E-MAIL",
            help="adresse de la personne ; c'est aussi son identifiant, sauf --identifiant",
        )
        first.add_argument(
            "--identifiant",
            dest="username",
            metavar="IDENTIFIANT",
            help="identifiant de connexion, s'il n'est pas l'adresse e-mail",
        )
        first.add_argument(
            "--ajouter",
            action="store_true",
            help="créer le compte même si le territoire a déjà un·e administrateur·rice",
        )
        first.add_argument(
            "--mot-de-passe-fichier",
            dest="password_file",
            metavar="FICHIER",
            help="lire le mot de passe dans ce fichier (une ligne ; à supprimer ensuite) au "
            f"lieu de le taper ou de le donner dans {first_admin.PASSWORD_VARIABLE}",
        )
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
        if options["action"] == "premier-administrateur":
            self._first_admin(options)
            return
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
                with mail_watch() as watch:
                    invitations = actions.invitations_import(
                        invited_by=None,
                        territory=territory,
                        text=read_text(path),
                        filename=path.name,
                    )
            except UnreadableFile as error:
                raise command_error(error) from None
            except actions.InvitationsRejected as error:
                raise command_error(error) from None
            done = "enregistrée(s)" if watch.warnings() else "envoyée(s)"
            self.stdout.write(self.style.SUCCESS(f"{len(invitations)} invitation(s) {done}."))
            self._unsent(watch)
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
            with mail_watch() as watch:
                invitation = actions.invitation_create(
                    invited_by=None, email=options["email"], organisation=organisation, role=role
                )
        except actions.InvitationError as error:
            raise command_error(error) from None
        done = "enregistrée pour" if watch.warnings() else "envoyée à"
        self.stdout.write(
            self.style.SUCCESS(
                f"Invitation {done} {invitation.email} ({organisation.name}, "
                f"{invitation.get_role_display()})."
            )
        )
        self._unsent(watch)

    def _unsent(self, watch: MailWatch) -> None:
        """Say which invitation e-mails the mail server did not take."""
        for text in watch.warnings():
            self.stderr.write(self.style.WARNING(text))

    def _first_admin(self, options: dict[str, Any]) -> None:
        """`premier-administrateur`: check, read the password, create, say what was done."""
        siren = options["siren"]
        territory = Territory.objects.filter(siren=siren).first()
        if territory is None:
            raise CommandError(
                f"Aucun territoire importé n'a le code SIREN {siren} : importez-le d'abord "
                f"(nonrecours territory import --epci {siren}), puis relancez cette commande."
            )
        email = actions.email_normalised(options["email"])
        username = (options["username"] or email).strip()
        done = first_admin.first_admin_done(territory=territory, username=username, email=email)
        if done is not None:
            address = "" if done.email == done.username else f" ({done.email})"
            self.stdout.write(
                f"Déjà fait : le compte « {done.username} »{address} administre "
                f"{territory.name}. Rien n'a été changé, ni son mot de passe (pour le changer : "
                f"nonrecours changepassword {done.username})."
            )
            self._next_steps(territory, done)
            return
        refusal = first_admin.first_admin_refusal(
            territory=territory, username=username, email=email, add=options["ajouter"]
        )
        if refusal:
            raise CommandError(refusal)
        password = self._password(options, username=username, email=email)
        try:
            created = first_admin.first_admin_create(
                territory=territory,
                username=username,
                email=email,
                password=password.value,
                add=options["ajouter"],
            )
        except first_admin.FirstAdminError as error:
            raise command_error(error) from None
        organisation = created.organisation
        if created.organisation_created:
            self.stdout.write(
                f"Organisation du territoire créée : « {organisation.name} » "
                f"({organisation.get_kind_display()})."
            )
        else:
            self.stdout.write(f"Organisation du territoire : « {organisation.name} » (existante).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Compte créé : identifiant « {created.user.username} », adresse "
                f"{created.user.email}, administrateur·rice de {territory.name} (SIREN "
                f"{territory.siren}) pour « {organisation.name} »."
            )
        )
        if options["password_file"]:
            self.stdout.write(f"Mot de passe lu dans {password.source} : supprimez ce fichier.")
        elif password.source:
            self.stdout.write(
                f"Mot de passe lu dans {password.source} : retirez-la de l'environnement."
            )
        self._next_steps(territory, created.user)

    def _password(
        self, options: dict[str, Any], *, username: str, email: str
    ) -> first_admin.Password:
        """The password from the environment, a file, or typed twice at the terminal."""
        path = Path(options["password_file"]) if options["password_file"] else None
        try:
            given = first_admin.password_given(environ=os.environ, path=path)
        except first_admin.FirstAdminError as error:
            raise command_error(error) from None
        if given is not None:
            problem = first_admin.password_problem(given.value, username=username, email=email)
            if problem:
                raise CommandError(
                    f"Mot de passe de {given.source} refusé : {problem} Rien n'a été créé."
                )
            return given
        if not stdin_is_terminal():
            raise CommandError(
                "Aucun mot de passe : tapez-le dans un terminal, ou donnez la variable "
                f"{first_admin.PASSWORD_VARIABLE} ou --mot-de-passe-fichier FICHIER "
                "(jamais en argument)."
            )
        for _ in range(3):
            try:
                typed = getpass.getpass("Mot de passe : ")
                again = getpass.getpass("Mot de passe (encore) : ")
            except (EOFError, KeyboardInterrupt):
                raise CommandError("Saisie interrompue : rien n'a été créé.") from None
            if typed != again:
                self.stderr.write("Les deux mots de passe ne sont pas identiques.")
                continue
            problem = first_admin.password_problem(typed, username=username, email=email)
            if problem:
                self.stderr.write(f"Mot de passe refusé : {problem}")
                continue
            return first_admin.Password(typed, "")
        raise CommandError("Trois essais sans mot de passe accepté : rien n'a été créé.")

    def _next_steps(self, territory: Territory, user: User) -> None:
        """The second factor, then where to log in and whom to invite next."""
        base = str(settings.NONRECOURS_BASE_URL).rstrip("/")
        if access.second_factor_required(user) and second_factor.second_factor_device(user):
            self.stdout.write("Second facteur déjà installé : il sera demandé à chaque connexion.")
        elif access.second_factor_required(user):
            self.stdout.write(
                "Second facteur exigé (NONRECOURS_REQUIRE_2FA) : à sa première connexion, "
                f"{user.username} installe une application d'authentification (code à 6 "
                "chiffres) avant toute autre page."
            )
        else:
            self.stdout.write(
                "Second facteur non demandé : NONRECOURS_REQUIRE_2FA est désactivé sur ce "
                "serveur (nonrecours check --deploy le signale ; à réactiver en production)."
            )
        self.stdout.write(
            f"Étape suivante : se connecter sur {base}{reverse('login')}, puis inviter "
            f"l'équipe depuis {base}{reverse('invitation_list', args=[territory.siren])} "
            "(ou nonrecours accounts inviter)."
        )


def stdin_is_terminal() -> bool:
    """Whether a person can type the password (standard input is a terminal)."""
    return sys.stdin.isatty()
