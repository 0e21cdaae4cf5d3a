"""The first administrator of a territory on a production server
(`nonrecours accounts premier-administrateur`).

A fresh server has no account and, `nonrecours setup` (demonstration data)
not being run there, no organisation for the territory's own team. This
module creates both in one transaction: the territory's organisation (the
same action as `setup`, actions.organisation_get_or_create), the account and
its administrator's membership (actions.membership_grant). The password
never comes from the command line (it would stay in the shell's history and
in the process list): it is typed twice, or read from the environment
variable NONRECOURS_FIRST_ADMIN_PASSWORD or from a file.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from nonrecours.accounts.actions import (
    email_normalised,
    email_problem,
    membership_grant,
    organisation_get_or_create,
)
from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User
from nonrecours.errors import UserError
from nonrecours.territories.models import Territory
from nonrecours.textrules import text_problem

PASSWORD_VARIABLE = "NONRECOURS_FIRST_ADMIN_PASSWORD"  # noqa: S105 - a variable's name


class FirstAdminError(UserError, ValueError):
    """Why the administrator cannot be created, in French; nothing was written."""


@dataclass(frozen=True)
class FirstAdmin:
    """What first_admin_create wrote: the account, the territory's own
    organisation it administers, and whether that organisation was created
    now (False: it existed)."""

    user: User
    organisation: Organisation
    organisation_created: bool


@dataclass(frozen=True)
class Password:
    """A password read outside the command line, and where it came from
    (French, to be said: « la variable NONRECOURS_FIRST_ADMIN_PASSWORD »)."""

    value: str
    source: str


def territory_admins(territory: Territory) -> list[User]:
    """The active accounts holding the administrator's role on the
    territory (through any of its organisations), by identifier."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role=Role.ADMIN,
            memberships__organisation__territory=territory,
        )
        .distinct()
        .order_by("username")
    )


def territory_team(territory: Territory) -> Organisation | None:
    """The territory's own organisation (kind « collectivité porteuse »):
    the one named as the territory if there are several, else the first by
    name; None when there is none yet."""
    teams = list(
        Organisation.objects.filter(territory=territory, kind=OrganisationKind.TERRITORY).order_by(
            "name"
        )
    )
    named = [o for o in teams if o.name == territory.name]
    chosen = named or teams
    return chosen[0] if chosen else None


def username_problem(username: str) -> str:
    """Why this identifier cannot be an account's, in French, or ""."""
    if not username:
        return "L'identifiant est obligatoire."
    problem = text_problem(username, max_length=150)
    if problem:
        return f"Identifiant refusé : {problem}"
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return (
            f"« {username} » n'est pas un identifiant valable : lettres, chiffres et "
            "@ . + - _ seulement, sans espace."
        )
    return ""


def _account(username: str) -> User | None:
    return User.objects.filter(username__iexact=username).first()


def _roles(user: User) -> str:
    """An existing account in a few French words: its roles, whether active."""
    memberships = Membership.objects.filter(user=user).select_related("organisation__territory")
    roles = sorted(
        f"{m.get_role_display().lower()} de {m.organisation.territory.name} ({m.organisation.name})"
        for m in memberships
    )
    described = ", ".join(roles) if roles else "sans rôle sur un territoire"
    if user.is_superuser:
        described += ", super-utilisateur·rice"
    if not user.is_active:
        described += ", désactivé"
    return described


def first_admin_done(*, territory: Territory, username: str, email: str) -> User | None:
    """The account when this very creation was already done (a rerun): the
    identifier exists, active, with this e-mail, and administers the
    territory. None otherwise (including when the identifier exists for
    something else: first_admin_refusal says so)."""
    if email_problem(email_normalised(email)) or username_problem(username):
        return None  # never looked up (PostgreSQL refuses a NUL byte in a query)
    user = _account(username)
    if user is None or not user.is_active:
        return None
    if user.email.lower() != email_normalised(email):
        return None
    if user not in territory_admins(territory):
        return None
    return user


def first_admin_refusal(*, territory: Territory, username: str, email: str, add: bool) -> str:
    """Why this account cannot be created as an administrator of the
    territory now, in French (one line), or "" when it can. ``add``: the
    territory may already have administrators. Checked before asking for
    the password, and again by first_admin_create."""
    email = email_normalised(email)
    problem = email_problem(email) or username_problem(username)
    if problem:
        return problem
    existing = _account(username)
    if existing is not None:
        return (
            f"Le compte « {existing.username} » existe déjà ({_roles(existing)}) : rien n'a été "
            "créé. Choisissez un autre identifiant (--identifiant), ou donnez un rôle à ce "
            "compte : nonrecours accounts inviter."
        )
    owner = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).first()
    if owner is not None:
        return (
            f"L'adresse {email} est déjà celle du compte « {owner.username} » "
            f"({_roles(owner)}) : rien n'a été créé."
        )
    admins = territory_admins(territory)
    if admins and not add:
        names = ", ".join(f"« {u.username} »" for u in admins)
        return (
            f"{territory.name} a déjà un·e administrateur·rice ({names}) : rien n'a été créé. "
            "Pour en ajouter un·e autre : --ajouter (ou une invitation, par la page "
            "« Inviter des personnes » ou nonrecours accounts inviter)."
        )
    homonym = _homonym_of_another_kind(territory)
    if homonym is not None:
        return (
            f"Le territoire n'a pas encore d'organisation « collectivité porteuse », et "
            f"l'organisation « {homonym.name} » qui porte son nom est de type "
            f"« {homonym.get_kind_display()} » : rien n'a été créé, pour ne pas faire de "
            "l'administrateur·rice un membre de ce partenaire. Renommez cette organisation, ou "
            "donnez-lui le type « collectivité porteuse » si c'est bien la vôtre (page "
            "d'administration de l'organisation), puis relancez la commande."
        )
    return ""


def _homonym_of_another_kind(territory: Territory) -> Organisation | None:
    """When the territory has no organisation of kind « collectivité
    porteuse » yet: the organisation named as the territory but of another
    kind (a partner), which would otherwise be taken for its own; else
    None."""
    if territory_team(territory) is not None:
        return None
    return (
        Organisation.objects.filter(territory=territory, name=territory.name)
        .exclude(kind=OrganisationKind.TERRITORY)
        .first()
    )


def password_problem(password: str, *, username: str, email: str) -> str:
    """Why Django's validators (AUTH_PASSWORD_VALIDATORS) refuse this
    password for this account, in French (each rule's own sentence, one
    after the other), or ""."""
    if not password:
        return "Le mot de passe est vide."
    try:
        password_validation.validate_password(
            password, User(username=username, email=email_normalised(email))
        )
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def password_given(*, environ: Mapping[str, str], path: Path | None) -> Password | None:
    """The password given without typing it: the variable
    NONRECOURS_FIRST_ADMIN_PASSWORD of ``environ``, or the file at ``path``
    (its first line; a final line break is not part of the password). None
    when neither is given (it is then typed).

    Raises FirstAdminError (French) when both are given, when the variable
    is empty, when the file cannot be read as UTF-8 text, is empty or holds
    more than one line.
    """
    variable = environ.get(PASSWORD_VARIABLE)
    if variable is not None and path is not None:
        raise FirstAdminError(
            f"Donnez le mot de passe d'une seule façon : {PASSWORD_VARIABLE} ou "
            "--mot-de-passe-fichier, pas les deux."
        )
    if variable is not None:
        if not variable:
            raise FirstAdminError(f"La variable {PASSWORD_VARIABLE} est vide.")
        return Password(variable, f"la variable {PASSWORD_VARIABLE}")
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FirstAdminError(f"Fichier du mot de passe introuvable : {path}") from None
    except IsADirectoryError:
        raise FirstAdminError(f"{path} est un dossier, pas le fichier du mot de passe.") from None
    except PermissionError:
        raise FirstAdminError(f"Fichier du mot de passe illisible (droits) : {path}") from None
    except UnicodeDecodeError:
        raise FirstAdminError(f"Le fichier {path} n'est pas du texte UTF-8.") from None
    except OSError as error:
        raise FirstAdminError(
            f"Fichier du mot de passe illisible : {path} ({error.strerror})."
        ) from None
    value = text.removesuffix("\n").removesuffix("\r")
    if not value:
        raise FirstAdminError(f"Le fichier {path} est vide.")
    if "\n" in value or "\r" in value:
        raise FirstAdminError(
            f"Le fichier {path} doit contenir le mot de passe seul, sur une ligne."
        )
    return Password(value, f"le fichier {path}")


@transaction.atomic
def first_admin_create(
    *, territory: Territory, username: str, email: str, password: str, add: bool = False
) -> FirstAdmin:
    """Create, all or nothing, the account ``username`` (e-mail ``email``,
    normalised, and ``password``), the territory's own organisation when it
    has none (named as the territory, kind « collectivité porteuse ») and
    the account's administrator membership of it. The account is not a
    superuser; it sets up its second factor at its first login when
    NONRECOURS_REQUIRE_2FA requires one.

    Raises FirstAdminError (French) for what first_admin_refusal refuses
    (bad identifier or e-mail, identifier or e-mail already used, territory
    already administered without ``add``, no « collectivité porteuse » but
    a partner's organisation named as the territory) and for a password
    that Django's validators refuse.
    """
    # Two runs at once for one territory: the second waits, then sees the first's admin.
    Territory.objects.select_for_update().filter(pk=territory.pk).first()
    refusal = first_admin_refusal(territory=territory, username=username, email=email, add=add)
    if refusal:
        raise FirstAdminError(refusal)
    problem = password_problem(password, username=username, email=email)
    if problem:
        raise FirstAdminError(f"Mot de passe refusé : {problem} Rien n'a été créé.")
    organisation = territory_team(territory)
    created = False
    if organisation is None:
        created = not Organisation.objects.filter(territory=territory, name=territory.name).exists()
        organisation = organisation_get_or_create(
            territory=territory, name=territory.name, kind=OrganisationKind.TERRITORY
        )
        if organisation.kind != OrganisationKind.TERRITORY:  # first_admin_refusal checked it
            raise FirstAdminError(
                f"L'organisation « {organisation.name} » n'est pas la collectivité porteuse : "
                "rien n'a été créé."
            )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, email=email_normalised(email), password=password
            )
    except IntegrityError:
        raise FirstAdminError(
            f"Le compte « {username} » vient d'être créé par ailleurs : rien n'a été créé."
        ) from None
    membership_grant(user=user, organisation=organisation, role=Role.ADMIN)
    return FirstAdmin(user=user, organisation=organisation, organisation_created=created)
