"""Estimates and standard errors against R `survey` (fixtures made by
tests/analysis/fixtures/reference.R: calibrate(calfun = "raking") + svymean
on subsets). Estimates within 1e-6, standard errors within 1e-5 relative."""

import csv
from pathlib import Path

import numpy as np
import pytest

from nonrecours.analysis.estimators import mean
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
