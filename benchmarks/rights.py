"""The rights simulator (#5), each against the plain OpenFisca usage.

- one situation, warm process, all benefits: median, against building one
  OpenFisca-France simulation as shipped and computing each benefit;
- 50 simultaneous requests to the web simulator: throughput and p95;
- screening 100,000 households: time and peak memory.
"""

import csv
import random
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

SITUATION = """
mois: 2026-11
commune: "62041"
logement: {statut: locataire_vide, loyer: 650}
personnes:
  - {role: demandeur, naissance: 1988-03-01, activite: salarie, ressources: {salaire_net: 1450}}
  - {role: conjoint, naissance: 1990-09-10, activite: inactif}
  - {role: enfant, naissance: 2014-06-01, scolarite: college}
  - {role: enfant, naissance: 2010-02-01, scolarite: lycee}
avis_imposition: [{revenus: 2024, revenu_fiscal_reference: 15600}]
"""


def _plain_openfisca() -> float:
    """The baseline: OpenFisca-France as shipped, one simulation per
    situation, each benefit computed (the same household)."""
    from openfisca_core.simulation_builder import SimulationBuilder
    from openfisca_france import FranceTaxBenefitSystem

    from nonrecours.rights import speedups
    from nonrecours.rights.catalogue import benefits

    system = FranceTaxBenefitSystem()
    month = "2026-11"
    situation = {
        "individus": {
            "p1": {
                "date_naissance": {"ETERNITY": "1988-03-01"},
                "activite": {month: "actif"},
                "salaire_net": {m: 1450 for m in ("2026-08", "2026-09", "2026-10", month)},
            },
            "p2": {"date_naissance": {"ETERNITY": "1990-09-10"}, "activite": {month: "inactif"}},
            "e1": {"date_naissance": {"ETERNITY": "2014-06-01"}, "scolarite": {month: "college"}},
            "e2": {"date_naissance": {"ETERNITY": "2010-02-01"}, "scolarite": {month: "lycee"}},
        },
        "familles": {"f": {"parents": ["p1", "p2"], "enfants": ["e1", "e2"]}},
        "foyers_fiscaux": {"ff": {"declarants": ["p1", "p2"], "personnes_a_charge": ["e1", "e2"]}},
        "menages": {
            "m": {
                "personne_de_reference": ["p1"],
                "conjoint": ["p2"],
                "enfants": ["e1", "e2"],
                "depcom": {"2026": "62041"},
                "statut_occupation_logement": {"2026": "locataire_vide"},
                "loyer": {month: 650},
            }
        },
    }
    durations = []
    with speedups.disabled():  # OpenFisca-Core as shipped
        for _ in range(3):
            start = time.perf_counter()
            simulation = SimulationBuilder().build_from_entities(system, situation)
            for benefit in benefits():
                period = "2026" if benefit.period == "year" else month
                simulation.calculate(benefit.variable, period)
            durations.append(time.perf_counter() - start)
    return statistics.median(durations[1:])


def one_situation() -> float:
    """One household as the web simulator computes it: every benefit at
    its stable amount (fixed point), the local aids of its commune, and the
    situation restated; then the same without the tax notice (ranges).
    The local aids are those the default install imports (its seed file)."""
    from dataclasses import replace

    from nonrecours.localaids.actions import SEED_FILE, local_aids_import
    from nonrecours.localaids.queries import local_aids_for
    from nonrecours.rights.catalogue import benefits
    from nonrecours.rights.engine import simulate, tax_benefit_system
    from nonrecours.rights.situation_parse import parse_situation
    from nonrecours.rights.summary import describe

    tax_benefit_system()
    local_aids_import(path=SEED_FILE, only_new=True)
    situation = parse_situation(yaml.safe_load(SITUATION))
    (result,) = simulate([situation])
    aids = local_aids_for(situation, result)
    assert aids, "les aides locales d'Arras devraient être évaluées"

    def everything(one: Any) -> None:
        (result,) = simulate([one])
        local_aids_for(one, result)
        describe(one)

    medians = []
    for one in (situation, replace(situation, tax_notices={})):
        everything(one)  # warm
        durations = []
        for _ in range(15):
            start = time.perf_counter()
            everything(one)
            durations.append(time.perf_counter() - start)
        medians.append(statistics.median(durations))
    baseline = _plain_openfisca()
    print(
        f"Une situation, {len(benefits())} prestations à leur montant une fois toutes versées "
        f"et {len(aids)} aides locales, processus chaud : médiane {medians[0] * 1000:.0f} ms "
        f"(objectif ≤ 100 ms) ; sans avis d'imposition (fourchettes) : "
        f"{medians[1] * 1000:.0f} ms ; OpenFisca-France tel quel (référence) : "
        f"{baseline:.2f} s, soit {baseline / medians[0]:.1f} × plus lent"
    )
    return baseline


def concurrent_requests(baseline: float) -> None:
    """50 simultaneous POSTs of the professional's page to Gunicorn as
    configured for production (config/gunicorn.py: one process per core,
    threads), each from its own session (CSRF cookie and token)."""
    import http.cookiejar
    import os
    import re
    import socket
    import subprocess
    import sys
    import urllib.parse
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # As in production: DEBUG off (the settings are the bench's own).
    env = {**os.environ, "NONRECOURS_BIND": f"127.0.0.1:{port}", "DJANGO_DEBUG": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/simulateur/expert/"
    form = {
        "logement-commune": "62041",
        "logement-statut": "locataire_vide",
        "logement-loyer": "650",
        "demandeur-naissance": "1988-03-01",
        "demandeur-activite": "salarie",
        "ressources-demandeur-salaire_net": "1450",
        "conjoint-naissance": "1990-09-10",
        "conjoint-activite": "inactif",
        "enfant0-naissance": "2014-06-01",
        "enfant0-scolarite": "college",
    }

    def session() -> tuple[Any, bytes]:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base, timeout=60).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
        return opener, data

    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base, timeout=1).read()
                break
            except OSError:
                time.sleep(0.5)
        warm = [session() for _ in range(8)]
        for opener, data in warm:  # each worker has computed once
            assert opener.open(base, data=data, timeout=60).status == 200
        sessions = [session() for _ in range(50)]
        latencies: list[float] = []
        barrier = threading.Barrier(50)

        def request(opener: Any, data: bytes) -> None:
            barrier.wait()
            start = time.perf_counter()
            response = opener.open(base, data=data, timeout=120)
            body = response.read()
            latencies.append(time.perf_counter() - start)
            assert response.status == 200 and b"Vous avez probablement droit" in body

        threads = [threading.Thread(target=request, args=s) for s in sessions]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(
        f"50 requêtes simultanées au simulateur web (Gunicorn, config/gunicorn.py) : "
        f"{len(latencies) / elapsed:.1f} simulations/s (objectif ≥ 30), p95 {p95 * 1000:.0f} ms, "
        f"médiane {statistics.median(latencies) * 1000:.0f} ms ; OpenFisca tel quel, une à la "
        f"fois : {1 / baseline:.2f} simulation/s"
    )


def _households(path: Path, count: int) -> None:
    from nonrecours.rights.screening import columns

    rng = random.Random(2026)  # noqa: S311 (synthetic data)
    communes = ["62041", "62004", "62099", "62264", "62863", "62065"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns(), extrasaction="ignore")
        writer.writeheader()
        for i in range(count):
            kind = rng.random()
            row: dict[str, Any] = {
                "id": f"F{i:06d}",
                "commune": rng.choice(communes),
                "logement": rng.choice(
                    ["locataire_hlm", "locataire_vide", "loge_gratuitement", "proprietaire"]
                ),
                "demandeur_naissance": f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-15",
                "demandeur_activite": rng.choice(["salarie", "chomeur", "inactif", "retraite"]),
                "demandeur_salaire_net": rng.choice(["", "600", "1200", "1800"]),
            }
            if row["logement"].startswith("locataire"):
                row["loyer"] = str(rng.randint(300, 800))
            if kind > 0.5:
                row["conjoint_naissance"] = f"{rng.randint(1945, 2000)}-06-01"
                row["conjoint_activite"] = rng.choice(["salarie", "inactif"])
            if kind > 0.6:
                children = rng.randint(1, 3)
                row["enfants"] = ";".join(
                    f"{rng.randint(2010, 2025)}-03-01:"
                    + rng.choice(["primaire", "college", "lycee"])
                    for _ in range(children)
                )
            writer.writerow(row)


def screening(count: int = 100_000) -> None:
    from nonrecours.rights.screening import read_rows, screen

    folder = Path(tempfile.mkdtemp(prefix="nonrecours-criblage-"))
    path = folder / "foyers.csv"
    _households(path, count)
    start = time.perf_counter()
    parsed = sum(1 for _ in read_rows(path, "2026-11"))
    reading = time.perf_counter() - start
    start = time.perf_counter()
    computed, errors = screen(path, folder / "resultats.csv", default_month="2026-11", workers=2)
    elapsed = time.perf_counter() - start
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"Criblage de {count} foyers ({computed} calculés, {errors} en erreur) : {elapsed:.1f} s "
        f"(objectif ≤ 45 s), soit {count / elapsed:.0f} foyers/s ; lecture seule du fichier "
        f"(référence) {reading:.1f} s ; mémoire de pointe : processus principal {parent:.0f} Mio, "
        f"plus gros processus de calcul {child:.0f} Mio "
        f"(2 processus : < {parent + 2 * child:.0f} Mio au total, objectif < 4 Go)"
    )
    assert parsed == count


def run() -> None:
    baseline = one_situation()
    concurrent_requests(baseline)
    screening()
