from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from nonrecours.surveys.enums import Channel, RevisionReason
from nonrecours.surveys.questionnaire import Questionnaire, load_questionnaire

_PARSED: dict[tuple[int, str], Questionnaire] = {}

# Whose a submission key is. A field agent's offline app draws its own keys:
# they are the agent's, within the campaign (two agents, or two phones, may
# draw the same one and each keeps their answer). Other answers (online,
# imports, whose keys carry the source's identity, ADR 010) share the
# campaign's keys channel by channel, whoever collected them. The two unique
# constraints of Response and queries.response_by_key read this one rule.
AGENT_KEYS = Q(agent__isnull=False) & ~Q(channel=Channel.IMPORT)


def agent_keyed(*, channel: str, agent_id: int | None) -> bool:
    """AGENT_KEYS for one answer: whether its key is its agent's."""
    return agent_id is not None and channel != Channel.IMPORT


def _parsed(pk: int, checksum: str, slug: str, version: int, definition: Any) -> Questionnaire:
    key = (pk, checksum)
    if key not in _PARSED:
        _PARSED[key] = load_questionnaire(definition, f"{slug} v{version}")
    return _PARSED[key]


class QuestionnaireVersion(models.Model):
    """One frozen version of a questionnaire: the core, or the core plus a
    territory's local module. Answers point to the version they were given
    under, so old waves stay readable."""

    slug = models.SlugField("identifiant", max_length=100)
    version = models.PositiveIntegerField("version")
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire (module local)",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaires",
    )
    title = models.CharField("titre", max_length=200)
    definition = models.JSONField("définition")
    checksum = models.CharField("empreinte SHA-256", max_length=64)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = "version de questionnaire"
        verbose_name_plural = "versions de questionnaire"
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "version"],
                condition=Q(territory__isnull=True),
                name="questionnaire_core_unique_version",
            ),
            models.UniqueConstraint(
                fields=["territory", "slug", "version"],
                condition=Q(territory__isnull=False),
                name="questionnaire_local_unique_version",
            ),
        ]

    def __str__(self) -> str:
        where = f" — {self.territory}" if self.territory_id else ""
        return f"{self.title} v{self.version}{where}"

    def questionnaire(self) -> Questionnaire:
        """The parsed definition; a stored version never changes, so it is
        parsed once per process."""
        return _parsed(self.pk, self.checksum, self.slug, self.version, self.definition)


class Campaign(models.Model):
    """A wave of the barometer in a territory."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    slug = models.SlugField("identifiant", max_length=100, unique=True)
    name = models.CharField("nom", max_length=200)
    questionnaire = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name="questionnaire",
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    channels = models.JSONField("canaux de collecte", default=list)
    erased_contacts = models.PositiveIntegerField(
        "demandes de rappel effacées",
        default=0,
        help_text="Demandes effacées à la fin de leur durée de conservation (le nombre reste).",
    )
    erased_contacts_handled = models.PositiveIntegerField(
        "dont traitées avant effacement", default=0
    )
    is_synthetic = models.BooleanField(
        "données synthétiques",
        default=False,
        help_text="Campagne de démonstration : ses réponses sont fabriquées.",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)

    class Meta:
        verbose_name = "campagne"
        verbose_name_plural = "campagnes"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day: object) -> bool:
        return bool(self.starts_on <= day <= self.ends_on)  # type: ignore[operator]


class Publication(models.Model):
    """A wave's results made public, exactly as the secrecy model released
    them: the released cells are stored, so the public pages, report and
    open data stay the same whatever happens to the answers afterwards.

    `content` holds the released figures (JSON, see
    nonrecours.surveys.publication); hidden cells are stored without value.
    """

    campaign = models.OneToOneField(
        Campaign, verbose_name="campagne", on_delete=models.PROTECT, related_name="publication"
    )
    published_at = models.DateTimeField("publiée le", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="publiée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    respondents = models.PositiveIntegerField("réponses analysées")
    threshold = models.PositiveIntegerField("seuil du secret statistique")
    content = models.JSONField("résultats publiés")

    class Meta:
        verbose_name = "publication d'une vague"
        verbose_name_plural = "publications des vagues"
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"{self.campaign} (publiée le {self.published_at:%d/%m/%Y})"


class StoredPotential(models.Model):
    """A wave's potential non-take-up (surveys.eligibility), computed once
    for a version of everything it comes from and kept: the report and the
    dashboard of every process read it instead of simulating each answer
    again. `version` is the barometer's data version plus the legislation's
    (surveys.barometer.potential_version); another version replaces it.

    `content` holds released rows only (eligibility.potential_to_data):
    hidden cells are stored without value, like a Publication's.
    """

    campaign = models.OneToOneField(
        Campaign,
        verbose_name="campagne",
        on_delete=models.CASCADE,
        related_name="stored_potential",
    )
    version = models.CharField("version des données", max_length=64)
    computed_at = models.DateTimeField("calculé le", default=timezone.now)
    content = models.JSONField("non-recours potentiel publié")

    class Meta:
        verbose_name = "non-recours potentiel d'une vague"
        verbose_name_plural = "non-recours potentiels des vagues"

    def __str__(self) -> str:
        return f"{self.campaign} ({self.computed_at:%d/%m/%Y})"


class Quota(models.Model):
    """Target number of answers for a commune or a stratum in a campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="quotas"
    )
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    stratum = models.CharField("strate", max_length=32, blank=True)
    target = models.PositiveIntegerField("objectif de réponses")

    class Meta:
        verbose_name = "objectif"
        verbose_name_plural = "objectifs"
        constraints = [
            models.CheckConstraint(
                condition=(Q(commune__isnull=False) & Q(stratum=""))
                | (Q(commune__isnull=True) & ~Q(stratum="")),
                name="quota_commune_or_stratum",
            ),
            models.UniqueConstraint(
                fields=["campaign", "commune"],
                condition=Q(commune__isnull=False),
                name="quota_unique_commune",
            ),
            models.UniqueConstraint(
                fields=["campaign", "stratum"],
                condition=~Q(stratum=""),
                name="quota_unique_stratum",
            ),
        ]

    def __str__(self) -> str:
        where = self.commune.name if self.commune is not None else self.stratum
        return f"{where} : {self.target} réponses"


class AgentTarget(models.Model):
    """Target number of answers for one field agent (a postal round…)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="agent_targets"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="enquêteur·rice", on_delete=models.CASCADE
    )
    target = models.PositiveIntegerField("objectif de réponses")

    class Meta:
        verbose_name = "objectif d'enquêteur·rice"
        verbose_name_plural = "objectifs d'enquêteur·rices"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "agent"], name="agent_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agent} : {self.target} réponses"


class Response(models.Model):
    """One questionnaire filled in, as it now counts.

    Answers given in our own forms are never edited. A submission imported
    from a collection tool is replaced when the tool gives a corrected
    version of it (same stable identity, new version), or withdrawn when the
    tool's review rejects it; the earlier state is kept in ResponseRevision,
    so every count and analysis reads this table alone."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="campagne", on_delete=models.PROTECT, related_name="responses"
    )
    questionnaire = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name="version du questionnaire",
        on_delete=models.PROTECT,
        related_name="responses",
    )
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        related_name="responses",
    )
    channel = models.CharField("canal", max_length=32, choices=Channel.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enquêteur·rice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collected_responses",
    )
    answers = models.JSONField("réponses")
    idempotency_key = models.CharField("clé d'idempotence", max_length=100)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    submitted_at = models.DateTimeField("saisi le")
    received_at = models.DateTimeField("reçu le", default=timezone.now)
    source_file = models.CharField("fichier importé", max_length=300, blank=True)
    source_row = models.PositiveIntegerField("ligne du fichier", null=True, blank=True)
    source_version = models.CharField(
        "version à la source",
        max_length=100,
        blank=True,
        help_text="Identifiant de la version dans l'outil de collecte (instanceID d'ODK, "
        "_uuid de KoboToolbox, date de dernière action de LimeSurvey).",
    )
    source_version_rank = models.PositiveIntegerField(
        "rang de la version à la source",
        null=True,
        blank=True,
        help_text="Nombre de modifications (colonne Edits d'ODK Central), quand l'outil le donne.",
    )
    replaces_version = models.CharField(
        "version remplacée à la source",
        max_length=100,
        blank=True,
        help_text="meta/deprecatedID : la version que celle-ci corrige.",
    )
    source_identity = models.CharField(
        "identité à la source",
        max_length=100,
        blank=True,
        db_index=True,
        help_text="Identifiant stable de la soumission dans l'outil (KEY, meta/rootUuid, _uuid, "
        "enquête:réponse pour LimeSurvey).",
    )
    review_state = models.CharField("statut de revue à la source", max_length=64, blank=True)
    collector = models.CharField(
        "collecté par (outil d'origine)",
        max_length=150,
        blank=True,
        help_text="_submitted_by de KoboToolbox, SubmitterName d'ODK Central.",
    )

    class Meta:
        verbose_name = "réponse"
        verbose_name_plural = "réponses"
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["campaign", "commune"]),
            models.Index(fields=["campaign", "source_version"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "agent", "idempotency_key"],
                condition=AGENT_KEYS,
                name="response_agent_key_unique",
            ),
            models.UniqueConstraint(
                fields=["campaign", "channel", "idempotency_key"],
                condition=~AGENT_KEYS,
                name="response_channel_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Réponse {self.pk} ({self.campaign})"


class ResponseRevision(models.Model):
    """An earlier state of an imported submission: the version a corrected
    one replaced, or a submission withdrawn because the collection tool's
    review rejected it. Never counted; kept so that a change can be traced
    (same retention as the answers)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="revisions"
    )
    # Only imported submissions have revisions: their keys are the
    # campaign's (AGENT_KEYS), looked up with the campaign.
    idempotency_key = models.CharField("clé de la soumission", max_length=100)
    source_version = models.CharField("version à la source", max_length=100, blank=True)
    questionnaire = models.ForeignKey(
        QuestionnaireVersion, verbose_name="version du questionnaire", on_delete=models.PROTECT
    )
    commune = models.ForeignKey(
        "territories.Commune", verbose_name="commune", on_delete=models.PROTECT
    )
    answers = models.JSONField("réponses")
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    submitted_at = models.DateTimeField("saisi le")
    source_file = models.CharField("fichier importé", max_length=300, blank=True)
    source_row = models.PositiveIntegerField("ligne du fichier", null=True, blank=True)
    collector = models.CharField("collecté par (outil d'origine)", max_length=150, blank=True)
    reason = models.CharField("raison", max_length=16, choices=RevisionReason.choices)
    recorded_at = models.DateTimeField("enregistrée le", default=timezone.now)
    recorded_from = models.CharField("fichier de la nouvelle version", max_length=300, blank=True)

    class Meta:
        verbose_name = "version antérieure d'une réponse"
        verbose_name_plural = "versions antérieures des réponses"
        ordering = ["campaign", "idempotency_key", "recorded_at"]
        indexes = [
            models.Index(fields=["campaign", "idempotency_key"], name="revision_campaign_key_idx")
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.get_reason_display()})"


class Contact(models.Model):
    """Contact details of a respondent who asked to be called back, kept
    apart from the answers: no link to the response, only the campaign, the
    commune and the week (``received_on`` is the Monday of the week it came
    in), so that a phone number cannot be tied to what the person answered.
    Only the situation the rights check starts from (``prefill``) is kept,
    for the call-back (evaluation.chain_models). The analysis and the
    exports never read this table. Erased after
    NONRECOURS_CONTACT_RETENTION_DAYS (actions.contacts_erase)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="campagne", on_delete=models.PROTECT, related_name="contacts"
    )
    commune = models.ForeignKey(
        "territories.Commune", verbose_name="commune", on_delete=models.PROTECT
    )
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    received_on = models.DateField("reçue la semaine du")
    # The simulator's situation (rights.situation_parse input) mapped from
    # the answers' situation questions (eligibility.situation_input_of), to
    # pre-fill the rights check of the call-back; {} when they were not
    # answered. Never the response itself; erased with the request.
    prefill = models.JSONField("situation pré-remplie", default=dict, blank=True)
    handled_at = models.DateTimeField("traitée le", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="traitée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_contacts",
    )

    class Meta:
        verbose_name = "demande de rappel"
        verbose_name_plural = "demandes de rappel"
        # Never the order of creation: with the answers' times it would tie a
        # number to its answers.
        ordering = ["handled_at", "commune__name", "phone", "email"]

    def __str__(self) -> str:
        return f"Demande de rappel — {self.commune} ({self.received_on:%d/%m/%Y})"
