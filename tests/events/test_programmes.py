"""The questionnaires of an event declared as data (events.programmes):
the shipped files, the right answers taken out before the survey engine
reads the quiz, located errors, scoring."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.events.programmes import (
    ProgrammeError,
    programme_by_slug,
    programmes,
    quiz_score,
    read_programme,
    read_programme_text,
)
from nonrecours.surveys.questionnaire import QuestionType


def test_the_shipped_programmes_are_read():
    found = programmes()
    assert set(found) == {"precarite-sante-mentale", "forum-partenaires"}
    training = found["precarite-sante-mentale"]
    assert training.quiz is not None and training.satisfaction is not None
    # Every question of the quiz is scored, and its answer is one of its choices.
    assert training.out_of == len(training.quiz.questions) == 8
    for question in training.quiz.questions:
        expected = training.answers[question.name]
        codes = expected if isinstance(expected, frozenset) else {expected}
        assert codes <= set(question.codes)
    # The satisfaction questionnaire asks no name: it is anonymous.
    assert not any(q.personal for q in training.satisfaction.questions)
    assert programme_by_slug("") is None and programme_by_slug("inconnu") is None


def _quiz(**question):
    base = {
        "name": "q1",
        "type": "select_one",
        "label": "Question ?",
        "required": True,
        "choices": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}],
    }
    return {
        "slug": "essai",
        "title": "Essai",
        "quiz": {
            "slug": "quiz-essai",
            "title": "Quiz",
            "sections": [{"name": "s", "title": "S", "questions": [{**base, **question}]}],
        },
    }


def test_the_right_answer_is_kept_apart_from_the_questionnaire():
    programme = read_programme(_quiz(answer="b"), "essai.yaml")
    assert programme.answers == {"q1": "b"}
    assert "answer" not in str(programme.quiz.source)


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ({"answer": "z"}, "quiz, question « q1 », « answer » : « z » n'est pas une réponse"),
        ({}, "quiz : aucune question n'a de bonne réponse"),
        ({"answer": ["a", "b"]}, "une seule bonne réponse pour une question à choix unique"),
        ({"type": "text", "choices": None, "answer": "a"}, "seule une question à choix"),
        (
            {"answer": "a", "colour": "red"},
            "quiz, section « s », question « q1 » : champ « colour » inconnu",
        ),
    ],
)
def test_each_problem_is_located(question, problem):
    with pytest.raises(ProgrammeError) as error:
        read_programme(_quiz(**question), "essai.yaml")
    assert problem in str(error.value)
    assert str(error.value).startswith("Questionnaires « essai.yaml » invalides")


def test_a_satisfaction_questionnaire_has_no_right_answer():
    data = _quiz(answer="a")
    data["satisfaction"] = data["quiz"] | {"slug": "satisfaction"}
    data["satisfaction"]["sections"][0]["questions"][0]["answer"] = "a"
    with pytest.raises(
        ProgrammeError,
        match="satisfaction, section « s », question « q1 » : champ « answer » inconnu",
    ):
        read_programme(data, "essai.yaml")


def test_scoring():
    programme = programmes()["precarite-sante-mentale"]
    right = {
        name: sorted(a) if isinstance(a, frozenset) else a for name, a in programme.answers.items()
    }
    assert quiz_score(programme, right) == (8, 8)
    assert quiz_score(programme, {}) == (0, 8)
    # A multiple choice is right only with exactly the right codes ticked.
    assert quiz_score(programme, {**right, "signes": ["isolement", "sommeil"]}) == (7, 8)
    assert quiz_score(programme, {**right, "numero_115": "violences"}) == (7, 8)
    assert programme.quiz is not None
    assert programme.quiz.question("signes").type == QuestionType.SELECT_MULTIPLE


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "slug",
                    "title",
                    "quiz",
                    "satisfaction",
                    "sections",
                    "questions",
                    "answer",
                    "name",
                    "type",
                    "choices",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(yaml_values)
def test_any_data_is_read_or_refused_in_french(data):
    try:
        read_programme(data, "hostile.yaml")
    except ProgrammeError as error:
        assert "hostile.yaml" in str(error)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_in_french(text):
    try:
        read_programme_text(text, "hostile.yaml")
    except ProgrammeError as error:
        assert "hostile.yaml" in str(error)


@pytest.mark.parametrize("sections", [True, 3, "texte", {"a": 1}])
def test_sections_that_are_not_a_list_are_refused_in_french(sections):
    with pytest.raises(ProgrammeError, match="hostile.yaml"):
        read_programme({"quiz": {"sections": sections}}, "hostile.yaml")
