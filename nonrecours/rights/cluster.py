"""Reaching a Dask cluster: the screening (rights.screening) and the
national barometer (surveys.national) send their tasks to one when a
scheduler's address is given (docs/guide/echelle-nationale.md, ADR 034).

What the commands need from it, in one place: a connection that fails in
one French line, and a word when the workers keep Dask's statistical
profile. Each worker samples its threads' call stacks every 10 ms and keeps
one tree of them per second for the last `distributed.admin.
low-level-log-length` seconds (1,000): with OpenFisca's deep, varied stacks
that grew a screening worker by about 1.6 Mo a second, 770 Mio over a run
of a million households (measured, `make scale`), where it stays flat with
the profile off. The commands do not turn it off on a cluster they do not
own; they say how to start the workers.
"""

import logging
from typing import Any

from nonrecours.errors import UserError

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = "30s"
PROFILE_SETTING = "distributed.worker.profile.enabled"
PROFILE_OFF = "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False"


class ClusterError(UserError, ValueError):
    """The cluster cannot be reached (French message naming the address);
    partitions.WorkerLost: a process or worker died while computing."""


def cluster_client(scheduler: str) -> Any:
    """A distributed.Client connected to `scheduler` (« tcp://hôte:8786 »),
    within CONNECT_TIMEOUT. Raises ClusterError when it does not answer or
    the address cannot be read."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except (OSError, ValueError, TypeError) as error:
        text = " ".join(str(error).split()) or type(error).__name__
        raise ClusterError(
            f"--scheduler : grappe Dask injoignable à « {scheduler} » ({text})."
        ) from None


def _profiling() -> bool:
    """Whether this worker keeps Dask's statistical profile (run in it)."""
    import dask

    return bool(dask.config.get(PROFILE_SETTING, default=True))


def profiling_notice(client: Any) -> str | None:
    """The French warning to give when some workers of the client's cluster
    keep Dask's statistical profile (their memory grows by about 1.6 Mo a
    second of computation, up to some 1.6 Go), None when none does or the
    workers cannot be asked. Logged as a warning too."""
    try:
        answers = client.run(_profiling)
    except Exception:  # noqa: BLE001 - a question about diagnostics never stops a run
        return None
    profiling = sum(1 for on in answers.values() if on)
    if not profiling:
        return None
    notice = (
        f"{profiling} worker(s) Dask sur {len(answers)} gardent le profil d'exécution de Dask "
        "(distributed.worker.profile.enabled) : leur mémoire grandit d'environ 1,6 Mo par "
        f"seconde de calcul, jusqu'à 1,6 Go. Démarrez-les avec {PROFILE_OFF} "
        "(docs/guide/echelle-nationale.md)."
    )
    logger.warning(notice)
    return notice
