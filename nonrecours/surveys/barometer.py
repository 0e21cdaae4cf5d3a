"""The barometer of a campaign: what the dashboard, the report, open data
and `nonrecours barometer compute` read (the read model of a wave).

campaign_barometer assembles, once, the weighted estimates of a campaign
(surveys.analysis), its lines by indicator, the previous wave of the
territory and the changes since it, the comparisons between strata, the
potential non-take-up (surveys.eligibility) and, for the dashboard's
filters, the lines of a subgroup (surveys.subgroups). Numbers only: colours,
classes and formats are the interfaces' (www/barometer/, the report).

The result is kept in Django's cache framework (settings.CACHES) under a
key that changes with the campaign's data (answers added or removed, the
questionnaire, the dates, the territory's communes and population, the
previous wave's answers, the weighting): a stale barometer is never
shown. It holds respondent-level arrays (the filters need them), so it is
kept CACHE_SECONDS only, far below the answers' retention.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import Protocol

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from nonrecours.analysis.estimators import Difference, Estimate, difference_between_waves
from nonrecours.analysis.files import OVERALL, ResultRow
from nonrecours.localaids.models import LocalAid
from nonrecours.surveys.analysis import CampaignAnalysis, campaign_analysis
from nonrecours.surveys.eligibility import (
    PotentialNonTakeUp,
    potential_from_data,
    potential_non_take_up,
    potential_to_data,
)
from nonrecours.surveys.models import Campaign, StoredPotential
from nonrecours.surveys.subgroups import (
    FilteredLine,
    Filters,
    StratumComparison,
    filtered_lines,
    stratum_comparisons,
)
from nonrecours.surveys.weighting import Weighting
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune

CACHE_SECONDS = 3600
# Changed when the shape of what is cached changes (a new deployment never
# reads an older shape).
CACHE_VERSION = 1


class LabelledIndicator(Protocol):
    """What a line needs of an indicator: a questionnaire's Indicator or a
    publication's PublishedIndicator."""

    @property
    def id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def base(self) -> str: ...


@dataclass(frozen=True)
class DashboardLine:
    """One indicator: overall, by stratum (label, row, change since the
    previous wave), and the overall change."""

    indicator: str
    label: str
    base: str
    overall: ResultRow
    by_stratum: list[tuple[str, ResultRow, "Change | None"]]
    change: "Change | None" = None


def dashboard_lines(
    indicators: Iterable[LabelledIndicator],
    rows: Iterable[ResultRow],
    changes: "dict[tuple[str, str], Change] | None" = None,
) -> list[DashboardLine]:
    """One line per indicator, in the order of ``indicators``, from the key
    ``rows`` (overall and by stratum: computed now or read from a
    publication) and the ``changes`` by (indicator, domain). Raises
    KeyError when a row is missing."""
    by_key = {(r.indicator, r.by, r.domain): r for r in rows}
    changes = changes or {}
    return [
        DashboardLine(
            indicator=i.id,
            label=i.label,
            base=i.base,
            overall=by_key[(i.id, OVERALL, OVERALL)],
            by_stratum=[
                (str(s.label), by_key[(i.id, "strate", s.value)], changes.get((i.id, s.value)))
                for s in Stratum
            ],
            change=changes.get((i.id, OVERALL)),
        )
        for i in indicators
    ]


@dataclass(frozen=True)
class Change:
    """A published cell against the previous wave: its share then, and the
    difference (points as a share, now minus then) with its standard error."""

    previous: float
    difference: float
    se: float

    @property
    def p_value(self) -> float:
        """Two-sided p-value of "no change" (independent samples)."""
        return Difference(self.difference, self.se).p_value

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The territory's wave before this one (the latest that started earlier)."""
    return (
        Campaign.objects.filter(territory=campaign.territory, starts_on__lt=campaign.starts_on)
        .order_by("-starts_on")
        .first()
    )


def changes_since(
    current: Iterable[ResultRow], previous: Iterable[ResultRow]
) -> dict[tuple[str, str], Change]:
    """Change of each published cell from the previous wave, by (indicator,
    domain), from the rows of both (computed now or read from a
    publication). Cells hidden or empty in either wave have no change."""
    before = {(r.indicator, r.domain): r for r in previous}
    changes = {}
    for row in current:
        old = before.get((row.indicator, row.domain))
        if old is None or row.suppressed or old.suppressed:
            continue
        if row.estimate is None or row.se is None or old.estimate is None or old.se is None:
            continue
        change = difference_between_waves(
            Estimate(row.estimate, row.se, row.n), Estimate(old.estimate, old.se, old.n)
        )
        changes[(row.indicator, row.domain)] = Change(
            previous=old.estimate, difference=change.estimate, se=change.se
        )
    return changes


@dataclass(frozen=True)
class Barometer:
    """A campaign's barometer, computed now from its answers.

    `lines`: one per indicator of the questionnaire, in its order, with the
    changes since `previous` (the territory's wave before, None when there
    is none or it has no answer); `changes` by (indicator, domain);
    `potential`: the potential non-take-up (None when not asked for);
    `filters`, `filtered` and `refusal`: the subgroup asked for, its lines
    (see subgroups.filtered_lines) or why it is not published (French)."""

    campaign: Campaign
    analysis: CampaignAnalysis
    lines: list[DashboardLine]
    previous: Campaign | None
    changes: dict[tuple[str, str], Change]
    comparisons: list[StratumComparison]
    potential: PotentialNonTakeUp | None = None
    filters: Filters = field(default_factory=Filters)
    filtered: list[FilteredLine] = field(default_factory=list)
    refusal: str = ""

    def line(self, indicator: str) -> DashboardLine | None:
        return next((line for line in self.lines if line.indicator == indicator), None)


def _answers_state(campaign: Campaign) -> str:
    state = campaign.responses.aggregate(n=Count("pk"), last=Max("pk"), at=Max("received_at"))
    received = state["at"].isoformat() if state["at"] else ""
    return f"{state['n']}:{state['last']}:{received}"


def _analysis_version(campaign: Campaign, weighting: Weighting) -> str:
    """A digest of what the estimates of `campaign` are computed from."""
    territory = type(campaign.territory).objects.only("updated_at").get(pk=campaign.territory_id)
    communes = list(
        Commune.objects.members_of(campaign.territory)
        .order_by("pk")
        .values_list("pk", "stratum", "population")
    )
    parts = [
        CACHE_VERSION,
        campaign.pk,
        campaign.questionnaire_id,
        territory.updated_at.isoformat(),
        communes,
        _answers_state(campaign),
        weighting,
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _kept_analysis(campaign: Campaign, weighting: Weighting) -> CampaignAnalysis:
    """campaign_analysis, read from the cache when its data did not change
    (the previous wave's, read for the changes, is not a whole barometer:
    no wave before it is computed)."""
    key = f"barometre-analyse:{campaign.pk}:{_analysis_version(campaign, weighting)}"
    analysis: CampaignAnalysis | None = cache.get(key)
    if analysis is None:
        analysis = campaign_analysis(campaign, weighting)
        cache.set(key, analysis, CACHE_SECONDS)
    return analysis


def data_version(campaign: Campaign, weighting: Weighting) -> str:
    """A digest of everything the barometer of `campaign` is computed from
    but the legislation (fixed by the code's version): it changes when any
    of them changes (its answers, questionnaire, dates, the territory's
    communes and population, the previous wave and its answers, the local
    aids, the weighting)."""
    previous = previous_campaign(campaign)
    aids = LocalAid.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    parts = [
        _analysis_version(campaign, weighting),
        campaign.starts_on,
        campaign.ends_on,
        previous.pk if previous else None,
        _analysis_version(previous, Weighting()) if previous else None,
        aids["n"],
        aids["at"].isoformat() if aids["at"] else "",
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _compute(campaign: Campaign, weighting: Weighting) -> Barometer:
    analysis = campaign_analysis(campaign, weighting)
    previous = previous_campaign(campaign)
    changes: dict[tuple[str, str], Change] = {}
    if previous is not None and previous.responses.exists():
        before = _kept_analysis(previous, Weighting())
        changes = changes_since(analysis.rows, before.rows)
    else:
        previous = None
    indicators = campaign.questionnaire.questionnaire().indicators
    return Barometer(
        campaign=campaign,
        analysis=analysis,
        lines=dashboard_lines(indicators, analysis.rows, changes),
        previous=previous,
        changes=changes,
        comparisons=stratum_comparisons(campaign, analysis),
    )


def potential_version(campaign: Campaign, weighting: Weighting) -> str:
    """The version of what a wave's potential non-take-up comes from: the
    barometer's data (data_version) and the legislation simulated (the
    versions of OpenFisca-France and of this software, which holds the
    sourced parameters it adds)."""
    legislation = (metadata.version("openfisca-france"), metadata.version("nonrecours"))
    return hashlib.sha256(
        repr((data_version(campaign, weighting), legislation)).encode()
    ).hexdigest()


def _kept_potential(
    campaign: Campaign, barometer: Barometer, weighting: Weighting
) -> PotentialNonTakeUp:
    """The potential non-take-up stored for this version of the wave, or
    computed now (a simulation per answer) and stored for the next reader,
    in this process or another (the command line's report, the dashboard)."""
    version = potential_version(campaign, weighting)
    stored = StoredPotential.objects.filter(campaign=campaign, version=version).first()
    if stored is not None:
        return potential_from_data(stored.content)
    computed = potential_non_take_up(campaign, barometer.analysis)
    StoredPotential.objects.update_or_create(
        campaign=campaign,
        defaults={
            "version": version,
            "content": potential_to_data(computed),
            "computed_at": timezone.now(),
        },
    )
    # What a reader gets is what is stored: hidden cells without value.
    return potential_from_data(potential_to_data(computed))


def campaign_barometer(
    campaign: Campaign,
    filters: Filters | None = None,
    *,
    weighting: Weighting | None = None,
    potential: bool = True,
) -> Barometer:
    """The barometer of `campaign` (which must have answers) with `weighting`
    (default options when None), read from the cache or computed now; with
    the potential non-take-up unless `potential` is False (computed once
    per data version, then kept); with the lines of `filters` when active.
    Raises RakingError when the weights do not converge."""
    weighting = weighting or Weighting()
    key = f"barometre:{campaign.pk}:{data_version(campaign, weighting)}"
    barometer: Barometer | None = cache.get(key)
    if barometer is None:
        barometer = _compute(campaign, weighting)
        cache.set(key, barometer, CACHE_SECONDS)
    barometer = replace(barometer, campaign=campaign)
    if potential and barometer.potential is None:
        barometer = replace(barometer, potential=_kept_potential(campaign, barometer, weighting))
        cache.set(key, barometer, CACHE_SECONDS)
    if filters is not None and filters.active:
        filtered, refusal = filtered_lines(campaign, barometer.analysis, filters)
        barometer = replace(barometer, filters=filters, filtered=filtered, refusal=refusal)
    return barometer
