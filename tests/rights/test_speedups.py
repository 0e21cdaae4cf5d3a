"""The fast paths through OpenFisca-Core (rights.speedups, ADR 019) give
what OpenFisca-Core's own functions give."""

import datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openfisca_core import periods
from openfisca_core.periods.instant_ import Instant
from openfisca_core.populations import ADD, DIVIDE
from openfisca_core.populations._errors import IncompatibleOptionsError

from nonrecours.rights import engine, reference, speedups


@pytest.fixture(autouse=True)
def _applied() -> None:
    engine.tax_benefit_system()  # applies the speedups
    assert speedups.ORIGINALS


UNITS = [periods.DateUnit.DAY, periods.DateUnit.MONTH, periods.DateUnit.YEAR, periods.DateUnit.WEEK]


@given(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2300, 12, 31)),
    st.one_of(st.integers(-400, 400), st.sampled_from(["first-of", "last-of"])),
    st.sampled_from(UNITS),
)
def test_cached_offsets_are_openfiscas(day: datetime.date, offset: int | str, unit: str) -> None:
    instant = Instant((day.year, day.month, day.day))
    original = speedups.ORIGINALS[Instant, "offset"]
    assert instant.offset(offset, unit) == original(instant, offset, unit)
    assert instant.offset(offset, unit) == original(instant, offset, unit)  # from the cache


def test_every_reference_case_gives_the_same_results_as_openfisca_as_shipped() -> None:
    situations = [case.situation for case in reference.all_cases()]
    fast = [r.as_json() for r in engine.simulate(situations)]
    with speedups.disabled():
        shipped = [r.as_json() for r in engine.simulate(situations)]
    assert fast == shipped


def _simulation() -> Any:
    from openfisca_core.simulation_builder import SimulationBuilder

    return SimulationBuilder().build_from_entities(
        engine.tax_benefit_system(),
        {
            "individus": {"a": {"salaire_net": {"2026-10": 1000.0}}},
            "familles": {"f": {"parents": ["a"]}},
            "foyers_fiscaux": {"t": {"declarants": ["a"]}},
            "menages": {"m": {"personne_de_reference": ["a"]}},
        },
    )


def test_a_value_held_is_returned_and_a_new_one_computed() -> None:
    simulation = _simulation()
    october = periods.period("2026-10")
    assert simulation.calculate("salaire_net", october).tolist() == [1000.0]
    first = simulation.calculate("ppa_revenu_activite_individu", october)
    again = simulation.calculate("ppa_revenu_activite_individu", october)
    assert again is first  # held
    with speedups.disabled():
        expected = _simulation().calculate("ppa_revenu_activite_individu", october)
    np.testing.assert_array_equal(first, expected)


def test_checks_are_kept_for_what_is_not_held_as_asked() -> None:
    simulation = _simulation()
    october = periods.period("2026-10")
    simulation.calculate("salaire_net", october)
    family = simulation.populations["famille"]
    # A person's variable asked of a family: OpenFisca-Core's error, even held.
    with pytest.raises(ValueError, match="salaire_net"):
        family("salaire_net", october)
    # A monthly variable asked for a year: OpenFisca-Core's error.
    with pytest.raises(ValueError):
        simulation.calculate("salaire_net", periods.period("2026"))
    # Options take OpenFisca's path, its checks included.
    with pytest.raises(IncompatibleOptionsError):
        simulation.populations["individu"]("salaire_net", october, options=[ADD, DIVIDE])
    person = simulation.populations["individu"]
    assert person("salaire_net", periods.period("2026"), options=[ADD]).tolist() == [1000.0]


def test_a_traced_simulation_still_records_values_held() -> None:
    simulation = _simulation()
    october = periods.period("2026-10")
    simulation.calculate("salaire_net", october)
    simulation.trace = True
    simulation.calculate("salaire_net", october)
    assert [node.name for node in simulation.tracer.trees] == ["salaire_net"]


def test_a_clone_keeps_its_own_values() -> None:
    """Simulation.clone copies the simulation's attributes: the clone and
    the original still read their own holders."""
    original = _simulation()
    october = periods.period("2026-10")
    original.calculate("salaire_net", october)
    clone = original.clone()
    clone.set_input("livret_a", october, np.array([5000.0]))
    assert clone.calculate("livret_a", october).tolist() == [5000.0]
    assert original.calculate("livret_a", october).tolist() == [0.0]
