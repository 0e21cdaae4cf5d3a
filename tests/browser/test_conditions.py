"""The browser's condition evaluator (collect.js, used offline by the
door-to-door app) against the grammar's truth table, in Chromium.

The table is tests/surveys/conditions_cases.yaml; the browser receives each
condition as ``Condition.to_data()`` writes it, so that is what is given here.
"""

from pathlib import Path

import pytest

from nonrecours.surveys.conditions import parse_condition
from tests.browser.conftest import new_context
from tests.surveys.test_conditions import require_program, table_cases

COLLECT_JS = Path(__file__).resolve().parents[2] / "nonrecours" / "static" / "js" / "collect.js"


@pytest.fixture(scope="module")
def blank_page(request):
    """A blank page where collect.js was loaded: outside the collect page it
    only defines ``nonrecoursConditions``. Skipped without Chromium, except
    in CI (``CI=true``)."""
    require_program("chromium", "chromium")
    context = new_context(request.getfixturevalue("browser"))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<!doctype html><html lang='fr'><title>Conditions</title></html>")
    page.add_script_tag(content=COLLECT_JS.read_text(encoding="utf-8"))
    assert errors == []
    yield page
    context.close()


@pytest.mark.parametrize("case", table_cases("javascript"))
def test_javascript_evaluator(blank_page, case):
    condition = parse_condition(case["condition"]).to_data()
    result = blank_page.evaluate(
        "([condition, answers]) => nonrecoursConditions.evaluate(condition, answers)",
        [condition, case["answers"]],
    )
    assert result is case["expected"], case["why"]


@pytest.mark.parametrize("case", table_cases("javascript"))
def test_javascript_lists_the_questions_a_condition_reads(blank_page, case):
    condition = parse_condition(case["condition"])
    names = blank_page.evaluate(
        "(condition) => nonrecoursConditions.conditionQuestions(condition)", condition.to_data()
    )
    assert set(names) == condition.questions()


def test_no_condition_means_always_shown(blank_page):
    assert blank_page.evaluate("nonrecoursConditions.evaluate(null, {})") is True
