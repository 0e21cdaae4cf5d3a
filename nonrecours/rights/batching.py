"""Concurrent requests computed together: each web request hands its
situation to the process's batcher and waits; a worker thread takes what
has arrived (up to MAX_BATCH) and computes it in one vectorised OpenFisca
simulation. Twenty situations cost barely more than one (ADR 006).

A view that is about to simulate says so as soon as its form is received
(``expected()``, while it reads and checks it; an invalid form withdraws on
leaving): the worker, once it has a situation, waits for
the announced ones (at most MAX_WAIT_SECONDS in all), so that fifty
requests arriving together make one or two batches rather than many small
ones; a request alone waits for nobody (ADR 019).
"""

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future

from nonrecours.rights.engine import SimulationResult, simulate
from nonrecours.rights.situation import Situation

MAX_BATCH = 64
WAIT_SECONDS = 0.01  # each wait for an announced situation
MAX_WAIT_SECONDS = 0.1  # in all, from the first situation of a batch


class Batcher:
    def __init__(
        self,
        compute: Callable[[Sequence[Situation]], list[SimulationResult]] = simulate,
        max_batch: int = MAX_BATCH,
        wait: float = WAIT_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
    ):
        self._compute = compute
        self._max_batch = max_batch
        self._wait = wait
        self._max_wait = max_wait
        self._queue: queue.Queue[tuple[Situation, Future[SimulationResult]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._announced = 0  # requests that will submit a situation soon
        self._local = threading.local()
        self.batches: list[int] = []  # sizes of the batches computed (for the benchmark)

    @contextlib.contextmanager
    def expected(self) -> Iterator[None]:
        """For the duration, this thread announces a situation it is about
        to submit (the worker waits for it); its next submission, or
        leaving, ends the announcement. Nested uses each announce one."""
        pending = self._local.__dict__.setdefault("pending", [])
        with self._lock:
            self._announced += 1
        pending.append(True)
        try:
            yield
        finally:
            if pending.pop():  # not ended by a submission
                with self._lock:
                    self._announced -= 1

    def _arrived(self) -> None:
        """This thread's innermost announcement, if any, has its situation."""
        pending = self._local.__dict__.get("pending")
        if pending and pending[-1]:
            pending[-1] = False
            with self._lock:
                self._announced -= 1

    def submit(self, situation: Situation) -> "Future[SimulationResult]":
        self._ensure_worker()
        future: Future[SimulationResult] = Future()
        self._queue.put((situation, future))
        self._arrived()
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

    def _gather(self) -> list[tuple[Situation, "Future[SimulationResult]"]]:
        """The first situation waiting, what else has arrived, and the
        announced ones still to come (MAX_WAIT_SECONDS at most)."""
        items = [self._queue.get()]
        deadline = time.monotonic() + self._max_wait
        while len(items) < self._max_batch:
            try:
                items.append(self._queue.get_nowait())
                continue
            except queue.Empty:
                pass
            remaining = deadline - time.monotonic()
            if self._announced <= 0 or remaining <= 0:
                break
            try:
                items.append(self._queue.get(timeout=min(self._wait, remaining)))
            except queue.Empty:
                continue
        return items

    def _run(self) -> None:
        while True:
            items = self._gather()
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


def simulation_expected() -> contextlib.AbstractContextManager[None]:
    """``with simulation_expected():`` around the handling of a request that
    will call simulate_one (see the module's docstring)."""
    return _BATCHER.expected()
