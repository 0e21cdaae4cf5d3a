"""The territory's directory as data·inclusion files (JSON, or one CSV per
kind of entry): what goes out is valid for the schema."""

import csv
import io
import json
from typing import Any

from nonrecours.csvtext import spreadsheet_safe
from nonrecours.directory import schema
from nonrecours.directory.models import Offer, Structure
from nonrecours.territories.models import Territory


def _export_rows(territory: Territory) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    structures = [s.record for s in Structure.objects.filter(territory=territory).order_by("di_id")]
    offers = [
        o.record for o in Offer.objects.filter(structure__territory=territory).order_by("di_id")
    ]
    for record in structures + offers:  # what goes out is valid for the schema
        _, errors = schema.validate(record)
        if errors:
            raise ValueError(f"Fiche {record.get('id')} invalide : {errors}")
    return structures, offers


def directory_export_json(*, territory: Territory) -> str:
    structures, offers = _export_rows(territory)
    return json.dumps({"structures": structures, "services": offers}, ensure_ascii=False, indent=2)


def directory_export_csv(*, territory: Territory) -> dict[str, str]:
    """structures.csv and services.csv; list fields as JSON arrays; a text
    starting like a formula written with an apostrophe (read back as it was
    by the import, see csvtext)."""
    structures, offers = _export_rows(territory)
    files = {}
    for name, rows, fields in (
        ("structures.csv", structures, schema.STRUCTURE_FIELDS),
        ("services.csv", offers, schema.OFFER_FIELDS),
    ):
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=list(fields))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    key: spreadsheet_safe(
                        json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
                    )
                    for key, value in row.items()
                }
            )
        files[name] = buffer.getvalue()
    return files
