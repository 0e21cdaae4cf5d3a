"""The answer rules of Questionnaire.validate and the local-module reader,
fed random and hostile values (no database: fast, many examples)."""

import datetime
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.surveys.questionnaire import (
    QuestionnaireError,
    clean_key,
    default_questionnaire,
    parse_moment,
    read_module,
    text_problem,
    with_local_module,
)
from tests.surveys.test_questionnaire import complete_answers

EXAMPLES = 1_000 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 100
PROPERTY = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None)
ANY_CHAR = st.integers(0, 0x10FFFF).map(chr)
ANY_TEXT = st.text(ANY_CHAR, max_size=30) | st.sampled_from(
    ["\x00", "\ud800", "\x1b", "١٢", "9" * 20, "A" * 3_000, "a\nb", "62041", "oui"]
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=6,
)
MODULE = {
    "sections": [
        {
            "name": "local",
            "questions": [
                {"name": "remarque", "type": "text", "label": "Une remarque ?"},
                {"name": "visites", "type": "integer", "label": "Visites", "maximum": 365},
            ],
        }
    ]
}
NOW = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def questionnaire():
    return with_local_module(default_questionnaire(), MODULE, "module.yaml")


def _storable(value: object) -> bool:
    """What every export can write: no control character, no lone surrogate."""
    text = json.dumps(value, ensure_ascii=False)
    return all(not text_problem(part, multiline=True, max_length=10**6) for part in [text])


@PROPERTY
@given(name=st.sampled_from(["remarque", "visites", "sexe", "commune", "strategies"]), value=VALUES)
def test_validate_refuses_or_cleans_any_value(questionnaire, name, value):
    clean, errors = questionnaire.validate(complete_answers(**{name: value}), communes=["62041"])
    if name in errors:
        assert errors[name] and not text_problem(errors[name], max_length=500)
    else:
        assert _storable(clean)
    if name == "remarque" and name in clean:
        assert isinstance(clean[name], str) and len(clean[name]) <= 2_000
    if name == "visites" and name in clean:
        assert type(clean[name]) is int and 0 <= clean[name] <= 365


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x00b", "caractères de contrôle"),
        ("x\ud800", "caractères de contrôle"),
        ("\x1b[31m", "caractères de contrôle"),
        ({"a": 1}, "Un texte est attendu"),
        (["a"], "Un texte est attendu"),
        (12, "Un texte est attendu"),
        ("A" * 501, "dépasse 500"),
    ],
)
def test_text_answers_are_clean_strings(questionnaire, value, message):
    _, errors = questionnaire.validate(complete_answers(remarque=value), communes=["62041"])
    assert message in errors["remarque"]


def test_free_text_keeps_its_lines_and_numbers_are_ascii(questionnaire):
    clean, errors = questionnaire.validate(
        complete_answers(remarque=" un\r\ndeux\tfin ", visites="12"), communes=["62041"]
    )
    assert errors == {}
    assert clean["remarque"] == "un\ndeux\tfin"
    _, errors = questionnaire.validate(complete_answers(visites="١٢"), communes=["62041"])
    assert "Un nombre entier est attendu" in errors["visites"]
    _, errors = questionnaire.validate(complete_answers(sexe={"a": 1}), communes=["62041"])
    assert "inconnue" in errors["sexe"]


@PROPERTY
@given(value=VALUES)
def test_keys_and_moments_are_refused_in_french_or_clean(value):
    for check in (
        clean_key,
        lambda v: parse_moment(v, now=NOW, naive_zone=datetime.UTC),
    ):
        try:
            result = check(value)
        except ValueError as error:
            assert not text_problem(str(error), max_length=500)
        else:
            assert result is None or _storable(str(result))


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59", "1999-12-31T23:59:59Z", "2026-06-04"],
)
def test_implausible_moments_are_refused(value):
    with pytest.raises(ValueError, match="plausible"):
        parse_moment(value, now=NOW, naive_zone=datetime.UTC)


def test_a_plausible_moment_is_read():
    moment = parse_moment("2026-06-01T08:00:00Z", now=NOW, naive_zone=datetime.UTC)
    assert moment == datetime.datetime(2026, 6, 1, 8, tzinfo=datetime.UTC)


@PROPERTY
@given(text=st.text(max_size=300) | st.text(ANY_CHAR, max_size=100))
def test_read_module_refuses_in_french_or_returns_plain_data(text):
    try:
        data = read_module(text, "module.yaml")
    except QuestionnaireError as error:
        assert error.problems
    else:
        json.dumps(data, allow_nan=False)  # plain JSON: storable as is


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sections: " + "[" * 3_000 + "]" * 3_000, "niveaux"),
        ("sections: &s [*s]", "niveaux"),
        (
            "a: &a [l, l, l, l, l, l, l, l, l]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
                      for i in range(8))
            + "sections: [*i]",
            "éléments",
        ),
        ("sections: " + "9" * 5_000, "chiffres"),
        ('sections: ["a\\x00"]', "caractères de contrôle"),
        ("sections: [2024-01-01]", "non prise en charge"),
        ("sections: [.nan]", "hors limites"),
        ("{1: 2}", "clé"),
        ("x" * (257 * 1024), "Ko"),
    ],
)  # fmt: skip
def test_module_bombs_are_refused(text, message):
    with pytest.raises(QuestionnaireError) as error:
        read_module(text, "module.yaml")
    assert any(message in problem for problem in error.value.problems)


def _one(**question: object) -> dict[str, object]:
    return {"sections": [{"name": "local", "questions": [{"name": "x", "label": "X", **question}]}]}


@pytest.mark.parametrize(
    "module",
    [
        {"sections": 5},
        {"sections": [{"name": "local", "questions": 5}]},
        {"sections": MODULE["sections"], "indicators": 5},
        {"sections": [{**MODULE["sections"][0], "title": "a\nb"}]},
        _one(type="integer", maximum=10**30),
        _one(type="text", max_length=-5),
        _one(type="text", label="X\x00"),
    ],
)
def test_module_structure_is_checked_not_crashed_on(module):
    with pytest.raises(QuestionnaireError):
        with_local_module(default_questionnaire(), module, "module.yaml")
