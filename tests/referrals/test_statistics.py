"""The territory's referral statistics and their export for the funders,
with the barometer's disclosure rule: no published cell under 11."""

import csv
import datetime
import io
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from nonrecours.accounts.enums import Role
from nonrecours.analysis.disclosure import merged_rows, suppressed_counts
from nonrecours.referrals import actions, queries
from nonrecours.referrals.enums import Channel, OutcomeKind, RefusalReason, Status
from nonrecours.referrals.exports import statistics_csv
from nonrecours.referrals.models import Scheme
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


@pytest.mark.django_db
def test_tables_follow_the_rule(dataset):
    stats = queries.referral_statistics(dataset)
    total = stats.total
    assert total is not None and total.n == 51
    # 5 refusals are hidden, and the 12 waiting too, or 51 − 34 − 0 would give them.
    assert total.statuses == {
        Status.SENT: None,
        Status.ACCEPTED: 34,
        Status.REFUSED: None,
        Status.EXPIRED: 0,
    }
    assert total.with_outcome == 34 and total.share_with_outcome == pytest.approx(34 / 51)
    assert total.median_delay_days == 2.0
    assert total.rights_opened == 25 and total.yearly_amount == Decimal(25 * 500 * 12)
    assert total.outcomes[OutcomeKind.NOT_REACHED] is None  # 9 people
    partners = next(t for t in stats.tables if t.key == "partenaire")
    assert [(r.label, r.n) for r in partners.rows] == [
        ("France Services d'Arras", 30),
        ("Autres (regroupés : moins de 11 orientations chacun)", 21),
    ]
    france_services = partners.rows[0]
    # 25 accepted and 5 refused: the refusals are hidden, and the acceptances
    # too, or 30 − 25 would give them.
    assert france_services.statuses[Status.REFUSED] is None
    assert france_services.statuses[Status.ACCEPTED] is None
    schemes = next(t for t in stats.tables if t.key == "dispositif")
    assert {r.label: r.n for r in schemes.rows} == {"Pass santé jeunes": 25, "Sans dispositif": 26}
    months = next(t for t in stats.tables if t.key == "mois")
    assert [r.label for r in months.rows] == ["janvier 2026"]
    for table in stats.tables:
        for row in table.rows:
            assert row.n >= 11
            for value in [*row.statuses.values(), row.with_outcome, row.rights_opened]:
                assert value is None or value == 0 or value >= 11


@pytest.mark.django_db
def test_export_for_funders_has_only_published_cells(dataset):
    text = statistics_csv(queries.referral_statistics(dataset))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = next(r for r in rows if r and r[0] == "tableau")
    ensemble = next(r for r in rows if r and r[0] == "ensemble")
    line = dict(zip(header, ensemble, strict=True))
    assert line["orientations"] == "51"
    assert line["statut : refusée"] == "secret"
    assert line["droits ouverts"] == "25"
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
def test_period_and_command_line_export(dataset, tmp_path):
    assert queries.referral_statistics(dataset, end=datetime.date(2026, 1, 4)).total is None
    assert queries.referral_statistics(dataset, start=datetime.date(2026, 1, 5)).total.n == 51
    out = tmp_path / "orientations.csv"
    call_command(
        "orientations", "export", dataset.siren, "--out", str(out), "--debut", "2026-01-01",
        stdout=StringIO(),
    )  # fmt: skip
    assert "du 01/01/2026" in out.read_text(encoding="utf-8-sig")
    with pytest.raises(Exception, match="n'est pas une date AAAA-MM-JJ"):
        call_command("orientations", "export", dataset.siren, "--out", str(out), "--fin", "2026")
