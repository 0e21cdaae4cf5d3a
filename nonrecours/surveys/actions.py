"""Writes of the barometer: questionnaire versions, campaigns, answers."""

import datetime
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import yaml
from django.db import IntegrityError, transaction
from django.utils import timezone

from nonrecours.accounts.actions import membership_grant, organisation_get_or_create
from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import User
from nonrecours.surveys import queries
from nonrecours.surveys.demo import DemoCommune, DemoGenerator
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.importers.files import SourceFormat, read_submissions
from nonrecours.surveys.models import (
    AgentTarget,
    Campaign,
    Contact,
    QuestionnaireVersion,
    Quota,
    Response,
)
from nonrecours.surveys.questionnaire import (
    Questionnaire,
    QuestionnaireError,
    default_questionnaire,
    load_questionnaire,
    with_local_module,
)
from nonrecours.territories.models import Commune, Territory


class ResponseRejected(ValueError):
    """Answers that do not pass validation; ``errors`` maps question -> French message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k} : {v}" for k, v in self.errors.items()))


def questionnaire_version_default() -> QuestionnaireVersion:
    """The stored version of the default (core) questionnaire, created once."""
    core = default_questionnaire()
    version, _ = QuestionnaireVersion.objects.get_or_create(
        slug=core.slug,
        version=core.version,
        territory=None,
        defaults={"title": core.title, "definition": core.source, "checksum": core.checksum},
    )
    return version


@transaction.atomic
def questionnaire_version_add_module(
    *, territory: Territory, module_yaml: str, source: str, user: User | None = None
) -> QuestionnaireVersion:
    """A new version for the territory: the core followed by its local module.

    Raises QuestionnaireError (problems located, in French) and stores
    nothing when the module is invalid.
    """
    try:
        module = yaml.safe_load(module_yaml)
    except yaml.YAMLError as error:
        raise QuestionnaireError(source, [f"YAML illisible : {error}"]) from None
    core = questionnaire_version_default()
    latest = (
        QuestionnaireVersion.objects.filter(slug=core.slug)
        .filter(territory__isnull=True)
        .order_by("-version")
        .first()
    )
    local_latest = (
        QuestionnaireVersion.objects.filter(slug=core.slug, territory=territory)
        .order_by("-version")
        .first()
    )
    base = latest or core
    extended = with_local_module(base.questionnaire(), module, source)
    number = max(base.version, local_latest.version if local_latest else 0) + 1
    final = load_questionnaire({**extended.source, "version": number}, source)
    return QuestionnaireVersion.objects.create(
        slug=core.slug,
        version=number,
        territory=territory,
        title=final.title,
        definition=final.source,
        checksum=final.checksum,
        created_by=user,
    )


@transaction.atomic
def campaign_create(
    *,
    territory: Territory,
    slug: str,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    channels: list[Channel],
    questionnaire: QuestionnaireVersion | None = None,
    commune_targets: Mapping[str, int] | None = None,
    stratum_targets: Mapping[str, int] | None = None,
    is_synthetic: bool = False,
) -> Campaign:
    if ends_on < starts_on:
        raise ValueError("La date de fin de la campagne précède sa date de début.")
    if questionnaire is not None and questionnaire.territory_id not in (None, territory.pk):
        raise ValueError("Ce questionnaire appartient au module local d'un autre territoire.")
    campaign = Campaign.objects.create(
        territory=territory,
        slug=slug,
        name=name,
        questionnaire=questionnaire or questionnaire_version_default(),
        starts_on=starts_on,
        ends_on=ends_on,
        channels=[Channel(c).value for c in channels],
        is_synthetic=is_synthetic,
    )
    communes = {c.insee_code: c for c in territory.communes.filter(is_member=True)}
    for insee_code, target in (commune_targets or {}).items():
        if insee_code not in communes:
            raise ValueError(f"Objectif pour une commune hors du territoire : {insee_code}.")
        Quota.objects.create(campaign=campaign, commune=communes[insee_code], target=target)
    for stratum, target in (stratum_targets or {}).items():
        Quota.objects.create(campaign=campaign, stratum=stratum, target=target)
    return campaign


def _personal_fields(questionnaire: Questionnaire) -> set[str]:
    return {q.name for q in questionnaire.questions if q.personal}


def response_submit(
    *,
    campaign: Campaign,
    answers: Mapping[str, Any],
    channel: Channel,
    idempotency_key: str,
    agent: User | None = None,
    started_at: datetime.datetime | None = None,
    submitted_at: datetime.datetime | None = None,
    source_file: str = "",
    source_row: int | None = None,
) -> tuple[Response, bool]:
    """Validate and store one filled-in questionnaire, exactly once.

    The same idempotency key always returns the response stored first, with
    created=False (a double submit, a refresh, an offline queue replayed).
    Raises ResponseRejected with every error by question; nothing is stored
    then. Contact details go to a separate table, never into the answers.
    """
    key = idempotency_key.strip()
    if not key or len(key) > 100:
        raise ResponseRejected({"idempotency_key": "Clé d'envoi absente ou trop longue."})
    existing = _stored(key)
    if existing is not None:
        return _same_campaign(existing, campaign), False
    questionnaire = campaign.questionnaire.questionnaire()
    communes = {
        c.insee_code: c
        for c in Commune.objects.filter(territory=campaign.territory, is_member=True).only(
            "pk", "insee_code"
        )
    }
    clean, errors = questionnaire.validate(answers, communes=communes)
    if errors:
        raise ResponseRejected(errors)
    personal = _personal_fields(questionnaire)
    contact = {name: clean.pop(name) for name in list(clean) if name in personal}
    try:
        with transaction.atomic():
            response = Response.objects.create(
                campaign=campaign,
                questionnaire=campaign.questionnaire,
                commune=communes[clean["commune"]],
                channel=channel,
                agent=agent,
                answers=clean,
                idempotency_key=key,
                started_at=started_at,
                submitted_at=submitted_at or timezone.now(),
                source_file=source_file,
                source_row=source_row,
            )
            if contact:
                _contact(response, contact).save()
    except IntegrityError:
        # Two deliveries of the same answers raced: the other one won.
        existing = Response.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _same_campaign(existing, campaign), False
    return response, True


def _stored(key: str) -> Response | None:
    return Response.objects.filter(idempotency_key=key).first()


def _contact(response: Response, details: Mapping[str, str]) -> Contact:
    """A call-back request from a response's contact details, without any
    link back to the response (see Contact)."""
    return Contact(
        campaign=response.campaign,
        commune=response.commune,
        phone=details.get("contact_telephone", ""),
        email=details.get("contact_email", ""),
        received_on=timezone.localdate(response.submitted_at),
    )


@transaction.atomic
def contact_mark_handled(*, contact: Contact, user: User) -> Contact:
    """The team called the person back (or tried to): the request leaves the list."""
    if contact.handled_at is None:
        contact.handled_at = timezone.now()
        contact.handled_by = user
        contact.save(update_fields=["handled_at", "handled_by"])
    return contact


def _same_campaign(response: Response, campaign: Campaign) -> Response:
    if response.campaign_id != campaign.pk:
        raise ResponseRejected(
            {"idempotency_key": "Cette clé d'envoi a déjà servi pour une autre campagne."}
        )
    return response


DEMO_AGENTS = 6


@transaction.atomic
def demo_campaign_create(
    *, territory: Territory, responses: int, seed: int, slug: str = "demo-2024"
) -> tuple[Campaign, bool]:
    """The synthetic 2024 campaign (see surveys/demo.py), created once.

    Returns the campaign and whether it was created now; an existing one is
    left as it is.
    """
    existing = Campaign.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    if responses < 1:
        raise ValueError("Le nombre de réponses doit être au moins 1.")
    communes = list(territory.communes.filter(is_member=True, population__isnull=False))
    if not communes:
        raise ValueError(f"Le territoire {territory} n'a aucune commune à population connue.")
    generator = DemoGenerator(
        [DemoCommune(c.insee_code, c.population or 0, c.stratum) for c in communes], seed
    )
    campaign = campaign_create(
        territory=territory,
        slug=slug,
        name="Baromètre 2024 — données de démonstration (synthétiques)",
        starts_on=datetime.date(2024, 9, 2),
        ends_on=datetime.date(2024, 11, 29),
        channels=[Channel.DOOR_TO_DOOR, Channel.ONLINE],
        commune_targets=commune_targets_by_population(territory=territory, total=responses),
        is_synthetic=True,
    )
    organisation = organisation_get_or_create(
        territory=territory,
        name="La Poste — facteurs enquêteurs (démonstration)",
        kind=OrganisationKind.LA_POSTE,
    )
    agents = []
    for number in range(1, DEMO_AGENTS + 1):
        agent, created = User.objects.get_or_create(
            username=f"facteur-demo-{number}",
            defaults={"first_name": "Facteur", "last_name": f"démo {number}"},
        )
        if created:
            agent.set_unusable_password()
            agent.save()
        membership_grant(user=agent, organisation=organisation, role=Role.FIELD_AGENT)
        agents.append(agent)
    door_to_door_share = 0.85
    campaign_set_agent_targets(
        campaign=campaign,
        targets={a.pk: round(responses * door_to_door_share / len(agents)) for a in agents},
    )
    questionnaire = campaign.questionnaire.questionnaire()
    personal = _personal_fields(questionnaire)
    by_code = {c.insee_code: c for c in communes}
    # Each postal round covers a fixed set of communes.
    agent_of = {code: agents[i % len(agents)] for i, code in enumerate(sorted(by_code))}
    rng = generator.rng
    start = datetime.datetime(2024, 9, 2, 9, tzinfo=datetime.UTC)
    span_seconds = int(
        (datetime.datetime(2024, 11, 29, 18, tzinfo=datetime.UTC) - start).total_seconds()
    )
    rows: list[Response] = []
    contacts: list[tuple[int, dict[str, Any]]] = []
    for index, commune in enumerate(generator.sample_communes(responses)):
        clean, errors = questionnaire.validate(generator.answers(commune), communes=by_code)
        if errors:  # the generator must only produce valid answers
            raise AssertionError(f"Réponse synthétique invalide : {errors}")
        contact = {name: clean.pop(name) for name in list(clean) if name in personal}
        door_to_door = rng.random() < 0.85
        submitted = start + datetime.timedelta(seconds=rng.randrange(span_seconds))
        rows.append(
            Response(
                campaign=campaign,
                questionnaire=campaign.questionnaire,
                commune=by_code[commune.insee_code],
                channel=Channel.DOOR_TO_DOOR if door_to_door else Channel.ONLINE,
                agent=agent_of[commune.insee_code] if door_to_door else None,
                answers=clean,
                idempotency_key=f"{slug}-{seed}-{index}",
                started_at=submitted - datetime.timedelta(minutes=rng.randint(6, 20)),
                submitted_at=submitted,
            )
        )
        if contact:
            contacts.append((index, contact))
    created_rows = Response.objects.bulk_create(rows, batch_size=500)
    Contact.objects.bulk_create(
        [_contact(created_rows[index], contact) for index, contact in contacts],
        batch_size=500,
    )
    return campaign, True


MAX_REPORTED_PROBLEMS = 200
IMPORT_BATCH = 2000


class ImportRejected(ValueError):
    """A file with bad rows: nothing was stored. ``problems`` are located
    (line, field) and in French."""

    def __init__(self, filename: str, problems: list[str], total: int):
        self.filename = filename
        self.problems = problems
        self.total = total
        more = f"\n… et {total - len(problems)} autres problèmes." if total > len(problems) else ""
        super().__init__(
            f"{filename} : import refusé, rien n'a été enregistré ({total} problème"
            f"{'s' if total > 1 else ''}) :\n" + "\n".join(f"- {p}" for p in problems) + more
        )


@dataclass
class ImportSummary:
    filename: str
    rows: int = 0
    created: int = 0
    already_present: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.filename} : {self.rows} lignes lues, {self.created} réponses ajoutées, "
            f"{self.already_present} déjà présentes (import précédent)."
        )
        if self.ignored_columns:
            text += " Colonnes ignorées : " + ", ".join(self.ignored_columns) + "."
        return text


def _import_key(source: SourceFormat, campaign: Campaign, row_id: str) -> str:
    key = f"{source.value}:{campaign.slug}:{row_id}"
    if len(key) > 100:
        key = f"{source.value}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def responses_import(
    *, campaign: Campaign, stream: BinaryIO, filename: str, source: SourceFormat
) -> ImportSummary:
    """Import submissions collected elsewhere (KoboToolbox, ODK Central, LimeSurvey).

    All or nothing: every row is validated like an online answer; if any row
    is bad, ImportRejected lists each problem with its line and field and
    nothing is stored. Importing the same file again adds nothing (each row
    keeps its submission id as idempotency key).
    """
    questionnaire = campaign.questionnaire.questionnaire()
    parsed = read_submissions(stream, filename, source, questionnaire)
    communes = {c.insee_code: c for c in campaign.territory.communes.filter(is_member=True)}
    personal = _personal_fields(questionnaire)
    summary = ImportSummary(filename=filename, ignored_columns=parsed.ignored_columns)
    problems: list[str] = []
    total_problems = 0
    seen: set[str] = set()
    pending: list[tuple[Response, dict[str, Any], str]] = []

    def problem(text: str) -> None:
        nonlocal total_problems
        total_problems += 1
        if len(problems) < MAX_REPORTED_PROBLEMS:
            problems.append(text)

    def flush() -> None:
        # A row is already there if its import key is, or if it is an export
        # of this very campaign (its id is then one of our own keys).
        keys = [r.idempotency_key for r, _, _ in pending] + [raw for _, _, raw in pending]
        existing = set(
            Response.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", "campaign_id"
            )
        )
        imported = {key for key, _ in existing}
        own = {key for key, campaign_id in existing if campaign_id == campaign.pk}
        new = [
            (r, c) for r, c, raw in pending if r.idempotency_key not in imported and raw not in own
        ]
        summary.already_present += len(pending) - len(new)
        created = Response.objects.bulk_create([r for r, _ in new], batch_size=500)
        Contact.objects.bulk_create(
            [_contact(r, c) for r, (_, c) in zip(created, new, strict=True) if c],
            batch_size=500,
        )
        summary.created += len(new)
        pending.clear()

    now = timezone.now()
    with transaction.atomic():
        for row in parsed.rows:
            summary.rows += 1
            if not row.row_id:
                problem(f"ligne {row.line} : identifiant de soumission vide")
                continue
            if row.row_id in seen:
                problem(f"ligne {row.line} : identifiant « {row.row_id} » déjà vu plus haut")
                continue
            seen.add(row.row_id)
            clean, errors = questionnaire.validate(
                row.answers, communes=communes, require_personal=False
            )
            for name, message in errors.items():
                problem(f"ligne {row.line}, champ « {name} » : {message}")
            if errors or total_problems:
                continue  # keep checking the rest, store nothing more
            contact = {name: clean.pop(name) for name in list(clean) if name in personal}
            pending.append(
                (
                    Response(
                        campaign=campaign,
                        questionnaire=campaign.questionnaire,
                        commune=communes[clean["commune"]],
                        channel=Channel.IMPORT,
                        answers=clean,
                        idempotency_key=_import_key(source, campaign, row.row_id),
                        started_at=row.started_at,
                        submitted_at=row.submitted_at or now,
                        received_at=now,
                        source_file=filename[:300],
                        source_row=row.line,
                    ),
                    contact,
                    row.row_id,
                )
            )
            if len(pending) >= IMPORT_BATCH:
                flush()
        if total_problems:
            raise ImportRejected(filename, problems, total_problems)
        if summary.rows == 0:
            raise ImportRejected(filename, ["aucune ligne de réponse dans le fichier"], 1)
        flush()
    return summary


def commune_targets_by_population(*, territory: Territory, total: int) -> dict[str, int]:
    """Split a total number of answers between communes by population, with
    at least 5 per commune so that every commune is reached."""
    communes = list(territory.communes.filter(is_member=True, population__isnull=False))
    population = sum(c.population or 0 for c in communes) or 1
    return {c.insee_code: max(5, round(total * (c.population or 0) / population)) for c in communes}


@transaction.atomic
def campaign_set_agent_targets(*, campaign: Campaign, targets: Mapping[int, int | None]) -> None:
    """Set (or, with None or 0, remove) the target of each field agent, by user id.

    Raises ValueError (French) for a user who is not a field agent of the
    campaign's territory."""
    agents = {u.pk: u for u in queries.territory_field_agents(campaign.territory)}
    unknown = [str(pk) for pk in targets if pk not in agents]
    if unknown:
        raise ValueError(
            "Ces personnes ne sont pas enquêteur·rices du territoire : " + ", ".join(unknown)
        )
    for pk, target in targets.items():
        if target:
            AgentTarget.objects.update_or_create(
                campaign=campaign, agent=agents[pk], defaults={"target": target}
            )
        else:
            AgentTarget.objects.filter(campaign=campaign, agent=agents[pk]).delete()
