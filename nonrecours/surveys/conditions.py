"""Skip-logic and indicator conditions, declared as data.

A condition is a small tree read from YAML:

- ``{question: Q, in: [codes]}``: the single-choice answer to Q is one of codes;
- ``{question: Q, selected: code}``: the multiple-choice answer to Q contains code;
- ``{question: Q, answered: true}``: Q has an answer;
- ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``.

One operator per node; codes are text or whole numbers (``1`` means ``"1"``).
A missing answer, ``""`` and ``[]`` are "not answered"; a single-choice code
is compared as text, never as a number. The truth table all three
evaluators are checked against is tests/surveys/conditions_cases.yaml.

The same tree is evaluated on the server, serialised for the browser (the
door-to-door app evaluates it offline) and written as an XLSForm expression.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nonrecours.errors import UserError

Answers = Mapping[str, Any]


OPERATORS = ("all", "any", "not", "in", "selected", "answered")
KEYS = frozenset({*OPERATORS, "question"})


class ConditionError(UserError, ValueError):
    """A condition that does not follow the grammar above (message in French)."""


@dataclass(frozen=True)
class Condition:
    op: str  # "in", "selected", "answered", "all", "any", "not"
    question: str = ""
    codes: tuple[str, ...] = ()
    children: tuple["Condition", ...] = ()

    def evaluate(self, answers: Answers) -> bool:
        if self.op == "all":
            return all(c.evaluate(answers) for c in self.children)
        if self.op == "any":
            return any(c.evaluate(answers) for c in self.children)
        if self.op == "not":
            return not self.children[0].evaluate(answers)
        value = answers.get(self.question)
        if self.op == "answered":
            return value not in (None, "", [])
        if self.op == "in":
            return value in self.codes
        if self.op == "selected":
            return isinstance(value, list | tuple) and self.codes[0] in value
        raise AssertionError(self.op)

    def questions(self) -> set[str]:
        """The names of the questions the condition reads."""
        return {leaf.question for leaf in self.leaves()}

    def leaves(self) -> list["Condition"]:
        """The conditions on one question (``in``, ``selected``,
        ``answered``) in the tree, left to right."""
        if self.children:
            return [leaf for c in self.children for leaf in c.leaves()]
        return [self]

    def to_data(self) -> dict[str, Any]:
        """Back to the YAML form (also what the browser receives as JSON)."""
        if self.op in ("all", "any"):
            return {self.op: [c.to_data() for c in self.children]}
        if self.op == "not":
            return {"not": self.children[0].to_data()}
        if self.op == "in":
            return {"question": self.question, "in": list(self.codes)}
        if self.op == "selected":
            return {"question": self.question, "selected": self.codes[0]}
        return {"question": self.question, "answered": True}

    def to_xlsform(self) -> str:
        if self.op in ("all", "any"):
            joiner = " and " if self.op == "all" else " or "
            return "(" + joiner.join(c.to_xlsform() for c in self.children) + ")"
        if self.op == "not":
            return f"not({self.children[0].to_xlsform()})"
        ref = "${" + self.question + "}"
        if self.op == "answered":
            return f"{ref} != ''"
        if self.op == "selected":
            return f"selected({ref}, '{self.codes[0]}')"
        return "(" + " or ".join(f"{ref} = '{code}'" for code in self.codes) + ")"


def _code(value: Any, op: str) -> str:
    """A choice code as written in YAML: text, or a whole number (``1`` is ``"1"``)."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise ConditionError(f"« {op} » attend des codes de réponse (texte ou nombre entier)")


def parse_condition(data: Any) -> Condition:
    """The Condition a YAML tree describes (grammar in the module docstring).

    Raises ConditionError (French) for anything else: not a dictionary, an
    unknown key, two operators in one node, an empty ``all``/``any``/``in``,
    a code that is not text nor a whole number, ``answered`` other than true.
    The cases, with their messages, are in tests/surveys/conditions_cases.yaml.
    """
    if not isinstance(data, Mapping):
        raise ConditionError("une condition doit être un dictionnaire")
    unknown = sorted(str(key) for key in data if key not in KEYS)
    if unknown:
        listed = ", ".join(f"« {key} »" for key in unknown)
        raise ConditionError(
            f"opérateur inconnu dans une condition : {listed} "
            "(attendus : all, any, not, in, selected, answered)"
        )
    operators = [key for key in OPERATORS if key in data]
    if len(operators) > 1:
        listed = ", ".join(f"« {key} »" for key in operators)
        raise ConditionError(f"une condition n'a qu'un opérateur, pas {listed}")
    op = operators[0] if operators else ""
    if op in ("all", "any", "not") and "question" in data:
        raise ConditionError(f"« {op} » ne porte pas sur une question : retirez « question »")
    if op in ("all", "any"):
        items = data[op]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"« {op} » attend une liste non vide de conditions")
        return Condition(op=op, children=tuple(parse_condition(i) for i in items))
    if op == "not":
        return Condition(op="not", children=(parse_condition(data["not"]),))
    question = data.get("question")
    if not isinstance(question, str) or not question:
        raise ConditionError("il manque « question » (le nom de la question testée)")
    if not op:
        raise ConditionError(
            "une condition sur une question attend « in », « selected » ou « answered »"
        )
    if op == "in":
        codes = data["in"]
        if not isinstance(codes, list) or not codes:
            raise ConditionError("« in » attend une liste non vide de codes")
        return Condition(op="in", question=question, codes=tuple(_code(c, "in") for c in codes))
    if op == "selected":
        return Condition(op="selected", question=question, codes=(_code(data[op], op),))
    if data[op] is not True:
        raise ConditionError("« answered » ne peut valoir que true")
    return Condition(op="answered", question=question)
