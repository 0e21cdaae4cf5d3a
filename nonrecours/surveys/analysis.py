"""The weighted estimates of a stored campaign (reads only).

Answers become 0/1 indicator values (empty outside each indicator's base),
weights are calibrated on the real population of the communes
(surveys.weighting), and every indicator is estimated in every published
table (surveys.release) with its calibrated standard error, through the
numpy engine of nonrecours.analysis. What the pages, the report and open
data read is the campaign's barometer (surveys.barometer), built on this.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nonrecours.analysis.files import ResultRow, as_json_rows
from nonrecours.analysis.raking import FloatArray, RakingResult
from nonrecours.surveys.answer_columns import AnswerColumns, read_answer_columns
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.questionnaire import Indicator
from nonrecours.surveys.release import (
    CROSSED_TABLES,
    KEY_TABLES,
    STRATA,
    Layout,
    ReleasePlan,
    Respondents,
    layout_of,
    released_rows,
)
from nonrecours.surveys.weighting import CALIBRATION_QUESTIONS, Weighting, calibrate
from nonrecours.territories.models import Commune


@dataclass(frozen=True)
class CampaignAnalysis:
    rows: list[ResultRow]
    raking: RakingResult
    zones: dict[str, str]  # commune INSEE code -> calibration zone
    # By commune, kept apart from `rows`: most communes are hidden by the
    # disclosure rule; used by the map of an indicator.
    commune_rows: list[ResultRow] = field(default_factory=list)
    margins: tuple[str, ...] = ()  # what the weights are calibrated on, in French
    structure_label: str = ""  # where the sex × age margins come from
    structure_approximation: bool = False
    weighting: Weighting = Weighting()
    respondents: Respondents | None = None
    # The sex and age band tables, overall and by stratum (CROSSED_TABLES),
    # released with `rows` and `commune_rows` by one secrecy decision.
    tables: list[ResultRow] = field(default_factory=list)
    layout: Layout | None = None
    stratum_of: dict[str, str] = field(default_factory=dict)  # commune -> stratum


def indicator_values(
    indicators: Sequence[Indicator], columns: AnswerColumns
) -> dict[str, FloatArray]:
    """For each indicator (by id): one value per respondent, 1.0 or 0.0 for
    its numerator, NaN outside its base. `columns` must hold the answers to
    every question the indicators name.

    Each condition depends only on the answers to the questions it names
    (Condition.questions): it is evaluated once per distinct combination of
    those answers, not once per respondent."""
    values: dict[str, FloatArray] = {}
    for indicator in indicators:
        base = indicator.base_condition
        names = indicator_questions([indicator])
        if not columns.size:
            values[indicator.id] = np.empty(0)
            continue
        combinations, inverse = columns.combinations(names)
        distinct = np.empty(len(combinations))
        for row, codes in enumerate(combinations.tolist()):
            given = columns.answers_of(names, codes)
            if base is not None and not base.evaluate(given):
                distinct[row] = np.nan
            else:
                distinct[row] = 1.0 if indicator.numerator.evaluate(given) else 0.0
        values[indicator.id] = distinct[inverse]
    return values


def indicator_questions(indicators: Sequence[Indicator]) -> list[str]:
    """The questions the indicators' numerators and bases name, sorted."""
    names: set[str] = set()
    for indicator in indicators:
        names |= indicator.numerator.questions()
        if indicator.base_condition is not None:
            names |= indicator.base_condition.questions()
    return sorted(names)


def campaign_analysis(campaign: Campaign, weighting: Weighting | None = None) -> CampaignAnalysis:
    """Every published row of `campaign` (see surveys.release), estimated now
    from its answers with `weighting`. Raises RakingError when the weights
    do not converge."""
    weighting = weighting or Weighting()
    questionnaire = campaign.questionnaire.questionnaire()
    communes = list(Commune.objects.members_of(campaign.territory).filter(population__isnull=False))
    by_pk = {c.pk: c for c in communes}
    ids, commune_ids, columns = read_answer_columns(
        campaign,
        communes,
        [*indicator_questions(questionnaire.indicators), *CALIBRATION_QUESTIONS],
    )
    codes = [by_pk[commune_id].insee_code for commune_id in commune_ids]
    calibration = calibrate(campaign.territory, questionnaire, communes, codes, columns, weighting)
    stratum_index = {s: i for i, s in enumerate(STRATA)}
    commune_order = sorted(c.insee_code for c in communes)
    position = {code: i for i, code in enumerate(commune_order)}
    values = indicator_values(questionnaire.indicators, columns)
    respondents = Respondents(
        strata=np.array(
            [stratum_index[by_pk[commune_id].stratum] for commune_id in commune_ids],
            dtype=np.intp,
        ),
        communes=np.array([position[c] for c in codes], dtype=np.intp),
        commune_codes=tuple(commune_order),
        sexes=calibration.sexes,
        ages=calibration.ages,
        values=values,
        ids=tuple(ids),
    )
    stratum_of = {c.insee_code: c.stratum for c in communes}
    layout = layout_of(
        respondents,
        [stratum_index[stratum_of[code]] for code in commune_order],
        calibration.sexes_shown,
    )
    released = released_rows(ReleasePlan(layout), calibration.raking, values, weighting.threshold)
    return CampaignAnalysis(
        rows=[r for r in released if r.by in KEY_TABLES],
        raking=calibration.raking,
        zones=calibration.zones,
        commune_rows=[r for r in released if r.by == "commune"],
        margins=calibration.margins,
        structure_label=calibration.structure_label,
        structure_approximation=calibration.structure_approximation,
        weighting=weighting,
        respondents=respondents,
        tables=[r for r in released if r.by in CROSSED_TABLES],
        layout=layout,
        stratum_of=stratum_of,
    )


def as_dict(analysis: CampaignAnalysis) -> dict[str, Any]:
    """The weighting and the key rows as JSON data (`nonrecours barometer
    compute`): keys in French, shares between 0 and 1."""
    raking = analysis.raking
    return {
        "ponderation": {
            "methode": "calage (raking)",
            "marges": list(analysis.margins),
            "structure_sexe_age": analysis.structure_label,
            "structure_sexe_age_approximative": analysis.structure_approximation,
            "options": analysis.weighting.describe(),
            "poids_sur_une_borne": raking.bounded,
            "converge": raking.converged,
            "iterations": raking.iterations,
            "effet_de_plan_kish": raking.kish_deff,
            "taille_effective": raking.effective_n,
            "poids_min": raking.weight_range[0],
            "poids_max": raking.weight_range[1],
        },
        "resultats": as_json_rows(analysis.rows),
    }
