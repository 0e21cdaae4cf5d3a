"""How many answers the next wave needs, by stratum (reads only): the
minimum-detectable-effect calculator of analysis.power, prefilled from the
last wave, and the targets it gives the next campaign through the
barometer's own split (surveys.actions.commune_targets_by_population).
"""

import math
from dataclasses import dataclass

import numpy as np

from nonrecours.analysis.power import (
    PowerInputError,
    answers_needed,
    kish_design_effect,
    minimum_detectable_change,
)
from nonrecours.analysis.raking import RakingError
from nonrecours.evaluation.waves import WavesError, wave_source
from nonrecours.surveys.actions import commune_targets_by_population
from nonrecours.surveys.barometer import campaign_barometer
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.publication import publication_of
from nonrecours.surveys.release import STRATA
from nonrecours.surveys.targets import TargetError
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Territory


@dataclass(frozen=True)
class StratumDefaults:
    """What the last wave says of a stratum for one indicator: its share
    (None when the cell is hidden or empty), its answers in the indicator's
    base (None when hidden), Kish's design effect of its weights and the
    share of its respondents in the indicator's base."""

    stratum: str
    label: str
    baseline: float | None
    answers: int | None
    deff: float
    base_share: float = 1.0


def power_defaults(campaign: Campaign, indicator: str) -> list[StratumDefaults]:
    """Per stratum (territories.enums.Stratum's order), the released share of
    ``indicator`` in ``campaign`` and the answers of its base, and Kish's
    design effect 1 + CV² of the stratum's calibrated weights (computed from
    the answers when kept; else the wave's published overall one), and the
    share of the stratum's respondents who are in the indicator's base (1
    when the answers are not kept). Raises
    WavesError (French) for an indicator the wave does not have, or as
    wave_source."""
    source = wave_source(campaign)
    if indicator not in {i[0] for i in source.indicators}:
        raise WavesError(
            f"L'indicateur « {indicator[:80]} » n'est pas dans la vague « {campaign.name} ».",
            "indicator",
        )
    rows = {r.domain: r for r in source.rows if r.indicator == indicator and r.by == "strate"}
    deffs, base_shares = _stratum_weights(campaign, indicator)
    result = []
    for stratum in Stratum:
        row = rows.get(stratum.value)
        shown = row is not None and not row.suppressed and row.n > 0 and row.estimate is not None
        result.append(
            StratumDefaults(
                stratum=stratum.value,
                label=str(stratum.label),
                baseline=row.estimate if shown and row is not None else None,
                answers=row.n if shown and row is not None else None,
                deff=deffs.get(stratum.value, 1.0),
                base_share=base_shares.get(stratum.value, 1.0),
            )
        )
    return result


def _stratum_weights(
    campaign: Campaign, indicator: str
) -> tuple[dict[str, float], dict[str, float]]:
    """Kish's design effect and the share in the indicator's base, by stratum."""
    if campaign.responses.exists():
        try:
            analysis = campaign_barometer(campaign, potential=False).analysis
        except RakingError:
            analysis = None
        if analysis is not None and analysis.respondents is not None:
            weights = analysis.raking.weights
            strata = analysis.respondents.strata
            in_base = ~np.isnan(analysis.respondents.values[indicator])
            present = [(i, v) for i, v in enumerate(STRATA) if np.any(strata == i)]
            deffs = {v: round(kish_design_effect(weights[strata == i]), 2) for i, v in present}
            shares = {v: float(in_base[strata == i].mean()) for i, v in present}
            return deffs, shares
    publication = publication_of(campaign)
    overall = publication.content["weighting"]["kish_deff"] if publication else 1.0
    return {value: round(float(overall), 2) for value in STRATA}, {}


@dataclass(frozen=True)
class StratumInput:
    """What the team enters for a stratum: baseline share, change to detect
    (a share, signed), design effect, and the answers planned in each wave
    (None: no reverse calculation)."""

    stratum: str
    baseline: float
    change: float
    deff: float
    planned: int | None = None
    base_share: float = 1.0


@dataclass(frozen=True)
class StratumPlan:
    """``needed``: answers in the indicator's base per wave; ``to_collect``:
    answers to collect so that that many fall in the base (needed divided
    by the share in the base, rounded up)."""

    stratum: str
    label: str
    needed: int | None  # answers per wave; None with ``problem``
    detectable: float | None  # MDE with the planned answers (a share)
    planned: int | None
    problem: str  # French, "" when computed
    field: str = ""
    to_collect: int | None = None


def power_plan(inputs: list[StratumInput], *, alpha: float, power: float) -> list[StratumPlan]:
    """For each stratum: the answers needed in each wave
    (analysis.power.answers_needed) and, with answers planned in both
    waves, the smallest change they detect in the direction asked
    (minimum_detectable_change; None when none is). A stratum whose inputs
    are refused gets its French ``problem`` and the input's ``field``;
    nothing is raised."""
    labels = {s.value: str(s.label) for s in Stratum}
    plans = []
    for item in inputs:
        label = labels.get(item.stratum, item.stratum)
        try:
            needed = answers_needed(
                baseline=item.baseline,
                change=item.change,
                alpha=alpha,
                power=power,
                deff=item.deff,
            )
            detectable = None
            if item.planned is not None:
                detectable = minimum_detectable_change(
                    baseline=item.baseline,
                    first_n=item.planned,
                    second_n=item.planned,
                    alpha=alpha,
                    power=power,
                    deff=item.deff,
                    decrease=item.change < 0,
                )
        except PowerInputError as error:
            plans.append(
                StratumPlan(item.stratum, label, None, None, item.planned, str(error), error.field)
            )
            continue
        share = item.base_share if 0 < item.base_share <= 1 else 1.0
        to_collect = math.ceil(needed / share - 1e-9)
        plans.append(
            StratumPlan(
                item.stratum, label, needed, detectable, item.planned, "", to_collect=to_collect
            )
        )
    return plans


def proposed_targets(territory: Territory, plans: list[StratumPlan]) -> dict[str, int]:
    """The next campaign's targets by commune (INSEE code) from the answers
    needed by stratum, split by population inside each stratum by the
    barometer's own rule (surveys.targets, largest remainder): what the
    "objectif supplémentaire" of each stratum gives on the new campaign's
    form. Raises WavesError (French) when a stratum has no commune of known
    population."""
    extras = {p.stratum: p.to_collect for p in plans if p.to_collect}
    try:
        return commune_targets_by_population(territory=territory, total=0, stratum_extras=extras)
    except TargetError as error:
        raise WavesError(str(error)) from None
