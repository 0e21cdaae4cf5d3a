"""Models of the evaluation: the follow-up of a simulation, with the
person's consent (see models.py), and the anonymous count of simulations.

A follow-up keeps only what its two messages and the statistics need: the
benefits the simulation found (benefit id, euros per month), the territory,
the commune when known, the consent text and dates; never the situation.
Its e-mail and phone are erased after the second message
(nonrecours.evaluation.followup_actions.followup_contact_erase)."""

from django.db import models

from nonrecours.evaluation.followup_enums import (
    BlockedReason,
    ContactErasure,
    FollowUpAnswer,
    FollowUpChannel,
)

__all__ = ["FollowUp", "FollowUpBenefit", "FollowUpMessage", "SimulationTally"]


class FollowUp(models.Model):
    """One person's consent to be asked, at 7 and 30 days, whether they
    claimed the benefits their simulation found."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="+",
    )
    commune_code = models.CharField("commune (code INSEE)", max_length=5, blank=True)
    # One consent per results page: the same form sent twice records once.
    nonce = models.CharField(max_length=32, unique=True)
    consent_text = models.TextField("texte du consentement donné")
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone mobile (E.164)", max_length=16, blank=True)
    created_at = models.DateTimeField("consentement donné le", db_index=True)
    contact_erased_at = models.DateTimeField("coordonnées effacées le", null=True, blank=True)
    erasure = models.CharField(
        "raison de l'effacement", max_length=20, choices=ContactErasure.choices, blank=True
    )
    reason = models.CharField(
        "où la personne a été bloquée", max_length=20, choices=BlockedReason.choices, blank=True
    )
    answered_at = models.DateTimeField("dernière réponse le", null=True, blank=True)

    class Meta:
        verbose_name = "suivi d'une simulation"
        verbose_name_plural = "suivis des simulations"

    def __str__(self) -> str:
        return f"Suivi {self.pk}"


class FollowUpBenefit(models.Model):
    """A benefit the simulation found, and the person's latest answer."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="benefits")
    benefit_id = models.CharField("aide", max_length=40)
    monthly_amount = models.DecimalField(
        "montant estimé (€ par mois)", max_digits=9, decimal_places=2
    )
    # A right in kind (the complémentaire santé solidaire: monthly_amount
    # 0): what the household pays per month, 0 when free, None when unknown.
    participation = models.DecimalField(
        "participation (€ par mois)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    answer = models.CharField("réponse", max_length=20, choices=FollowUpAnswer.choices, blank=True)
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)

    class Meta:
        verbose_name = "aide suivie"
        verbose_name_plural = "aides suivies"
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "benefit_id"], name="evaluation_followup_benefit_once"
            )
        ]

    def __str__(self) -> str:
        return self.benefit_id


class FollowUpMessage(models.Model):
    """A message sent: one per follow-up, round (1: day 7, 2: day 30) and
    channel. Its uniqueness is what makes the nightly run idempotent."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="messages")
    round = models.PositiveSmallIntegerField("relance (1 ou 2)")
    channel = models.CharField("canal", max_length=10, choices=FollowUpChannel.choices)
    sent_at = models.DateTimeField("envoyé le")

    class Meta:
        verbose_name = "message de suivi"
        verbose_name_plural = "messages de suivi"
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "round", "channel"], name="evaluation_followup_message_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.follow_up_id} {self.round} {self.channel}"


class SimulationTally(models.Model):
    """How many simulations residents ran for a territory in a month: a
    resident's step-by-step path, once per results page (the same page
    asked for again counts nothing), never the professional's one-page
    mode, a reopened simulation nor the team's call-back check
    (followup_actions.simulation_tally_increment). A count, nothing about
    anyone."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField("mois (premier jour)")
    count = models.PositiveIntegerField("simulations", default=0)

    class Meta:
        verbose_name = "nombre de simulations"
        verbose_name_plural = "nombres de simulations"
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "month"], name="evaluation_simulation_tally_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.territory_id} {self.month:%Y-%m} : {self.count}"
