"""Questionnaires declared as data (YAML): structure, checks, answer validation.

Pure Python, no Django: the same definition drives the online form, the
door-to-door app, the XLSForm export, imports and the analysis.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from nonrecours.structured import StructuredError, load_yaml_bounded
from nonrecours.surveys.conditions import Condition, ConditionError, parse_condition
from nonrecours.textrules import (
    LINE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    clean_text,
    shown,
    text_problem,
)

DEFAULT_FILE = Path(__file__).with_name("questionnaires") / "barometre-non-recours.yaml"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,62}$")
PHONE_PATTERN = re.compile(r"^(?:0|\+33 ?|0033 ?)[1-9](?:[ .-]?\d{2}){4}$", re.ASCII)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ODENORE = {"non_connaissance", "non_demande", "non_reception", "non_proposition"}

# Outside input is bounded and clean before it is stored: one stored answer
# with a NUL byte or a lone surrogate breaks every later XLSX, CSV or Parquet
# export of its campaign, and PostgreSQL refuses NUL in JSON.
KEY_MAX_LENGTH = 100  # Response.idempotency_key
INTEGER_PATTERN = re.compile(r"[+-]?[0-9]{1,15}")  # ASCII digits only, fits every format
EARLIEST_ANSWER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST_ANSWER_AHEAD = datetime.timedelta(days=2)  # clocks of field phones run fast


def clean_key(value: Any) -> str:
    """An idempotency key: a single line of at most KEY_MAX_LENGTH characters.

    Raises ValueError (French).
    """
    try:
        key = clean_text(value, max_length=KEY_MAX_LENGTH)
    except ValueError as error:
        raise ValueError(f"Clé d'envoi invalide : {error}") from None
    if not key:
        raise ValueError("Clé d'envoi absente.")
    return key


def check_moment(
    value: datetime.datetime, *, now: datetime.datetime, what: str = "La date"
) -> datetime.datetime:
    """An aware moment of an answer, between 2000-01-01 and two days from now.

    Raises ValueError (French) outside that range or for a naive datetime.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} n'a pas de fuseau horaire.")
    try:
        in_range = EARLIEST_ANSWER <= value <= now + LATEST_ANSWER_AHEAD
    except OverflowError:
        in_range = False
    if not in_range:
        raise ValueError(
            f"{what} ({shown(value.isoformat())}) n'est pas plausible : "
            "attendue entre le 1er janvier 2000 et après-demain."
        )
    return value


def parse_moment(
    value: Any, *, now: datetime.datetime, naive_zone: datetime.tzinfo, what: str = "La date"
) -> datetime.datetime | None:
    """An ISO 8601 date and time (``Z`` accepted), None for an empty value.

    A time without offset is read in ``naive_zone``. Raises ValueError
    (French) for anything else or a moment outside ``check_moment``'s range.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{what} doit être au format ISO 8601, par exemple 2026-05-15T09:30:00Z.")
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{what} « {shown(value)} » est illisible : format ISO 8601 attendu, "
            "par exemple 2026-05-15T09:30:00Z."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    return check_moment(parsed, now=now, what=what)


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


class QuestionnaireError(ValueError):
    """A questionnaire definition with problems, each located (French)."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(
            f"Questionnaire « {source} » invalide :\n" + "\n".join(f"- {p}" for p in problems)
        )


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where} : {message}")


def _condition(
    checker: _Checker, where: str, data: Any, previous: Mapping[str, Question]
) -> Condition | None:
    try:
        condition = parse_condition(data)
    except ConditionError as error:
        checker.fail(where, str(error))
        return None
    for node in _leaves(condition):
        target = previous.get(node.question)
        if target is None:
            checker.fail(where, f"la question « {node.question} » n'existe pas avant celle-ci")
            continue
        if node.op == "in" and target.type != QuestionType.SELECT_ONE:
            checker.fail(
                where, f"« in » porte sur une question à choix unique, pas « {node.question} »"
            )
        if node.op == "selected" and target.type != QuestionType.SELECT_MULTIPLE:
            checker.fail(
                where,
                f"« selected » porte sur une question à choix multiple, pas « {node.question} »",
            )
        for code in node.codes:
            if target.choices and code not in target.codes:
                checker.fail(
                    where, f"le code « {code} » n'est pas une réponse de « {node.question} »"
                )
    return condition


def _leaves(condition: Condition) -> list[Condition]:
    if condition.children:
        return [leaf for c in condition.children for leaf in _leaves(c)]
    return [condition]


def _choices(checker: _Checker, where: str, data: Any) -> tuple[Choice, ...]:
    if not isinstance(data, list) or not data:
        checker.fail(where, "une question à choix attend une liste « choices » non vide")
        return ()
    choices = []
    for index, item in enumerate(data, start=1):
        spot = f"{where}, réponse n° {index}"
        if not isinstance(item, Mapping):
            checker.fail(spot, "attendu « {code: …, label: …} »")
            continue
        code, label = str(item.get("code", "")), item.get("label")
        if not CODE_PATTERN.match(code):
            checker.fail(spot, f"code « {code} » invalide (minuscules, chiffres et _)")
        if not isinstance(label, str) or not label.strip():
            checker.fail(spot, "il manque le libellé « label »")
        else:
            _line(checker, f"{spot}, « label »", label)
        odenore = item.get("odenore")
        if odenore is not None and odenore not in ODENORE:
            checker.fail(
                spot, f"« odenore » vaut « {odenore} », attendu : {', '.join(sorted(ODENORE))}"
            )
        choices.append(Choice(code, str(label), bool(item.get("exclusive", False)), odenore))
    codes = [c.code for c in choices]
    for duplicate in sorted({c for c in codes if codes.count(c) > 1}):
        checker.fail(where, f"le code « {duplicate} » apparaît deux fois")
    return tuple(choices)


QUESTION_KEYS = {
    "name", "type", "label", "hint", "required", "relevant", "choices", "personal",
    "weighting", "minimum", "maximum", "max_length",
}  # fmt: skip


def load_questionnaire(data: Any, source: str) -> Questionnaire:
    """Build and check a questionnaire from its YAML data.

    Raises QuestionnaireError listing every problem with its place
    (section, question, field), in French.
    """
    checker = _Checker(source)
    if not isinstance(data, Mapping):
        raise QuestionnaireError(source, ["le fichier doit contenir un dictionnaire YAML"])
    for key in ("slug", "title", "sections"):
        if key not in data:
            checker.fail("racine", f"il manque « {key} »")
    version = data.get("version", 1)
    if not isinstance(version, int) or version < 1:
        checker.fail("racine", "« version » doit être un entier positif")
        version = 1
    questions: dict[str, Question] = {}
    sections: list[Section] = []
    section_names: set[str] = set()
    for key in ("sections", "indicators"):
        if not isinstance(data.get(key) or [], list):
            checker.fail("racine", f"« {key} » doit être une liste")
    _line(checker, "racine, « title »", data.get("title", ""))
    for s_index, s_data in enumerate(_list(data.get("sections")), start=1):
        s_name = str(s_data.get("name", "")) if isinstance(s_data, Mapping) else ""
        where_s = f"section « {s_name or s_index} »"
        if not isinstance(s_data, Mapping):
            checker.fail(where_s, "une section est un dictionnaire")
            continue
        if not NAME_PATTERN.match(s_name):
            checker.fail(
                where_s, "« name » invalide (minuscules, chiffres et _, commence par une lettre)"
            )
        if s_name in section_names:
            checker.fail(where_s, "nom de section déjà utilisé")
        section_names.add(s_name)
        _line(checker, f"{where_s}, « title »", s_data.get("title", s_name))
        if not isinstance(s_data.get("questions") or [], list):
            checker.fail(where_s, "« questions » doit être une liste")
        section_questions = []
        for q_index, q_data in enumerate(_list(s_data.get("questions")), start=1):
            if not isinstance(q_data, Mapping):
                checker.fail(
                    f"{where_s}, question n° {q_index}", "une question est un dictionnaire"
                )
                continue
            question = _question(checker, where_s, s_name, q_index, q_data, questions)
            if question is not None:
                questions[question.name] = question
                section_questions.append(question)
        if not section_questions:
            checker.fail(where_s, "aucune question")
        sections.append(Section(s_name, str(s_data.get("title", s_name)), tuple(section_questions)))
    indicators = _indicators(checker, _list(data.get("indicators")), questions)
    if checker.problems:
        raise QuestionnaireError(source, checker.problems)
    return Questionnaire(
        slug=str(data["slug"]),
        version=version,
        title=str(data["title"]),
        description=str(data.get("description", "")),
        sections=tuple(sections),
        indicators=indicators,
        source=dict(data),
    )


def _list(value: Any) -> list[Any]:
    """A list from the YAML, or [] when it is something else (reported apart)."""
    return value if isinstance(value, list) else []


def _line(checker: _Checker, where: str, value: Any, max_length: int = 1_000) -> None:
    """Names, titles and labels hold on one line (text_problem's rule)."""
    problem = text_problem(value, max_length=max_length)
    if problem:
        checker.fail(where, f"{problem[:1].lower()}{problem[1:]}")


def _question(
    checker: _Checker,
    where_s: str,
    section: str,
    index: int,
    data: Mapping[str, Any],
    previous: Mapping[str, Question],
) -> Question | None:
    name = str(data.get("name", ""))
    where = f"{where_s}, question « {name or index} »"
    for key in sorted(set(data) - QUESTION_KEYS):
        checker.fail(where, f"champ « {key} » inconnu")
    if not NAME_PATTERN.match(name):
        checker.fail(
            where, "« name » invalide (minuscules, chiffres et _, commence par une lettre)"
        )
        return None
    if name in previous:
        checker.fail(where, "nom de question déjà utilisé")
        return None
    try:
        kind = QuestionType(str(data.get("type")))
    except ValueError:
        types = ", ".join(t.value for t in QuestionType)
        checker.fail(where, f"« type » vaut « {data.get('type')} », attendu : {types}")
        return None
    label = data.get("label")
    if not isinstance(label, str) or not label.strip():
        checker.fail(where, "il manque le libellé « label »")
    else:
        _line(checker, f"{where}, « label »", label)
    choices: tuple[Choice, ...] = ()
    if kind in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
        choices = _choices(checker, where, data.get("choices"))
    numbers: dict[str, int | None] = {}
    for key in ("minimum", "maximum", "max_length"):
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            checker.fail(
                where, f"« {key} » doit être un nombre entier (reçu : {shown(repr(value))})"
            )
            value = None
        elif key == "max_length" and value is not None and not 1 <= value <= TEXT_MAX_LENGTH:
            checker.fail(where, f"« max_length » doit être compris entre 1 et {TEXT_MAX_LENGTH}")
            value = None
        elif value is not None and not -1_000_000_000 <= value <= 1_000_000_000:
            checker.fail(
                where, f"« {key} » doit être compris entre -1 000 000 000 et 1 000 000 000"
            )
            value = None
        numbers[key] = value
    personal = bool(data.get("personal", False))
    contact_types = (QuestionType.PHONE, QuestionType.EMAIL)
    if kind in contact_types and not personal:
        checker.fail(
            where,
            "une question de type téléphone ou courriel doit porter « personal: true » : "
            "ces coordonnées sont gardées à part des réponses",
        )
    if personal and kind not in contact_types:
        checker.fail(
            where,
            "seules les questions de type « phone » ou « email » peuvent être « personal » "
            "(leurs réponses sont gardées à part, jamais analysées)",
        )
    relevant = None
    if "relevant" in data:
        relevant = _condition(checker, f"{where}, champ « relevant »", data["relevant"], previous)
    return Question(
        name=name,
        type=kind,
        label=str(label),
        section=section,
        hint=str(data.get("hint", "")),
        required=bool(data.get("required", False)),
        relevant=relevant,
        choices=choices,
        personal=personal,
        weighting=bool(data.get("weighting", False)),
        minimum=numbers["minimum"],
        maximum=numbers["maximum"],
        max_length=numbers["max_length"] or 500,
    )


def _indicators(
    checker: _Checker, data: Any, questions: Mapping[str, Question]
) -> tuple[Indicator, ...]:
    indicators = []
    seen: set[str] = set()
    for index, item in enumerate(data, start=1):
        ident = str(item.get("id", "")) if isinstance(item, Mapping) else ""
        where = f"indicateur « {ident or index} »"
        if not isinstance(item, Mapping) or not NAME_PATTERN.match(ident):
            checker.fail(where, "un indicateur a un « id » (minuscules, chiffres et _)")
            continue
        if ident in seen:
            checker.fail(where, "identifiant déjà utilisé")
        seen.add(ident)
        numerator = _condition(checker, f"{where}, « numerator »", item.get("numerator"), questions)
        base_condition = None
        if "base_condition" in item:
            base_condition = _condition(
                checker, f"{where}, « base_condition »", item["base_condition"], questions
            )
        theme = str(item.get("theme", "autres"))
        if theme not in THEMES:
            checker.fail(
                f"{where}, « theme »", f"« {theme} » inconnu ; choisir parmi : {', '.join(THEMES)}"
            )
        if numerator is not None:
            indicators.append(
                Indicator(
                    id=ident,
                    label=str(item.get("label", ident)),
                    base=str(item.get("base", "tous les répondants")),
                    numerator=numerator,
                    base_condition=base_condition,
                    theme=theme,
                )
            )
    return tuple(indicators)


def load_yaml(text: str, source: str) -> Questionnaire:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else "fichier"
        raise QuestionnaireError(source, [f"{where} : YAML illisible ({error})"]) from None
    return load_questionnaire(data, source)


# A local module is a few screens of YAML written by a territory's team.
MODULE_MAX_BYTES = 256 * 1024
MODULE_MAX_DEPTH = 20
# Aliases (*name) may repeat a list of choices, not blow up into millions
# of nodes ("billion laughs"): the tree, aliases expanded, stays this small.
MODULE_MAX_NODES = 20_000


def read_module(text: str, source: str) -> Any:
    """A local module's YAML as plain data (dicts with text keys, lists,
    text, whole numbers, finite decimals, booleans, null).

    Refuses, with QuestionnaireError (French): more than MODULE_MAX_BYTES,
    nesting deeper than MODULE_MAX_DEPTH, more than MODULE_MAX_NODES nodes
    once aliases are expanded, other YAML types (dates, binary…), and text
    that ``text_problem`` refuses (see nonrecours/structured.py).
    """
    try:
        return load_yaml_bounded(
            text,
            max_bytes=MODULE_MAX_BYTES,
            max_depth=MODULE_MAX_DEPTH,
            max_nodes=MODULE_MAX_NODES,
        )
    except StructuredError as error:
        raise QuestionnaireError(source, error.problems) from None


@cache
def default_questionnaire() -> Questionnaire:
    return load_yaml(DEFAULT_FILE.read_text(encoding="utf-8"), DEFAULT_FILE.name)


def with_local_module(core: Questionnaire, module: Any, source: str) -> Questionnaire:
    """The core questionnaire followed by a territory's own sections.

    The module is ``{sections: [...], indicators: [...]}`` (optional
    indicators); it may not change or remove anything of the core.
    """
    if not isinstance(module, Mapping) or not module.get("sections"):
        raise QuestionnaireError(source, ["le module local doit contenir « sections »"])
    for key in ("sections", "indicators"):
        if not isinstance(module.get(key, []), list):
            raise QuestionnaireError(source, [f"racine : « {key} » doit être une liste"])
    unknown = sorted(shown(key, 30) for key in set(module) - {"sections", "indicators", "title"})
    if unknown:
        raise QuestionnaireError(source, [f"racine : champ(s) inconnu(s) : {', '.join(unknown)}"])
    merged = dict(core.source)
    merged["version"] = core.version + 1
    merged["sections"] = [*core.source["sections"], *module["sections"]]
    merged["indicators"] = [*core.source.get("indicators", []), *module.get("indicators", [])]
    return load_questionnaire(merged, source)
