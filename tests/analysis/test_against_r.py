"""Estimates and standard errors against R `survey` (fixtures made by
tests/analysis/fixtures/reference.R: calibrate(calfun = "raking") + svymean
on subsets). Estimates within 1e-6, standard errors within 1e-5 relative."""

import csv
from pathlib import Path

import numpy as np
import pytest

from nonrecours.analysis.estimators import difference, mean
from nonrecours.analysis.raking import Margin, rake

FIXTURES = Path(__file__).parent / "fixtures"


def load(name):
    with (FIXTURES / f"{name}.csv").open() as f:
        rows = list(csv.DictReader(f))
    with (FIXTURES / f"{name}-marges.csv").open() as f:
        margin_rows = list(csv.DictReader(f))
    margins = []
    for variable in dict.fromkeys(r["variable"] for r in margin_rows):
        totals = {
            r["modalite"]: float(r["effectif"]) for r in margin_rows if r["variable"] == variable
        }
        margins.append(Margin(variable, totals))
    samples = {m.variable: np.array([r[m.variable] for r in rows], dtype=object) for m in margins}
    weights = [float(r["w0"]) for r in rows] if "w0" in rows[0] else None
    with (FIXTURES / f"{name}-r.csv").open() as f:
        expected = list(csv.DictReader(f))
    with (FIXTURES / f"{name}-poids-r.csv").open() as f:
        r_weights = np.array([float(r["weight"]) for r in csv.DictReader(f)])
    return rows, samples, margins, weights, expected, r_weights


@pytest.mark.parametrize("name", ["strates", "communes"])
def test_weights_and_estimates_match_r_survey(name):
    rows, samples, margins, weights, expected, r_weights = load(name)
    result = rake(samples, margins, weights, tolerance=1e-13)
    assert result.converged
    np.testing.assert_allclose(result.weights, r_weights, rtol=1e-8)
    for reference in expected:
        indicator = reference["indicator"]
        values = np.array([float(r[indicator]) if r[indicator] != "" else np.nan for r in rows])
        domain = None
        if reference["by"] != "ensemble":
            domain = samples[reference["by"]] == reference["domain"]
        got = mean(result, values, domain)
        where = f"{indicator} / {reference['by']} = {reference['domain']}"
        assert got.n == int(reference["n"]), where
        assert abs(got.estimate - float(reference["estimate"])) < 1e-6, where
        se = float(reference["se"])
        if se == 0:
            assert got.se < 1e-9, where
        else:
            assert abs(got.se - se) / se < 1e-5, (where, got.se, se)


def test_fixtures_cover_tiny_domains():
    _, _, _, _, expected, _ = load("strates")
    assert any(r["domain"] == "ile" and r["n"] == "2" for r in expected)
    _, _, _, _, expected, _ = load("communes")
    assert any(r["domain"] == "c00" and r["n"] == "1" for r in expected)


def test_empty_domain_gives_no_figure():
    rows, samples, margins, weights, _, _ = load("strates")
    result = rake(samples, margins, weights)
    values = np.array([float(r["aide_proches"]) if r["aide_proches"] else np.nan for r in rows])
    nobody = np.zeros(len(rows), dtype=bool)
    got = mean(result, values, nobody)
    assert got.n == 0 and np.isnan(got.estimate)


@pytest.mark.parametrize("name", ["strates", "communes"])
def test_differences_between_domains_match_r_survey(name):
    rows, samples, margins, weights, _, _ = load(name)
    result = rake(samples, margins, weights, tolerance=1e-13)
    with (FIXTURES / f"{name}-differences-r.csv").open() as f:
        expected = list(csv.DictReader(f))
    assert expected
    for reference in expected:
        indicator = reference["indicator"]
        values = np.array([float(r[indicator]) if r[indicator] != "" else np.nan for r in rows])
        variable = samples[reference["by"]]
        got = difference(
            result, values, variable == reference["first"], variable == reference["second"]
        )
        where = f"{indicator} : {reference['first']} − {reference['second']}"
        assert abs(got.estimate - float(reference["estimate"])) < 1e-6, where
        se = float(reference["se"])
        assert abs(got.se - se) / se < 1e-5, (where, got.se, se)


def test_difference_p_value_and_change_between_waves():
    from nonrecours.analysis.estimators import Estimate, difference_between_waves

    change = difference_between_waves(Estimate(0.30, 0.01, 2500), Estimate(0.25, 0.012, 2400))
    assert change.estimate == pytest.approx(0.05)
    assert change.se == pytest.approx((0.01**2 + 0.012**2) ** 0.5)
    assert change.p_value == pytest.approx(0.0013699, abs=1e-6)  # R: 2 * pnorm(-3.2009)


@pytest.mark.parametrize("name", ["strates", "communes"])
def test_all_domains_at_once_give_the_same_figures(name):
    from nonrecours.analysis.estimators import means_by_domain

    rows, samples, margins, weights, expected, _ = load(name)
    result = rake(samples, margins, weights, tolerance=1e-13)
    for indicator in {r["indicator"] for r in expected}:
        values = np.array([float(r[indicator]) if r[indicator] != "" else np.nan for r in rows])
        (overall,) = means_by_domain(result, values)
        one = mean(result, values)
        assert overall.n == one.n
        assert overall.estimate == pytest.approx(one.estimate, abs=1e-12)
        assert overall.se == pytest.approx(one.se, rel=1e-9)
        variable = margins[0].variable
        categories = list(margins[0].totals)
        codes = np.array([categories.index(v) for v in samples[variable]])
        for category, got in zip(
            categories, means_by_domain(result, values, codes, len(categories)), strict=True
        ):
            single = mean(result, values, samples[variable] == category)
            assert got.n == single.n, category
            if single.n:
                assert got.estimate == pytest.approx(single.estimate, abs=1e-12), category
                assert got.se == pytest.approx(single.se, rel=1e-8, abs=1e-12), category
