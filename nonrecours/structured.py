"""Structured files and bodies people give (no Django): YAML and JSON,
bounded so that no input can exhaust the stack or the memory, and reduced to
plain data (dicts with text keys, lists, text, numbers, booleans, null).

Used by the local questionnaire modules, the situation files of
`nonrecours simulate`, the directory's JSON files and the offline
collection endpoint. Errors are French and located where the parser says.
"""

import datetime
import json
import re
from typing import Any

import yaml

from nonrecours.errors import UserError
from nonrecours.textrules import TEXT_MAX_LENGTH, shown, text_problem

NUMBER_LIMIT = 10**15

# PyYAML's problems (English) said in French; any other: « syntaxe ».
YAML_PROBLEMS = (
    (re.compile(r"expected ',' or '\]'|flow sequence"),
     "liste [ … ] non fermée : « , » ou « ] » attendu"),
    (re.compile(r"expected ',' or '\}'"), "dictionnaire { … } non fermé : « , » ou « } » attendu"),
    (re.compile(r"mapping values are not allowed"),
     "« : » inattendu (un texte qui contient « : » s'écrit entre guillemets)"),
    (re.compile(r"could not find expected ':'"), "« : » attendu après une clé"),
    (re.compile(r"found character '\\t'"), "tabulation : indenter avec des espaces"),
    (re.compile(r"did not find expected key|expected <block end>|did not find expected '-'"),
     "indentation incohérente"),
    (re.compile(r"found unexpected end of stream|unexpected end|but found '<stream end>'"),
     "texte coupé : guillemet ou crochet non fermé"),
    (re.compile(r"could not determine a constructor|found undefined tag"),
     "étiquette « !! » non permise"),
    (re.compile(r"found unknown escape character"),
     "caractère d'échappement inconnu dans un texte entre guillemets"),
    (re.compile(r"found undefined alias"), "alias « * » sans ancre « & »"),
    (re.compile(r"found duplicate anchor"), "ancre « & » donnée deux fois"),
)  # fmt: skip


def yaml_problem_text(problem: str) -> str:
    """A PyYAML parser problem (English) in French, « syntaxe » when it is
    not one of YAML_PROBLEMS."""
    for pattern, text in YAML_PROBLEMS:
        if pattern.search(problem):
            return text
    return "syntaxe"


class StructuredError(UserError, ValueError):
    """A file or body refused; ``problems`` are French, located."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def load_yaml_bounded(
    text: str, *, max_bytes: int, max_depth: int, max_nodes: int, dates_as_text: bool = False
) -> Any:
    """YAML as plain data, refused with StructuredError beyond ``max_bytes``
    (UTF-8), ``max_depth`` levels of nesting, ``max_nodes`` nodes once
    aliases are expanded ("billion laughs"), for other YAML types (binary…,
    and dates unless ``dates_as_text``, which gives them as ISO 8601 text),
    numbers beyond 10**15 and text that ``text_problem`` refuses."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise StructuredError([f"fichier : plus de {max_bytes // 1024} Ko"])
    too_deep = f"fichier : plus de {max_depth} niveaux d'imbrication"
    try:
        # Depth first, on the event stream: PyYAML builds nested nodes by
        # recursion and a very deep file would exhaust the stack.
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    raise StructuredError([too_deep])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else "fichier"
        problem = yaml_problem_text(getattr(error, "problem", None) or "")
        raise StructuredError([f"{where} : YAML illisible ({problem})"]) from None
    except StructuredError:
        raise
    except RecursionError:
        raise StructuredError([too_deep]) from None
    except ValueError:  # PyYAML's own: a whole number of thousands of digits
        raise StructuredError(["fichier : nombre de plus de 4 300 chiffres"]) from None
    problems: list[str] = []
    nodes = 0
    stack: list[tuple[Any, int, str]] = [(data, 1, "racine")]
    while stack and not problems:
        value, level, where = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            problems.append(f"fichier : plus de {max_nodes} éléments (alias compris)")
        elif level > max_depth:
            problems.append(too_deep)  # reached through aliases
        elif isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or text_problem(key):
                    problems.append(f"{where} : la clé « {shown(key)} » doit être un texte court")
                    break
                stack.append((item, level + 1, f"{where} > {shown(key, 30)}"))
        elif isinstance(value, list):
            stack.extend((item, level + 1, where) for item in value)
        elif isinstance(value, str):
            problem = text_problem(value, multiline=True, max_length=TEXT_MAX_LENGTH)
            if problem:
                problems.append(f"{where} : {problem[:1].lower()}{problem[1:]}")
        elif isinstance(value, bool) or value is None:
            continue
        elif dates_as_text and isinstance(value, datetime.date):
            continue
        elif isinstance(value, int | float):
            if not abs(value) < NUMBER_LIMIT:  # also NaN
                problems.append(f"{where} : nombre hors limites ({shown(value)})")
        else:
            problems.append(
                f"{where} : valeur « {shown(value)} » non prise en charge (texte attendu)"
            )
    if problems:
        raise StructuredError(problems)
    # A plain tree: aliases become copies, dates ISO 8601 text.
    return json.loads(json.dumps(data, default=lambda value: value.isoformat()))


BOM = b"\xef\xbb\xbf"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"constante JSON refusée : {name}")


def json_depth(value: Any, limit: int) -> int:
    """How deeply lists and objects nest in parsed JSON (iteratively,
    exploring no deeper than ``limit`` + 1)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= limit:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


def load_json_bounded(data: str | bytes, *, max_bytes: int, max_depth: int) -> Any:
    """JSON as plain data, refused with StructuredError beyond ``max_bytes``,
    nested deeper than ``max_depth``, empty (« fichier vide »: nothing or
    only spaces), unreadable (with its line), or using NaN / Infinity (not
    JSON)."""
    size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    if size > max_bytes:
        raise StructuredError([f"fichier : plus de {max_bytes // 1024} Ko"])
    bare = data.removeprefix("\ufeff") if isinstance(data, str) else data.removeprefix(BOM)
    if not bare.strip():
        raise StructuredError(["fichier vide"])
    too_deep = f"fichier : plus de {max_depth} niveaux d'imbrication"
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise StructuredError([too_deep]) from None
    except json.JSONDecodeError as error:
        raise StructuredError([f"ligne {error.lineno} : JSON illisible ({error.msg})"]) from None
    except ValueError as error:  # a refused constant, or bytes that are not UTF-8
        raise StructuredError([f"fichier : JSON illisible ({shown(str(error), 80)})"]) from None
    if json_depth(value, max_depth) > max_depth:
        raise StructuredError([too_deep])
    return value
