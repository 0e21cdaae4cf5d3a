"""Reads of the barometer."""

import datetime
import hmac
import re
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import User
from nonrecours.french import sort_key
from nonrecours.surveys.contacts import contact_token
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import (
    AGENT_KEYS,
    AgentTarget,
    Campaign,
    Contact,
    QuestionnaireVersion,
    Quota,
    Response,
    agent_keyed,
)
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune, Territory


def campaign_by_slug(slug: str) -> Campaign:
    return Campaign.objects.select_related("territory", "questionnaire").get(slug=slug)


def campaign_accepts(campaign: Campaign, channel: Channel, today: datetime.date) -> str | None:
    """None if the campaign takes answers through this channel today, else
    the reason in French."""
    if channel.value not in campaign.channels:
        return f"Cette enquête n'est pas ouverte au canal « {channel.label} »."
    if today < campaign.starts_on:
        return f"Cette enquête ouvrira le {campaign.starts_on:%d/%m/%Y}."
    if today > campaign.ends_on:
        closed = f"{campaign.ends_on:%d/%m/%Y}"
        return f"Cette enquête est close depuis le {closed}. Merci de votre intérêt."
    return None


# An answer collected offline on the campaign's last day may reach the
# server days later, when the agent finds a network again.
OFFLINE_GRACE_DAYS = 14


def campaign_accepts_offline_answer(
    campaign: Campaign, *, submitted_at: datetime.datetime | None, received_on: datetime.date
) -> str | None:
    """Like campaign_accepts for the door-to-door channel, but judged on the
    day the answer was collected, with a grace period for sending it."""
    if Channel.DOOR_TO_DOOR.value not in campaign.channels:
        return f"Cette enquête n'est pas ouverte au canal « {Channel.DOOR_TO_DOOR.label} »."
    collected_on = timezone.localdate(submitted_at) if submitted_at else received_on
    if collected_on > received_on + datetime.timedelta(days=1):
        return (
            "La date de saisie de cette réponse est dans le futur : vérifiez l'heure du téléphone."
        )
    if received_on > campaign.ends_on + datetime.timedelta(days=OFFLINE_GRACE_DAYS):
        return (
            f"Cette enquête est close depuis le {campaign.ends_on:%d/%m/%Y} et le délai "
            f"d'envoi des réponses saisies hors ligne ({OFFLINE_GRACE_DAYS} jours) est passé."
        )
    return campaign_accepts(campaign, Channel.DOOR_TO_DOOR, collected_on)


def response_by_key(
    *, campaign: Campaign, channel: Channel, key: str, agent: User | None = None
) -> Response | None:
    """The response stored under a submission key, in the key's scope
    (models.AGENT_KEYS): a field agent's own keys within the campaign, else
    the campaign's keys of that channel. Another agent's, another channel's
    or another campaign's response with the same key is not this one."""
    scoped = Response.objects.filter(campaign=campaign, idempotency_key=key)
    if agent_keyed(channel=channel, agent_id=agent.pk if agent is not None else None):
        return scoped.filter(AGENT_KEYS, agent=agent).first()
    return scoped.filter(channel=channel).exclude(AGENT_KEYS).first()


def response_exists(*, campaign: Campaign, channel: Channel, key: str) -> bool:
    """Whether an answer without agent (online) is stored under ``key``."""
    return response_by_key(campaign=campaign, channel=channel, key=key) is not None


def territory_communes(territory: Territory) -> list[Commune]:
    """Member communes in French alphabetical order (accents ignored, as
    territories.queries.member_communes): the choices of a questionnaire's
    commune question."""
    communes = (
        # Not `territory.communes`: the related manager would load each
        # deferred territory_id again (one query per commune).
        Commune.objects.members_of(territory).only("insee_code", "name")
    )
    return sorted(communes, key=lambda commune: sort_key(commune.name))


def campaign_communes(campaign: Campaign) -> list[Commune]:
    return territory_communes(campaign.territory)


def campaign_counts_by_commune(campaign: Campaign) -> dict[int, int]:
    rows = campaign.responses.values("commune").annotate(n=Count("pk"))
    return {row["commune"]: row["n"] for row in rows}


@dataclass(frozen=True)
class ProgressRow:
    label: str
    stratum: str
    count: int
    target: int | None

    @property
    def share(self) -> float | None:
        return self.count / self.target if self.target else None


@dataclass(frozen=True)
class AgentRow:
    name: str
    count: int
    communes: int
    last_submitted_at: datetime.datetime | None
    target: int | None = None

    @property
    def share(self) -> float | None:
        return self.count / self.target if self.target else None


@dataclass(frozen=True)
class CampaignProgress:
    total: int
    target: int
    by_commune: list[ProgressRow]
    by_stratum: list[ProgressRow]
    by_agent: list[AgentRow]
    by_channel: dict[str, int]
    online_without_agent: int


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    """Answers received against the targets, per commune, stratum, agent and channel."""
    counts = campaign_counts_by_commune(campaign)
    commune_targets = {
        q.commune_id: q.target for q in campaign.quotas.filter(commune__isnull=False)
    }
    stratum_targets = {q.stratum: q.target for q in campaign.quotas.filter(commune__isnull=True)}
    communes = list(
        Commune.objects.members_of(campaign.territory)
        .only("pk", "name", "stratum", "population")
        .order_by(F("population").desc(nulls_last=True), "name")
    )
    by_commune = [
        ProgressRow(c.name, c.stratum, counts.get(c.pk, 0), commune_targets.get(c.pk))
        for c in communes
    ]
    by_stratum = []
    for stratum in Stratum:
        members = [c for c in communes if c.stratum == stratum]
        target = stratum_targets.get(stratum.value)
        if commune_targets:
            # The communes' targets are the campaign's: a stratum's is their
            # sum, so that header, strata and communes agree (surveys/targets.py).
            reached = [commune_targets[c.pk] for c in members if c.pk in commune_targets]
            target = sum(reached) if reached else None
        by_stratum.append(
            ProgressRow(
                str(stratum.label), stratum.value, sum(counts.get(c.pk, 0) for c in members), target
            )
        )
    agents = {
        a["agent"]: a
        for a in campaign.responses.filter(agent__isnull=False)
        .values("agent", "agent__username", "agent__first_name", "agent__last_name")
        .annotate(n=Count("pk"), communes=Count("commune", distinct=True), last=Max("submitted_at"))
    }
    targets = {
        t.agent_id: t for t in AgentTarget.objects.filter(campaign=campaign).select_related("agent")
    }
    by_agent = []
    for pk in set(agents) | set(targets):
        row = agents.get(pk)
        agent_target = targets.get(pk)
        if row is not None:
            name = f"{row['agent__first_name']} {row['agent__last_name']}".strip()
            name = name or row["agent__username"]
        elif agent_target is not None:
            name = agent_target.agent.get_full_name() or agent_target.agent.get_username()
        by_agent.append(
            AgentRow(
                name=name,
                count=row["n"] if row else 0,
                communes=row["communes"] if row else 0,
                last_submitted_at=row["last"] if row else None,
                target=agent_target.target if agent_target else None,
            )
        )
    by_agent.sort(key=lambda a: (-a.count, a.name))
    channels = dict(campaign.responses.values_list("channel").annotate(n=Count("pk")))
    total = sum(counts.values())
    if commune_targets:
        target = sum(row.target or 0 for row in by_commune)
    else:
        target = sum(stratum_targets.values())
    return CampaignProgress(
        total=total,
        target=target,
        by_commune=by_commune,
        by_stratum=by_stratum,
        by_agent=by_agent,
        by_channel={str(Channel(k).label): v for k, v in channels.items()},
        online_without_agent=campaign.responses.filter(agent__isnull=True).count(),
    )


def territory_campaigns(territory: Territory) -> list[Campaign]:
    return list(
        Campaign.objects.filter(territory=territory)
        .select_related("questionnaire")
        .order_by("-starts_on")
    )


@dataclass(frozen=True)
class CampaignSummary:
    campaign: Campaign
    answers: int
    target: int  # answers; 0 without targets


def campaign_summaries(territory: Territory | None = None) -> list[CampaignSummary]:
    """Every campaign (of one territory, or all), by territory then newest
    first, with its number of answers and its target, counted as
    campaign_progress counts its header: the member communes' targets, or
    else the strata's."""
    campaigns = Campaign.objects.select_related("territory").annotate(answers=Count("responses"))
    if territory is not None:
        campaigns = campaigns.filter(territory=territory)
    sums: dict[int, dict[str, int]] = {}
    quotas = Quota.objects.filter(campaign__in=[c.pk for c in campaigns])
    for campaign_id, commune_id, member, target in quotas.values_list(
        "campaign_id", "commune_id", "commune__is_member", "target"
    ):
        totals = sums.setdefault(campaign_id, {"communes": 0, "member": 0, "strata": 0})
        if commune_id is not None:
            totals["communes"] += 1
            totals["member"] += target if member else 0
        else:
            totals["strata"] += target
    result = []
    for campaign in campaigns.order_by("territory__name", "-starts_on", "slug"):
        totals = sums.get(campaign.pk, {"communes": 0, "member": 0, "strata": 0})
        target = totals["member"] if totals["communes"] else totals["strata"]
        result.append(CampaignSummary(campaign, campaign.answers, target))
    return result


def campaigns_open_for(channel: Channel, today: datetime.date) -> list[Campaign]:
    return [
        c
        for c in Campaign.objects.select_related("territory").filter(
            starts_on__lte=today, ends_on__gte=today
        )
        if channel.value in c.channels
    ]


def questionnaire_versions_for(territory: Territory) -> "QuerySet[QuestionnaireVersion]":
    """The core versions and the territory's own, newest first."""
    return QuestionnaireVersion.objects.filter(
        Q(territory__isnull=True) | Q(territory=territory)
    ).order_by("-version", "-created_at")


def campaign_contacts(campaign: Campaign) -> list[Contact]:
    """Call-back requests, those still to handle first, then by commune (never
    in the order they came in); each with its ``token`` for the page."""
    contacts = list(
        Contact.objects.filter(campaign=campaign).select_related("commune", "handled_by")
    )
    for contact in contacts:
        contact.token = contact_token(contact)  # type: ignore[attr-defined]
    return contacts


def contact_of(campaign: Campaign, token: str) -> Contact | None:
    """The campaign's call-back request named by ``token`` (contacts.
    contact_token), or None."""
    if not re.fullmatch(r"[0-9a-f]{24}", token):
        return None
    for contact in Contact.objects.filter(campaign=campaign).only("pk"):
        if hmac.compare_digest(contact_token(contact), token):
            return Contact.objects.select_related("commune").get(pk=contact.pk)
    return None


def territory_field_agents(territory: Territory) -> list[User]:
    """Active users holding the field-agent role on the territory."""
    return list(
        User.objects.filter(
            memberships__organisation__territory=territory,
            memberships__role=Role.FIELD_AGENT,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def agent_targets(campaign: Campaign) -> dict[int, int]:
    return dict(AgentTarget.objects.filter(campaign=campaign).values_list("agent_id", "target"))


def campaign_to_follow(territory: Territory, today: datetime.date) -> Campaign | None:
    """The territory's campaign its team follows now: the one collecting
    today (the latest started if several), else the latest started, else
    None (no campaign yet). Synthetic (demonstration) campaigns come last."""
    campaigns = list(
        Campaign.objects.filter(territory=territory).order_by("is_synthetic", "-starts_on", "-pk")
    )
    open_now = [c for c in campaigns if c.is_open_on(today)]
    chosen = open_now or campaigns
    return chosen[0] if chosen else None
