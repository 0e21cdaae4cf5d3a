"""The skip logic's ordering rule: a condition reads only questions asked
before it, and a question shown on condition never shares a page with the
question it depends on (so the online form works without JavaScript)."""

from typing import Any

import pytest

from nonrecours.surveys.questionnaire import (
    QuestionnaireError,
    default_questionnaire,
    load_questionnaire,
)

YES_NO = [{"code": "oui", "label": "Oui"}, {"code": "non", "label": "Non"}]
AIDS = [{"code": "rsa", "label": "RSA"}, {"code": "apl", "label": "APL"}]


def form(*sections: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "slug": "ordre",
        "title": "Ordre",
        "sections": [
            {"name": f"s{index}", "title": f"Section {index}", "questions": questions}
            for index, questions in enumerate(sections, start=1)
        ],
    }


def one(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "select_one", "label": name, "choices": YES_NO, **extra}


def pages_of(data: dict[str, Any]) -> list[list[str]]:
    questionnaire = load_questionnaire(data, "ordre.yaml")
    return [[q.name for q in page.questions] for page in questionnaire.pages()]


def test_a_conditional_question_starts_a_new_page_after_its_question():
    data = form(
        [
            one("a"),
            one("b"),
            one("c", relevant={"question": "a", "in": ["oui"]}),
            one("d"),
            one("e", relevant={"question": "d", "in": ["non"]}),
        ]
    )
    assert pages_of(data) == [["a", "b"], ["c", "d"], ["e"]]


def test_a_nested_condition_also_splits_the_page():
    """The dependency is found deep in all / any / not."""
    nested = {"not": {"all": [{"question": "b", "answered": True}, {"any": [
        {"question": "a", "in": ["oui"]}]}]}}  # fmt: skip
    data = form([one("a"), one("b"), one("c", relevant=nested)])
    assert pages_of(data) == [["a", "b"], ["c"]]
    data = form([one("a"), one("b", relevant={"any": [{"question": "a", "in": ["non"]}]})])
    assert pages_of(data) == [["a"], ["b"]]


def test_a_condition_on_an_earlier_page_or_section_keeps_questions_together():
    data = form(
        [one("a"), one("b")],
        [one("c", relevant={"question": "a", "in": ["oui"]}), one("d")],
    )
    assert pages_of(data) == [["a", "b"], ["c", "d"]]
    numbers = [page.number for page in load_questionnaire(data, "x").pages()]
    assert numbers == [1, 2]


def test_every_page_of_the_shipped_questionnaire_follows_the_rule():
    questionnaire = default_questionnaire()
    seen: set[str] = set()
    for page in questionnaire.pages():
        here = {q.name for q in page.questions}
        for question in page.questions:
            if question.relevant:
                assert question.relevant.questions() <= seen, question.name
                assert not question.relevant.questions() & here, question.name
        seen |= here
    assert [q for p in questionnaire.pages() for q in p.questions] == list(questionnaire.questions)


@pytest.mark.parametrize(
    ("relevant", "problem"),
    [
        ({"question": "z", "in": ["oui"]},
         "la question « z » n'existe pas avant celle-ci"),
        ({"question": "b", "in": ["oui"]},
         "la question « b » n'existe pas avant celle-ci"),
        ({"all": [{"question": "a", "in": ["oui"]}, {"question": "c", "answered": True}]},
         "la question « c » n'existe pas avant celle-ci"),
        ({"question": "a", "selected": "oui"},
         "« selected » porte sur une question à choix multiple, pas « a »"),
        ({"question": "aides", "in": ["rsa"]},
         "« in » porte sur une question à choix unique, pas « aides »"),
        ({"question": "a", "in": ["peut_etre"]},
         "le code « peut_etre » n'est pas une réponse de « a »"),
        ({"question": "aides", "selected": "ppa"},
         "le code « ppa » n'est pas une réponse de « aides »"),
        ({"question": "a", "in": []}, "« in » attend une liste non vide de codes"),
        ({"question": "a", "equals": "oui"},
         "opérateur inconnu dans une condition : « equals » "
         "(attendus : all, any, not, in, selected, answered)"),
    ],
)  # fmt: skip
def test_a_condition_reads_only_earlier_questions_of_the_right_kind(relevant, problem):
    aides = {"name": "aides", "type": "select_multiple", "label": "Aides", "choices": AIDS}
    data = form([one("a"), aides, one("b", relevant=relevant), one("c")])
    with pytest.raises(QuestionnaireError) as error:
        load_questionnaire(data, "ordre.yaml")
    where = "section « s1 », question « b », champ « relevant »"
    assert error.value.problems == [f"{where} : {problem}"]


def test_answered_works_on_any_kind_of_question():
    data = form([one("a"), {"name": "t", "type": "text", "label": "T"},
                 one("b", relevant={"question": "t", "answered": True})])  # fmt: skip
    assert load_questionnaire(data, "x").question("b").relevant.questions() == {"t"}
