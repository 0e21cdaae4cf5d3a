"""The territory's referral statistics and their export for the funders,
with the barometer's disclosure rule: no published cell under 11."""

import csv
import datetime
import io
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import numpy as np
import pytest
import time_machine
from django.core.management import call_command
from openpyxl import load_workbook

from nonrecours.accounts.enums import Role
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, merged_rows
from nonrecours.referrals import statistics as referral_stats
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.referrals.exports import HEADER, statistics_csv, statistics_notes_text
from nonrecours.referrals.statistics import PART_KEYS, _Item
from tests.referrals.conftest import START, member


def test_small_rows_are_pooled_until_the_pool_is_publishable():
    assert merged_rows([30, 12, 5, 4]) == [False, True, True, True]
    assert merged_rows([30, 12, 7, 6]) == [False, False, True, True]
    assert merged_rows([30, 15]) == [False, False]
    assert merged_rows([5]) == [True]


def _rows_of(stats) -> list:
    return [stats.total] + [row for table in stats.tables for row in table.rows]


def recovered(stats, cells) -> list[str]:
    """The hidden figures of `stats` (the published view) that an attacker
    recovers exactly, by their own reasoning, independent of the atoms the
    secrecy model uses: one unknown per referral, each published number a
    sum of these unknowns (a row's number, a row's part; the amount, with
    one unknown per right opened with an amount). A hidden figure is
    recovered when its sum is a combination of the published sums (rank
    test). `cells`: the rows as _Cells, in the same order, for who is where."""
    units = {id(item): k for k, item in enumerate(cells[0].items)}

    def vector(row_cells, keep) -> np.ndarray:
        v = np.zeros(len(units))
        for item in row_cells.items:
            if keep(item):
                v[units[id(item)]] = 1.0
        return v

    counts, amounts = [], []
    for row, row_cells in zip(_rows_of(stats), cells, strict=True):
        counts.append((f"{row.label} : nombre", row.n, vector(row_cells, lambda i: True)))
        for p in PART_KEYS:
            counts.append(
                (f"{row.label} : {p}", row.parts[p], vector(row_cells, lambda i, p=p: i.part == p))
            )
        amounts.append(
            (f"{row.label} : montant", row.yearly_amount, vector(row_cells, lambda i: i.has_amount))
        )
    found = []
    for system in (counts, amounts):
        published = np.array([v for _, value, v in system if value is not None])
        published = published.reshape(-1, len(units))
        rank = np.linalg.matrix_rank(published) if published.size else 0
        for name, value, v in system:
            if value is None and np.linalg.matrix_rank(np.vstack([published, v])) == rank:
                found.append(name)
    return found


def _published_cells(territory, year=None) -> list:
    """The published view's rows as _Cells (who is in each row)."""
    selection = referral_stats._selection(territory, year)
    exact = [
        referral_stats._grouped(key, selection.items, by)
        for key, _, by in referral_stats.DIMENSIONS
    ]
    total, tables = referral_stats._disclose(
        referral_stats.referral_cells("Ensemble", selection.items), exact, DEFAULT_THRESHOLD
    )
    return [total, *(row for rows in tables for row in rows)]


def published_counts(stats):
    for row in _rows_of(stats):
        yield row.n
        yield from row.parts.values()
        yield row.accepted
        yield row.with_outcome


@pytest.mark.django_db
def test_tables_follow_the_rule(dataset):
    stats = referral_stats.referral_statistics(dataset)
    total = stats.total
    assert total is not None and total.n == 51
    # Waiting 12, refused 5, an outcome without a right 9, a right 25. The
    # 5 refused are all France Services' referrals without a right: its
    # row's 25 rights are hidden with them, and so is the total's 25 (all
    # of France Services'). Parts with no referral are known to be 0.
    assert total.parts["refused"] is None and total.parts["outcome_no_right"] is None
    assert total.parts["right_opened"] is None
    assert total.parts["expired"] == 0 and total.parts["accepted_open"] == 0
    assert total.median_delay_days == 2.0
    partners = next(t for t in stats.tables if t.key == "partenaire")
    assert [(r.label, r.n) for r in partners.rows] == [
        ("France Services d'Arras", 30),
        ("Autres (regroupés : moins de 11 orientations chacun)", 21),
    ]
    france_services = partners.rows[0]
    assert france_services.parts["refused"] is None
    assert france_services.parts["right_opened"] is None
    # France Services (30) less the scheme (25, all France Services') would
    # give 5 referrals of France Services without a scheme: both hidden.
    schemes = next(t for t in stats.tables if t.key == "dispositif")
    assert {r.label: r.n for r in schemes.rows} == {
        "Pass santé jeunes": None,
        "Sans dispositif": None,
    }
    months = next(t for t in stats.tables if t.key == "mois")
    assert [r.label for r in months.rows] == ["janvier 2026"]
    for count in published_counts(stats):
        assert count is None or count == 0 or count >= 11
    assert recovered(stats, _published_cells(dataset)) == []


def _item(age, part, amount=0, partner="P"):
    return _Item(
        partner, "O", "S", "Arras", age, "2026-01", part, None, Decimal(amount), amount > 0
    )


def _disclosed(items, *dimensions):
    """_disclose on tables by these item attributes, as a published view
    (Stats) and its rows as _Cells."""
    exact = [
        referral_stats._grouped("offre", items, lambda i, d=d: getattr(i, d)) for d in dimensions
    ]
    total, tables = referral_stats._disclose(
        referral_stats.referral_cells("Ensemble", items), exact, 11
    )
    stats = SimpleNamespace(
        total=referral_stats._row(total, 11),
        tables=[
            referral_stats.Table(d, d, [referral_stats._row(r, 11) for r in rows])
            for d, rows in zip(dimensions, tables, strict=True)
        ],
    )
    return stats, [total, *(r for rows in tables for r in rows)]


def test_the_reviewers_age_case_is_protected():
    """84 referrals differing only by age band, where hiding one more part
    per line was not enough."""
    items = (
        [_item("25_34", "sent") for _ in range(5)]
        + [_item("25_34", "refused") for _ in range(24)]
        + [_item("35_44", "sent") for _ in range(10)]
        + [_item("35_44", "right_opened") for _ in range(2)]
        + [_item("35_44", "refused") for _ in range(19)]
        + [_item("35_44", "expired")]
        + [_item("", "sent") for _ in range(3)]
        + [_item("", "refused") for _ in range(20)]
    )
    stats, cells = _disclosed(items, "age_band")
    assert any(c is None for c in published_counts(stats))
    assert recovered(stats, cells) == []


def test_empty_parts_do_not_protect():
    """A row whose only small part sits beside zeros: the zeros are known,
    so a second part (or the row's number) is hidden, never a zero."""
    items = (
        [_item("25_34", "refused") for _ in range(5)]
        + [_item("25_34", "right_opened", 400) for _ in range(20)]
        + [_item("35_44", "sent") for _ in range(30)]
    )
    stats, cells = _disclosed(items, "age_band")
    row = next(r for r in stats.tables[0].rows if r.label == "25_34")
    assert row.parts["refused"] is None
    assert row.parts["right_opened"] is None or row.n is None
    assert [row.parts[p] for p in ("expired", "accepted_open", "outcome_no_right")] == [0, 0, 0]
    assert recovered(stats, cells) == []


def test_tables_are_protected_together():
    """Two tables crossing: partner A's 5 referrals without a scheme come
    back from A's number less the scheme's, unless one of them is hidden."""
    items = [_item("25_34", "sent", partner="A", amount=300) for _ in range(25)]
    items += [_item("25_34", "sent", partner="A") for _ in range(5)]
    items += [_item("35_44", "sent", partner="B") for _ in range(21)]
    for item in items[:25]:
        item.scheme = "Pass"
    stats, cells = _disclosed(items, "sender", "scheme")
    partners, schemes = stats.tables
    shown = {(t.key, r.label): r.n for t in stats.tables for r in t.rows}
    assert None in (shown["sender", "A"], shown["scheme", "Pass"], shown["scheme", "S"])
    assert recovered(stats, cells) == []


def test_an_amount_alone_in_its_table_is_not_left_hidden():
    """An amount under 11 people is hidden, and so is another amount of the
    table: the total's amount less the others would give it back."""
    items = [_item("25_34", "right_opened", 500) for _ in range(20)]
    items += [_item("35_44", "right_opened", 300) for _ in range(12)]
    items += [_item("35_44", "right_opened") for _ in range(8)]
    items += [_item("", "right_opened", 200) for _ in range(4)]
    items += [_item("", "sent") for _ in range(10)]
    stats, cells = _disclosed(items, "age_band")
    amounts = [r.yearly_amount for r in stats.tables[0].rows]
    assert amounts[2] is None and sum(a is None for a in [stats.total.yearly_amount, *amounts]) >= 2
    assert recovered(stats, cells) == []


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 3, 4, 7])
def test_no_hidden_cell_is_recovered_on_demonstration_data(arras, seed):
    call_command("directory", "mairies", arras.siren, stdout=StringIO())
    referrals_demo_create(territory=arras, count=300, seed=seed)
    for year in referral_stats.statistics_years(arras):
        stats = referral_stats.referral_statistics(arras, year=year)
        if stats.total is None:
            continue
        assert any(c is None for c in published_counts(stats))  # the rule does hide cells
        for count in published_counts(stats):
            assert count is None or count == 0 or count >= 11
        assert recovered(stats, _published_cells(arras, year)) == [], (seed, year)


@pytest.mark.django_db
def test_export_for_funders_has_only_published_cells(dataset):
    text = statistics_csv(referral_stats.referral_statistics(dataset))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]  # a spreadsheet opens it as is: no comment line before the header
    assert header == HEADER and not any(r[0].startswith("#") for r in rows)
    ensemble = rows[1]
    line = dict(zip(header, ensemble, strict=True))
    assert line["orientations"] == "51"
    assert line["refusées"] == "secret"
    assert line["avec au moins un droit ouvert"] == "secret"  # France Services' 25
    # 25 people with an amount: an amount is a sum of money, its own system.
    assert line["montant annuel estimé des droits ouverts (€)"] == "150000"
    assert "Camille" not in text and "06 12" not in text
    assert "HYPERLINK" not in text  # pooled in « Autres », and never a formula anyway


@pytest.mark.django_db
def test_a_formula_looking_name_is_not_run_by_a_spreadsheet(arras, send, receiver):
    user = member(arras, "=1+1", Role.PARTNER)
    for _ in range(11):
        send(sender=user, sender_organisation=user.memberships.get().organisation)
    text = statistics_csv(referral_stats.referral_statistics(arras))
    assert "'=1+1" in text and ";=1+1" not in text


@pytest.mark.django_db
def test_fewer_than_11_referrals_publish_nothing(arras, send):
    for _ in range(10):
        send()
    stats = referral_stats.referral_statistics(arras)
    assert stats.total is None and stats.tables == []
    rows = list(csv.reader(io.StringIO(statistics_csv(stats)), delimiter=";"))
    assert rows == [HEADER, ["ensemble", "Ensemble", *["secret"] * (len(HEADER) - 2)]]
    notes = statistics_notes_text(stats, generated_at=START)
    assert "moins de 11 orientations dans l'année : rien n'est publié" in notes
    assert "10 orientation" not in notes  # the exact count stays with the team


@pytest.mark.django_db
def test_calendar_years_and_command_line_export(dataset, tmp_path, send):
    with time_machine.travel(datetime.datetime(2025, 12, 31, 22, 30, tzinfo=datetime.UTC)):
        send()  # 23:30 in Paris: still 2025
    assert referral_stats.statistics_years(dataset) == [2026, 2025]
    assert referral_stats.referral_statistics(dataset).year == 2026  # the latest by default
    assert referral_stats.referral_statistics(dataset).total.n == 51
    assert referral_stats.referral_statistics(dataset, year=2025).total is None  # one referral
    out = tmp_path / "orientations.csv"
    call_command(
        "orientations", "export", dataset.siren, "--out", str(out), "--annee", "2026",
        stdout=StringIO(),
    )  # fmt: skip
    assert out.read_text(encoding="utf-8-sig").startswith("tableau;ligne;orientations;")
    notes = (tmp_path / "orientations-notes.txt").read_text(encoding="utf-8-sig")
    assert "orientations envoyées du 1er janvier au 31 décembre 2026" in notes
    workbook = tmp_path / "orientations.xlsx"
    call_command(
        "orientations", "export", dataset.siren, "--out", str(workbook), "--annee", "2026",
        stdout=StringIO(),
    )  # fmt: skip
    assert load_workbook(workbook).sheetnames == ["données", "notes"]
    with pytest.raises(Exception, match="Impossible d'écrire"):
        call_command(
            "orientations", "export", dataset.siren, "--out", str(tmp_path / "x" / "y.csv")
        )
    with pytest.raises(Exception, match="Aucune orientation envoyée en 2024 ; années : 2026, 2025"):
        call_command("orientations", "export", dataset.siren, "--out", str(out), "--annee", "2024")
