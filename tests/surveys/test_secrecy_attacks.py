"""The attacks of issue 12, rebuilt on the demonstration campaign: a reader
who has every figure published about the wave (key figures, strata, the
communes of the map, the sex and age tables, every dashboard filter) and
knows the weighted total of every cell (the weights are calibrated on the
public population) tries to recover a hidden cell.

The attacker here works on the respondents themselves (one unknown per
respondent in the indicator's base: their weighted answer), independently
of the atoms the secrecy model uses: a hidden cell is recovered when its
respondents' sum is a combination of the published sums.
"""

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from nonrecours.analysis.files import OVERALL
from nonrecours.surveys.analysis import campaign_analysis
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.release import STRATA
from nonrecours.surveys.subgroups import NOT_CROSSED, Filters, filtered_lines
from nonrecours.surveys.weighting import NOT_GIVEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(arras):
    call_command("demo", "--responses", "300", "--seed", "1", stdout=StringIO())
    return Campaign.objects.get(slug="demo-2024")


def _members(analysis, by: str, domain: str) -> np.ndarray:
    """Who is in a published cell, read from the respondents."""
    people = analysis.respondents
    shown_sexes = analysis.layout.categories["sexe"]
    sexes = np.where(np.isin(people.sexes, shown_sexes), people.sexes, NOT_GIVEN)
    keep = np.ones(people.strata.size, dtype=bool)
    if by == OVERALL:
        return keep
    for dimension, value in zip(by.split("_"), domain.split("|"), strict=True):
        if dimension == "strate":
            keep &= people.strata == STRATA.index(value)
        elif dimension == "commune":
            keep &= people.communes == people.commune_codes.index(value)
        elif dimension == "sexe":
            keep &= sexes == value
        else:
            keep &= people.ages == value
    return keep


def _recovered(analysis) -> list[tuple[str, str, str, float]]:
    """Every hidden cell the attacker recovers exactly: (indicator, table,
    domain, the value recovered)."""
    people = analysis.respondents
    weights = analysis.raking.weights
    rows = [*analysis.rows, *analysis.commune_rows, *analysis.tables]
    found = []
    for indicator, values in people.values.items():
        in_base = ~np.isnan(values)
        mine = [r for r in rows if r.indicator == indicator]
        vectors = {(r.by, r.domain): _members(analysis, r.by, r.domain)[in_base] for r in mine}
        published = [r for r in mine if not r.suppressed and r.estimate is not None]
        matrix = np.array([vectors[(r.by, r.domain)] for r in published], dtype=float)
        # Published sums: share × weighted total of the cell (known).
        y = values[in_base] * weights[in_base]
        sums = np.array([y[vectors[(r.by, r.domain)]].sum() for r in published])
        rank = np.linalg.matrix_rank(matrix)
        for row in mine:
            if not row.suppressed:
                continue
            target = vectors[(row.by, row.domain)].astype(float)
            if not target.any():
                # Hidden although nobody of the base is in it: hidden for
                # everyone (who is in the base is itself an answer); the
                # attacker here already knows the base, so nothing to test.
                continue
            if np.linalg.matrix_rank(np.vstack([matrix, target])) == rank:
                coefficients, *_ = np.linalg.lstsq(matrix.T, target, rcond=None)
                total = weights[in_base][vectors[(row.by, row.domain)]].sum()
                found.append((indicator, row.by, row.domain, float(coefficients @ sums / total)))
    return found


def test_no_hidden_cell_comes_back_from_everything_the_wave_publishes(demo):
    analysis = campaign_analysis(demo)
    hidden = [r for r in (*analysis.commune_rows, *analysis.tables) if r.suppressed]
    assert len(hidden) > 20  # the attack has something to aim at
    assert _recovered(analysis) == []


def test_the_sex_by_age_attack_of_the_issue_fails(demo):
    """Attack 1: a small sex × age cell hidden in its table while the same
    age band for the other sex and the whole band are published elsewhere
    (dashboard filters). Every hidden sex × age cell is checked: the band
    and the other sexes of the band are never all published."""
    analysis = campaign_analysis(demo)
    published = {
        (r.indicator, r.by, r.domain)
        for r in (*analysis.rows, *analysis.tables)
        if not r.suppressed
    }
    sexes = analysis.layout.categories["sexe"]
    checked = 0
    for row in analysis.tables:
        if row.by != "sexe_age" or not row.suppressed:
            continue
        sex, age = row.domain.split("|")
        others = [(row.indicator, "sexe_age", f"{s}|{age}") for s in sexes if s != sex]
        band = (row.indicator, "age", age)
        empty = {
            (r.indicator, r.by, r.domain) for r in analysis.tables if r.n == 0 and not r.suppressed
        }
        assert not (band in published and all(o in published or o in empty for o in others))
        checked += 1
    assert checked > 0
    # And through the dashboard's filters: the subgroup shows the same.
    row = next(r for r in analysis.tables if r.by == "sexe_age" and r.suppressed)
    sex, age = row.domain.split("|")
    lines, refusal = filtered_lines(demo, analysis, Filters(sex=sex, age=age))
    line = next(line for line in lines if line.indicator == row.indicator)
    assert refusal == "" and line.subgroup.suppressed and line.versus_rest is None


def test_a_commune_is_not_crossed_with_sex_or_age(demo):
    analysis = campaign_analysis(demo)
    commune = analysis.respondents.commune_codes[0]
    lines, refusal = filtered_lines(demo, analysis, Filters(commune=commune, sex="femme"))
    assert lines == [] and "Retirez soit" in refusal
    lines, refusal = filtered_lines(demo, analysis, Filters(stratum="rural", sex="femme"))
    assert lines == [] and refusal == NOT_CROSSED


def test_who_is_in_a_base_is_not_counted_where_everyone_is_hidden(demo):
    """The reviewer's attack: « recours_aide_proches » is asked to those in
    financial difficulty, so its published count of men is the number of
    men in difficulty, hidden in « situation_financiere_difficile ». A cell
    hidden for an indicator on everyone is hidden for every base, and what
    is still published does not give it back."""
    analysis = campaign_analysis(demo)
    rows = [*analysis.rows, *analysis.commune_rows, *analysis.tables]
    everyone = {
        (r.by, r.domain)
        for r in rows
        if r.indicator == "situation_financiere_difficile" and r.suppressed
    }
    assert everyone
    for indicator in ("recours_aide_proches", "puise_dans_epargne"):
        mine = {(r.by, r.domain): r for r in rows if r.indicator == indicator}
        assert all(mine[cell].suppressed for cell in everyone), indicator
    assert _recovered(analysis) == []
