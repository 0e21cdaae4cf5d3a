"""The funnel of the chains per campaign, stratum, commune and month, and
the secrecy rule on every cell (evaluation.chain_funnel)."""

import datetime
import itertools
from decimal import Decimal

import pytest
import time_machine

from nonrecours.evaluation.chain_funnel import (
    ChainFunnel,
    FunnelError,
    _funnel,
    _Unit,
    chain_funnel,
)
from nonrecours.evaluation.chain_models import Chain
from nonrecours.evaluation.chain_queries import chain_year, chain_years
from nonrecours.evaluation.chain_rights import RightOpened, cutoff, published_on, rights_in_force
from nonrecours.territories.models import Commune
from tests.evaluation.chain_setup import campaign_of

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 2, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _chains(campaign, commune, month, count, reached=0, checked=0):
    """``count`` chains of ``commune`` in ``month``: the first ``reached``
    reached, the first ``checked`` of those with their rights checked."""
    moment = datetime.datetime(month.year, month.month, 3, tzinfo=datetime.UTC)
    Chain.objects.bulk_create(
        Chain(
            token=f"{commune.insee_code}{month:%y%m}{i:09d}{'0' * 6}"[:24],
            territory=campaign.territory,
            campaign=campaign,
            commune=commune,
            stratum=commune.stratum,
            month=month,
            contacted_at=moment,
            attempts=1,
            reached_at=moment if i < reached else None,
            rights_checked_at=moment if i < checked else None,
        )
        for i in range(count)
    )


@pytest.fixture
def chains(arras):
    """Arras (62041) in March 2026: 30 chains, 25 reached, 20 checked;
    Achicourt (62004) in April 2026: 5 chains, 3 reached, none checked."""
    campaign = campaign_of(arras)
    arras_town = Commune.objects.get(insee_code="62041")
    achicourt = Commune.objects.get(insee_code="62004")
    _chains(campaign, arras_town, datetime.date(2026, 3, 1), 30, reached=25, checked=20)
    _chains(campaign, achicourt, datetime.date(2026, 4, 1), 5, reached=3)
    return arras


def _year(territory, **options) -> ChainFunnel:
    return chain_funnel(
        territory, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31), **options
    )


def test_exact_counts_and_rates_per_step(chains):
    exact = _year(chains, exact=True)
    assert exact.total.counts == (35, 28, 20, 0, 0)
    assert exact.total.rates == (80.0, 71.4, 0.0, None)
    assert exact.total.overall_rate == 0.0
    communes = {row.label: row.counts for row in exact.tables[2].rows}
    assert communes == {"Achicourt": (5, 3, 0, 0, 0), "Arras": (30, 25, 20, 0, 0)}
    months = [(row.label, row.counts[0]) for row in exact.tables[3].rows]
    assert months == [("mars 2026", 30), ("avril 2026", 5)]
    assert [row.label for row in exact.tables[0].rows] == ["Baromètre 2026"]
    assert exact.closed and exact.hidden_cells == 0


def test_the_published_funnel_hides_small_cells_and_what_gives_them_back(chains):
    published = chain_year(chains, 2026)
    by_commune = {row.label: row.counts for row in published.tables[2].rows}
    # Achicourt's 5 and 3 are under 11; a known empty cell stays 0.
    assert by_commune["Achicourt"] == (None, None, 0, 0, 0)
    # Arras alone, published with the total, would give Achicourt back.
    assert by_commune["Arras"][:2] == (None, None) or published.total.counts[:2] == (None, None)
    assert published.hidden_cells >= 4
    _assert_nothing_given_back(published)


def _assert_nothing_given_back(funnel: ChainFunnel) -> None:
    """In every table, each step's hidden cells are not alone (the
    published total minus the rest would give it), and within every row a
    hidden step is not the difference of two published ones under 11."""
    for table in funnel.tables:
        for k in range(5):
            hidden = [row for row in table.rows if row.counts[k] is None]
            if funnel.total.counts[k] is not None:
                assert len(hidden) != 1, (table.title, k)
    for row in [funnel.total, *(r for t in funnel.tables for r in t.rows)]:
        for a, b in itertools.combinations(range(5), 2):
            first, second = row.counts[a], row.counts[b]
            if first is not None and second is not None:
                assert first - second == 0 or first - second >= funnel.threshold, row


def test_rights_opened_by_benefit_with_their_yearly_amount(arras):
    """The funnel's computation alone, on units: 12 RSA (500 € a month), 3
    of whom also the prime d'activité (100 €), 11 the housing aid only (200 €)."""
    units = [
        _Unit(("B", "Urbain", "Arras", "2026-03"), (True, True, True, True), {"rsa": Decimal(500)})
        for _ in range(9)
    ]
    units += [
        _Unit(
            ("B", "Urbain", "Arras", "2026-03"),
            (True, True, True, True),
            {"rsa": Decimal(500), "ppa": Decimal(100)},
        )
        for _ in range(3)
    ]
    units += [
        _Unit(
            ("B", "Urbain", "Arras", "2026-03"),
            (True, True, True, True),
            {"aide_logement": Decimal(200)},
        )
        for _ in range(11)
    ]
    day = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    exact = _funnel(arras, *day, units, exact=True, threshold=11)
    rows = {row.benefit: (row.people, row.yearly_amount) for row in exact.benefits}
    assert rows == {
        "rsa": (12, Decimal(72000)),
        "ppa": (3, Decimal(3600)),
        "aide_logement": (11, Decimal(26400)),
    }
    assert exact.total.yearly_amount == Decimal(72000 + 3600 + 26400)
    published = _funnel(arras, *day, units, exact=False, threshold=11)
    shown = {row.benefit: (row.people, row.yearly_amount) for row in published.benefits}
    assert shown["ppa"] == (None, None)
    # People: the three benefits overlap, 12 and 11 can be shown.
    assert shown["rsa"][0] == 12 and shown["aide_logement"][0] == 11
    # 23 people opened a right: published, and the amount of all 23.
    assert published.total.counts[-1] == 23
    assert published.total.yearly_amount == Decimal(102000)
    # Amounts add up to that total: the prime d'activité's 3 600 € would be
    # 102 000 − 72 000 − 26 400; a second amount is hidden (the smallest).
    assert shown["rsa"][1] == Decimal(72000) and shown["aide_logement"][1] is None


def test_a_benefit_given_back_by_difference_is_hidden(arras):
    """12 RSA and 2 housing aid only: the 14 people with a right opened
    minus the 12 RSA would give the 2 back, so one more cell is hidden."""
    units = [
        _Unit(("B", "Urbain", "Arras", "2026-03"), (True,) * 4, {"rsa": Decimal(500)})
        for _ in range(12)
    ]
    units += [
        _Unit(("B", "Urbain", "Arras", "2026-03"), (True,) * 4, {"aide_logement": Decimal(200)})
        for _ in range(2)
    ]
    day = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    published = _funnel(arras, *day, units, exact=False, threshold=11)
    shown = {row.benefit: row.people for row in published.benefits}
    assert shown["aide_logement"] is None
    assert shown["rsa"] is None or published.total.counts[-1] is None


def test_a_period_upside_down_is_a_french_error(arras):
    with pytest.raises(FunnelError, match="la fin .* est avant le début"):
        chain_funnel(arras, start=datetime.date(2026, 2, 1), end=datetime.date(2026, 1, 1))
    with pytest.raises(FunnelError, match="Année invalide"):
        chain_year(arras, 99)


def test_an_empty_year_has_nothing_to_hide(arras):
    funnel = chain_year(arras, 2025)
    assert funnel.empty and funnel.total.counts == (0, 0, 0, 0, 0)
    assert funnel.tables[0].rows == () and funnel.hidden_cells == 0


def test_no_hidden_cell_comes_back_by_difference_on_a_large_year(arras):
    """300 chains over 2 campaigns, 12 communes in 4 strata and 12 months:
    in every table, a step's hidden cells are never alone beside a
    published total; a published stratum never has exactly one hidden
    commune; within a row, no two published steps differ by 1 to 10."""
    import random

    rng = random.Random(7)  # noqa: S311 - reproducible test data
    units = []
    for _ in range(300):
        commune = rng.randint(1, 12)
        r = rng.random()
        flags = (r < 0.8, r < 0.6, r < 0.4, r < 0.2)
        units.append(
            _Unit(
                (
                    f"Campagne {rng.randint(1, 2)}",
                    f"Strate {commune % 4}",
                    f"Commune {commune:02d}",
                    f"2026-{rng.randint(1, 12):02d}",
                ),
                flags,
                {"rsa": Decimal(500)} if flags[3] else {},
            )
        )
    day = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    exact = _funnel(arras, *day, units, exact=True, threshold=11)
    published = _funnel(arras, *day, units, exact=False, threshold=11)
    assert exact.total.counts == (
        300,
        sum(u.flags[0] for u in units),
        sum(u.flags[1] for u in units),
        sum(u.flags[2] for u in units),
        sum(u.flags[3] for u in units),
    )
    assert published.hidden_cells > 0
    _assert_nothing_given_back(published)
    strata = {row.label: row for row in published.tables[1].rows}
    communes = {row.label: row for row in published.tables[2].rows}
    exact_communes = {row.label: row for row in exact.tables[2].rows}
    for stratum, row in strata.items():
        members = [c for c in communes if f"Strate {int(c[-2:]) % 4}" == stratum]
        for k in range(5):
            if row.counts[k] is None:
                continue
            hidden = [c for c in members if communes[c].counts[k] is None]
            hidden = [c for c in hidden if exact_communes[c].counts[k]]
            assert len(hidden) != 1, (stratum, k, hidden)
    # Whatever is published is the exact figure.
    for table, exact_table in zip(published.tables, exact.tables, strict=True):
        for row, exact_row in zip(table.rows, exact_table.rows, strict=True):
            for shown, true in zip(row.counts, exact_row.counts, strict=True):
                assert shown is None or shown == true


def test_each_step_counts_in_the_year_it_happened(arras):
    """12 requests of December 2024, called then; reached, checked and
    referred in February 2026, an RSA of 600 € a month opened in March 2026
    (requests erased since: the copy kept in the chain). 2024 shows the
    calls, 2026 the rest; 2025 nothing."""
    campaign = campaign_of(arras)
    commune = Commune.objects.get(insee_code="62041")
    called = datetime.datetime(2024, 12, 3, 9, tzinfo=datetime.UTC)
    worked = datetime.datetime(2026, 2, 3, 9, tzinfo=datetime.UTC)
    opened = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    right = RightOpened("rsa", Decimal(7200), opened.date(), opened)
    Chain.objects.bulk_create(
        Chain(
            token=f"{i:024d}", territory=arras, campaign=campaign, commune=commune,
            stratum=commune.stratum, month=datetime.date(2024, 12, 1), contacted_at=called,
            attempts=2, reached_at=worked, rights_checked_at=worked, referred_at=worked,
            erased_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC), referrals_count=1,
            rights_opened=[right.as_json()],
        )
        for i in range(12)
    )  # fmt: skip
    assert chain_year(arras, 2024).total.counts == (12, 0, 0, 0, 0)
    assert chain_year(arras, 2025).empty
    year = chain_year(arras, 2026)
    assert year.total.counts == (0, 12, 12, 12, 12)
    assert year.total.yearly_amount == 12 * 7200
    assert [row.label for row in year.tables[3].rows] == ["décembre 2024"]
    # The cohort of the requests of 2024 has them all.
    cohort = chain_funnel(
        arras, start=datetime.date(2024, 1, 1), end=datetime.date(2024, 12, 31), exact=True
    )
    assert cohort.total.counts == (12, 12, 12, 12, 12)
    assert chain_years(arras, published=False, today=NOW.date()) == [2026, 2024]
    # 2026 is shown to partners from 1 April 2027.
    assert chain_years(arras, published=True, today=NOW.date()) == [2024]


def test_a_closed_year_is_stopped_at_its_cutoff():
    """Copies of results: a right recorded on 31 March counts, one recorded
    on 1 April does not; a correction after the cut-off is not applied."""
    day = datetime.date(2026, 6, 1)
    before = datetime.datetime(2027, 3, 31, 21, 59, tzinfo=datetime.UTC)  # 23:59 in Paris
    after = datetime.datetime(2027, 3, 31, 22, 0, tzinfo=datetime.UTC)  # 1 April, midnight
    stop = cutoff(2026)
    assert stop == after and published_on(2026) == datetime.date(2027, 4, 1)
    first = RightOpened("rsa", Decimal(5400), day, before, replaced_at=after)
    corrected = RightOpened("rsa", Decimal(1476), day, after)
    assert rights_in_force([first, corrected], stop) == [first]
    assert rights_in_force([first, corrected], None) == [corrected]
