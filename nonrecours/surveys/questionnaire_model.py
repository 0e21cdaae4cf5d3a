"""A questionnaire's structure (sections, questions, choices, indicators)
and the check of one set of answers against it.

Pure Python, no Django. Built by ``questionnaire.load_questionnaire``; the
names are also importable from nonrecours.surveys.questionnaire.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from nonrecours.surveys.conditions import Condition
from nonrecours.textrules import LINE_MAX_LENGTH, TEXT_MAX_LENGTH, clean_text, shown

PHONE_PATTERN = re.compile(r"^(?:0|\+33 ?|0033 ?)[1-9](?:[ .-]?\d{2}){4}$", re.ASCII)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INTEGER_PATTERN = re.compile(r"[+-]?[0-9]{1,15}")  # ASCII digits only, fits every format


class QuestionType(StrEnum):
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    COMMUNE = "commune"
    TEXT = "text"
    INTEGER = "integer"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    exclusive: bool = False
    odenore: str | None = None


@dataclass(frozen=True)
class Question:
    name: str
    type: QuestionType
    label: str
    section: str
    hint: str = ""
    required: bool = False
    relevant: Condition | None = None
    choices: tuple[Choice, ...] = ()
    personal: bool = False
    weighting: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 500

    # Cached: validation asks for them for every answer of every row.
    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    @cached_property
    def _by_code(self) -> dict[str, Choice]:
        return {c.code: c for c in self.choices}

    def choice(self, code: str) -> Choice:
        return self._by_code[code]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Page:
    """What one screen of the form shows: questions of one section whose
    display does not depend on an answer given on the same screen, so the
    skip logic works without JavaScript."""

    number: int
    section: Section
    questions: tuple[Question, ...]


# Themes of the published report, in its order (an indicator's `theme`).
THEMES = {
    "finances": "Situation financière",
    "services": "Accès aux services publics",
    "demarches": "Démarches administratives",
    "numerique": "Numérique",
    "confiance": "Confiance dans les institutions",
    "non_recours": "Non-recours aux droits",
    "autres": "Autres indicateurs",
}


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    base: str
    numerator: Condition
    base_condition: Condition | None = None
    theme: str = "autres"


@dataclass(frozen=True)
class Questionnaire:
    slug: str
    version: int
    title: str
    description: str
    sections: tuple[Section, ...]
    indicators: tuple[Indicator, ...]
    source: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def _by_name(self) -> dict[str, Question]:
        return {q.name: q for q in self.questions}

    def question(self, name: str) -> Question:
        return self._by_name[name]

    @cached_property
    def contact_questions(self) -> frozenset[str]:
        """The call-back questions: the contact details (``personal``) and
        the questions that decide whether they are asked (the consent to be
        called back). None of them leaves with the answers (exports), so
        that a call-back request cannot be tied back to them."""
        personal = [q for q in self.questions if q.personal]
        gates = {name for q in personal if q.relevant for name in q.relevant.questions()}
        return frozenset({q.name for q in personal} | gates)

    @property
    def checksum(self) -> str:
        canonical = json.dumps(self.source, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def pages(self) -> tuple[Page, ...]:
        pages: list[Page] = []
        for section in self.sections:
            current: list[Question] = []
            for question in section.questions:
                depends_on = question.relevant.questions() if question.relevant else set()
                if current and depends_on & {q.name for q in current}:
                    pages.append(Page(len(pages) + 1, section, tuple(current)))
                    current = []
                current.append(question)
            pages.append(Page(len(pages) + 1, section, tuple(current)))
        return tuple(pages)

    def is_relevant(self, question: Question, answers: Mapping[str, Any]) -> bool:
        return question.relevant is None or question.relevant.evaluate(answers)

    def validate(
        self, raw: Mapping[str, Any], *, communes: Iterable[str], require_personal: bool = True
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Check a set of answers against the questionnaire.

        Returns the clean answers (codes, lists of codes, ints, normalised
        phone numbers; answers to questions hidden by the skip logic are
        dropped) and the errors, by question name, in French. Text answers
        follow ``text_problem`` (a string, no control character nor lone
        surrogate; free text at most TEXT_MAX_LENGTH characters and may span
        lines, phone and e-mail on one line); whole numbers are ASCII digits,
        15 at most; a choice is a code, never an object.
        ``require_personal=False`` accepts missing answers to the call-back
        questions (``contact_questions``: exports never carry them, so a
        re-imported export lacks them).
        """
        allowed_communes = set(communes)
        clean: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name in raw:
            if name not in self._by_name:
                errors[str(name)] = f"Question inconnue dans ce questionnaire : « {shown(name)} »."
        for question in self.questions:
            if not self.is_relevant(question, clean):
                continue
            value = raw.get(question.name)
            if value in (None, "", []):
                if question.required and (
                    require_personal or question.name not in self.contact_questions
                ):
                    errors[question.name] = "Cette question est obligatoire."
                continue
            try:
                clean[question.name] = _clean_value(question, value, allowed_communes)
            except ValueError as error:
                errors[question.name] = str(error)
        return clean, errors


def _code(value: Any) -> str | None:
    """A choice code as given: a string, or a whole number sent as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15:
        return str(value)
    return None


def _clean_value(question: Question, value: Any, communes: set[str]) -> Any:
    kind = question.type
    if kind == QuestionType.SELECT_ONE:
        code = _code(value)
        if code not in question._by_code:
            raise ValueError(
                f"Réponse « {shown(value)} » inconnue : choisissez parmi les réponses proposées."
            )
        return code
    if kind == QuestionType.SELECT_MULTIPLE:
        items = value.split() if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError("Une liste de réponses est attendue.")
        unknown = [c for c in items if _code(c) not in question._by_code]
        if unknown:
            listed = ", ".join(shown(c, 30) for c in unknown[:5])
            raise ValueError(f"Réponse(s) inconnue(s) : {listed}{'…' if len(unknown) > 5 else ''}.")
        codes = [str(_code(c)) for c in items]
        if len(set(codes)) != len(codes):
            raise ValueError("Une même réponse est cochée deux fois.")
        exclusive = [c for c in codes if question.choice(c).exclusive]
        if exclusive and len(codes) > 1:
            label = question.choice(exclusive[0]).label
            raise ValueError(f"« {label} » ne peut pas être coché avec une autre réponse.")
        return [c for c in question.codes if c in codes]  # the questionnaire's order
    if kind == QuestionType.COMMUNE:
        code = value.strip() if isinstance(value, str) else None
        if code not in communes:
            raise ValueError(f"Commune « {shown(value)} » inconnue dans ce territoire.")
        return code
    if kind == QuestionType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("Un nombre entier est attendu.")
        text = str(value).strip() if isinstance(value, str) else str(value)
        if not INTEGER_PATTERN.fullmatch(text):
            raise ValueError("Un nombre entier est attendu (chiffres de 0 à 9, 15 au plus).")
        number = int(text)
        if question.minimum is not None and number < question.minimum:
            raise ValueError(f"Le nombre doit être au moins {question.minimum}.")
        if question.maximum is not None and number > question.maximum:
            raise ValueError(f"Le nombre doit être au plus {question.maximum}.")
        return number
    # Free text may span lines; phone numbers and e-mail addresses are one line.
    multiline = kind == QuestionType.TEXT
    limit = min(question.max_length, TEXT_MAX_LENGTH if multiline else LINE_MAX_LENGTH)
    text = clean_text(value, multiline=multiline, max_length=limit)
    if kind == QuestionType.PHONE:
        if not PHONE_PATTERN.match(text):
            raise ValueError(
                "Numéro de téléphone invalide : 10 chiffres, par exemple 06 12 34 56 78."
            )
        digits = re.sub(r"[^0-9]", "", text)
        return "0" + digits[-9:]
    if kind == QuestionType.EMAIL and not EMAIL_PATTERN.match(text):
        raise ValueError("Adresse électronique invalide, par exemple prenom.nom@exemple.fr.")
    return text
