"""Population of a territory by sex and age, for the barometer's weighting.

A territory gives it as an INSEE-style CSV (the census table "population
par sexe et âge" of its communes); until it does, a default clearly
labelled as an approximation is used (data/population-sexe-age-defaut.yaml).

The file (documented in docs/guide/barometre.md):
- UTF-8, separated by `;` or `,`; column names in any case;
- `SEXE`: 1 or H or homme, 2 or F or femme;
- `AGED100` or `AGE`: age in completed years (100 = 100 or more), or a
  range `18-24`, or an open range `75+`;
- `NB` or `EFFECTIF`: the number of people (decimals allowed, INSEE's
  counts are weighted; decimal comma and French thousands separators —
  space, no-break space, narrow no-break space — accepted); a count that is
  not finite, negative, or larger than the commune's population (when
  known, else than MAX_COUNT) is refused;
- `CODGEO` (optional): the commune's INSEE code; rows of other communes
  are left out, and every member commune must be present. A code whose
  leading zero a spreadsheet dropped (« 1071 ») is read as the member
  commune it matches (« 01071 »), and the structure's notes say so.
A (commune, sex, age) given on two lines is refused, naming both.
Other columns (NIVGEO, LIBGEO…) are ignored.
"""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from nonrecours.csvtext import UnreadableFile, dict_rows, not_empty, read_text
from nonrecours.errors import UserError
from nonrecours.french import number, parse_number
from nonrecours.territories.insee import insee_code_read
from nonrecours.textrules import shown

DEFAULT_FILE = Path(__file__).with_name("data") / "population-sexe-age-defaut.yaml"
SEXES = ("femme", "homme")
# The barometer's age bands (question « tranche_age »), for display.
AGE_BANDS = ("18_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75_plus")
_SEX_CODES = {
    "1": "homme",
    "h": "homme",
    "m": "homme",
    "homme": "homme",
    "masculin": "homme",
    "2": "femme",
    "f": "femme",
    "femme": "femme",
    "féminin": "femme",
    "feminin": "femme",
}
MAX_ERRORS = 20
# No commune has more inhabitants (Paris: about 2.1 million); the limit of a
# count when the commune's population is not known.
MAX_COUNT = 10_000_000


class PopulationFileError(UserError, ValueError):
    """A file that cannot be read; the message (French) says where."""


@dataclass(frozen=True)
class Group:
    sex: str
    age_min: int
    age_max: int | None  # None: and over
    count: float


@dataclass(frozen=True)
class AgeSexStructure:
    groups: tuple[Group, ...]
    label: str
    approximation: bool
    # What the file's reading changed, in French (restored commune codes);
    # said once at import, not stored.
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "approximation": self.approximation,
            "groups": [[g.sex, g.age_min, g.age_max, g.count] for g in self.groups],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "AgeSexStructure":
        return cls(
            groups=tuple(Group(s, a, b, float(c)) for s, a, b, c in data["groups"]),
            label=str(data["label"]),
            approximation=bool(data["approximation"]),
        )

    def by_band(self, bands: Sequence[str]) -> dict[str, dict[str, float]]:
        """People of each sex in each age band of the questionnaire (codes
        such as "18_24" or "75_plus"); people younger than the first band
        are left out."""
        limits = [parse_band(code) for code in bands]
        result = {sex: dict.fromkeys(bands, 0.0) for sex in SEXES}
        first = min(low for low, _ in limits)
        for group in self.groups:
            high = group.age_max
            if high is not None and high < first:
                continue
            count = group.count
            low = group.age_min
            if low < first:
                # A range such as 15-19: only its adult years count.
                if high is None:
                    raise PopulationFileError(
                        f"La tranche {low}+ mélange mineur·es et adultes : "
                        "donnez des âges détaillés."
                    )
                count *= (high - first + 1) / (high - low + 1)
                low = first
            target = next(
                (
                    code
                    for code, (band_low, band_high) in zip(bands, limits, strict=True)
                    if band_low <= low
                    and (band_high is None or (high is not None and high <= band_high))
                ),
                None,
            )
            if target is None:
                shown = f"{group.age_min}+" if high is None else f"{group.age_min}-{high}"
                raise PopulationFileError(
                    f"La tranche d'âge {shown} chevauche plusieurs tranches du baromètre "
                    f"({', '.join(bands)}) : donnez des âges détaillés."
                )
            result[group.sex][target] += count
        return result


def parse_band(code: str) -> tuple[int, int | None]:
    """ "18_24" -> (18, 24); "75_plus" -> (75, None)."""
    match = re.fullmatch(r"(\d+)_(\d+|plus)", code)
    if not match:
        raise ValueError(f"tranche d'âge « {code} » : attendu 18_24 ou 75_plus")
    low, high = match.groups()
    return int(low), None if high == "plus" else int(high)


@cache
def default_structure() -> AgeSexStructure:
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    groups = []
    for sex, bands in data["counts"].items():
        for code, millions in bands.items():
            low, high = parse_band(code)
            groups.append(Group(sex, low, high, float(millions) * 1e6))
    return AgeSexStructure(tuple(groups), label=data["label"].strip(), approximation=True)


def _column(header: Sequence[str], names: Iterable[str]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _age(raw: str) -> tuple[int, int | None]:
    text = raw.strip().replace(" ", "")
    if re.fullmatch(r"\d+", text):
        age = int(text)
        return (age, None) if age >= 100 else (age, age)
    if match := re.fullmatch(r"(\d+)\+", text):
        return int(match.group(1)), None
    if match := re.fullmatch(r"(\d+)-(\d+)", text):
        low, high = int(match.group(1)), int(match.group(2))
        if low <= high:
            return low, high
    raise ValueError(raw)


def _count(raw: str, limit: float, population: str) -> float:
    """The number of people a cell gives: `1 234,5` (French separators) or
    `1234.5`. Raises ValueError with the reason, in French (the caller
    quotes the cell): not a number, not finite, negative, or over `limit`
    (`population` says what the limit is)."""
    try:
        count = parse_number(raw, finite=False)
    except ValueError:
        raise ValueError("n'est pas un effectif (ex. 1 234,5)") from None
    if not math.isfinite(count):
        raise ValueError("n'est pas un nombre fini")
    if count < 0:
        raise ValueError("est négatif")
    if count > limit:
        raise ValueError(f"dépasse {population} : effectif invraisemblable")
    return count


@dataclass(frozen=True)
class _Columns:
    sex: str
    age: str
    count: str
    geo: str | None


def _read_group(
    row: dict[str, str],
    line: int,
    name: str,
    columns: _Columns,
    commune: tuple[str, float | None],
    totals: dict[tuple[str, int, int | None], float],
    first_lines: dict[tuple[str, str, int, int | None], int],
    errors: list[str],
) -> None:
    """Add one census row's count to `totals`, or its French error (file,
    line, column) to `errors`. `commune` is the row's code ("" without a
    CODGEO column) and its population when known; `first_lines` the line
    where each (commune, sex, age) was first given."""
    raw_sex = (row.get(columns.sex) or "").strip().lower()
    sex = _SEX_CODES.get(raw_sex)
    if sex is None:
        errors.append(
            f"{name}, ligne {line}, colonne « {columns.sex} » : « {shown(raw_sex)} » ; attendu "
            "1 (homme) ou 2 (femme)."
        )
        return
    try:
        low, high = _age(row.get(columns.age) or "")
    except ValueError:
        errors.append(
            f"{name}, ligne {line}, colonne « {columns.age} » : "
            f"« {shown(row.get(columns.age) or '')} » n'est pas un âge (ex. 34, 18-24 ou 75+)."
        )
        return
    code, population = commune
    if population is None:
        limit, what = float(MAX_COUNT), number(MAX_COUNT)
    else:
        place = f"de la commune {code}" if code else "du territoire"
        limit, what = population, f"la population {place} ({number(population)})"
    raw_count = row.get(columns.count) or ""
    try:
        count = _count(raw_count, limit, what)
    except ValueError as error:
        errors.append(
            f"{name}, ligne {line}, colonne « {columns.count} » : « {shown(raw_count.strip())} » "
            f"{error}."
        )
        return
    key = (code, sex, low, high)
    if key in first_lines:
        where = f"colonnes « {columns.geo} », « {columns.sex} », « {columns.age} »"
        if not columns.geo:
            where = f"colonnes « {columns.sex} », « {columns.age} »"
        errors.append(
            f"{name}, ligne {line}, {where} : même commune, sexe et âge qu'à la ligne "
            f"{first_lines[key]} ; ne gardez qu'une des deux lignes."
        )
        return
    first_lines[key] = line
    totals[(sex, low, high)] = totals.get((sex, low, high), 0.0) + count


def read_structure(
    path: Path,
    member_codes: Iterable[str],
    *,
    label: str | None = None,
    populations: Mapping[str, int | None] | None = None,
) -> AgeSexStructure:
    """The structure of the member communes from an INSEE-style CSV file.

    `populations` gives the known population of member communes (INSEE
    code -> inhabitants, None when unknown): no count may exceed its
    commune's (or, without a CODGEO column, the territory's when every
    commune's is known), else MAX_COUNT. Raises PopulationFileError
    (French, with the file, line and column of each error, at most
    MAX_ERRORS of them) for a file that cannot be used whole."""
    name = path.name
    try:
        header, records = dict_rows(read_text(path), name)
    except UnreadableFile as error:
        raise PopulationFileError(str(error)) from None
    sex_column = _column(header, ["sexe"])
    age_column = _column(header, ["aged100", "age", "âge"])
    count_column = _column(header, ["nb", "effectif"])
    geo_column = _column(header, ["codgeo", "code_insee", "com"])
    missing = [
        label
        for label, column in (
            ("SEXE", sex_column),
            ("AGED100 (ou AGE)", age_column),
            ("NB (ou EFFECTIF)", count_column),
        )
        if column is None
    ]
    if missing:
        raise PopulationFileError(f"{name} : colonne(s) manquante(s) : {', '.join(missing)}.")
    if not (sex_column and age_column and count_column):  # for the type checker
        raise PopulationFileError(f"{name} : colonnes illisibles.")
    members = set(member_codes)
    known = {code: n for code, n in (populations or {}).items() if n is not None}
    territory_population = (
        float(sum(known[code] for code in members)) if members and members <= known.keys() else None
    )
    columns = _Columns(sex_column, age_column, count_column, geo_column)
    first_lines: dict[tuple[str, str, int, int | None], int] = {}
    seen: set[str] = set()
    # Restored code -> (code as in the file, first line, rows).
    restored: dict[str, tuple[str, int, int]] = {}
    totals: dict[tuple[str, int, int | None], float] = {}
    errors: list[str] = []
    try:
        for line, row in not_empty(records, name):
            commune: tuple[str, float | None] = ("", territory_population)
            if geo_column:
                raw_code = row.get(geo_column) or ""
                read = insee_code_read(raw_code, members)
                if read.code not in members:
                    continue
                if read.restored:
                    _, first, count = restored.get(read.code, (raw_code.strip(), line, 0))
                    restored[read.code] = (raw_code.strip(), first, count + 1)
                seen.add(read.code)
                population = known.get(read.code)
                commune = (read.code, None if population is None else float(population))
            _read_group(row, line, name, columns, commune, totals, first_lines, errors)
    except UnreadableFile as error:
        raise PopulationFileError(str(error)) from None
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"… et {len(errors) - MAX_ERRORS} autre(s) erreur(s).")
        raise PopulationFileError("\n".join(shown))
    if geo_column:
        absent = sorted(members - seen)
        if len(absent) == len(members):
            raise PopulationFileError(
                f"{name} : aucune commune du territoire dans la colonne « {geo_column} »."
            )
        if absent:
            raise PopulationFileError(
                f"{name} : commune(s) du territoire absente(s) du fichier : {', '.join(absent)}."
            )
    if not totals:
        raise PopulationFileError(f"{name} : aucune ligne de population.")
    groups = tuple(Group(s, low, high, c) for (s, low, high), c in sorted(totals.items(), key=str))
    notes = tuple(
        f"{name}, ligne {first}, colonne « {geo_column} » : « {raw} » lu comme « {code} » "
        f"(zéro initial restauré{f', {count} lignes' if count > 1 else ''})"
        for code, (raw, first, count) in sorted(restored.items())
    )
    structure = AgeSexStructure(
        groups, label=label or f"fichier {name}", approximation=False, notes=notes
    )
    # Usable by the barometer: its age bands, and people in every one.
    bands = structure.by_band(AGE_BANDS)
    empty = [
        f"{sex} {band}" for sex, counts in bands.items() for band, n in counts.items() if n <= 0
    ]
    if empty:
        raise PopulationFileError(
            f"{name} : aucune personne pour : {', '.join(empty)} ; il faut toutes les tranches "
            "d'âge de 18 ans et plus, pour les deux sexes."
        )
    return structure
