"""Referrals (orientations): a professional hands a person over to a
service of the directory, with the person's consent; the receiving
structure answers, then records the outcome.

The person's details are the only personal data: they are erased after the
retention period (`anonymised_at`), and everything the statistics need
(dates, statuses, commune, age band, outcomes, amounts) stays."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from nonrecours.referrals.enums import (
    EXPIRY_AFTER_DAYS,
    AgeBand,
    Channel,
    ConsentMode,
    EventKind,
    OutcomeKind,
    RefusalReason,
    Status,
)


class Scheme(models.Model):
    """A local scheme the referrals are counted under (e.g. « Pass santé
    jeunes », the outreach bus), chosen by the territory."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="referral_schemes",
    )
    name = models.CharField("nom", max_length=120)
    is_active = models.BooleanField("proposé aux professionnel·les", default=True)

    class Meta:
        verbose_name = "dispositif"
        verbose_name_plural = "dispositifs"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="scheme_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Referral(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="referrals",
    )
    # Where to: a service of the directory, or a structure as a whole (a
    # town hall has no service listed). Names are copied: the statistics
    # keep them if the directory entry goes.
    structure = models.ForeignKey(
        "directory.Structure",
        verbose_name="structure",
        on_delete=models.SET_NULL,
        null=True,
        related_name="referrals",
    )
    offer = models.ForeignKey(
        "directory.Offer",
        verbose_name="offre",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    structure_name = models.CharField("structure", max_length=150)
    offer_name = models.CharField("offre", max_length=150, blank=True)
    receiver_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="organisation qui reçoit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals_received",
    )
    receiver_email = models.EmailField("courriel de la structure", blank=True)

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="envoyée par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="referrals_sent",
    )
    sender_name = models.CharField("professionnel·le qui oriente", max_length=150)
    sender_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="organisation qui oriente",
        on_delete=models.PROTECT,
        related_name="referrals_sent",
    )
    scheme = models.ForeignKey(
        Scheme,
        verbose_name="dispositif",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )

    # The person: only what the receiving structure needs to contact them.
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    message = models.TextField("motif de l'orientation", blank=True)
    # Kept after anonymisation, for the statistics.
    commune = models.CharField("commune de résidence (code INSEE)", max_length=5)
    age_band = models.CharField("tranche d'âge", max_length=8, choices=AgeBand.choices, blank=True)

    consent_text = models.TextField("consentement recueilli")
    consent_mode = models.CharField("recueilli", max_length=16, choices=ConsentMode.choices)

    simulation_code = models.CharField("code de la simulation", max_length=12, blank=True)
    # {benefit id: estimated monthly amount}, from the simulator.
    simulated_amounts = models.JSONField("montants estimés par le simulateur", default=dict)

    status = models.CharField(
        "statut", max_length=16, choices=Status.choices, default=Status.SENT, db_index=True
    )
    sent_at = models.DateTimeField("envoyée le", db_index=True)
    reminded_at = models.DateTimeField("relancée le", null=True, blank=True)
    answered_at = models.DateTimeField("réponse le", null=True, blank=True)
    answered_via = models.CharField(
        "réponse par", max_length=16, choices=Channel.choices, blank=True
    )
    refusal_reason = models.CharField(
        "motif du refus", max_length=32, choices=RefusalReason.choices, blank=True
    )
    refusal_detail = models.TextField("précisions sur le refus", blank=True)
    expired_at = models.DateTimeField("expirée le", null=True, blank=True)

    # The link sent to the structure is signed with this key (and the
    # project's secret); erasing it revokes the link.
    link_key = models.CharField(max_length=32, blank=True)
    anonymised_at = models.DateTimeField("anonymisée le", null=True, blank=True, db_index=True)
    is_synthetic = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "orientation"
        verbose_name_plural = "orientations"
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["territory", "sent_at"], name="referral_territory_sent")]

    def __str__(self) -> str:
        return f"Orientation n° {self.pk}"

    @property
    def answer_deadline(self) -> datetime.datetime:
        """Unanswered by then, the referral has expired (even before the
        nightly run records it)."""
        return self.sent_at + datetime.timedelta(days=EXPIRY_AFTER_DAYS)

    @property
    def overdue(self) -> bool:
        return self.status == Status.SENT and timezone.now() >= self.answer_deadline

    @property
    def destination(self) -> str:
        if self.offer_name:
            return f"{self.offer_name} — {self.structure_name}"
        return self.structure_name

    @property
    def person_name(self) -> str:
        if self.anonymised_at:
            return "(données effacées)"
        return f"{self.first_name} {self.last_name}".strip()


class OutcomeQuerySet(models.QuerySet["Outcome"]):
    def current(self) -> "OutcomeQuerySet":
        """The outcomes in force: those no correction has replaced. Every
        count, sum or list of results reads these, never `Outcome.objects`
        alone (an earlier, corrected value stays only for the history)."""
        return self.filter(corrected_by__isnull=True)

    def corrections(self) -> "OutcomeQuerySet":
        """Among these outcomes, the ones that correct an earlier one
        (`corrects` set). `Outcome.objects.current().corrections().count()`
        is the number of in-force results that were corrected."""
        return self.filter(corrects__isnull=False)


class Outcome(models.Model):
    """What came of a referral, as recorded by the receiving structure;
    several may follow one referral (two rights opened).

    A mistaken outcome is corrected by a new record (`corrects` points to
    the one it replaces, with `correction_reason`; its `recorded_at` is the
    date of the correction), never by an overwrite: the earlier values stay
    for the history. Read `Outcome.objects.current()` for the outcomes in
    force."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField("résultat", max_length=16, choices=OutcomeKind.choices)
    benefit = models.CharField("droit ouvert", max_length=40, blank=True)
    monthly_amount = models.DecimalField(
        "montant mensuel estimé (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    amount_from_simulator = models.BooleanField("montant repris du simulateur", default=False)
    recorded_at = models.DateTimeField("enregistré le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_via = models.CharField(max_length=16, choices=Channel.choices)
    # One correction per outcome: a second correction corrects the first
    # one, so the history is a chain and exactly one link is in force.
    corrects = models.OneToOneField(
        "self",
        verbose_name="corrige le résultat",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="corrected_by",
    )
    correction_reason = models.CharField("motif de la correction", max_length=500, blank=True)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        verbose_name = "résultat"
        verbose_name_plural = "résultats"
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Event(models.Model):
    """The audit trail of a referral: who did what, when, through which
    channel. It holds no data about the person."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("le")
    kind = models.CharField("étape", max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField("par", max_length=200)
    channel = models.CharField("par", max_length=16, choices=Channel.choices)
    detail = models.CharField("détail", max_length=500, blank=True)

    class Meta:
        verbose_name = "étape"
        verbose_name_plural = "journal des orientations"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
