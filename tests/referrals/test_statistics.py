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
from nonrecours.analysis.disclosure import merged_rows, suppressed_counts
from nonrecours.referrals import actions, queries
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.referrals.enums import Channel, OutcomeKind, RefusalReason, Status
from nonrecours.referrals.exports import statistics_csv
from nonrecours.referrals.models import Scheme
from nonrecours.referrals.queries import STATUS_ORDER
from tests.referrals.conftest import member

START = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)


def test_counts_under_the_threshold_are_hidden_with_a_complement():
    assert suppressed_counts([25, 5, 0, 0]) == [True, True, False, False]
    assert suppressed_counts([20, 12, 0, 3]) == [False, True, False, True]
    assert suppressed_counts([20, 4, 3, 0]) == [False, True, True, False]  # two hidden: enough
    assert suppressed_counts([30, 11, 0, 0]) == [False, False, False, False]


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
    """The hidden cells that the published ones determine exactly: each row's
    statuses add up to its number, each column's rows to the total (counts
    and amounts). A hidden cell is determined when its unit vector is in the
    span of these equations restricted to the hidden cells."""
    columns = [*[s.value for s in STATUS_ORDER], "with_outcome", "rights", "amount"]

    def value(row, column):
        if column in row.statuses:
            return row.statuses[column]
        return {"with_outcome": row.with_outcome, "rights": row.rights_opened}.get(
            column, row.yearly_amount
        )

    unknowns: dict[tuple, int] = {}

    def unknown(key):
        return unknowns.setdefault(key, len(unknowns))

    equations: list[dict[int, int]] = []
    rows = [("total", stats.total)] + [
        ((table.key, i), row) for table in stats.tables for i, row in enumerate(table.rows)
    ]
    for key, row in rows:  # statuses add up to the row's number
        equation = {
            unknown((key, s.value)): 1 for s in STATUS_ORDER if row.statuses[s.value] is None
        }
        if equation:
            equations.append(equation)
    for table in stats.tables:  # rows add up to the total
        for column in columns:
            equation = {
                unknown(((table.key, i), column)): 1
                for i, row in enumerate(table.rows)
                if value(row, column) is None
            }
            if value(stats.total, column) is None:
                equation[unknown(("total", column))] = -1
            if equation:
                equations.append(equation)
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
    for table in [None, *stats.tables]:
        for row in [stats.total] if table is None else table.rows:
            yield row.n
            yield from row.statuses.values()
            yield row.with_outcome
            yield row.rights_opened
            yield from row.outcomes.values()


@pytest.mark.django_db
def test_tables_follow_the_rule(dataset):
    stats = queries.referral_statistics(dataset)
    total = stats.total
    assert total is not None and total.n == 51
    # 5 refusals are hidden, and the 12 waiting too, or 51 − 34 − 0 would give
    # them; and the 34 acceptances, or the schemes' column (25 + the hidden 9 of
    # « Sans dispositif ») would give the 9, then its row the 5 refusals.
    assert total.statuses == {
        Status.SENT: None,
        Status.ACCEPTED: None,
        Status.REFUSED: None,
        Status.EXPIRED: 0,
    }
    assert total.share_with_outcome == pytest.approx(34 / 51)
    assert total.median_delay_days == 2.0
    assert total.rights_opened == 25 and total.yearly_amount == Decimal(25 * 500 * 12)
    assert total.outcomes[OutcomeKind.NOT_REACHED] is None  # 9 people
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


@pytest.mark.django_db
def test_no_hidden_cell_is_recovered_by_subtraction_on_demonstration_data(arras):
    call_command("directory", "mairies", arras.siren, stdout=StringIO())
    referrals_demo_create(territory=arras, count=400, seed=3)
    for year in queries.statistics_years(arras):
        stats = queries.referral_statistics(arras, year=year)
        if stats.total is None:
            continue
        assert any(c is None for c in published_counts(stats))  # the rule does hide cells
        for count in published_counts(stats):
            assert count is None or count == 0 or count >= 11
        assert recoverable_cells(stats) == [], year


def test_the_checker_finds_what_a_single_hidden_cell_gives_away():
    from nonrecours.referrals.queries import ReferralStatistics, Row, Table

    def row(label, n, refused):
        statuses = {Status.SENT: 0, Status.ACCEPTED: n - (refused or 0), Status.REFUSED: refused,
                    Status.EXPIRED: 0}  # fmt: skip
        return Row(label, n, statuses, 0, 0.0, 0, None, 0, Decimal(0))

    leaky = ReferralStatistics(
        territory=None, year=2026, years=[2026], total=row("Ensemble", 40, 15),
        tables=[Table("partenaire", "Par", [row("A", 20, None), row("B", 20, 10)])],
        synthetic=False,
    )  # fmt: skip
    leaky.tables[0].rows[0].statuses[Status.ACCEPTED] = None  # hidden in its row too
    assert recoverable_cells(leaky) != []


@pytest.mark.django_db
def test_export_for_funders_has_only_published_cells(dataset):
    text = statistics_csv(queries.referral_statistics(dataset))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = next(r for r in rows if r and r[0] == "tableau")
    ensemble = next(r for r in rows if r and r[0] == "ensemble")
    line = dict(zip(header, ensemble, strict=True))
    assert line["orientations"] == "51"
    assert line["statut : refusée"] == "secret"
    assert line["personnes avec un droit ouvert"] == "25"
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
