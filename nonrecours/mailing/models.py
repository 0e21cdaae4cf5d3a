"""The outbox: every e-mail the product sends, from its queueing until it
is handed to a mail server or abandoned (nonrecours.mailing.actions)."""

from django.db import models

from nonrecours.mailing.enums import MailStatus


class Mail(models.Model):
    """One outgoing e-mail. Its body and recipients hold personal data
    (addresses; an invitation's or a referral's link is not stored, only
    outcomes.LINK in its place, given at send time): both are erased once
    it is sent, abandoned or withdrawn; subject, status, dates and the number of
    recipients stay until the row is deleted (NONRECOURS_REFERRAL_RETENTION_DAYS)."""

    subject = models.CharField("objet", max_length=255)
    body = models.TextField("texte", blank=True)
    recipients = models.JSONField("destinataires", default=list, blank=True)
    recipient_count = models.PositiveSmallIntegerField("nombre de destinataires", default=0)
    sender = models.CharField("expéditeur", max_length=254)
    status = models.CharField(
        "état", max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    next_attempt_at = models.DateTimeField("prochain essai", null=True, blank=True)
    last_error = models.CharField("dernière erreur", max_length=300, blank=True)
    created_at = models.DateTimeField("créé le")
    last_attempt_at = models.DateTimeField("dernier essai", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    abandoned_at = models.DateTimeField("abandonné le", null=True, blank=True)
    # What the mail tells of (``about`` names the listener told of its fate,
    # e.g. "referral"; ``about_id`` the row): the caller's journal.
    about = models.CharField("sujet", max_length=40, blank=True)
    about_id = models.PositiveBigIntegerField("identifiant du sujet", null=True, blank=True)

    class Meta:
        verbose_name = "courriel sortant"
        verbose_name_plural = "courriels sortants"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="mailing_due"),
            models.Index(fields=["about", "about_id"], name="mailing_about"),
        ]

    def __str__(self) -> str:
        return f"Courriel {self.pk} « {self.subject} » ({self.get_status_display().lower()})"
