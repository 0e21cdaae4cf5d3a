"""The territory's referral statistics and their export for the funders,
with the barometer's disclosure rule: no published cell under 11."""

import csv
import datetime
import io
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
import time_machine
from django.core.management import call_command

from nonrecours.accounts.enums import Role
from nonrecours.analysis.disclosure import determined, merged_rows
from nonrecours.referrals import actions, queries
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.referrals.enums import Channel, OutcomeKind, RefusalReason
from nonrecours.referrals.exports import statistics_csv
from nonrecours.referrals.models import Scheme
from nonrecours.referrals.queries import PART_KEYS
from tests.referrals.conftest import member

START = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)


def test_small_rows_are_pooled_until_the_pool_is_publishable():
    assert merged_rows([30, 12, 5, 4]) == [False, True, True, True]
    assert merged_rows([30, 12, 7, 6]) == [False, False, True, True]
    assert merged_rows([30, 15]) == [False, False]
    assert merged_rows([5]) == [True]


@pytest.fixture
def dataset(arras, send, receiver):
    """51 referrals: France Services 30 (25 accepted with RSA opened, 5
    refused), Mission locale 12 (unanswered), CAF 5 and CCAS 4 (accepted,
    person not reached), answered 2 days after sending."""
    scheme = Scheme.objects.create(territory=arras, name="Pass santé jeunes")
    senders = {
        name: member(arras, name, Role.PARTNER)
        for name in ("Mission locale", '=HYPERLINK("x")', "CCAS de quartier")
    }

    def many(count, user=None, answer=None, outcome=None, **overrides):
        for _ in range(count):
            extra = (
                {"sender": user, "sender_organisation": user.memberships.get().organisation}
                if user
                else {}
            )
            with time_machine.travel(START, tick=False):
                referral = send(**extra, **overrides)
            if answer is None:
                continue
            with time_machine.travel(START + datetime.timedelta(days=2), tick=False):
                actions.referral_answer(
                    referral,
                    accept=answer,
                    reason=RefusalReason.FULL,
                    user=receiver,
                    via=Channel.ACCOUNT,
                )
                if outcome:
                    actions.referral_record_outcome(
                        referral, user=receiver, via=Channel.ACCOUNT, **outcome
                    )

    rsa = {"kind": OutcomeKind.RIGHT_OPENED, "benefit": "rsa", "monthly_amount": "500"}
    many(25, answer=True, outcome=rsa, scheme=scheme)
    many(5, answer=False)
    many(12, senders["Mission locale"])
    many(5, senders['=HYPERLINK("x")'], answer=True, outcome={"kind": OutcomeKind.NOT_REACHED})
    many(4, senders["CCAS de quartier"], answer=True, outcome={"kind": OutcomeKind.NOT_REACHED})
    return arras


def recoverable_cells(stats) -> list[str]:
    """The hidden parts that the published figures give back exactly, by an
    attacker's own reasoning: each row's six parts add up to its number, and
    each table's rows add up to the total row, part by part. A hidden part is
    determined when its unit vector lies in the span of these equations
    restricted to the hidden parts (rank test, independent of the code's)."""
    unknowns: dict[tuple, int] = {}
    equations = []
    rows = [("total", stats.total)] + [
        ((table.key, i), row) for table in stats.tables for i, row in enumerate(table.rows)
    ]
    for key, row in rows:
        equation = {
            unknowns.setdefault((key, p), len(unknowns)): 1
            for p in PART_KEYS
            if row.parts[p] is None
        }
        equations.append(equation)
    for table in stats.tables:
        for p in PART_KEYS:
            equation = {
                unknowns.setdefault(((table.key, i), p), len(unknowns)): 1
                for i, row in enumerate(table.rows)
                if row.parts[p] is None
            }
            if stats.total.parts[p] is None:
                equation[unknowns.setdefault(("total", p), len(unknowns))] = -1
            equations.append(equation)
    equations = [e for e in equations if e]
    if not unknowns:
        return []
    matrix = np.zeros((len(equations), len(unknowns)))
    for line, equation in enumerate(equations):
        for index, coefficient in equation.items():
            matrix[line, index] = coefficient
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for key, index in unknowns.items():
        unit = np.zeros((1, len(unknowns)))
        unit[0, index] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(str(key))
    return found


def published_counts(stats):
    for row in [stats.total] + [row for table in stats.tables for row in table.rows]:
        yield row.n
        yield from row.parts.values()
        yield row.accepted
        yield row.with_outcome


@pytest.mark.django_db
def test_tables_follow_the_rule(dataset):
    stats = queries.referral_statistics(dataset)
    total = stats.total
    assert total is not None and total.n == 51
    # Waiting 12, refused 5, accepted with no outcome 0, an outcome without a
    # right 9, a right 25: the 5 and the 9 are hidden, so is another part.
    assert total.parts["refused"] is None and total.parts["outcome_no_right"] is None
    assert total.parts["expired"] == 0 and total.parts["accepted_open"] == 0
    assert total.median_delay_days == 2.0
    partners = next(t for t in stats.tables if t.key == "partenaire")
    assert [(r.label, r.n) for r in partners.rows] == [
        ("France Services d'Arras", 30),
        ("Autres (regroupés : moins de 11 orientations chacun)", 21),
    ]
    schemes = next(t for t in stats.tables if t.key == "dispositif")
    assert {r.label: r.n for r in schemes.rows} == {"Pass santé jeunes": 25, "Sans dispositif": 26}
    months = next(t for t in stats.tables if t.key == "mois")
    assert [r.label for r in months.rows] == ["janvier 2026"]
    for count in published_counts(stats):
        assert count is None or count == 0 or count >= 11
    assert recoverable_cells(stats) == []


def test_the_reviewers_age_case_is_protected():
    """84 referrals differing only by age band, where hiding one more part
    per line was not enough: the exact check hides what is needed."""
    from nonrecours.referrals.queries import _cells, _grouped, _Item, _suppress

    def item(age, part):
        return _Item("P", "O", "S", "Arras", age, "2026-01", part, None, Decimal(0), False)

    items = (
        [item("25_34", "sent")] * 5 + [item("25_34", "refused")] * 24
        + [item("35_44", "sent")] * 10 + [item("35_44", "right_opened")] * 2
        + [item("35_44", "refused")] * 19 + [item("35_44", "expired")] * 1
        + [item("", "sent")] * 3 + [item("", "refused")] * 20
    )  # fmt: skip
    total = _cells("Ensemble", items, 11)
    rows = _grouped("age", items, lambda i: i.age_band, 11)
    _suppress(total, [rows])

    class Stats:
        pass

    stats = Stats()
    stats.total = queries._row(total, 11)
    stats.tables = [queries.Table("age", "Par âge", [queries._row(r, 11) for r in rows])]
    assert recoverable_cells(stats) == []


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 3, 4, 7])
def test_no_hidden_cell_is_recovered_on_demonstration_data(arras, seed):
    call_command("directory", "mairies", arras.siren, stdout=StringIO())
    referrals_demo_create(territory=arras, count=300, seed=seed)
    for year in queries.statistics_years(arras):
        stats = queries.referral_statistics(arras, year=year)
        if stats.total is None:
            continue
        assert any(c is None for c in published_counts(stats))  # the rule does hide cells
        for count in published_counts(stats):
            assert count is None or count == 0 or count >= 11
        assert recoverable_cells(stats) == [], (seed, year)


def test_the_exact_check_finds_what_sums_give_away():
    assert determined(2, [[(0, 1.0), (1, 1.0)]]) == []  # two unknowns, one sum
    assert determined(3, [[(0, 1.0), (1, 1.0)], [(1, 1.0), (2, 1.0)], [(0, 1.0), (2, 1.0)]]) == [
        0,
        1,
        2,
    ]
    square = [
        [(0, 1.0), (1, 1.0)],
        [(2, 1.0), (3, 1.0)],
        [(0, 1.0), (2, 1.0)],
        [(1, 1.0), (3, 1.0)],
    ]
    assert determined(4, square) == []  # the classic protected rectangle


@pytest.mark.django_db
def test_export_for_funders_has_only_published_cells(dataset):
    text = statistics_csv(queries.referral_statistics(dataset))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = next(r for r in rows if r and r[0] == "tableau")
    ensemble = next(r for r in rows if r and r[0] == "ensemble")
    line = dict(zip(header, ensemble, strict=True))
    assert line["orientations"] == "51"
    assert line["refusées"] == "secret"
    assert line["avec au moins un droit ouvert"] == "25"
    assert line["montant annuel estimé des droits ouverts (€)"] == "150000"
    assert "Camille" not in text and "06 12" not in text
    assert "HYPERLINK" not in text  # pooled in « Autres », and never a formula anyway


@pytest.mark.django_db
def test_a_formula_looking_name_is_not_run_by_a_spreadsheet(arras, send, receiver):
    user = member(arras, "=1+1", Role.PARTNER)
    for _ in range(11):
        send(sender=user, sender_organisation=user.memberships.get().organisation)
    text = statistics_csv(queries.referral_statistics(arras))
    assert "'=1+1" in text and ";=1+1" not in text


@pytest.mark.django_db
def test_fewer_than_11_referrals_publish_nothing(arras, send):
    for _ in range(10):
        send()
    stats = queries.referral_statistics(arras)
    assert stats.total is None and stats.tables == []
    assert "rien n'est publié" in statistics_csv(stats)


@pytest.mark.django_db
def test_calendar_years_and_command_line_export(dataset, tmp_path, send):
    with time_machine.travel(datetime.datetime(2025, 12, 31, 22, 30, tzinfo=datetime.UTC)):
        send()  # 23:30 in Paris: still 2025
    assert queries.statistics_years(dataset) == [2026, 2025]
    assert queries.referral_statistics(dataset).year == 2026  # the latest by default
    assert queries.referral_statistics(dataset).total.n == 51
    assert queries.referral_statistics(dataset, year=2025).total is None  # one referral
    out = tmp_path / "orientations.csv"
    call_command(
        "orientations", "export", dataset.siren, "--out", str(out), "--annee", "2026",
        stdout=StringIO(),
    )  # fmt: skip
    assert "orientations envoyées en 2026" in out.read_text(encoding="utf-8-sig")
    with pytest.raises(Exception, match="Aucune orientation envoyée en 2024 ; années : 2026, 2025"):
        call_command("orientations", "export", dataset.siren, "--out", str(out), "--annee", "2024")
