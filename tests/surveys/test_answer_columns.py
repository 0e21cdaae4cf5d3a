"""Answers read column by column from the database (surveys.answer_columns):
what the database gives back is what was stored, on SQLite and PostgreSQL."""

import numpy as np
import pytest

from nonrecours.surveys.answer_columns import (
    ABSENT,
    AnswerColumns,
    AnswerText,
    read_answer_columns,
)
from nonrecours.surveys.models import Response
from nonrecours.territories.models import Commune
from tests.factories import CampaignFactory, ResponseFactory

# Stored as is (the update bypasses the questionnaire's checks): every kind
# of JSON value, texts that need escaping, a missing key, null.
STORED = [
    {"a": "oui", "b": ["rsa", "aah"], "c": 3},
    {"a": 'l\'été « 2 » "x" \\ é\n', "b": [], "c": 3.5},
    {"a": None, "b": ["aah", "rsa"], "c": True},
    {"b": {"k": [1, 2]}, "c": False},
    {"a": "oui", "b": ["rsa", "aah"], "c": 0},
    {"a": "", "c": "3"},
]


@pytest.fixture
def stored(arras):
    campaign = CampaignFactory(territory=arras)
    for answers in STORED:
        response = ResponseFactory(campaign=campaign)
        Response.objects.filter(pk=response.pk).update(answers=answers)
    return campaign


def _decoded(columns: AnswerColumns, name: str) -> list:
    return [
        ("absent", None) if code == ABSENT else ("given", columns.values[name][code])
        for code in columns.codes[name].tolist()
    ]


@pytest.mark.django_db
def test_the_database_gives_back_each_stored_answer(stored, arras):
    communes = list(Commune.objects.members_of(arras))
    ids, commune_ids, columns = read_answer_columns(stored, communes, ["c", "a", "b", "zz"])

    assert list(ids) == sorted(ids) and len(ids) == len(STORED)
    assert columns.size == len(STORED)
    for name in ("a", "b", "c", "zz"):
        expected = [("given", a[name]) if name in a else ("absent", None) for a in STORED]
        got = _decoded(columns, name)
        assert got == expected, name
        # Python's True == 1: the types must come back too.
        assert [type(v) for _, v in got] == [type(v) for _, v in expected], name
    # Equal answers, one code; different ones (lists in another order), two.
    assert columns.codes["a"][0] == columns.codes["a"][4]
    assert columns.codes["b"][0] == columns.codes["b"][4] != columns.codes["b"][2]
    assert len(set(commune_ids)) == 1


@pytest.mark.django_db
def test_no_answer_in_the_communes_gives_empty_columns(stored, arras):
    elsewhere = list(Commune.objects.members_of(arras).order_by("-insee_code")[:1])
    assert not Response.objects.filter(campaign=stored, commune__in=elsewhere).exists()

    ids, commune_ids, columns = read_answer_columns(stored, elsewhere, ["a"])

    assert (ids, commune_ids, columns.size) == ((), [], 0)
    assert columns.codes["a"].shape == (0,)


def test_combinations_are_the_distinct_rows_of_codes():
    columns = AnswerColumns.from_answers(
        [{"x": 1, "y": "a"}, {"x": 2}, {"x": 1, "y": "a"}, {"y": "a"}, {"x": 2}],
        ["x", "y"],
    )

    combinations, inverse = columns.combinations(["x", "y"])

    rows = [columns.answers_of(["x", "y"], codes) for codes in combinations.tolist()]
    assert [rows[i] for i in inverse.tolist()] == [
        {"x": 1, "y": "a"},
        {"x": 2},
        {"x": 1, "y": "a"},
        {"y": "a"},
        {"x": 2},
    ]
    assert len(rows) == 3


def test_no_question_is_one_combination_for_everyone():
    columns = AnswerColumns.from_answers([{"x": 1}, {"x": 2}], ["x"])

    combinations, inverse = columns.combinations([])

    assert combinations.shape == (1, 0)
    np.testing.assert_array_equal(inverse, [0, 0])


def test_a_question_name_outside_the_questionnaire_grammar_is_refused():
    with pytest.raises(ValueError, match="question name"):
        AnswerText("a') OR 1=1 --")
