"""One territory of the national barometer, computed in a worker.

`territory_barometer` is what a local process or a Dask worker runs for
one territory (surveys.national sends the tasks): it reads that
territory's answers from the database itself — a task names a campaign by
its key, the answers never travel through the client — computes the
campaign's barometer with the very function of the dashboard
(surveys.barometer.campaign_barometer, statistical secrecy applied) and
sends back only the published figures (a few kilobytes).

This module imports nothing from Django at load time: a Dask worker
unpickles the task (and so imports this module) before Django is set up;
the task sets it up the way the `nonrecours` command does (the
environment file, then DJANGO_SETTINGS_MODULE, development settings by
default), so that a worker started with `dask worker` reads the same
configuration as the web server.
"""

import os
import resource
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from nonrecours.analysis.threads import one_blas_thread

# Statuses of a territory, as written in the summary (French, stable).
COMPUTED = "calcule"
UNCHANGED = "inchange"
FAILED = "echec"


@dataclass(frozen=True)
class TerritoryTask:
    """What a worker needs to compute one territory: the campaign's key
    (its answers are read in the worker), and what the summary names."""

    campaign_id: int
    siren: str
    territory: str
    campaign: str  # slug
    # The data version of the file already written by an earlier run (""
    # when none): the worker skips the territory when it is still current.
    known_version: str = ""


@dataclass(frozen=True)
class TerritoryOutcome:
    """What a worker sends back for one territory.

    `status`: COMPUTED, UNCHANGED or FAILED; `reason`: why it failed
    (French, one line); `respondents`: answers analysed; `seconds`: wall
    time of the task in the worker; `peak_mib`: the worker process's peak
    resident memory so far (MiB, peak_memory_mib); `worker`:
    "host:pid"; `data`: the territory's result as JSON data (None unless
    COMPUTED), see surveys.national.RESULT_KEYS."""

    siren: str
    territory: str
    campaign: str
    status: str
    reason: str = ""
    respondents: int = 0
    seconds: float = 0.0
    peak_mib: float = 0.0
    worker: str = ""
    data: dict[str, Any] | None = field(default=None, repr=False)


def peak_memory_mib() -> float:
    """This process's peak resident memory, in MiB: Linux's VmHWM (the
    high-water mark of the process's own memory, /proc/self/status), else
    getrusage's ru_maxrss. ru_maxrss alone misleads for a process started by
    fork and exec, as Dask's nanny starts its workers: it keeps the memory
    of the process it was forked from (workers started by a 1.2 Go client
    read 1,173 MiB each while they held 430)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def django_ready() -> None:
    """Set Django up in this process, as `nonrecours` does, unless it is."""
    from django.apps import apps

    if apps.ready:
        return
    from config.settings.env import load_env_file

    load_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def territory_barometer(
    task: TerritoryTask,
    weighting: dict[str, Any],
    potential: bool = False,
    close_connections: bool = False,
) -> TerritoryOutcome:
    """The barometer of `task`'s campaign with the Weighting options
    `weighting` (bounds, cap, threshold), with the potential non-take-up
    when `potential`. Never raises: a territory that cannot be computed (no
    answers, weights that do not converge, any other error) comes back
    FAILED with its reason, so that one territory never stops the others.
    `close_connections`: close this thread's database connections at the
    end (a Dask worker's threads outlive the run)."""
    start = time.perf_counter()
    try:
        one_blas_thread()
        django_ready()
        from nonrecours.surveys.national import compute_territory

        respondents, version, data = compute_territory(task, weighting, potential)
    except Exception as error:  # noqa: BLE001 - reported for this territory only
        return _outcome(task, start, FAILED, reason=_reason(error))
    finally:
        if close_connections:
            from django.db import connections

            connections.close_all()
    if data is None:
        return _outcome(task, start, UNCHANGED, respondents=respondents)
    return _outcome(task, start, COMPUTED, respondents=respondents, data=data)


def _reason(error: Exception) -> str:
    from nonrecours.errors import UserError

    text = " ".join(str(error).split())
    if isinstance(error, UserError):  # French already (RakingError among them)
        return text
    return f"erreur inattendue ({type(error).__name__}) : {text}"


def _outcome(task: TerritoryTask, start: float, status: str, **values: Any) -> TerritoryOutcome:
    return TerritoryOutcome(
        siren=task.siren,
        territory=task.territory,
        campaign=task.campaign,
        status=status,
        seconds=time.perf_counter() - start,
        peak_mib=peak_memory_mib(),
        worker=worker_name(),
        **values,
    )
