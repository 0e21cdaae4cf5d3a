"""The directory (#6): a département-sized data·inclusion extract of 50,000
offers, imported, then searched by commune and thematic.

Goals: import under 60 s; search p95 under 100 ms. Baselines in the same
run: validating the file with the official package alone (import), and a
plain query listing every offer of the territory (search).
"""

import datetime
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def _extract(territory: Any, offers: int, structures: int) -> list[dict[str, Any]]:
    from data_inclusion.schema import v1

    rng = random.Random(6)  # noqa: S311 (synthetic data)
    codes = list(territory.communes.values_list("insee_code", flat=True))
    thematics = [t.value for t in v1.Thematique]
    publics = [p.value for p in v1.Public if p.value != "tous-publics"]
    today = datetime.date.today().isoformat()  # noqa: DTZ011
    records: list[dict[str, Any]] = []
    for i in range(structures):
        records.append(
            {
                "source": "bench", "id": f"bench--s{i}", "nom": f"Structure {i}",
                "date_maj": today, "code_insee": rng.choice(codes),
                "longitude": 2.6 + rng.random() * 0.4, "latitude": 50.15 + rng.random() * 0.3,
                "horaires_accueil": "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
            }
        )  # fmt: skip
    for i in range(offers):
        zone = rng.choice([[rng.choice(codes)], ["62"], [territory.siren], ["france"]])
        records.append(
            {
                "source": "bench", "structure_id": f"bench--s{rng.randrange(structures)}",
                "id": f"bench--o{i}", "nom": f"Offre {i}",
                "description": "Une offre d'accompagnement synthétique, pour la mesure.",
                "date_maj": today, "thematiques": rng.sample(thematics, 2),
                "publics": rng.sample(publics, 2), "zone_eligibilite": zone,
                "modes_accueil": ["en-presentiel"], "modes_mobilisation": ["se-presenter"],
                "mobilisable_par": ["usagers"],
            }
        )  # fmt: skip
    return records


def run(territory: Any, offers: int = 50_000, structures: int = 2_000) -> None:
    from nonrecours.directory import imports as directory_imports
    from nonrecours.directory import queries, schema
    from nonrecours.directory.models import Offer

    records = _extract(territory, offers, structures)
    path = Path(tempfile.mkdtemp(prefix="nonrecours-annuaire-")) / "extrait.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    start = time.perf_counter()
    for record in json.loads(path.read_text(encoding="utf-8")):
        schema.validate(record)
    validation = time.perf_counter() - start
    start = time.perf_counter()
    report = directory_imports.directory_import(
        records=directory_imports.read_records(path), territory=territory
    )
    elapsed = time.perf_counter() - start
    print(
        f"Import de {offers} offres et {structures} structures data·inclusion : {elapsed:.1f} s "
        f"(objectif < 60 s) ; validation seule par le paquet officiel (référence) "
        f"{validation:.1f} s ; {report.offers_created} offres créées"
    )
    rng = random.Random(7)  # noqa: S311
    communes = list(territory.communes.filter(is_member=True))
    categories = [v for v, _ in schema.vocabulary("Categorie")]
    thematics = [v for v, _ in schema.vocabulary("Thematique")]
    durations, sizes = [], []
    for _ in range(100):
        thematic = rng.choice(thematics + categories)
        start = time.perf_counter()
        hits, total = queries.search(territory, commune=rng.choice(communes), thematic=thematic)
        durations.append(time.perf_counter() - start)
        sizes.append(total)
    durations.sort()
    start = time.perf_counter()
    for _ in range(5):
        list(Offer.objects.filter(structure__territory=territory).values_list("pk", flat=True))
    baseline = (time.perf_counter() - start) / 5
    p95 = durations[94]
    print(
        f"Recherche par commune et besoin dans {offers} offres (100 recherches) : médiane "
        f"{statistics.median(durations) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
        "(objectif < 100 ms), "
        f"{statistics.median(sizes):.0f} résultats en médiane ; lister les identifiants de toutes "
        f"les offres (référence) {baseline * 1000:.0f} ms"
    )
