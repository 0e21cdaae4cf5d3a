"""Questionnaires declared as data (YAML): loading and checking a definition,
local modules, and the checks of an answer's key and moments.

Pure Python, no Django: the same definition drives the online form, the
door-to-door app, the XLSForm export, imports and the analysis. The
structure and the validation of answers are in questionnaire_model (its
names are importable from here); the condition grammar in conditions.
"""

import datetime
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from nonrecours.errors import UserError
from nonrecours.structured import StructuredError, load_yaml_bounded
from nonrecours.surveys.conditions import Condition, ConditionError, parse_condition
from nonrecours.surveys.questionnaire_model import (
    EMAIL_PATTERN,
    INTEGER_PATTERN,
    PHONE_PATTERN,
    THEMES,
    Choice,
    Indicator,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Section,
)
from nonrecours.textrules import TEXT_MAX_LENGTH, clean_text, shown, text_problem

# The structure lives in questionnaire_model; it is read from here too.
__all__ = [
    "CODE_PATTERN", "DEFAULT_FILE", "EARLIEST_ANSWER", "EMAIL_PATTERN", "INTEGER_PATTERN",
    "KEY_MAX_LENGTH", "LATEST_ANSWER_AHEAD", "MODULE_MAX_BYTES", "MODULE_MAX_DEPTH",
    "MODULE_MAX_NODES", "NAME_PATTERN", "ODENORE", "PHONE_PATTERN", "QUESTION_KEYS", "THEMES",
    "Choice", "Indicator", "Page", "Question", "Questionnaire", "QuestionnaireError",
    "QuestionType", "Section", "check_moment", "clean_key", "default_questionnaire",
    "load_questionnaire", "load_yaml", "parse_moment", "read_module", "with_local_module",
]  # fmt: skip

DEFAULT_FILE = Path(__file__).with_name("questionnaires") / "barometre-non-recours.yaml"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,62}$")
ODENORE = {"non_connaissance", "non_demande", "non_reception", "non_proposition"}

# Outside input is bounded and clean before it is stored: one stored answer
# with a NUL byte or a lone surrogate breaks every later XLSX, CSV or Parquet
# export of its campaign, and PostgreSQL refuses NUL in JSON.
KEY_MAX_LENGTH = 100  # Response.idempotency_key
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


class QuestionnaireError(UserError, ValueError):
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
    for node in condition.leaves():
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
