"""Writes on users, organisations, memberships, invitations and second
factors (TOTP devices of django-otp)."""

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from nonrecours.accounts import access, notifications
from nonrecours.accounts.enums import InvitationStatus, OrganisationKind, Role
from nonrecours.accounts.invitation_file import (
    InvitationFileError,
    read_invitation_file,
    role_from_text,
    role_names,
)
from nonrecours.accounts.models import Invitation, Membership, Organisation, User
from nonrecours.accounts.queries import organisation_named, territory_organisations, token_hash
from nonrecours.accounts.second_factor import SecondFactorError, second_factor_enrol
from nonrecours.errors import UserError
from nonrecours.mailing.actions import mails_withdraw
from nonrecours.privacy.mail import links_can_be_sent
from nonrecours.territories.models import Territory
from nonrecours.textrules import text_problem

logger = logging.getLogger(__name__)


def organisation_get_or_create(
    *, territory: Territory, name: str, kind: OrganisationKind
) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        territory=territory, name=name, defaults={"kind": kind}
    )
    return organisation


def membership_grant(*, user: User, organisation: Organisation, role: Role) -> Membership:
    """Give the user a role on the organisation's territory (updates an existing one)."""
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return membership


@transaction.atomic
def local_admin_ensure(*, territory: Territory, username: str, password: str) -> tuple[User, bool]:
    """The local superuser of a fresh installation, administrator of the territory.

    Returns the user and whether it was created now. An existing account keeps
    its password.
    """
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User.objects.create_superuser(username=username, email="", password=password)
    organisation = organisation_get_or_create(
        territory=territory, name=territory.name, kind=OrganisationKind.TERRITORY
    )
    membership_grant(user=user, organisation=organisation, role=Role.ADMIN)
    return user, created


# Invitations -------------------------------------------------------------


class InvitationError(UserError, ValueError):
    """Why an invitation cannot be made or accepted, in French; ``field``
    names the form field concerned ("" for the whole form)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class InvitationsRejected(UserError, ValueError):
    """A file of invitations refused whole: each problem (French) gives its
    line and column. Nothing was created."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:30]
        if len(problems) > 30:
            shown.append(f"… et {len(problems) - 30} autre(s) problème(s).")
        super().__init__("Fichier refusé, personne n'a été invité :\n- " + "\n- ".join(shown))


def invitation_days() -> int:
    """How many days an invitation's link stays valid (NONRECOURS_INVITATION_DAYS)."""
    return int(settings.NONRECOURS_INVITATION_DAYS)


def email_normalised(raw: str) -> str:
    """An e-mail address as stored and used as the username (trimmed, lower case)."""
    return raw.strip().lower()


def email_problem(email: str) -> str:
    """Why this (normalised) address cannot be invited, in French, or ""."""
    if not email:
        return "L'adresse e-mail est obligatoire."
    problem = text_problem(email, max_length=150)
    if problem:
        return problem
    try:
        validate_email(email)
        UnicodeUsernameValidator()(email)
    except ValidationError:
        return f"« {email} » n'est pas une adresse e-mail valable."
    return ""


def existing_user(email: str) -> User | None:
    """The account of this address (its username, or its e-mail), if any.

    Raises InvitationError when several accounts have it (to be sorted out
    in the back-office first)."""
    users = list(User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))[:2])
    if len(users) > 1:
        raise InvitationError(
            f"Plusieurs comptes ont l'adresse {email} : faites-les fusionner ou corriger dans "
            "le back-office avant d'inviter.",
            "email",
        )
    return users[0] if users else None


def _open_invitation(email: str, organisation: Organisation) -> Invitation | None:
    return (
        Invitation.objects.select_for_update()
        .filter(
            email=email,
            organisation=organisation,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .first()
    )


def _check(*, invited_by: User | None, email: str, organisation: Organisation, role: str) -> None:
    """Raise InvitationError (with the field) unless this invitation may be made."""
    problem = email_problem(email)
    if problem:
        raise InvitationError(problem, "email")
    if role not in Role.values:
        raise InvitationError(f"Choisissez un rôle parmi : {role_names()}.", "role")
    if invited_by is not None and role not in access.grantable_roles(
        invited_by, organisation.territory
    ):
        raise InvitationError(access.INVITATION_ROLE_DENIED, "role")
    user = existing_user(email)
    if user is not None:
        if not user.is_active:
            raise InvitationError(
                f"Le compte de {email} est désactivé : un·e administrateur·rice doit le "
                "réactiver dans le back-office.",
                "email",
            )
        membership = Membership.objects.filter(user=user, organisation=organisation).first()
        if membership is not None:
            raise InvitationError(
                f"{email} est déjà rattaché·e à {organisation.name} "
                f"(rôle « {membership.get_role_display()} »).",
                "email",
            )
    current = _open_invitation(email, organisation)
    if current is not None and current.status == InvitationStatus.PENDING:
        raise InvitationError(
            f"{email} a déjà une invitation en attente pour {organisation.name} : "
            "renvoyez-la depuis la liste des invitations.",
            "email",
        )


MAIL_DISABLED = (
    "L'envoi de courriels est désactivé sur ce serveur (NONRECOURS_EMAIL_DISABLED) : "
    "aucune invitation ne peut être envoyée. Un·e administrateur·rice crée le compte dans "
    "le back-office."
)


def _mail_possible() -> None:
    """An invitation is a link sent by e-mail: refused when e-mail is disabled."""
    if not links_can_be_sent():
        raise InvitationError(MAIL_DISABLED)


def _new_token(invitation: Invitation, now: datetime.datetime) -> str:
    """Give the invitation a new link, valid from now; returns the token.
    The link the e-mail carries is made again when it goes
    (notifications.invitation_link): this one only replaces the previous
    link, which stops working."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + datetime.timedelta(days=invitation_days())
    invitation.send_error = ""
    return token


def _send_later(invitation: Invitation) -> None:
    """Put the invitation's e-mail in the outbox, tried after the commit
    (nothing is announced that was rolled back). A failing mail server does
    not undo the invitation: what became of the mail is kept on it
    (notifications.invitation_mail_outcome), to be seen in the list, and
    the outbox tries again."""
    try:
        with transaction.atomic():  # a template's failure leaves the invitation whole
            notifications.invitation_send(invitation)
    except Exception as error:  # noqa: BLE001 - recorded on the invitation
        logger.error(
            "Invitation %s : courriel non rédigé (%s).", invitation.pk, type(error).__name__
        )
        Invitation.objects.filter(pk=invitation.pk).update(
            send_error=f"Courriel non rédigé ({type(error).__name__})."
        )


def _create(
    *, invited_by: User | None, email: str, organisation: Organisation, role: str
) -> Invitation:
    """Write one checked invitation (renewing an expired one for the same
    person and organisation); returns it."""
    now = timezone.now()
    invitation = _open_invitation(email, organisation) or Invitation(
        email=email, organisation=organisation
    )
    invitation.role = role
    invitation.invited_by = invited_by
    _new_token(invitation, now)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # the same invitation, made at the same instant by someone else
        raise InvitationError(
            f"{email} vient d'être invité·e à {organisation.name} : voyez la liste des "
            "invitations.",
            "email",
        ) from None
    return invitation


@transaction.atomic
def invitation_create(
    *, invited_by: User | None, email: str, organisation: Organisation, role: str
) -> Invitation:
    """Invite a person by e-mail into the organisation with the role, and
    send them the link (after the commit).

    ``invited_by`` is None for the command line (any role); a user may give
    the roles access.grantable_roles() allows (the caller checked that they
    may invite on the territory). An expired invitation of the same person
    to the same organisation is renewed. Raises InvitationError (French,
    with the field: ``email`` or ``role``) for an invalid address, a role
    the inviter may not give, a person already in the organisation, or an
    invitation still pending.
    """
    _mail_possible()
    email = email_normalised(email)
    _check(invited_by=invited_by, email=email, organisation=organisation, role=role)
    invitation = _create(invited_by=invited_by, email=email, organisation=organisation, role=role)
    _send_later(invitation)
    return invitation


@transaction.atomic
def invitations_import(
    *, invited_by: User | None, territory: Territory, text: str, filename: str
) -> list[Invitation]:
    """Invite every person of a CSV file (columns « e-mail »,
    « organisation » — a name of the territory's organisations, whatever
    the case — and « rôle »), all or nothing.

    Every row is checked as invitation_create() checks one, and a person
    listed twice for one organisation is refused. Raises InvitationsRejected
    listing each problem with its line and column; then nothing is written
    and no e-mail sent. The e-mails go after the commit.
    """
    if not links_can_be_sent():
        raise InvitationsRejected([MAIL_DISABLED])
    try:
        lines = read_invitation_file(text, filename)
    except InvitationFileError as error:
        raise InvitationsRejected([str(error)]) from None
    organisations = list(territory_organisations(territory))
    known = ", ".join(f"« {o.name} »" for o in organisations) or "aucune"
    problems: list[str] = []
    checked: list[tuple[str, Organisation, str]] = []
    seen: dict[tuple[str, int], int] = {}
    for row in lines:
        where = f"ligne {row.line}"
        email = email_normalised(row.email)
        organisation = organisation_named(row.organisation, organisations)
        role = role_from_text(row.role)
        row_problems = []
        problem = email_problem(email)
        if problem:
            row_problems.append(f"{where}, colonne « e-mail » : {problem}")
        if organisation is None:
            row_problems.append(
                f"{where}, colonne « organisation » : « {row.organisation} » n'est pas une "
                f"organisation de {territory.name} (organisations : {known})."
                if row.organisation
                else f"{where}, colonne « organisation » : l'organisation est obligatoire."
            )
        if role is None:
            row_problems.append(
                f"{where}, colonne « rôle » : « {row.role} » n'est pas un rôle "
                f"(attendu : {role_names()})."
            )
        if row_problems:
            problems += row_problems
            continue
        assert organisation is not None and role is not None  # noqa: S101 - checked above
        key = (email, organisation.pk)
        if key in seen:
            problems.append(
                f"{where}, colonne « e-mail » : {email} est déjà invité·e à "
                f"{organisation.name} ligne {seen[key]}."
            )
            continue
        seen[key] = row.line
        try:
            _check(invited_by=invited_by, email=email, organisation=organisation, role=role)
        except InvitationError as error:
            column = "rôle" if error.field == "role" else "e-mail"
            problems.append(f"{where}, colonne « {column} » : {error}")
            continue
        checked.append((email, organisation, role))
    if problems:
        raise InvitationsRejected(problems)
    invitations = []
    for address, into, given in checked:
        invitation = _create(invited_by=invited_by, email=address, organisation=into, role=given)
        _send_later(invitation)
        invitations.append(invitation)
    return invitations


def _locked(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().get(pk=invitation.pk)


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> Invitation:
    """Send a pending or expired invitation again, with a new link valid
    NONRECOURS_INVITATION_DAYS days from now (the previous link stops
    working). Raises InvitationError when it was accepted or cancelled."""
    _mail_possible()
    invitation = _locked(invitation)
    if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.CANCELLED):
        raise InvitationError(
            f"L'invitation de {invitation.email} est {invitation.status.label.lower()} : "
            "elle ne peut plus être renvoyée."
        )
    _new_token(invitation, timezone.now())
    invitation.save()
    _send_later(invitation)
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, cancelled_by: User | None) -> Invitation:
    """Cancel a pending or expired invitation: its link stops working.
    Raises InvitationError when it was already accepted or cancelled."""
    invitation = _locked(invitation)
    if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.CANCELLED):
        raise InvitationError(
            f"L'invitation de {invitation.email} est déjà {invitation.status.label.lower()}."
        )
    invitation.cancelled_at = timezone.now()
    invitation.cancelled_by = cancelled_by
    invitation.save(update_fields=["cancelled_at", "cancelled_by"])
    mails_withdraw(
        about=notifications.MAIL_ABOUT, about_id=invitation.pk, reason="invitation annulée"
    )
    return invitation


INVITATION_CLOSED = (
    "Ce lien d'invitation ne fonctionne plus (déjà utilisé, annulé, remplacé par un nouvel "
    "envoi ou expiré). Demandez à la personne qui vous a invité·e de vous le renvoyer."
)


def _pending(invitation: Invitation) -> Invitation:
    invitation = _locked(invitation)
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationError(INVITATION_CLOSED)
    return invitation


def _accepted(invitation: Invitation, user: User) -> Membership:
    membership = membership_grant(
        user=user, organisation=invitation.organisation, role=Role(invitation.role)
    )
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    return membership


@dataclass(frozen=True)
class NewAccount:
    """What a person gives to accept an invitation without an account.
    ``totp_key`` (hex) and ``code`` set up the second factor when the role
    requires one."""

    password: str
    password_again: str
    first_name: str = ""
    last_name: str = ""
    totp_key: str = ""
    code: str = ""


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, account: NewAccount
) -> tuple[User, TOTPDevice | None]:
    """Create the invited person's account (username and e-mail: the
    invited address), their membership and, when the role requires it,
    their confirmed second factor — all or nothing; the link then stops
    working.

    Raises InvitationError (French, with the field: ``password``,
    ``password_again``, ``first_name``, ``last_name``, ``code``) for a link
    no longer pending, an account that exists already (accept it logged in,
    invitation_accept_existing), passwords that differ or that Django's
    validators refuse (AUTH_PASSWORD_VALIDATORS), names that are not plain
    text, or a wrong code.
    """
    invitation = _pending(invitation)
    if existing_user(invitation.email) is not None:
        raise InvitationError(
            f"Un compte existe déjà pour {invitation.email} : connectez-vous pour accepter."
        )
    for field, value in (("first_name", account.first_name), ("last_name", account.last_name)):
        problem = text_problem(value, max_length=150)
        if problem:
            raise InvitationError(problem, field)
    user = User(
        username=invitation.email,
        email=invitation.email,
        first_name=account.first_name.strip(),
        last_name=account.last_name.strip(),
    )
    if account.password != account.password_again:
        raise InvitationError("Les deux mots de passe ne sont pas identiques.", "password_again")
    try:
        password_validation.validate_password(account.password, user)
    except ValidationError as error:
        raise InvitationError(" ".join(error.messages), "password") from None
    user.set_password(account.password)
    user.save()
    device = None
    if access.role_requires_second_factor(invitation.role):
        device = _enrol(user=user, key=account.totp_key, code=account.code)
    _accepted(invitation, user)
    return user, device


@transaction.atomic
def invitation_accept_existing(*, invitation: Invitation, user: User) -> Membership:
    """Add the invitation's membership to the invited person's existing
    account (``user``, logged in). Raises InvitationError for a link no
    longer pending or another person's invitation."""
    invitation = _pending(invitation)
    if existing_user(invitation.email) != user:
        raise InvitationError(
            f"Cette invitation est adressée à {invitation.email} : déconnectez-vous, puis "
            "ouvrez de nouveau le lien."
        )
    return _accepted(invitation, user)


# Second factor set up at an invitation's acceptance ----------------------------


def _enrol(*, user: User, key: str, code: str) -> TOTPDevice:
    """Create the user's confirmed device, if ``code`` is right for ``key``.
    Raises InvitationError (field ``code``); the caller's transaction rolls
    everything back then."""
    try:
        return second_factor_enrol(user=user, key=key, code=code)
    except SecondFactorError as error:
        raise InvitationError(str(error), "code") from None
