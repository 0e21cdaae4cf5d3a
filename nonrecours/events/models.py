"""Events of a territory's training (issue #16): a forum of partners or a
training session, its registrations by organisation, the attendance ticked
half-day by half-day, and the answers to its quizzes and satisfaction
questionnaire (declared as data: events.programmes)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from nonrecours.accounts.enums import OrganisationKind
from nonrecours.events.enums import EventKind, HalfDay, QuizMoment, RegistrationSource


class Event(models.Model):
    """A forum or a training: when (the same hours each day, from
    ``starts_on`` to ``ends_on``), where, for whom. ``registration_token``
    and ``quiz_token`` are the secret parts of its two public links
    (registering, answering the quizzes); they are shown to the team, who
    hands them out, so they are kept as they are."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="events",
    )
    kind = models.CharField("type", max_length=16, choices=EventKind.choices)
    title = models.CharField("titre", max_length=200)
    starts_on = models.DateField("premier jour")
    ends_on = models.DateField("dernier jour")
    start_time = models.TimeField("heure de début")
    end_time = models.TimeField("heure de fin")
    place = models.CharField("lieu", max_length=300)
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.TextField("description", blank=True)
    capacity = models.PositiveIntegerField("places", null=True, blank=True)
    programme = models.CharField(
        "quiz et satisfaction",
        max_length=100,
        blank=True,
        help_text="Identifiant du fichier de questionnaires (events/programmes/).",
    )
    invited_organisations = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name="organisations invitées",
        blank=True,
        related_name="invitations_to_events",
    )
    invited_names = models.JSONField(
        "autres structures invitées",
        default=list,
        blank=True,
        help_text="Noms des structures invitées qui n'ont pas de compte.",
    )
    registration_open = models.BooleanField("inscriptions par le lien ouvertes", default=True)
    registration_token = models.CharField("clé du lien d'inscription", max_length=64, unique=True)
    quiz_token = models.CharField("clé du lien des questionnaires", max_length=64, unique=True)
    is_synthetic = models.BooleanField("démonstration", default=False)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "événement"
        verbose_name_plural = "événements"
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="event_days_in_order"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="event_hours_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_on:%d/%m/%Y})"


class Registration(models.Model):
    """One person registered to an event, on behalf of an organisation: one
    of the territory's (``organisation``) or a structure without an account
    (its name only). ``organisation_name`` and ``organisation_kind`` are
    always filled (copied from the organisation when there is one): the
    sheet and the indicators read them."""

    event = models.ForeignKey(
        Event, verbose_name="événement", on_delete=models.CASCADE, related_name="registrations"
    )
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    email = models.EmailField("adresse e-mail", max_length=150, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
    )
    organisation_name = models.CharField("structure", max_length=200)
    organisation_kind = models.CharField(
        "type de structure", max_length=32, choices=OrganisationKind.choices
    )
    job_title = models.CharField("fonction", max_length=200, blank=True)
    source = models.CharField("origine", max_length=16, choices=RegistrationSource.choices)
    created_at = models.DateTimeField("inscrit·e le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="inscrit·e par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ["organisation_name", "last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(email=""),
                name="registration_unique_email_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.organisation_name})"


class Attendance(models.Model):
    """A registration ticked present on one half-day of its event."""

    registration = models.ForeignKey(
        Registration,
        verbose_name="inscription",
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    day = models.DateField("jour")
    half_day = models.CharField("demi-journée", max_length=16, choices=HalfDay.choices)
    ticked_at = models.DateTimeField("cochée le", default=timezone.now)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="cochée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        ordering = ["day", "half_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "day", "half_day"], name="attendance_once_per_half_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration} — {self.day:%d/%m/%Y} {self.get_half_day_display()}"


class QuizResponse(models.Model):
    """One set of answers to the quiz of an event's programme (before or
    after), with the version it was given under and its score. The answers
    belong to a registration, so that before and after pair up. When a
    registration is removed once the quizzes are closed (its averages may
    have been seen), its answers stay, detached: ``registration`` None, the
    two answers tied by a random ``pair`` and keeping the ``organisation_kind``
    they counted under, their time cut to the day, so that the averages do
    not move (the difference would give the person's score back). The
    satisfaction questionnaire is kept apart (SatisfactionResponse)."""

    event = models.ForeignKey(
        Event, verbose_name="événement", on_delete=models.CASCADE, related_name="quiz_responses"
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name="inscription",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quiz_responses",
    )
    pair = models.CharField("paire détachée", max_length=32, blank=True, default="")
    organisation_kind = models.CharField(
        "type de structure (réponse détachée)",
        max_length=32,
        choices=OrganisationKind.choices,
        blank=True,
        default="",
    )
    moment = models.CharField("questionnaire", max_length=16, choices=QuizMoment.choices)
    questionnaire_slug = models.SlugField("identifiant du questionnaire", max_length=100)
    questionnaire_version = models.PositiveIntegerField("version du questionnaire")
    checksum = models.CharField("empreinte SHA-256 du questionnaire", max_length=64)
    answers = models.JSONField("réponses")
    score = models.PositiveIntegerField("bonnes réponses", null=True, blank=True)
    out_of = models.PositiveIntegerField("questions notées", null=True, blank=True)
    idempotency_key = models.CharField("clé d'envoi", max_length=100)
    submitted_at = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "réponse à un quiz d'événement"
        verbose_name_plural = "réponses aux quiz d'événement"
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "moment"],
                condition=Q(registration__isnull=False),
                name="quiz_response_once_per_registration",
            ),
            models.UniqueConstraint(
                fields=["event", "idempotency_key"], name="quiz_response_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} — {self.get_moment_display()}"


class SatisfactionResponse(models.Model):
    """One anonymous set of answers to an event's satisfaction
    questionnaire. Nothing ties it to a person or to their quiz: a random
    identifier (no sequence shared with the quiz answers), the day only
    (no time), and the submission key drawn at random by the page (never
    the quiz's), kept only so that the same submission sent twice is kept
    once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        Event,
        verbose_name="événement",
        on_delete=models.CASCADE,
        related_name="satisfaction_responses",
    )
    questionnaire_slug = models.SlugField("identifiant du questionnaire", max_length=100)
    questionnaire_version = models.PositiveIntegerField("version du questionnaire")
    checksum = models.CharField("empreinte SHA-256 du questionnaire", max_length=64)
    answers = models.JSONField("réponses")
    idempotency_key = models.CharField("clé d'envoi", max_length=100)
    submitted_on = models.DateField("envoyé le (jour)")

    class Meta:
        verbose_name = "réponse au questionnaire de satisfaction"
        verbose_name_plural = "réponses aux questionnaires de satisfaction"
        ordering = ["event", "submitted_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "idempotency_key"], name="satisfaction_response_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} — satisfaction"
