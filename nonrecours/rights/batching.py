"""Concurrent requests computed together: each web request hands its
situation to the process's batcher and waits; a worker thread takes what
has arrived (up to MAX_BATCH) and computes it in one vectorised OpenFisca
simulation. Twenty situations cost barely more than one (ADR 006)."""

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from nonrecours.rights.engine import SimulationResult, simulate
from nonrecours.rights.situation import Situation

MAX_BATCH = 64
WAIT_SECONDS = 0.01  # how long the worker waits for company once it has work


class Batcher:
    def __init__(
        self,
        compute: Callable[[Sequence[Situation]], list[SimulationResult]] = simulate,
        max_batch: int = MAX_BATCH,
        wait: float = WAIT_SECONDS,
    ):
        self._compute = compute
        self._max_batch = max_batch
        self._wait = wait
        self._queue: queue.Queue[tuple[Situation, Future[SimulationResult]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches: list[int] = []  # sizes of the batches computed (for the benchmark)

    def submit(self, situation: Situation) -> "Future[SimulationResult]":
        self._ensure_worker()
        future: Future[SimulationResult] = Future()
        self._queue.put((situation, future))
        return future

    def simulate(self, situation: Situation, timeout: float = 60.0) -> SimulationResult:
        return self.submit(situation).result(timeout=timeout)

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="nonrecours-rights-batcher", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            try:
                while len(items) < self._max_batch:
                    items.append(self._queue.get(timeout=self._wait))
            except queue.Empty:
                pass
            self.batches.append(len(items))
            try:
                results = self._compute([situation for situation, _ in items])
            except Exception as error:  # noqa: BLE001 - handed to every waiting request
                for _, future in items:
                    future.set_exception(error)
                continue
            for (_, future), result in zip(items, results, strict=True):
                future.set_result(result)


_BATCHER = Batcher()


def simulate_one(situation: Situation) -> SimulationResult:
    """One situation, computed with whatever other requests are waiting."""
    return _BATCHER.simulate(situation)
