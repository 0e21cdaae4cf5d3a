"""Reads of the barometer."""

import datetime

from django.db.models import Count

from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Campaign
from nonrecours.territories.models import Commune


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


def campaign_communes(campaign: Campaign) -> list[Commune]:
    return list(
        campaign.territory.communes.filter(is_member=True)
        .only("insee_code", "name")
        .order_by("name")
    )


def campaign_response_count(campaign: Campaign) -> int:
    return campaign.responses.count()


def campaign_counts_by_commune(campaign: Campaign) -> dict[int, int]:
    rows = campaign.responses.values("commune").annotate(n=Count("pk"))
    return {row["commune"]: row["n"] for row in rows}
