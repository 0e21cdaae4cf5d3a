from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from nonrecours.accounts.enums import InvitationStatus, OrganisationKind, Role


class User(AbstractUser):
    """A person who signs in. Residents answering online never need an account."""

    class Meta:
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rices"


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=32, choices=OrganisationKind.choices)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="organisations",
    )

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "name"], name="organisation_unique_name_per_territory"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role on one territory, on behalf of one organisation."""

    user = models.ForeignKey(
        User, verbose_name="personne", on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField("rôle", max_length=32, choices=Role.choices)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "rattachement"
        verbose_name_plural = "rattachements"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_unique_user_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"


class Invitation(models.Model):
    """A person invited by e-mail to join an organisation with a role.

    The link sent by e-mail holds a random token; only its SHA-256 is kept
    (``token_hash``), so the table alone opens no account. A link is valid
    until ``expires_at`` and serves once (``accepted_at``); resending it
    draws a new token and the old link stops working.
    """

    email = models.EmailField("adresse e-mail", max_length=150)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    role = models.CharField("rôle", max_length=32, choices=Role.choices)
    invited_by = models.ForeignKey(
        User,
        verbose_name="invitée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    token_hash = models.CharField("empreinte du lien", max_length=64, unique=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le")
    expires_at = models.DateTimeField("valable jusqu'au")
    send_error = models.CharField("échec d'envoi", max_length=200, blank=True)
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    user = models.ForeignKey(
        User,
        verbose_name="compte",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User,
        verbose_name="annulée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open invitation per person and organisation: a second one
            # is a resend of the first.
            models.UniqueConstraint(
                fields=["email", "organisation"],
                condition=models.Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_one_open_per_email_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} — {self.get_role_display()} ({self.organisation})"

    @property
    def status(self) -> InvitationStatus:
        """Accepted and cancelled are final; otherwise pending until it expires."""
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.cancelled_at is not None:
            return InvitationStatus.CANCELLED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING
