"""The questionnaires of an event, declared as data with the survey
engine (nonrecours.surveys.questionnaire, as the barometer's): one YAML file
per programme in events/questionnaires/, holding

- ``quiz``: the knowledge quiz, a questionnaire of the survey engine whose
  questions may carry ``answer``, the right answer (a code, or a list of
  codes for a multiple choice); the same quiz is answered before and after
  the training, so that the scores compare;
- ``satisfaction``: the satisfaction questionnaire (anonymous, no answer).

``answer`` is taken out of each question before the survey engine reads
the questionnaire (its reader refuses a key it does not know); everything
else — types, choices, conditions, checks of a set of answers — is the
engine's (ADR 024). Pure Python, no Django.
"""

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from nonrecours.errors import UserError
from nonrecours.surveys.questionnaire import (
    Questionnaire,
    QuestionnaireError,
    QuestionType,
    load_questionnaire,
    read_module,
)
from nonrecours.textrules import shown, text_problem

PROGRAMMES_DIR = Path(__file__).with_name("questionnaires")
ROOT_KEYS = {"slug", "title", "description", "reference", "quiz", "satisfaction"}
SCORED_TYPES = (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE)


class ProgrammeError(UserError, ValueError):
    """A programme file with problems, each located (French)."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(
            f"Questionnaires « {source} » invalides :\n" + "\n".join(f"- {p}" for p in problems)
        )


@dataclass(frozen=True)
class Programme:
    """The questionnaires of a kind of event. ``answers``: the right answer
    of each scored question of ``quiz`` (question name → code, or frozenset
    of codes for a multiple choice); ``reference``: where the right answers
    come from."""

    slug: str
    title: str
    description: str = ""
    reference: str = ""
    quiz: Questionnaire | None = None
    answers: Mapping[str, str | frozenset[str]] = field(default_factory=dict)
    satisfaction: Questionnaire | None = None

    @property
    def out_of(self) -> int:
        """How many questions of the quiz are scored."""
        return len(self.answers)


def _answers_out(quiz: Any, problems: list[str]) -> tuple[Any, dict[str, Any]]:
    """The quiz without its ``answer`` keys, and those keys by question name."""
    if not isinstance(quiz, Mapping):
        problems.append("« quiz » : un questionnaire (dictionnaire) est attendu")
        return quiz, {}
    stripped = copy.deepcopy(dict(quiz))
    answers: dict[str, Any] = {}
    sections = stripped.get("sections")
    # A wrong « sections » is the questionnaire reader's to tell.
    for section in sections if isinstance(sections, list) else []:
        questions = section.get("questions") if isinstance(section, dict) else None
        for question in questions if isinstance(questions, list) else []:
            if isinstance(question, dict) and "answer" in question:
                answers[str(question.get("name", ""))] = question.pop("answer")
    return stripped, answers


def _check_answers(
    quiz: Questionnaire, raw: Mapping[str, Any], problems: list[str]
) -> dict[str, str | frozenset[str]]:
    answers: dict[str, str | frozenset[str]] = {}
    for question in quiz.questions:
        if question.personal:
            problems.append(f"quiz, question « {question.name} » : pas de coordonnées dans un quiz")
        if question.name not in raw:
            continue
        where = f"quiz, question « {question.name} », « answer »"
        value = raw[question.name]
        if question.type not in SCORED_TYPES:
            problems.append(f"{where} : seule une question à choix a une bonne réponse")
            continue
        codes = value if isinstance(value, list) else [value]
        if question.type == QuestionType.SELECT_ONE and isinstance(value, list):
            problems.append(f"{where} : une seule bonne réponse pour une question à choix unique")
            continue
        unknown = [c for c in codes if str(c) not in question.codes]
        if unknown or not codes:
            problems.append(
                f"{where} : « {shown(value)} » n'est pas une réponse proposée "
                f"({', '.join(question.codes)})"
            )
            continue
        if question.type == QuestionType.SELECT_ONE:
            answers[question.name] = str(value)
        else:
            answers[question.name] = frozenset(str(c) for c in codes)
    if not answers:
        problems.append("quiz : aucune question n'a de bonne réponse (« answer »)")
    return answers


def _questionnaire(data: Any, source: str, problems: list[str]) -> Questionnaire | None:
    try:
        return load_questionnaire(data, source)
    except QuestionnaireError as error:
        problems += [f"{source.rsplit(', ', 1)[-1]}, {p}" for p in error.problems]
        return None


def read_programme(data: Any, source: str) -> Programme:
    """A programme from its YAML data (see the module's docstring).

    Raises ProgrammeError listing every problem with its place (the
    questionnaire, section, question and field), in French.
    """
    if not isinstance(data, Mapping):
        raise ProgrammeError(source, ["le fichier doit contenir un dictionnaire YAML"])
    problems = [
        f"racine : champ « {shown(k, 30)} » inconnu" for k in sorted(set(data) - ROOT_KEYS, key=str)
    ]
    for key in ("slug", "title"):
        problem = text_problem(data.get(key), max_length=100 if key == "slug" else 200)
        if not data.get(key) or problem:
            problems.append(f"racine : « {key} » manquant ou invalide")
    if "quiz" not in data and "satisfaction" not in data:
        problems.append("racine : il faut « quiz », « satisfaction » ou les deux")
    quiz, answers = None, {}
    if "quiz" in data:
        stripped, raw_answers = _answers_out(data["quiz"], problems)
        quiz = _questionnaire(stripped, f"{source}, quiz", problems)
        if quiz is not None:
            answers = _check_answers(quiz, raw_answers, problems)
    satisfaction = None
    if "satisfaction" in data:
        satisfaction = _questionnaire(data["satisfaction"], f"{source}, satisfaction", problems)
    if problems:
        raise ProgrammeError(source, problems)
    return Programme(
        slug=str(data["slug"]),
        title=str(data["title"]),
        description=str(data.get("description", "")),
        reference=str(data.get("reference", "")),
        quiz=quiz,
        answers=answers,
        satisfaction=satisfaction,
    )


def read_programme_text(text: str, source: str) -> Programme:
    """read_programme on a YAML text, read bounded (surveys' read_module).
    Raises ProgrammeError."""
    try:
        data = read_module(text, source)
    except QuestionnaireError as error:
        raise ProgrammeError(source, list(error.problems)) from None
    return read_programme(data, source)


@cache
def programmes() -> dict[str, Programme]:
    """The programmes shipped in events/questionnaires/, by slug (read once
    per process; a broken file raises ProgrammeError, and the test suite
    reads them all)."""
    found: dict[str, Programme] = {}
    for path in sorted(PROGRAMMES_DIR.glob("*.yaml")):
        programme = read_programme_text(path.read_text(encoding="utf-8"), path.name)
        found[programme.slug] = programme
    return found


def programme_by_slug(slug: str) -> Programme | None:
    """The programme ``slug``, or None (an event without quiz, or a file
    removed since)."""
    return programmes().get(slug) if slug else None


def quiz_score(programme: Programme, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(right answers, scored questions) of a set of clean answers to the
    quiz: a single choice is right when it is the answer's code, a multiple
    choice when exactly the answer's codes are ticked; an unanswered
    question is wrong."""
    right = 0
    for name, expected in programme.answers.items():
        given = answers.get(name)
        if isinstance(expected, frozenset):
            right += isinstance(given, list) and frozenset(given) == expected
        else:
            right += given == expected
    return right, programme.out_of
