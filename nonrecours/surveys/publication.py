"""Publishing a wave of the barometer: what becomes public, frozen.

A project lead publishes a campaign once (campaign_publish). What the
statistical secrecy released — overall, by stratum, by commune, the sex and
age tables — is stored in Publication.content, with what the public pages,
the report and the open data need to be drawn again (labels, dates, the
description of the weighting), and nothing else: a hidden cell is stored
without its value and without its count (n). From then on the campaign's
answers cannot change (publication_guard, called by every write of
answers), and the public pages read the stored content only, so they stay
the same when answers are later erased.

Reads (published_results…) turn the stored JSON back into ResultRow, the
shape every template of the barometer renders. Open data: surveys.open_data.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.analysis.estimators import Difference
from nonrecours.analysis.files import OVERALL, ResultRow
from nonrecours.analysis.raking import RakingError
from nonrecours.errors import UserError
from nonrecours.surveys.barometer import (
    Barometer,
    Change,
    campaign_barometer,
    changes_since,
    previous_campaign,
)
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.maps import IndicatorMap, commune_map
from nonrecours.surveys.models import Campaign, Publication
from nonrecours.surveys.questionnaire import Questionnaire
from nonrecours.surveys.weighting import AGE_QUESTION, NOT_GIVEN, SEX_QUESTION
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune, Territory
from nonrecours.territories.queries import member_communes

FORMAT = 1  # version of Publication.content's shape
# Labels of the table categories that read better as a group than the
# questionnaire's answer ("Une femme").
GROUP_LABELS = {"femme": "Femmes", "homme": "Hommes", NOT_GIVEN: "Non renseigné"}
PART_LABELS = {"strate": "strate", "commune": "commune", "sexe": "sexe", "age": "tranche d'âge"}


class CampaignPublished(UserError, ValueError):
    """The campaign is published: its answers can no longer change (French
    message, naming the wave and the day)."""


class PublicationRefused(UserError, ValueError):
    """The campaign cannot be published (French message saying why)."""


# Writes


def publication_guard(campaign: Campaign) -> None:
    """Raise CampaignPublished when ``campaign`` is published. Every write
    of answers (response_submit, responses_import) calls it, also after its
    own write inside its transaction, so that an answer racing a
    publication is undone rather than left outside the published figures."""
    publication = Publication.objects.filter(campaign_id=campaign.pk).only("published_at").first()
    if publication is None:
        return
    day = timezone.localdate(publication.published_at)
    raise CampaignPublished(
        f"La vague « {campaign.name} » est publiée le {day:%d/%m/%Y} : ses réponses ne peuvent "
        "plus changer, pour que les résultats publiés restent ceux de ses réponses. Rien n'a été "
        "enregistré ; une nouvelle réponse a sa place dans une nouvelle vague."
    )


def publication_problem(campaign: Campaign, today: datetime.date | None = None) -> str | None:
    """Why ``campaign`` cannot be published today (French), or None: it is
    already published, still collecting (until ``ends_on``), or has no answer."""
    today = today or timezone.localdate()
    if Publication.objects.filter(campaign_id=campaign.pk).exists():
        return f"La vague « {campaign.name} » est déjà publiée."
    if today <= campaign.ends_on:
        return (
            f"La vague « {campaign.name} » collecte des réponses jusqu'au "
            f"{campaign.ends_on:%d/%m/%Y} : publiez-la une fois la collecte finie."
        )
    if not campaign.responses.exists():
        return f"La vague « {campaign.name} » n'a aucune réponse : rien à publier."
    return None


@transaction.atomic
def campaign_publish(
    *, campaign: Campaign, user: User | None, today: datetime.date | None = None
) -> Publication:
    """Publish ``campaign``: compute its barometer and store what the
    secrecy released (see the module's docstring), published by ``user``
    (None: from the command line). Once and for all: raises
    PublicationRefused (French) when publication_problem says why not, or
    when the weighting cannot be computed; nothing is stored then.

    The campaign's row is locked first: an answer being written meanwhile is
    either in the figures or refused (publication_guard).
    """
    locked = (
        Campaign.objects.select_for_update()
        .select_related("territory", "questionnaire")
        .get(pk=campaign.pk)
    )
    problem = publication_problem(locked, today)
    if problem is not None:
        raise PublicationRefused(problem)
    try:
        barometer = campaign_barometer(locked, potential=False)
    except RakingError as error:
        raise PublicationRefused(f"La pondération n'a pas pu être calculée : {error}") from None
    earlier = previous_campaign(locked)
    earlier_publication = publication_of(earlier) if earlier is not None else None
    return Publication.objects.create(
        campaign=locked,
        published_by=user,
        respondents=barometer.analysis.raking.n,
        threshold=barometer.analysis.weighting.threshold,
        content=publication_content(barometer, previous=earlier_publication),
    )


def _released(row: ResultRow) -> dict[str, Any]:
    """A row as stored: a hidden cell keeps neither its value nor its n."""
    if row.suppressed:
        return {
            "indicator": row.indicator, "by": row.by, "domain": row.domain, "estimate": None,
            "se": None, "ci_low": None, "ci_high": None, "n": None, "suppressed": True,
        }  # fmt: skip
    return {
        "indicator": row.indicator, "by": row.by, "domain": row.domain,
        "estimate": row.estimate, "se": row.se, "ci_low": row.ci_low, "ci_high": row.ci_high,
        "n": row.n, "suppressed": False,
    }  # fmt: skip


def _categories(questionnaire: Questionnaire) -> dict[str, dict[str, str]]:
    names = {q.name: q for q in questionnaire.questions}
    categories = {"strate": {s.value: str(s.label) for s in Stratum}}
    for part, question in (("sexe", SEX_QUESTION), ("age", AGE_QUESTION)):
        choices = names[question].choices if question in names else ()
        categories[part] = {c.code: GROUP_LABELS.get(c.code, c.label) for c in choices}
        categories[part][NOT_GIVEN] = GROUP_LABELS[NOT_GIVEN]
    return categories


def publication_content(
    barometer: Barometer, *, previous: Publication | None = None
) -> dict[str, Any]:
    """The JSON stored in Publication.content (shape FORMAT): the wave and
    its territory, indicator and category labels, the released rows
    (`rows`: overall and strata; `commune_rows`; `tables`: sex and age), the
    weighting as described in the report, answers by channel, the tests
    between strata of published cells and, when the previous wave is
    published, the change of each cell published in both."""
    campaign, analysis = barometer.campaign, barometer.analysis
    questionnaire = campaign.questionnaire.questionnaire()
    territory = campaign.territory
    communes = member_communes(territory)
    raking = analysis.raking
    channel_labels = dict(Channel.choices)
    channels = (
        campaign.responses.values_list("channel")
        .annotate(n=Count("pk"))
        .order_by("-n", "channel")
        .values_list("channel", "n")
    )
    comparisons = [
        {
            "indicator": comparison.indicator,
            "stratum": stratum.value,
            "estimate": found.estimate,
            "se": found.se,
        }
        for comparison in barometer.comparisons
        for stratum, (_, found) in zip(
            [s for s in Stratum if s != Stratum.CENTRAL_CITY], comparison.others, strict=True
        )
        if found is not None
    ]
    rows = [_released(r) for r in analysis.rows]
    changes = (
        changes_since(analysis.rows, published_results(previous).rows)
        if previous is not None
        else {}
    )
    return {
        "format": FORMAT,
        "wave": {
            "slug": campaign.slug,
            "name": campaign.name,
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "synthetic": campaign.is_synthetic,
            "questionnaire": str(campaign.questionnaire),
        },
        "territory": {
            "siren": territory.siren,
            "name": territory.name,
            "population": territory.population,
            "communes": [
                {
                    "code": c.insee_code,
                    "name": c.name,
                    "stratum": c.stratum,
                    "population": c.population,
                }
                for c in communes
            ],  # fmt: skip
        },
        "respondents": raking.n,
        "threshold": analysis.weighting.threshold,
        "indicators": [
            {"id": i.id, "label": i.label, "base": i.base, "theme": i.theme}
            for i in questionnaire.indicators
        ],
        "categories": _categories(questionnaire),
        "rows": rows,
        "commune_rows": [_released(r) for r in analysis.commune_rows],
        "tables": [_released(r) for r in analysis.tables],
        # Not the weights' range: the largest weight is about a small
        # zone's population over its number of respondents.
        "weighting": {
            "margins": list(analysis.margins),
            "structure_label": analysis.structure_label,
            "structure_approximation": analysis.structure_approximation,
            "options": analysis.weighting.describe(),
            "bounded": raking.bounded,
            "converged": raking.converged,
            "iterations": raking.iterations,
            "kish_deff": raking.kish_deff,
            "effective_n": raking.effective_n,
        },
        "channels": [[str(channel_labels.get(c, c)), n] for c, n in channels],
        "comparisons": comparisons,
        "previous": (
            {"slug": previous.campaign.slug, "name": previous.content["wave"]["name"]}
            if previous is not None
            else None
        ),
        "changes": [
            {
                "indicator": indicator,
                "domain": domain,
                "previous": change.previous,
                "difference": change.difference,
                "se": change.se,
            }
            for (indicator, domain), change in changes.items()
        ],
    }


# Reads


def publication_of(campaign: Campaign) -> Publication | None:
    return Publication.objects.filter(campaign_id=campaign.pk).first()


def publication_at(siren: str, slug: str) -> Publication:
    """The publication of wave ``slug`` of the territory ``siren``. Raises
    Publication.DoesNotExist when there is none (unknown, another
    territory's, or not published: one answer for all three)."""
    return Publication.objects.select_related("campaign__territory").get(
        campaign__slug=slug, campaign__territory__siren=siren
    )


@dataclass(frozen=True)
class PublishedWave:
    """A published wave as its publication tells it (not as the campaign
    may have been edited since)."""

    slug: str
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    synthetic: bool
    respondents: int
    published_at: datetime.datetime


def territory_publications(territory: Territory) -> list[PublishedWave]:
    """The territory's published waves, the latest wave first (reads the
    `wave` part of each content only: the territory's page lists them)."""
    waves = [
        PublishedWave(
            slug=slug,
            name=wave["name"],
            starts_on=datetime.date.fromisoformat(wave["starts_on"]),
            ends_on=datetime.date.fromisoformat(wave["ends_on"]),
            synthetic=bool(wave["synthetic"]),
            respondents=respondents,
            published_at=published_at,
        )
        for slug, wave, respondents, published_at in Publication.objects.filter(
            campaign__territory=territory
        ).values_list("campaign__slug", "content__wave", "respondents", "published_at")
    ]
    return sorted(waves, key=lambda w: (w.starts_on, w.slug), reverse=True)


@dataclass(frozen=True)
class PublishedIndicator:
    id: str
    label: str
    base: str
    theme: str


@dataclass(frozen=True)
class PublishedResults:
    """A publication's content, read back: the rows as ResultRow (a hidden
    row has n = 0 and suppressed = True, and no value)."""

    publication: Publication
    content: dict[str, Any]
    indicators: list[PublishedIndicator]
    rows: list[ResultRow]
    commune_rows: list[ResultRow]
    tables: list[ResultRow]
    categories: dict[str, dict[str, str]]
    changes: dict[tuple[str, str], Change]
    comparisons: dict[tuple[str, str], Difference]

    @property
    def wave(self) -> dict[str, Any]:
        return dict(self.content["wave"])

    @property
    def starts_on(self) -> datetime.date:
        return datetime.date.fromisoformat(self.content["wave"]["starts_on"])

    @property
    def ends_on(self) -> datetime.date:
        return datetime.date.fromisoformat(self.content["wave"]["ends_on"])

    @property
    def territory(self) -> dict[str, Any]:
        return dict(self.content["territory"])

    @property
    def weighting(self) -> dict[str, Any]:
        return dict(self.content["weighting"])

    @property
    def previous_name(self) -> str | None:
        previous = self.content.get("previous")
        return str(previous["name"]) if previous else None

    def label(self, by: str, domain: str) -> str:
        """A cell's domain in words: « Ensemble », a stratum, a commune, or
        the categories of a table joined by « · »."""
        if by == OVERALL:
            return "Ensemble"
        if by == "commune":
            names = {c["code"]: c["name"] for c in self.content["territory"]["communes"]}
            return str(names.get(domain, domain))
        parts = by.split("_")
        codes = domain.split("|")
        return " · ".join(
            self.categories.get(part, {}).get(code, code)
            for part, code in zip(parts, codes, strict=False)
        )


def _row(data: dict[str, Any]) -> ResultRow:
    hidden = bool(data["suppressed"])
    return ResultRow(
        indicator=str(data["indicator"]),
        by=str(data["by"]),
        domain=str(data["domain"]),
        estimate=None if hidden else data["estimate"],
        se=None if hidden else data["se"],
        ci_low=None if hidden else data["ci_low"],
        ci_high=None if hidden else data["ci_high"],
        n=0 if hidden else int(data["n"] or 0),
        suppressed=hidden,
    )


def published_results(publication: Publication) -> PublishedResults:
    """The stored content of ``publication``, read back."""
    content = publication.content
    changes = {}
    for item in content.get("changes", []):
        changes[(item["indicator"], item["domain"])] = Change(
            previous=item["previous"], difference=item["difference"], se=item["se"]
        )
    return PublishedResults(
        publication=publication,
        content=content,
        indicators=[
            PublishedIndicator(i["id"], i["label"], i["base"], i["theme"])
            for i in content["indicators"]
        ],
        rows=[_row(r) for r in content["rows"]],
        commune_rows=[_row(r) for r in content["commune_rows"]],
        tables=[_row(r) for r in content["tables"]],
        categories=content["categories"],
        changes=changes,
        comparisons={
            (c["indicator"], c["stratum"]): Difference(c["estimate"], c["se"])
            for c in content["comparisons"]
        },
    )


def published_map(results: PublishedResults, indicator_id: str) -> IndicatorMap:
    """The choropleth of one indicator by commune, from the stored rows
    (maps.commune_map)."""
    labels = {i.id: i.label for i in results.indicators}
    return commune_map(
        Commune.objects.filter(territory__siren=results.territory["siren"]),
        results.commune_rows,
        indicator_id,
        labels[indicator_id],
        results.publication.threshold,
    )


@dataclass(frozen=True)
class PublishedTable:
    """A released table of one indicator: columns are the categories of the
    `by` part with the fewest, lines the others' categories."""

    by: str
    title: str
    columns: list[str]
    lines: list[tuple[str, list[ResultRow | None]]]


def _part_codes(results: PublishedResults, part: str, rows: list[ResultRow], at: int) -> list[str]:
    seen = {r.domain.split("|")[at] for r in rows}
    known = [code for code in results.categories.get(part, {}) if code in seen]
    return known + sorted(seen - set(known))


def published_tables(results: PublishedResults, indicator_id: str) -> list[PublishedTable]:
    """The sex and age tables of one indicator, in the order published."""
    by_table: dict[str, list[ResultRow]] = {}
    for row in results.tables:
        if row.indicator == indicator_id:
            by_table.setdefault(row.by, []).append(row)
    tables = []
    for by, rows in by_table.items():
        parts = by.split("_")
        codes = [_part_codes(results, part, rows, at) for at, part in enumerate(parts)]
        cells = {tuple(r.domain.split("|")): r for r in rows}
        words = [PART_LABELS.get(p, p) for p in parts]
        title = "par " + (
            words[0] if len(words) == 1 else ", ".join(words[:-1]) + " et " + words[-1]
        )
        if len(parts) == 1:
            lines = [(results.label(by, code), [cells.get((code,))]) for code in codes[0]]
            tables.append(PublishedTable(by, title, ["Part"], lines))
            continue
        column = min(range(len(parts)), key=lambda at: len(codes[at]))
        others = [at for at in range(len(parts)) if at != column]
        keys: list[tuple[str, ...]] = [()]
        for at in others:
            keys = [(*key, code) for key in keys for code in codes[at]]
        lines = []
        for key in keys:
            line_cells: list[ResultRow | None] = []
            for code in codes[column]:
                full = list(key)
                full.insert(column, code)
                line_cells.append(cells.get(tuple(full)))
            label = " · ".join(
                results.categories.get(parts[at], {}).get(code, code)
                for at, code in zip(others, key, strict=True)
            )
            lines.append((label, line_cells))
        columns = [results.categories.get(parts[column], {}).get(c, c) for c in codes[column]]
        tables.append(PublishedTable(by, title, columns, lines))
    return tables
