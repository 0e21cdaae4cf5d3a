"""Subgroups of the dashboard (its filters) and the comparisons between
strata, computed on a campaign's barometer with the calibration's
covariance."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nonrecours.analysis.estimators import Difference, difference
from nonrecours.analysis.files import OVERALL, ResultRow
from nonrecours.surveys.analysis import CampaignAnalysis
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.release import STRATA, TABLES, Respondents
from nonrecours.territories.enums import Stratum


@dataclass(frozen=True)
class Filters:
    """A subgroup of respondents for the dashboard: each filter is optional."""

    stratum: str | None = None
    commune: str | None = None  # INSEE code
    sex: str | None = None
    age: str | None = None

    @property
    def active(self) -> bool:
        return any((self.stratum, self.commune, self.sex, self.age))

    def mask(self, respondents: Respondents) -> NDArray[np.bool_]:
        keep = np.ones(respondents.strata.size, dtype=bool)
        if self.stratum:
            keep &= respondents.strata == STRATA.index(self.stratum)
        if self.commune:
            codes = respondents.commune_codes
            keep &= respondents.communes == (
                codes.index(self.commune) if self.commune in codes else -1
            )
        if self.sex:
            keep &= respondents.sexes == self.sex
        if self.age:
            keep &= respondents.ages == self.age
        return keep


@dataclass(frozen=True)
class FilteredLine:
    indicator: str
    label: str
    overall: ResultRow
    subgroup: ResultRow
    versus_rest: Difference | None  # subgroup minus the rest of the population


NOT_CROSSED = (
    "La strate et la commune ne sont croisées ni avec le sexe ni avec l'âge : il y aurait trop "
    "peu de réponses par case, et ces chiffres permettraient de retrouver ceux qui sont "
    "masqués. Retirez soit le filtre géographique, soit le sexe et l'âge."
)


def subgroup_cell(filters: Filters, analysis: CampaignAnalysis) -> tuple[str, str] | str:
    """The published cell a subgroup is: (table, domain) of a declared table
    (see TABLES), or why it is not published (French). A stratum or a
    commune is not crossed with sex or age; sex and age band are."""
    if filters.commune:
        if filters.sex or filters.age:
            return NOT_CROSSED
        respondents = analysis.respondents
        codes = respondents.commune_codes if respondents is not None else ()
        if filters.commune not in codes:
            return "Cette commune n'est pas dans le périmètre analysé."
        if filters.stratum and analysis.stratum_of.get(filters.commune) != filters.stratum:
            return "Cette commune n'est pas dans la strate choisie."
        return "commune", filters.commune
    layout = analysis.layout
    respondents = analysis.respondents
    if filters.sex and layout is not None and respondents is not None:
        if filters.sex not in layout.categories["sexe"] and filters.sex in respondents.sexes:
            return (
                "Cette réponse est comptée avec « non renseigné » dans les tableaux publiés : "
                "trop rare pour être publiée seule."
            )
    parts = [
        (name, value)
        for name, value in (
            ("strate", filters.stratum),
            ("sexe", filters.sex),
            ("age", filters.age),
        )
        if value
    ]
    if not parts:
        return OVERALL, OVERALL
    table = "_".join(name for name, _ in parts)
    if table not in dict(TABLES):
        return NOT_CROSSED
    return table, "|".join(str(value) for _, value in parts)


def filtered_lines(
    campaign: Campaign, analysis: CampaignAnalysis, filters: Filters
) -> tuple[list[FilteredLine], str]:
    """Each indicator in the subgroup, beside the whole population, with the
    test of "no difference from the rest", and "" — or no line and why the
    subgroup is not published (French). The subgroup's figures are the cell
    of a declared table, hidden exactly as everywhere else (the secrecy
    model decided on all the tables together)."""
    respondents = analysis.respondents
    if respondents is None:
        return [], ""
    cell = subgroup_cell(filters, analysis)
    if isinstance(cell, str):
        return [], cell
    table, domain = cell
    published = {
        (r.indicator, r.by, r.domain): r
        for r in (*analysis.rows, *analysis.commune_rows, *analysis.tables)
    }
    overall = {r.indicator: r for r in analysis.rows if r.by == OVERALL}
    inside = filters.mask(respondents)
    lines = []
    for indicator in campaign.questionnaire.questionnaire().indicators:
        row = published.get((indicator.id, table, domain))
        if row is None:  # a category nobody gave: an empty cell
            row = ResultRow(indicator.id, table, domain, None, None, None, None, 0, False)
        versus_rest = None
        values = respondents.values[indicator.id]
        n_rest = int(np.sum(~inside & ~np.isnan(values)))
        if not row.suppressed and row.n > 0 and n_rest > 0 and table != OVERALL:
            versus_rest = difference(analysis.raking, values, inside, ~inside)
        lines.append(
            FilteredLine(indicator.id, indicator.label, overall[indicator.id], row, versus_rest)
        )
    return lines, ""


@dataclass(frozen=True)
class StratumComparison:
    indicator: str
    label: str
    reference: str  # label of the reference stratum (the central city)
    others: list[tuple[str, Difference | None]]  # (stratum label, other minus reference)


def stratum_comparisons(campaign: Campaign, analysis: CampaignAnalysis) -> list[StratumComparison]:
    """Each stratum against the central city, with the calibration's
    covariance; no test where either cell is hidden or empty."""
    respondents = analysis.respondents
    if respondents is None:
        return []
    shown = {(r.indicator, r.domain) for r in analysis.rows if r.estimate is not None}
    reference = Stratum.CENTRAL_CITY
    in_reference = respondents.strata == STRATA.index(reference.value)
    result = []
    for indicator in campaign.questionnaire.questionnaire().indicators:
        values = respondents.values[indicator.id]
        others: list[tuple[str, Difference | None]] = []
        for stratum in Stratum:
            if stratum == reference:
                continue
            tested = (indicator.id, stratum.value) in shown and (
                indicator.id,
                reference.value,
            ) in shown
            others.append(
                (
                    str(stratum.label),
                    difference(
                        analysis.raking,
                        values,
                        respondents.strata == STRATA.index(stratum.value),
                        in_reference,
                    )
                    if tested
                    else None,
                )
            )
        result.append(
            StratumComparison(indicator.id, indicator.label, str(reference.label), others)
        )
    return result
