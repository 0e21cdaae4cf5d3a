"""Faster paths through OpenFisca-Core for what it computes most (ADR 019).

Simulating one household computes about 2,000 formulas but asks OpenFisca
for about 9,000 values: most are values already computed or set, which
OpenFisca-Core 46 returns after checking the variable, its entity and its
period again and parsing the period each time; and every period offset
(`period.offset(-1, "month")`, `period.first_month`…) goes through pendulum.
Together that is about a third of the time of a simulation. Three changes,
each giving exactly what OpenFisca-Core gives:

- `Instant.offset` is pure (an `Instant` is an immutable tuple): its results
  are kept in a bounded cache;
- `Simulation.calculate` and `Population.__call__` (what formulas call)
  return a value already held for exactly that period at once; anything
  else (a value to compute, an option such as ADD, an eternal or
  neutralised variable, a variable of another entity, a traced
  simulation) takes OpenFisca-Core's own path, with all its checks.

`apply()` is idempotent and called by `rights.system.tax_benefit_system()`.
tests/rights/test_speedups.py checks each path against OpenFisca-Core's.
"""

import contextlib
import functools
import threading
from collections.abc import Iterator
from typing import Any

# (instant, offset, unit) triples: one household's simulation uses about
# two thousand; a few MB at most.
CACHE_SIZE = 16_384

_applied = False
_APPLYING = threading.Lock()
# OpenFisca-Core's own functions, once replaced (class, attribute) → function.
ORIGINALS: dict[tuple[type, str], Any] = {}


def apply() -> None:
    """Install the three fast paths in OpenFisca-Core's classes (for every
    simulation of the process, the plain ones included). Raises nothing; a
    second call does nothing."""
    with _APPLYING:
        if not _applied:
            _apply()


def _apply() -> None:
    global _applied
    from openfisca_core.periods.instant_ import Instant
    from openfisca_core.periods.period_ import Period
    from openfisca_core.populations._core_population import CorePopulation
    from openfisca_core.simulations.simulation import Simulation

    original_offset = Instant.offset
    ORIGINALS[Instant, "offset"] = original_offset

    # typed: 1 and 1.0 or numpy.int64(1) are not the same call (OpenFisca
    # refuses a non-int offset).
    @functools.lru_cache(maxsize=CACHE_SIZE, typed=True)
    def offset(self: Any, offset: Any, unit: Any) -> Any:
        return original_offset(self, offset, unit)

    offset.__doc__ = original_offset.__doc__
    Instant.offset = offset  # type: ignore[method-assign]

    original_calculate = Simulation.calculate
    ORIGINALS[Simulation, "calculate"] = original_calculate

    def calculate(self: Any, variable_name: str, period: Any) -> Any:
        if period.__class__ is Period and not self._trace:
            # Per simulation, checked against its populations: a clone
            # (Simulation.clone copies __dict__) has its own.
            cached = self.__dict__.get("_nonrecours_storages")
            if cached is None or cached[0] is not self.populations:
                cached = self.__dict__["_nonrecours_storages"] = (self.populations, {})
            storages = cached[1]
            storage = storages.get(variable_name)
            if storage is None:
                storage = storages[variable_name] = _storage_of(self.get_holder(variable_name))
            if storage:
                value = storage._arrays.get(period)
                if value is not None:
                    return value
        return original_calculate(self, variable_name, period)

    calculate.__doc__ = original_calculate.__doc__
    Simulation.calculate = calculate

    original_call = CorePopulation.__call__
    ORIGINALS[CorePopulation, "__call__"] = original_call

    def call(self: Any, variable_name: str, period: Any, options: Any = None) -> Any:
        if options is None and period.__class__ is Period:
            simulation = self.simulation
            holder = self._holders.get(variable_name)
            if holder is not None and simulation is not None and not simulation._trace:
                storage = _storage_of(holder)
                if storage:
                    value = storage._arrays.get(period)
                    if value is not None:
                        return value
        return original_call(self, variable_name, period, options)

    call.__doc__ = original_call.__doc__
    CorePopulation.__call__ = call
    _applied = True


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """OpenFisca-Core's own functions back for the duration, in the whole
    process (the benchmarks' baseline, the tests' reference): not to be used
    while other threads simulate."""
    fast = {key: getattr(*key) for key in ORIGINALS}
    try:
        for (cls, name), original in ORIGINALS.items():
            setattr(cls, name, original)
        yield
    finally:
        for (cls, name), function in fast.items():
            setattr(cls, name, function)


def _storage_of(holder: Any) -> Any:
    """The holder's in-memory storage (its arrays by period are read at each
    lookup: forgetting values replaces the dictionary), or False when a
    lookup by period is not what OpenFisca-Core does: eternal or neutralised
    variable, storage on disk."""
    storage = holder._memory_storage
    if storage.is_eternal or holder.variable.is_neutralized or holder._disk_storage is not None:
        return False
    return storage
