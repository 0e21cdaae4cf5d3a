"""The entries of the yearly report (budget lines, partners, agreements):
French refusals on their field, nothing written when refused, whatever is
typed."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.evaluation import report_actions
from nonrecours.evaluation.report_actions import ReportEntryError
from nonrecours.evaluation.report_models import BudgetLine, DataAgreement, ReportPartner

pytestmark = pytest.mark.django_db


def test_a_budget_line_is_kept_to_the_cent(arras):
    line = report_actions.budget_line_add(
        territory=arras, year="2025", label=" Bus ", amount="1\u202f234,5", funder="", user=None
    )
    assert (line.year, line.label, str(line.amount)) == (2025, "Bus", "1234.50")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"year": "25"}, "annee", "année civile entre 2020 et 2100"),
        ({"label": ""}, "poste", "Poste de dépense : à indiquer"),
        ({"label": "a\nb"}, "poste", "une seule ligne"),
        ({"amount": ""}, "montant", "à indiquer"),
        ({"amount": "1e400"}, "montant", "n'est pas entre"),
        ({"amount": "NaN"}, "montant", "n'est pas un nombre"),
        ({"amount": "200000000"}, "montant", "n'est pas entre"),
    ],
)
def test_a_wrong_budget_line_says_where(arras, fields, field, message):
    values = {"year": 2025, "label": "Bus", "amount": "10"} | fields
    with pytest.raises(ReportEntryError, match=message) as caught:
        report_actions.budget_line_add(territory=arras, user=None, **values)
    assert caught.value.field == field
    assert not BudgetLine.objects.exists()


def test_a_partner_is_entered_once_a_year(arras):
    report_actions.partner_add(territory=arras, year=2025, name="CAF", user=None)
    with pytest.raises(ReportEntryError, match="déjà parmi les partenaires de 2025"):
        report_actions.partner_add(territory=arras, year=2025, name="CAF", user=None)
    report_actions.partner_add(territory=arras, year=2026, name="CAF", user=None)
    assert ReportPartner.objects.count() == 2


def test_an_agreement_ends_after_its_signature(arras):
    with pytest.raises(ReportEntryError, match="la fin est avant la signature"):
        report_actions.agreement_add(
            territory=arras, partner="CAF", purpose="x", status="signed",
            signed_on="2025-03-01", ends_on="2025-01-01", user=None,
        )  # fmt: skip
    with pytest.raises(ReportEntryError, match="État"):
        report_actions.agreement_add(
            territory=arras, partner="CAF", purpose="x", status="maybe", user=None
        )
    assert not DataAgreement.objects.exists()


def test_an_entry_of_another_territory_is_not_deleted(arras):
    from tests.factories import TerritoryFactory

    other = TerritoryFactory()
    line = report_actions.budget_line_add(
        territory=other, year=2025, label="Bus", amount="10", user=None
    )
    with pytest.raises(ReportEntryError, match="n'existe pas"):
        report_actions.report_entry_delete(territory=arras, kind="budget", entry_id=str(line.pk))
    assert BudgetLine.objects.filter(pk=line.pk).exists()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    year=st.one_of(st.text(max_size=8), st.integers(), st.none()),
    text=st.text(max_size=600),
    amount=st.one_of(st.text(max_size=30), st.decimals(allow_nan=True), st.floats()),
    status=st.sampled_from(["preparing", "signed", "ended", "", "x"]),
    day=st.text(max_size=12),
)
def test_hostile_entries_are_refused_in_french_or_kept(arras, year, text, amount, status, day):
    before = BudgetLine.objects.count() + ReportPartner.objects.count()
    for add in (
        lambda: report_actions.budget_line_add(
            territory=arras, year=year, label=text, amount=amount, funder=text, user=None
        ),
        lambda: report_actions.partner_add(
            territory=arras, year=year, name=text, role=text, user=None
        ),
        lambda: report_actions.agreement_add(
            territory=arras,
            partner=text,
            purpose=text,
            status=status,
            signed_on=day,
            ends_on=day,
            user=None,
        ),  # fmt: skip
    ):
        try:
            add()
        except ReportEntryError as error:
            assert str(error) and error.field
    assert BudgetLine.objects.count() + ReportPartner.objects.count() >= before
