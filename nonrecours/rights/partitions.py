"""Computing a long list by partitions, in order, in bounded memory: here,
on local processes, or on a Dask cluster (the screening of a partner's file,
rights.screening; ADR 034).

A function `task(partition, *arguments)` turns a partition (a list of
items) into a list of results. computed_in_order() hands partitions over as
they come from an iterator (a file being read) and gives their results back
in the same order, with at most Engine.window() partitions handed over and
not yet read back: whatever the length of the list, the client holds that
many partitions and their results, and a Dask worker no result it already
gave (each future is released once read).
"""

import collections
import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from nonrecours.rights.cluster import ClusterError, cluster_client, profiling_notice
from nonrecours.stopping import default_signals, stop_pool

Item = TypeVar("Item")
Task = Callable[..., list[Any]]

# What to try when a computing process dies: most often, memory.
_RETRY = (
    "relancez avec moins de processus (--workers) ou des tranches plus petites "
    "(--tranche) ; rien n'a été écrit."
)


class WorkerLost(ClusterError):
    """A process or a Dask worker died while computing (killed, out of
    memory): the run cannot finish (French message, what to try)."""


class Engine(Protocol):
    """Where partitions are computed. submit() hands one over and returns a
    handle; result() waits for that handle's results and lets go of them
    where they were computed; window() is how many partitions may be handed
    over and not yet read back (what bounds memory on both sides)."""

    def submit(self, partition: list[Any]) -> Any: ...

    def result(self, handle: Any) -> list[Any]: ...

    def window(self) -> int: ...


@dataclass
class _HereEngine:
    task: Task
    arguments: tuple[Any, ...]

    def submit(self, partition: list[Any]) -> Any:
        return self.task(partition, *self.arguments)

    def result(self, handle: Any) -> list[Any]:
        return handle  # type: ignore[no-any-return]

    def window(self) -> int:
        return 1


@dataclass
class _ProcessEngine:
    pool: ProcessPoolExecutor
    count: int
    task: Task
    arguments: tuple[Any, ...]

    def submit(self, partition: list[Any]) -> Any:
        return self.pool.submit(self.task, partition, *self.arguments)

    def result(self, handle: Any) -> list[Any]:
        try:
            return handle.result()  # type: ignore[no-any-return]
        except BrokenProcessPool:
            raise WorkerLost(
                "Un processus de calcul s'est arrêté brutalement (mémoire épuisée ? tué par "
                f"le système ?) : {_RETRY}"
            ) from None

    def window(self) -> int:
        return 2 * self.count


@dataclass
class _DaskEngine:
    client: Any
    task: Task
    arguments: tuple[Any, ...]

    def submit(self, partition: list[Any]) -> Any:
        return self.client.submit(self.task, partition, *self.arguments, pure=False)

    def result(self, handle: Any) -> list[Any]:
        from distributed import KilledWorker

        try:
            return handle.result()  # type: ignore[no-any-return]
        except KilledWorker as error:
            worker = getattr(error.last_worker, "address", error.last_worker)
            raise WorkerLost(
                "La grappe Dask a perdu les workers qui calculaient une même tranche, "
                f"{error.allowed_failures + 1} fois de suite (mémoire épuisée ?) ; dernier "
                f"worker : {worker} : {_RETRY}"
            ) from None
        finally:
            # A future held keeps its result in the worker's memory: 1,000,000
            # households' output rows held that way filled a 3 GB worker.
            handle.release()

    def window(self) -> int:
        # Read at each partition: a cluster that grows (or whose workers
        # arrive late) gets more at once.
        threads = sum(self.client.nthreads().values())
        return max(2 * int(threads), 2)


@contextlib.contextmanager
def partition_engine(
    task: Task,
    arguments: tuple[Any, ...],
    *,
    workers: int | None,
    scheduler: str | None,
    alone: bool = False,
) -> Iterator[Engine]:
    """The Engine that computes `task(partition, *arguments)`: on the Dask
    cluster whose scheduler's address is `scheduler` (rights.cluster: raises
    ClusterError when it does not answer, warns when its workers keep Dask's
    profile); in this process when `workers` is 1 or the list is one
    partition (`alone`); otherwise on `workers` local processes (default:
    one per core), which ignore Ctrl-C and die on SIGTERM or SIGHUP
    (stopping.default_signals); when the block raises, the workers are
    stopped at once and pending partitions cancelled (stopping.stop_pool)."""
    if scheduler:
        with cluster_client(scheduler) as client:
            profiling_notice(client)
            yield _DaskEngine(client, task, arguments)
    elif workers == 1 or alone:
        yield _HereEngine(task, arguments)
    else:
        count = workers or os.cpu_count() or 1
        pool = ProcessPoolExecutor(max_workers=count, initializer=default_signals)
        try:
            yield _ProcessEngine(pool, count, task, arguments)
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)


def computed_in_order(engine: Engine, partitions: Iterable[list[Any]]) -> Iterator[list[Any]]:
    """Each partition's results, in the partitions' order, with at most
    engine.window() partitions handed over and not yet read back: the list
    is read, computed and written at once, in memory bounded by the window
    whatever its length."""
    pending: collections.deque[Any] = collections.deque()
    for partition in partitions:
        pending.append(engine.submit(partition))
        while len(pending) >= engine.window():
            yield engine.result(pending.popleft())
    while pending:
        yield engine.result(pending.popleft())


def batched(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive lists of `size` items (the last may be shorter), made as
    `items` are read (itertools.batched from Python 3.12 gives tuples)."""
    partition: list[Item] = []
    for item in items:
        partition.append(item)
        if len(partition) >= size:
            yield partition
            partition = []
    if partition:
        yield partition
