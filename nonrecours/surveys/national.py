"""The barometer of many territories at once: `nonrecours barometer national`.

A national operator (or a group of territories) running one instance
computes, for every territory with a campaign (or those named), the
barometer of its latest campaign — exactly what its team's dashboard shows
(surveys.barometer.campaign_barometer, statistical secrecy applied) — as
one independent task per territory, on local processes or on a Dask
cluster (the engine of the screening, rights.screening). Each task reads
its own answers from the database in the worker (surveys.national_task);
only the published figures come back.

What is written in the output folder (French names, stable):

- `territoires/<SIREN>.json`: one file per territory, the JSON of
  `nonrecours barometer compute` (weighting and rows) with the territory,
  the campaign and the version of the data it was computed from;
- `resultats.csv`: every published row of every territory of the run, one
  table (UTF-8, comma);
- `bilan.csv`: one line per territory: status (calcule, inchange, echec),
  reason of a failure, answers, seconds, worker.

Re-running is safe: files are replaced whole (written aside, then
renamed); a territory whose data did not change since its file was written
(surveys.barometer.data_version) is not computed again ("inchange") unless
asked; a territory that fails now loses its old file, so that the table
never mixes an old result with the new run. A territory that fails (no
answers, weights that do not converge, a worker that died) is reported
with its reason; the others are done.
"""

import contextlib
import csv
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connections
from django.db.models import Exists, OuterRef

from nonrecours import french
from nonrecours.errors import UserError
from nonrecours.replacing import ReplaceError, replaced
from nonrecours.rights.cluster import ClusterError, cluster_client, profiling_notice
from nonrecours.stopping import default_signals, stop_pool
from nonrecours.surveys.analysis import as_dict
from nonrecours.surveys.barometer import campaign_barometer, data_version
from nonrecours.surveys.eligibility import potential_to_data
from nonrecours.surveys.models import Campaign, Response
from nonrecours.surveys.national_task import (
    COMPUTED,
    FAILED,
    UNCHANGED,
    TerritoryOutcome,
    TerritoryTask,
    territory_barometer,
)
from nonrecours.surveys.weighting import Weighting
from nonrecours.territories.models import Territory
from nonrecours.textrules import shown

PROCESSES = "processes"
TERRITORIES_FOLDER = "territoires"
RESULTS_FILE = "resultats.csv"
SUMMARY_FILE = "bilan.csv"
RESULT_COLUMNS = (
    "siren", "territoire", "campagne", "indicateur", "ventilation", "code_domaine",
    "estimation", "erreur_type", "ic95_bas", "ic95_haut", "effectif", "masque",
)  # fmt: skip
SUMMARY_COLUMNS = (
    "siren", "territoire", "campagne", "statut", "raison", "reponses", "secondes", "processus",
    "pic_memoire_mio",
)  # fmt: skip

Progress = Callable[[int, int], None]


class NationalError(UserError, ValueError):
    """A run that cannot start, or a territory that cannot be computed (French)."""


def compute_territory(
    task: TerritoryTask, weighting: dict[str, Any], potential: bool
) -> tuple[int, str, dict[str, Any] | None]:
    """In a worker: (answers analysed, data version, result) of `task`'s
    campaign; the result is None when `task.known_version` is still the
    campaign's data version (nothing to compute). The result is the JSON of
    `barometer compute` (surveys.analysis.as_dict) with "territoire",
    "campagne", "version_des_donnees" and, when `potential`,
    "non_recours_potentiel" (as stored: hidden cells without value).
    Raises NationalError when the campaign is gone or has no answer,
    RakingError when the weights do not converge."""
    campaign = (
        Campaign.objects.select_related("territory", "questionnaire")
        .filter(pk=task.campaign_id)
        .first()
    )
    if campaign is None:
        raise NationalError(f"la campagne « {task.campaign} » n'existe plus")
    respondents = campaign.responses.count()
    if not respondents:
        raise NationalError(f"la campagne « {campaign.slug} » n'a aucune réponse")
    options = Weighting(**weighting)
    version = data_version(campaign, options)
    if task.known_version and task.known_version == version and not potential:
        return respondents, version, None
    barometer = campaign_barometer(campaign, weighting=options, potential=potential)
    territory = campaign.territory
    data: dict[str, Any] = {
        "territoire": {"siren": territory.siren, "nom": territory.name},
        "campagne": {
            "identifiant": campaign.slug,
            "nom": campaign.name,
            "debut": campaign.starts_on.isoformat(),
            "fin": campaign.ends_on.isoformat(),
            "synthetique": campaign.is_synthetic,
        },
        "reponses": respondents,
        "version_des_donnees": version,
        **as_dict(barometer.analysis),
    }
    if potential and barometer.potential is not None:
        data["non_recours_potentiel"] = potential_to_data(barometer.potential)
    return respondents, version, data


def national_tasks(
    sirens: Sequence[str] | None = None,
) -> tuple[list[TerritoryTask], list[TerritoryOutcome]]:
    """The tasks of a run, in SIREN order: for each territory (all those
    with a campaign, or those of `sirens`), its latest campaign (by start
    date) that has answers, else its latest campaign. Named territories
    that are unknown or have no campaign come back as FAILED outcomes."""
    territories = Territory.objects.order_by("siren")
    failures: list[TerritoryOutcome] = []
    if sirens is not None:
        wanted = list(dict.fromkeys(s.strip() for s in sirens if s.strip()))
        territories = territories.filter(siren__in=wanted)
        known = set(territories.values_list("siren", flat=True))
        failures += [
            TerritoryOutcome(
                shown(siren),
                "",
                "",
                FAILED,
                reason=f"territoire inconnu (SIREN « {shown(siren)} ») : à importer avec "
                "`nonrecours territory import`",
            )  # fmt: skip
            for siren in wanted
            if siren not in known
        ]
    answered = Response.objects.filter(campaign=OuterRef("pk"))
    campaigns = (
        Campaign.objects.filter(territory__in=territories)
        .annotate(answered=Exists(answered))
        .order_by("territory_id", "-answered", "-starts_on", "-pk")
        .values_list("pk", "slug", "territory_id")
    )
    latest: dict[int, tuple[int, str]] = {}
    for pk, slug, territory_id in campaigns:
        latest.setdefault(territory_id, (pk, slug))
    tasks = []
    for territory in territories.only("pk", "siren", "name"):
        if territory.pk in latest:
            pk, slug = latest[territory.pk]
            tasks.append(TerritoryTask(pk, territory.siren, territory.name, slug))
        elif sirens is not None:
            failures.append(
                TerritoryOutcome(
                    territory.siren,
                    territory.name,
                    "",
                    FAILED,
                    reason="aucune campagne dans ce territoire",
                )  # fmt: skip
            )
    return tasks, failures


def _run_processes(
    tasks: Sequence[TerritoryTask], workers: int, arguments: tuple[Any, ...]
) -> Generator[TerritoryOutcome, None, None]:
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield territory_barometer(task, *arguments)
        return
    # The children are forked with Django set up; none may share the
    # parent's database connections.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    # The children ignore Ctrl-C and die on SIGTERM or SIGHUP
    # (stopping.default_signals): on any of them, or any error, the parent
    # stops them at once (stopping.stop_pool).
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=default_signals)
    try:
        pending = {pool.submit(territory_barometer, task, *arguments): task for task in tasks}
        for future in as_completed(pending):
            try:
                yield future.result()
            except Exception as error:  # noqa: BLE001 - a process that died
                yield _lost(pending[future], error)
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _run_dask(
    tasks: Sequence[TerritoryTask], scheduler: str, arguments: tuple[Any, ...]
) -> Generator[TerritoryOutcome, None, None]:
    from distributed import as_completed as dask_completed

    try:
        client = cluster_client(scheduler)
    except ClusterError as error:
        raise NationalError(str(error)) from None
    with client:
        profiling_notice(client)
        pending = {
            client.submit(
                territory_barometer,
                task,
                *arguments,
                True,
                pure=False,
                key=f"barometre-{task.siren}",
            ): task
            for task in tasks
        }
        for future in dask_completed(pending):  # type: ignore[no-untyped-call]
            task = pending.pop(future)
            try:
                yield future.result()
            except Exception as error:  # noqa: BLE001 - a worker that died
                yield _lost(task, error)
            finally:
                future.release()  # its outcome no longer kept by the worker


def _lost(task: TerritoryTask, error: Exception) -> TerritoryOutcome:
    text = " ".join(str(error).split()) or type(error).__name__
    return TerritoryOutcome(
        task.siren,
        task.territory,
        task.campaign,
        FAILED,
        reason=f"le processus de calcul s'est arrêté ({type(error).__name__}) : {text}",
    )


@dataclass(frozen=True)
class NationalSummary:
    """A run: every territory's outcome (SIREN order, without `data`), its
    wall time in seconds, and the output folder."""

    outcomes: list[TerritoryOutcome]
    seconds: float
    folder: Path
    peaks: dict[str, float] = field(default_factory=dict)  # worker -> peak MiB

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def respondents(self) -> int:
        return sum(o.respondents for o in self.outcomes if o.status != FAILED)

    def lines(self) -> list[str]:
        """The summary in French, one line each."""
        done = self.count(COMPUTED) + self.count(UNCHANGED)
        rate = done / self.seconds if self.seconds else 0.0
        lines = [
            f"{plural(len(self.outcomes), 'territoire')} : {self.count(COMPUTED)} "
            f"{french.plural(self.count(COMPUTED), 'calculé')}, {self.count(UNCHANGED)} "
            f"{french.plural(self.count(UNCHANGED), 'inchangé')} (déjà à jour), "
            f"{self.count(FAILED)} en échec ; {plural(self.respondents, 'réponse')} "
            f"en {french.number(self.seconds, 1)} s ({french.number(rate, 2)} territoires "
            "par seconde)."
        ]
        if self.peaks:
            lines.append(
                f"Mémoire : {plural(len(self.peaks), 'processus', 'processus')} de calcul, "
                f"pic le plus haut {french.number(max(self.peaks.values()))} Mio."
            )
        lines += [
            f"Échec : {o.territory or '?'} (SIREN {o.siren}) : {o.reason}."
            for o in self.outcomes
            if o.status == FAILED
        ]
        lines.append(
            f"Résultats : {self.folder / RESULTS_FILE} ; bilan : {self.folder / SUMMARY_FILE}."
        )
        return lines


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """« 1 territoire », « 1 250 territoires »."""
    return f"{french.number(count)} {french.plural(count, noun, plural_form)}"


def _write_atomically(path: Path, text: str) -> None:
    with replaced(path, private=False) as handle:
        handle.write(text)


def known_version(path: Path) -> str:
    """The data version a territory's file was computed from ("" when the
    file is missing or unreadable: the territory is computed again)."""
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["version_des_donnees"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _result_rows(data: dict[str, Any]) -> Iterator[list[Any]]:
    territory, campaign = data["territoire"], data["campagne"]
    for row in data["resultats"]:
        yield [
            territory["siren"], territory["nom"], campaign["identifiant"], row["indicator"],
            row["by"], row["domain"], row["estimate"], row["se"], row["ci_low"],
            row["ci_high"], row["n"], "oui" if row["suppressed"] else "non",
        ]  # fmt: skip


def _write_tables(folder: Path, outcomes: Iterable[TerritoryOutcome]) -> None:
    outcomes = list(outcomes)
    files = folder / TERRITORIES_FOLDER
    with replaced(folder / RESULTS_FILE, private=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_COLUMNS)
        for outcome in outcomes:
            if outcome.status != FAILED:
                data = json.loads((files / f"{outcome.siren}.json").read_text(encoding="utf-8"))
                writer.writerows(_result_rows(data))
    with replaced(folder / SUMMARY_FILE, private=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(SUMMARY_COLUMNS)
        for o in outcomes:
            writer.writerow(
                [
                    o.siren,
                    o.territory,
                    o.campaign,
                    o.status,
                    o.reason,
                    o.respondents,
                    f"{o.seconds:.3f}",
                    o.worker,
                    f"{o.peak_mib:.0f}",
                ]  # fmt: skip
            )


def barometer_national(
    *,
    folder: Path,
    sirens: Sequence[str] | None = None,
    scheduler: str = PROCESSES,
    workers: int | None = None,
    weighting: Weighting | None = None,
    potential: bool = False,
    recompute: bool = False,
    progress: Progress | None = None,
) -> NationalSummary:
    """Compute every territory's barometer (see the module) into `folder`
    (created when missing) on `workers` local processes (default: one per
    core; 1: in this process) or, when `scheduler` is a Dask scheduler's
    address (tcp://host:8786), on that cluster. `potential`: add the
    potential non-take-up (a simulation per answer: about 10 times longer).
    `recompute`: compute even the territories whose data did not change.
    `progress(done, total)` is called as territories finish. Raises
    NationalError when the folder cannot be written or the cluster cannot
    be reached; never for one territory."""
    start = time.perf_counter()
    files = folder / TERRITORIES_FOLDER
    try:
        files.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NationalError(
            f"--sortie : dossier « {folder} » impossible à créer ({error})."
        ) from None
    tasks, outcomes = national_tasks(sirens)
    if not recompute:
        tasks = [
            TerritoryTask(
                t.campaign_id,
                t.siren,
                t.territory,
                t.campaign,
                known_version(files / f"{t.siren}.json"),
            )  # fmt: skip
            for t in tasks
        ]
    options = weighting or Weighting()
    arguments = (
        {"bounds": options.bounds, "cap": options.cap, "threshold": options.threshold},
        potential,
    )
    if scheduler == PROCESSES:
        running = _run_processes(tasks, workers or os.cpu_count() or 1, arguments)
    else:
        running = _run_dask(tasks, scheduler, arguments)
    if progress:
        progress(0, len(tasks))
    peaks: dict[str, float] = {}
    try:
        # Closed here, whatever happens: a generator's pool is stopped at
        # once, not when the garbage collector gets to it.
        with contextlib.closing(running):
            _store(files, running, outcomes, peaks, progress, len(tasks))
        outcomes.sort(key=lambda o: o.siren)
        _write_tables(folder, outcomes)
    except ReplaceError as error:
        raise NationalError(str(error)) from None
    return NationalSummary(outcomes, time.perf_counter() - start, folder, peaks)


def _store(
    files: Path,
    running: Iterable[TerritoryOutcome],
    outcomes: list[TerritoryOutcome],
    peaks: dict[str, float],
    progress: Progress | None,
    total: int,
) -> None:
    """Write each territory's file as it comes (removed when it failed),
    and add its outcome to `outcomes` and its worker's peak to `peaks`."""
    for done, outcome in enumerate(running, start=1):
        path = files / f"{outcome.siren}.json"
        if outcome.status == COMPUTED and outcome.data is not None:
            _write_atomically(path, json.dumps(outcome.data, ensure_ascii=False, indent=1) + "\n")
        elif outcome.status == FAILED:
            path.unlink(missing_ok=True)
        if outcome.worker:
            peaks[outcome.worker] = max(peaks.get(outcome.worker, 0.0), outcome.peak_mib)
        outcomes.append(TerritoryOutcome(**{**outcome.__dict__, "data": None}))
        if progress:
            progress(done, total)
