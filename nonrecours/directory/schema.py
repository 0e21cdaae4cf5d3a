"""The national data·inclusion schema (v1), through its official package
`data-inclusion-schema`: validation of structures and offers ("services"),
errors in French with their field, the schema's quality score, and the
encodings of list fields met in CSV files. No Django here."""

import ast
import json
from collections.abc import Mapping
from typing import Any

import pydantic
from data_inclusion.schema import v1
from data_inclusion.schema.v1 import score_qualite

from nonrecours.textrules import LINE_MAX_LENGTH, text_problem

Record = dict[str, Any]
FIELD_LABELS: dict[str, str] = {
    "source": "source",
    "id": "identifiant",
    "structure_id": "structure",
    "nom": "nom",
    "description": "description",
    "date_maj": "date de mise à jour",
    "siret": "SIRET",
    "commune": "commune",
    "code_postal": "code postal",
    "code_insee": "code INSEE",
    "adresse": "adresse",
    "complement_adresse": "complément d'adresse",
    "longitude": "longitude",
    "latitude": "latitude",
    "telephone": "téléphone",
    "courriel": "courriel",
    "site_web": "site web",
    "horaires_accueil": "horaires d'accueil",
    "accessibilite_lieu": "accessibilité du lieu",
    "reseaux_porteurs": "réseaux porteurs",
    "lien_source": "lien vers la source",
    "type": "type d'offre",
    "thematiques": "thématiques",
    "frais": "frais",
    "publics": "publics",
    "modes_accueil": "modes d'accueil",
    "zone_eligibilite": "zone d'éligibilité",
    "modes_mobilisation": "modes de mobilisation",
    "mobilisable_par": "mobilisable par",
    "lien_mobilisation": "lien de mobilisation",
}
STRUCTURE_FIELDS = tuple(v1.Structure.model_fields)
OFFER_FIELDS = tuple(v1.Service.model_fields)
LIST_FIELDS = {
    name
    for model in (v1.Structure, v1.Service)
    for name, field in model.model_fields.items()
    if "set[" in str(field.annotation) or "list[" in str(field.annotation)
}


def _message(error: Mapping[str, Any]) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "champ obligatoire manquant"
    if kind == "string_too_short":
        return f"texte trop court (au moins {context.get('min_length')} caractères)"
    if kind == "string_too_long":
        return f"texte trop long (au plus {context.get('max_length')} caractères)"
    if kind == "string_type":  # a JSON number or list where text is expected
        return f"texte attendu, pas « {error.get('input')} »"
    if kind == "string_pattern_mismatch":
        return f"format invalide (« {error.get('input')} »)"
    if kind == "too_short":
        return "au moins une valeur est attendue"
    if kind == "enum":
        return f"valeur inconnue « {error.get('input')} » (voir le vocabulaire du schéma)"
    if kind in ("url_parsing", "url_scheme", "url_type"):
        return f"adresse web invalide « {error.get('input')} » (attendu : https://…)"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"date invalide « {error.get('input')} » (attendu : AAAA-MM-JJ)"
    if kind == "date_from_datetime_inexact":
        return "date attendue sans heure (AAAA-MM-JJ)"
    if kind in ("float_parsing", "float_type"):
        return f"nombre attendu, pas « {error.get('input')} »"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"nombre entier attendu, pas « {error.get('input')} »"
    if kind == "greater_than_equal":
        return f"doit être supérieur ou égal à {context.get('ge')}"
    if kind in ("set_type", "list_type"):
        return "liste de valeurs attendue"
    if kind == "value_error":
        text = str(context.get("error", error.get("msg", "")))
        if "email address" in text:
            return f"adresse électronique invalide « {error.get('input')} »"
        return text.removeprefix("Value error, ")
    return str(error.get("msg", kind))


def french_errors(exc: pydantic.ValidationError) -> list[tuple[str, str]]:
    """[(field, message)], one per field or list item."""
    result: list[tuple[str, str]] = []
    zone_items: set[int] = set()
    for error in exc.errors(include_url=False):
        location = error["loc"]
        field = str(location[0]) if location else "enregistrement"
        label = FIELD_LABELS.get(field, field)
        index = next((p for p in location[1:] if isinstance(p, int)), None)
        where = label if index is None else f"{label}, valeur n° {index + 1}"
        if field == "zone_eligibilite" and index is not None:
            # One error per alternative of the union of codes: say it once.
            if index in zone_items:
                continue
            zone_items.add(index)
            result.append(
                (
                    where,
                    f"« {error['input']} » n'est pas un code INSEE (commune, département, "
                    "EPCI, pays) ni « france »",
                )  # fmt: skip
            )
            continue
        result.append((where, _message(error)))
    return result


def parse_list_cell(cell: str) -> list[str] | None:
    """A list field in a CSV cell: JSON ["a","b"], Python repr ['a', 'b']
    (data·inclusion's own CSV exports), {a,b}, or a,b / a|b."""
    text = cell.strip()
    if not text:
        return None
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except (json.JSONDecodeError, RecursionError, TypeError):
            try:
                return [str(v) for v in ast.literal_eval(text)]
            except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
                return [text]
    if text.startswith("{") and text.endswith("}"):
        return [p.strip().strip('"') for p in text[1:-1].split(",") if p.strip()]
    separator = "|" if "|" in text else ","
    return [p.strip() for p in text.split(separator) if p.strip()]


def csv_record(row: Mapping[str, str | None]) -> Record:
    """A CSV row as the models expect it: empty cells are absent values."""
    record: Record = {}
    for key, value in row.items():
        if key is None:
            continue
        if value is None or not value.strip():
            record[key] = None
        elif key in LIST_FIELDS:
            record[key] = parse_list_cell(value)
        else:
            record[key] = value.strip()
    return record


def is_offer(record: Mapping[str, Any]) -> bool:
    return "structure_id" in record


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_clean_value(item) for item in value]
    return value


def clean(record: Mapping[str, Any]) -> Record:
    """The record as every way in gives it (a JSON or CSV file, the edit
    page): text stripped of surrounding spaces, empty values ("", None, [])
    absent. A CSV cell and a form field are stripped by their readers; a
    JSON file is not, and must get the same verdict."""
    cleaned: Record = {}
    for key, value in record.items():
        value = _clean_value(value)
        if value not in ("", None, []):
            cleaned[key] = value
    return cleaned


# Texts of data·inclusion that may span several lines (a description, an
# address typed on two lines); every other text field is one line (names,
# ids, codes, phone, e-mail, links).
MULTILINE_FIELDS = {
    "description", "frais_precisions", "publics_precisions", "conditions_acces",
    "mobilisation_precisions", "horaires_accueil", "adresse", "complement_adresse",
}  # fmt: skip
FREE_TEXT_MAX_LENGTH = 10_000


def _text_problem(key: str, value: Any) -> str:
    """The project's text rule (textrules) on one field's value(s)."""
    if isinstance(value, list):
        return next((p for item in value if (p := _text_problem(key, item))), "")
    if not isinstance(value, str):
        return ""
    if key in MULTILINE_FIELDS:
        return text_problem(value, multiline=True, max_length=FREE_TEXT_MAX_LENGTH)
    return text_problem(value, max_length=LINE_MAX_LENGTH * 5)


def validate(record: Mapping[str, Any]) -> tuple[Record | None, list[tuple[str, str]]]:
    """The record cleaned (see `clean`) and normalised by the schema (sets
    sorted, so that the same record always gives the same JSON), or the
    French errors."""
    model: type[pydantic.BaseModel] = v1.Service if is_offer(record) else v1.Structure
    known = OFFER_FIELDS if model is v1.Service else STRUCTURE_FIELDS
    unknown = sorted(set(record) - set(known))
    if unknown:
        return None, [("enregistrement", f"champ(s) inconnu(s) du schéma : {', '.join(unknown)}")]
    record = clean(record)
    bad_text = [
        (key, problem) for key, value in record.items() if (problem := _text_problem(key, value))
    ]
    if bad_text:  # a NUL is also refused by PostgreSQL's JSON
        return None, [(FIELD_LABELS.get(key, key), problem) for key, problem in bad_text]
    try:
        validated = model.model_validate(record)
    except pydantic.ValidationError as exc:
        return None, french_errors(exc)
    data = validated.model_dump(mode="json", exclude_none=True)
    for key, value in data.items():
        if isinstance(value, list) and key in LIST_FIELDS and key != "zone_eligibilite":
            data[key] = sorted(value)
    return data, []


def schema_warnings(record: Mapping[str, Any]) -> list[str]:
    """The schema's own warnings ("avertissements": kept, not refused) on a
    valid record, in French, with their field."""
    model: type[pydantic.BaseModel] = v1.Service if is_offer(record) else v1.Structure
    try:
        model.model_validate(record, context={"ignore_warnings": False})
    except pydantic.ValidationError as exc:
        return [
            f"{FIELD_LABELS.get(str(error['loc'][0]), str(error['loc'][0]))} : {error['msg']}"
            for error in exc.errors(include_url=False)
            if error["type"] == "avertissement" and error["loc"]
        ]
    return []


def quality_score(offer: Mapping[str, Any]) -> float | None:
    """data·inclusion's quality score of an offer (0 to 1): the schema
    defines it for offers only."""
    score, _ = score_qualite.score(v1.Service.model_validate(offer))
    return round(float(score), 3)


def vocabulary(name: str) -> list[tuple[str, str]]:
    """(value, French label) of a vocabulary: Thematique, Public, ModeAccueil…"""
    enum = getattr(v1, name)
    return [(member.value, member.label) for member in enum]
