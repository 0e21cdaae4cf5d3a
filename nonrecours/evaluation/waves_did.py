"""The change between two waves compared between exposed and unexposed
communes — for example served by the bus or not: a difference-in-differences
of the weighted estimates (reads only; method in analysis.waves, ADR 027).

It needs each wave's answers (the groups are not published cells): each
wave's weights are those of its barometer, each group's estimate and the
gap between the groups come from analysis.estimators on that wave's
calibrated sample. Secrecy: a group is shown only when it has at least the
wave's threshold of answers in the indicator's base, and when it differs
from every published key cell (overall, each stratum) by 0 or at least
that many answers — a group that is a stratum minus a few answers would
give those answers away.
"""

import datetime
from dataclasses import dataclass

import numpy as np

from nonrecours.analysis.estimators import Estimate, difference, means_by_domain
from nonrecours.analysis.raking import RakingError
from nonrecours.analysis.waves import ALPHA, DiffInDiff, difference_in_differences
from nonrecours.evaluation.waves import WavesError
from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.queries import running_visits
from nonrecours.surveys.analysis import CampaignAnalysis
from nonrecours.surveys.barometer import campaign_barometer
from nonrecours.surveys.models import Campaign
from nonrecours.territories.models import Commune, Territory


def exposed_by_bus(territory: Territory, first: Campaign, second: Campaign) -> list[str]:
    """INSEE codes of the member communes where the bus stopped (a visit
    of a published calendar that runs, not cancelled: outreach.queries.
    running_visits) from the start of the earlier wave to the end of the
    later one, sorted. Empty when the bus did not run then."""
    codes = (
        running_visits(territory)
        .exclude(status=VisitStatus.CANCELLED)
        .filter(day__gte=first.starts_on, day__lte=second.ends_on)
        .values_list("stop__commune__insee_code", flat=True)
    )
    members = set(Commune.objects.members_of(territory).values_list("insee_code", flat=True))
    return sorted({c for c in codes if c in members})


@dataclass(frozen=True)
class DidLine:
    """One indicator: the difference-in-differences (None when refused,
    ``refusal`` then says why, in French) and the answers in the
    indicator's base of each group: exposed then unexposed, earlier wave
    then later."""

    indicator: str
    label: str
    base: str
    result: DiffInDiff | None
    counts: tuple[int, int, int, int]
    refusal: str


@dataclass(frozen=True)
class DidComparison:
    first: Campaign
    second: Campaign
    exposed: list[str]  # INSEE codes
    lines: list[DidLine]
    threshold: int
    alpha: float


def _analysis(campaign: Campaign) -> CampaignAnalysis:
    if not campaign.responses.exists():
        raise WavesError(
            f"Les réponses de la vague « {campaign.name} » ne sont pas (ou plus) conservées : "
            "la double différence se calcule sur les réponses, pas sur les cellules publiées."
        )
    try:
        return campaign_barometer(campaign, potential=False).analysis
    except RakingError as error:
        raise WavesError(
            f"La pondération de la vague « {campaign.name} » n'a pas pu être calculée : {error}"
        ) from None


@dataclass(frozen=True)
class _Wave:
    analysis: CampaignAnalysis
    values: dict[str, np.ndarray]  # indicator -> 0/1, NaN outside its base
    exposed: np.ndarray  # bool, one per respondent
    strata: np.ndarray  # stratum index, one per respondent


def _wave(analysis: CampaignAnalysis, exposed: set[str]) -> _Wave:
    respondents = analysis.respondents
    if respondents is None:  # campaign_analysis always sets them
        raise WavesError("Les réponses de cette vague n'ont pas pu être lues.")
    codes = np.array(respondents.commune_codes, dtype=object)
    in_group = np.array([c in exposed for c in codes], dtype=bool)
    return _Wave(analysis, respondents.values, in_group[respondents.communes], respondents.strata)


def _differencing_problem(wave: _Wave, base: np.ndarray, threshold: int) -> bool:
    """Whether a group differs from a key cell by 1 to threshold − 1 answers
    of the base (either group against the overall or a stratum)."""
    for group in (wave.exposed, ~wave.exposed):
        cells = [np.ones_like(base)] + [wave.strata == s for s in np.unique(wave.strata)]
        for cell in cells:
            apart = int(((group != cell) & base).sum())
            if 0 < apart < threshold:
                return True
    return False


def _line(
    indicator: tuple[str, str, str], waves: tuple[_Wave, _Wave], threshold: int, alpha: float
) -> DidLine:
    estimates: list[Estimate] = []
    gaps = []
    counts = []
    refusal = ""
    for wave in waves:
        values = wave.values[indicator[0]]
        base = ~np.isnan(values)
        unexposed, exposed = means_by_domain(
            wave.analysis.raking, values, wave.exposed.astype(np.intp), 2
        )
        estimates += [exposed, unexposed]
        counts += [exposed.n, unexposed.n]
        if min(exposed.n, unexposed.n) < threshold:
            refusal = (
                f"Un groupe a moins de {threshold} réponses dans la base de l'indicateur "
                "(secret statistique) : pas de résultat."
            )
        elif _differencing_problem(wave, base, threshold):
            refusal = (
                "Un groupe diffère de l'ensemble ou d'une strate publiée de moins de "
                f"{threshold} réponses : ses chiffres les dévoileraient (secret statistique)."
            )
        if not refusal:
            # Not for a refused line: an empty group would divide by zero.
            gaps.append(difference(wave.analysis.raking, values, wave.exposed, ~wave.exposed))
    ordered = (counts[0], counts[2], counts[1], counts[3])
    if refusal:
        return DidLine(*indicator, result=None, counts=ordered, refusal=refusal)
    result = difference_in_differences(
        exposed_first=estimates[0],
        unexposed_first=estimates[1],
        exposed_second=estimates[2],
        unexposed_second=estimates[3],
        first_gap=gaps[0],
        second_gap=gaps[1],
        alpha=alpha,
    )
    return DidLine(*indicator, result=result, counts=ordered, refusal="")


def waves_difference_in_differences(
    first: Campaign, second: Campaign, exposed: list[str], *, alpha: float = ALPHA
) -> DidComparison:
    """Every indicator of both waves (``first`` the earlier), exposed
    communes ``exposed`` (INSEE codes of member communes) against the
    others. Raises WavesError (French, field "exposed" for the communes)
    when no commune or every commune is exposed, a code is not a member
    commune, a wave has no answers, or its weights cannot be computed."""
    members = dict(Commune.objects.members_of(first.territory).values_list("insee_code", "name"))
    unknown = [c for c in exposed if c not in members]
    if unknown:
        raise WavesError(
            f"Commune(s) inconnue(s) dans le territoire : {', '.join(unknown[:5])}.", "exposed"
        )
    chosen = set(exposed)
    if not chosen:
        raise WavesError(
            "Aucune commune exposée : cochez les communes desservies (par le bus ou l'action "
            "évaluée).",
            "exposed",
        )
    if chosen == set(members):
        raise WavesError(
            "Toutes les communes sont cochées : il faut des communes non exposées pour comparer.",
            "exposed",
        )
    analyses = _analysis(first), _analysis(second)
    threshold = max(a.weighting.threshold for a in analyses)
    waves = (_wave(analyses[0], chosen), _wave(analyses[1], chosen))
    ids_first = {i.id for i in first.questionnaire.questionnaire().indicators}
    indicators = [
        (i.id, i.label, i.base)
        for i in second.questionnaire.questionnaire().indicators
        if i.id in ids_first
    ]
    lines = [_line(indicator, waves, threshold, alpha) for indicator in indicators]
    return DidComparison(first, second, sorted(chosen), lines, threshold, alpha)


def did_table(comparison: DidComparison) -> tuple[list[str], list[list[str]]]:
    """The difference-in-differences as a CSV table (French header; shares
    and differences in percentage points, decimal comma)."""

    def pts(value: float) -> str:
        return f"{100 * value:.2f}".replace(".", ",")

    header = [
        "indicateur", "libelle", "n_exposees_a", "n_exposees_b", "n_non_exposees_a",
        "n_non_exposees_b", "exposees_a_pct", "exposees_b_pct", "non_exposees_a_pct",
        "non_exposees_b_pct", "double_difference_points", "erreur_type_points",
        "ic95_bas_points", "ic95_haut_points", "p_valeur", "refus",
    ]  # fmt: skip
    lines = []
    for line in comparison.lines:
        r = line.result
        figures = (
            [
                pts(r.exposed_first.estimate),
                pts(r.exposed_second.estimate),
                pts(r.unexposed_first.estimate),
                pts(r.unexposed_second.estimate),
                pts(r.estimate),
                pts(r.se),
                pts(r.ci_low),
                pts(r.ci_high),
                f"{r.p_value:.4f}".replace(".", ","),
            ]  # fmt: skip
            if r is not None
            else [""] * 9
        )
        counts = [str(n) for n in line.counts] if r is not None else [""] * 4
        lines.append([line.indicator, line.label, *counts, *figures, line.refusal])
    return header, lines


def did_file_name(comparison: DidComparison, today: datetime.date) -> str:
    return (
        f"double-difference-{comparison.first.slug}-{comparison.second.slug}-{today:%Y-%m-%d}.csv"
    )
