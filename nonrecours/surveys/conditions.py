"""Skip-logic and indicator conditions, declared as data.

A condition is a small tree read from YAML:

- ``{question: Q, in: [codes]}``: the single-choice answer to Q is one of codes;
- ``{question: Q, selected: code}``: the multiple-choice answer to Q contains code;
- ``{question: Q, answered: true}``: Q has an answer;
- ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``.

The same tree is evaluated on the server, serialised for the browser (the
door-to-door app evaluates it offline) and written as an XLSForm expression.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Answers = Mapping[str, Any]


class ConditionError(ValueError):
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
        if self.children:
            return set().union(*(c.questions() for c in self.children))
        return {self.question}

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


def parse_condition(data: Any) -> Condition:
    if not isinstance(data, Mapping):
        raise ConditionError("une condition doit être un dictionnaire")
    if "all" in data or "any" in data:
        op = "all" if "all" in data else "any"
        items = data[op]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"« {op} » attend une liste non vide de conditions")
        return Condition(op=op, children=tuple(parse_condition(i) for i in items))
    if "not" in data:
        return Condition(op="not", children=(parse_condition(data["not"]),))
    question = data.get("question")
    if not isinstance(question, str) or not question:
        raise ConditionError("il manque « question » (le nom de la question testée)")
    if "in" in data:
        codes = data["in"]
        if not isinstance(codes, list) or not codes:
            raise ConditionError("« in » attend une liste non vide de codes")
        return Condition(op="in", question=question, codes=tuple(str(c) for c in codes))
    if "selected" in data:
        return Condition(op="selected", question=question, codes=(str(data["selected"]),))
    if data.get("answered") is True:
        return Condition(op="answered", question=question)
    raise ConditionError(
        "une condition sur une question attend « in », « selected » ou « answered »"
    )
