"""Writes of the barometer: questionnaire versions, campaigns, answers."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from nonrecours.accounts.actions import membership_grant, organisation_get_or_create
from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import User
from nonrecours.errors import Problem, UserError
from nonrecours.surveys import campaigns, queries
from nonrecours.surveys.contacts import contact_from as _contact
from nonrecours.surveys.contacts import personal_fields as _personal_fields
from nonrecours.surveys.demo import DemoCommune, DemoGenerator
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.imports import ImportRejected as ImportRejected  # written there
from nonrecours.surveys.imports import ImportSummary as ImportSummary
from nonrecours.surveys.imports import responses_import as responses_import
from nonrecours.surveys.models import (
    AgentTarget,
    Campaign,
    Contact,
    QuestionnaireVersion,
    Quota,
    Response,
)
from nonrecours.surveys.publication import CampaignPublished, publication_guard
from nonrecours.surveys.questionnaire import (
    check_moment,
    clean_key,
    default_questionnaire,
    load_questionnaire,
    read_module,
    with_local_module,
)
from nonrecours.surveys.targets import (
    MINIMUM_PER_COMMUNE,
    CommuneWeight,
    apportion,
    commune_targets,
)
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune, Territory


class ResponseRejected(UserError, ValueError):
    """Answers that do not pass validation; ``errors`` maps question -> French message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(
            "; ".join(f"{k} : {v}" for k, v in self.errors.items()),
            problems=[Problem(message, field=name) for name, message in self.errors.items()],
        )


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
    module = read_module(module_yaml, source)
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
    """A new campaign of the territory, with its targets (answers, by INSEE
    code of a member commune and by stratum value).

    Targets by commune are the campaign's targets (see
    commune_targets_by_population); a stratum target given with them must
    equal the sum over that stratum's communes, so that the campaign's total,
    its strata and its communes always agree. Raises ValueError (French) and
    stores nothing for reversed dates, a slug already taken, a questionnaire
    of another territory, a negative target, a commune outside the territory,
    an unknown stratum or a stratum target that disagrees with its communes.
    """

    for problem in (
        campaigns.name_problem(name),
        campaigns.slug_problem(slug),
        campaigns.day_problem(starts_on),
        campaigns.day_problem(ends_on),
    ):
        if problem:
            raise ValueError(problem[:1].upper() + problem[1:])
    if ends_on < starts_on:
        raise ValueError("La date de fin de la campagne précède sa date de début.")
    if questionnaire is not None and questionnaire.territory_id not in (None, territory.pk):
        raise ValueError("Ce questionnaire appartient au module local d'un autre territoire.")
    if Campaign.objects.filter(slug=slug).exists():
        raise ValueError(f"L'identifiant « {slug} » est déjà pris par une autre campagne.")
    all_targets = [*(commune_targets or {}).values(), *(stratum_targets or {}).values()]
    if any(target < 0 for target in all_targets):
        raise ValueError("Un objectif de réponses ne peut pas être négatif.")
    communes = {c.insee_code: c for c in territory.communes.members()}
    for stratum, target in (stratum_targets or {}).items():
        if stratum not in Stratum.values:
            raise ValueError(f"Strate inconnue : {stratum}.")
        in_stratum = [
            t
            for code, t in (commune_targets or {}).items()
            if code in communes and communes[code].stratum == stratum
        ]
        if commune_targets and sum(in_stratum) != target:
            raise ValueError(
                f"L'objectif de la strate « {Stratum(stratum).label} » ({target}) diffère de "
                f"la somme des objectifs de ses communes ({sum(in_stratum)})."
            )
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
    for insee_code, target in (commune_targets or {}).items():
        if insee_code not in communes:
            raise ValueError(f"Objectif pour une commune hors du territoire : {insee_code}.")
        Quota.objects.create(campaign=campaign, commune=communes[insee_code], target=target)
    for stratum, target in (stratum_targets or {}).items():
        Quota.objects.create(campaign=campaign, stratum=stratum, target=target)
    return campaign


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
    A key is the sender's (models.AGENT_KEYS): a field agent's within the
    campaign, else the campaign's for that channel; another agent who sends
    the same key gets their own answer stored. Raises ResponseRejected with
    every error by question; nothing is stored then. Contact details go to a
    separate table, never into the answers.
    """
    try:
        key = clean_key(idempotency_key)
    except ValueError as error:
        raise ResponseRejected({"idempotency_key": str(error)}) from None
    now = timezone.now()
    moments = {"started_at": ("Le début", started_at), "submitted_at": ("L'envoi", submitted_at)}
    for name, (what, moment) in moments.items():
        if moment is not None:
            try:
                check_moment(moment, now=now, what=what)
            except ValueError as error:
                raise ResponseRejected({name: str(error)}) from None
    existing = queries.response_by_key(campaign=campaign, channel=channel, agent=agent, key=key)
    if existing is not None:
        return existing, False
    _not_published(campaign)
    questionnaire = campaign.questionnaire.questionnaire()
    communes = {
        c.insee_code: c
        for c in Commune.objects.members_of(campaign.territory).only("pk", "insee_code")
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
            # Again after the write: a publication that got in meanwhile
            # is seen now, and this answer is undone.
            _not_published(campaign)
    except IntegrityError:
        # Two deliveries of the same answers raced: the other one won.
        existing = queries.response_by_key(campaign=campaign, channel=channel, agent=agent, key=key)
        if existing is None:
            raise
        return existing, False
    return response, True


def _not_published(campaign: Campaign) -> None:
    try:
        publication_guard(campaign)
    except CampaignPublished as published:
        raise ResponseRejected({"campagne": str(published)}) from None


@transaction.atomic
def contacts_erase(*, today: datetime.date | None = None) -> int:
    """Erase the call-back requests past their retention: handled more than
    NONRECOURS_CONTACT_RETENTION_DAYS ago, or whose campaign ended more than
    that long ago (handled or not). Their number, and how many had been
    handled, stay on the campaign. Returns how many were erased."""
    today = today or timezone.localdate()
    limit = today - datetime.timedelta(days=settings.NONRECOURS_CONTACT_RETENTION_DAYS)
    expired = Contact.objects.filter(Q(handled_at__date__lt=limit) | Q(campaign__ends_on__lt=limit))
    counts = expired.values("campaign").annotate(
        total=Count("pk"), handled=Count("pk", filter=Q(handled_at__isnull=False))
    )
    erased = 0
    for row in counts:
        Campaign.objects.filter(pk=row["campaign"]).update(
            erased_contacts=F("erased_contacts") + row["total"],
            erased_contacts_handled=F("erased_contacts_handled") + row["handled"],
        )
        erased += row["total"]
    expired.delete()
    return erased


@transaction.atomic
def contact_mark_handled(*, contact: Contact, user: User) -> Contact:
    """The team called the person back (or tried to): the request leaves the list."""
    if contact.handled_at is None:
        contact.handled_at = timezone.now()
        contact.handled_by = user
        contact.save(update_fields=["handled_at", "handled_by"])
    return contact


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
    communes = list(territory.communes.members().filter(population__isnull=False))
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
        targets=dict(
            zip(
                [a.pk for a in agents],
                apportion(round(responses * door_to_door_share), [1] * len(agents)),
                strict=True,
            )
        ),
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


def commune_targets_by_population(
    *,
    territory: Territory,
    total: int,
    stratum_extras: Mapping[str, int] | None = None,
    strict_minimum: bool = False,
) -> dict[str, int]:
    """Target of each member commune of known population, by INSEE code.

    ``total`` answers split by population with at least 5 per commune (so
    that every commune is reached), plus each stratum's extra target
    (stratum value -> answers) split between its communes: see
    surveys.targets.commune_targets, whose rounding keeps the sum exactly
    ``total + sum(stratum_extras)``. When ``total`` cannot give 5 to every
    commune, ``strict_minimum`` (what a person asks: form, command) raises
    TargetError; without it (the demo's small samples) the minimum is
    lowered to what the total allows. Raises TargetError (a ValueError, in
    French) when the split is impossible.
    """
    # Imported here to keep this change apart from the module's import block.

    communes = list(
        territory.communes.members().filter(population__isnull=False).order_by("insee_code")
    )
    minimum = MINIMUM_PER_COMMUNE
    if not strict_minimum and communes:
        minimum = min(minimum, max(total, 0) // len(communes))
    return commune_targets(
        [CommuneWeight(c.insee_code, c.population or 0, c.stratum) for c in communes],
        total=total,
        stratum_extras=stratum_extras,
        minimum=minimum,
        stratum_labels={s.value: str(s.label) for s in Stratum},
    )


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
