"""The readers of one value of a situation's plain form (rights.situation):
a number, a choice, a yes/no, a set of resources.

Each takes the list of problems and `where` (the place in French, « personne
1, ressources »), appends a French problem naming that place when the value
is wrong and then returns a neutral value, so that every problem of a
situation is listed at once (rights.situation_parse raises them together).
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from nonrecours import french
from nonrecours.rights.resources import RESOURCES

TRUE_WORDS = {"true", "oui", "1", "vrai"}
FALSE_WORDS = {"false", "non", "0", "faux"}


def choices(enum: type[StrEnum]) -> str:
    """The values of `enum`, « a, b, c », to say what is accepted."""
    return ", ".join(e.value for e in enum)


def number(problems: list[str], where: str, value: Any, *, low: float = 0.0, high: float) -> float:
    """A number from `low` to `high` (included): a YAML number or a text
    written the French way (« 1 234,50 », « 1 234.5 »). 0.0 and a problem
    when it is not one, is not a number (nan) or is out of bounds."""
    if isinstance(value, bool) or value is None:
        problems.append(f"{where} : un nombre est attendu")
        # After a problem the situation is refused: this value is never read.
        return 0.0  # pragma: no mutate
    try:
        read = french.parse_number(str(value), finite=False)
    except ValueError:
        problems.append(f"{where} : « {value} » n'est pas un nombre")
        return 0.0  # pragma: no mutate
    if read != read or read < low or read > high:
        problems.append(f"{where} : {value} hors limites (attendu entre {low:g} et {high:g})")
        return 0.0  # pragma: no mutate
    return read


def choice(problems: list[str], where: str, enum: type[StrEnum], value: Any, default: Any) -> Any:
    """A member of `enum` given by its value; `default` when the value is
    absent (None or ""), and `default` with a problem listing the choices
    when it is not one of them."""
    if value is None or value == "":
        return default
    try:
        return enum(str(value).strip())
    except ValueError:
        problems.append(f"{where} : « {value} » inconnu ; choisir parmi : {choices(enum)}")
        return default


def flag(problems: list[str], where: str, value: Any) -> bool:
    """A yes/no answer: YAML booleans, « oui »/« non », 1/0, true/false,
    vrai/faux (any case); absent is no. False and a problem otherwise."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    problems.append(f"{where} : « {value} » ; attendu oui ou non")
    return False


def resources(problems: list[str], where: str, raw: Any) -> dict[str, float]:
    """Monthly resources {key: euros} (keys of rights.resources, 0 to one
    million each). A problem when `raw` is not a mapping (a list, a text:
    nothing would be counted) or for each unknown key or wrong amount."""
    if not isinstance(raw, Mapping):
        problems.append(f"{where} : attendu {{salaire_net: …}}")
        return {}
    read: dict[str, float] = {}
    for key, value in raw.items():
        if key not in RESOURCES:
            problems.append(f"{where} : « {key} » inconnu ; choisir parmi : {', '.join(RESOURCES)}")
            continue
        read[key] = number(problems, f"{where}, {key}", value, high=1e6)
    return read


def count(problems: list[str], where: str, raw: Mapping[str, Any], key: str) -> int:
    """A whole number of children, 1 to 20 (1 when absent; 1 and a problem
    when wrong: « 2,5 » is not read as 2)."""
    value = raw.get(key, 1)
    read = number(problems, where, value, low=1, high=20) or 1.0
    if not read.is_integer():
        problems.append(f"{where} : « {value} » ; un nombre entier est attendu")
        return 1  # pragma: no mutate - the situation is refused
    return int(read)
