"""The reference cases: every benefit of the catalogue, with sources."""

import pytest

from nonrecours.rights.catalogue import benefits
from nonrecours.rights.engine import simulate
from nonrecours.rights.reference import all_cases, mismatches

CASES = all_cases()


@pytest.fixture(scope="module")
def results():
    return dict(zip([c.name for c in CASES], simulate([c.situation for c in CASES]), strict=True))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reference_case(case, results):
    assert mismatches(case, results[case.name]) == []


def test_cases_cover_every_benefit_with_a_positive_amount_and_cite_sources():
    assert len(CASES) >= 30
    covered = {
        benefit
        for case in CASES
        for benefit, value in case.expected.items()
        if value not in (0, "non_calculable")
    }
    assert covered == {b.id for b in benefits()}
    for case in CASES:
        assert case.sources and all(s["lien"].startswith("https://") for s in case.sources)
        assert case.computation, case.name
