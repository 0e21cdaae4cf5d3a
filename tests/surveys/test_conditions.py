"""The condition grammar against its truth table (conditions_cases.yaml).

The same table is run against the browser's evaluator
(tests/browser/test_conditions.py) and the XLSForm expression evaluated by
ODK's engine (tests/surveys/test_conditions_xlsform.py); the helpers below
read it for all three.
"""

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from nonrecours.surveys.conditions import Condition, ConditionError, parse_condition

TABLE = yaml.safe_load(Path(__file__).with_name("conditions_cases.yaml").read_text("utf-8"))
QUESTIONS: dict[str, dict[str, Any]] = TABLE["questions"]
ENGINES = ("python", "javascript", "xlsform")


def table_cases(engine: str) -> list[Any]:
    """The valid cases run against `engine`, as pytest params named by their `why`."""
    assert engine in ENGINES
    return [
        pytest.param(case, id=f"{index}-{case['why'][:70]}")
        for index, case in enumerate(TABLE["cases"], start=1)
        if engine in case.get("engines", ENGINES)
    ]


def require_program(name: str, package: str) -> str:
    """The path of `name`; skips the test when it is absent, except in CI
    (``CI=true``) where its absence fails the test."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} introuvable : installez le paquet Debian « {package} »"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def leaves(data: Any) -> set[str]:
    """The question names a condition's YAML mentions."""
    for op in ("all", "any"):
        if op in data:
            return set().union(*(leaves(item) for item in data[op]))
    if "not" in data:
        return leaves(data["not"])
    return {data["question"]}


def as_text(data: Any) -> Any:
    """The YAML with its codes as text, as ``to_data`` gives it back."""
    if "in" in data:
        return {**data, "in": [str(code) for code in data["in"]]}
    if "selected" in data:
        return {**data, "selected": str(data["selected"])}
    if "not" in data:
        return {"not": as_text(data["not"])}
    for op in ("all", "any"):
        if op in data:
            return {op: [as_text(item) for item in data[op]]}
    return data


def test_the_table_covers_every_operator_and_engine():
    used = {op for case in TABLE["cases"] for op in _ops(case["condition"])}
    assert used == {"all", "any", "not", "in", "selected", "answered"}
    for case in TABLE["cases"]:
        assert set(case) <= {"why", "condition", "answers", "expected", "engines"}, case
        assert isinstance(case["expected"], bool)
        assert set(case.get("engines", ENGINES)) <= set(ENGINES)
        assert leaves(case["condition"]) | set(case["answers"]) <= set(QUESTIONS), case["why"]
    assert {c["expected"] for c in TABLE["cases"]} == {True, False}
    whys = [case["why"] for case in TABLE["cases"]]
    assert len(set(whys)) == len(whys), "each case has its own `why`"


def _ops(data: Any) -> set[str]:
    ops = {key for key in data if key != "question"}
    for op in ("all", "any"):
        for item in data.get(op, []):
            ops |= _ops(item)
    if "not" in data:
        ops |= _ops(data["not"])
    return ops


@pytest.mark.parametrize("case", table_cases("python"))
def test_python_evaluator(case):
    condition = parse_condition(case["condition"])
    assert condition.evaluate(case["answers"]) is case["expected"], case["why"]


@pytest.mark.parametrize("case", table_cases("python"))
def test_shape_questions_and_round_trip(case):
    """What the browser receives (``to_data``) is the YAML, codes as text,
    and reads back as the same condition."""
    condition = parse_condition(case["condition"])
    assert condition.to_data() == as_text(case["condition"])
    assert parse_condition(condition.to_data()) == condition
    assert condition.questions() == leaves(case["condition"])


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=f"{i}-{c['why'][:70]}") for i, c in enumerate(TABLE["invalid"], start=1)],
)
def test_invalid_conditions_are_refused_in_french(case):
    with pytest.raises(ConditionError) as error:
        parse_condition(case["condition"])
    assert str(error.value) == case["error"], case["why"]


def test_the_answers_are_only_read():
    answers = {"aides": ["rsa"], "statut": "seul"}
    parse_condition({"any": [{"question": "aides", "selected": "rsa"}]}).evaluate(answers)
    assert answers == {"aides": ["rsa"], "statut": "seul"}


@pytest.mark.parametrize(
    ("data", "expression"),
    [
        ({"question": "statut", "in": ["couple", "famille"]},
         "(${statut} = 'couple' or ${statut} = 'famille')"),
        ({"question": "statut", "in": ["seul"]}, "(${statut} = 'seul')"),
        ({"question": "aides", "selected": "rsa"}, "selected(${aides}, 'rsa')"),
        ({"question": "age", "answered": True}, "${age} != ''"),
        ({"not": {"question": "age", "answered": True}}, "not(${age} != '')"),
        ({"all": [{"question": "age", "answered": True}, {"question": "aides", "selected": "rsa"}]},
         "(${age} != '' and selected(${aides}, 'rsa'))"),
        ({"any": [{"question": "age", "answered": True}, {"question": "statut", "in": [1]}]},
         "(${age} != '' or (${statut} = '1'))"),
    ],
)  # fmt: skip
def test_xlsform_expressions(data, expression):
    """The exact XLSForm text (its meaning is checked by ODK's engine in
    test_conditions_xlsform.py)."""
    assert parse_condition(data).to_xlsform() == expression


def test_a_condition_is_a_value():
    one = Condition(op="in", question="statut", codes=("seul",))
    assert one == parse_condition({"question": "statut", "in": ["seul"]})
    assert hash(one) == hash(parse_condition({"question": "statut", "in": ["seul"]}))
    with pytest.raises(AttributeError):
        one.op = "any"  # type: ignore[misc]


def test_an_operator_outside_the_grammar_never_gets_an_answer():
    """A Condition built by hand with an unknown operator refuses to
    evaluate (parse_condition never builds one)."""
    with pytest.raises(AssertionError, match="^equals$"):
        Condition(op="equals", question="statut", codes=("seul",)).evaluate({"statut": "seul"})
