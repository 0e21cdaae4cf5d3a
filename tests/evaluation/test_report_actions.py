"""The entries of the yearly report (budget lines, partners, agreements):
French refusals on their field, nothing written when refused, whatever is
typed."""

import datetime

import pytest
import time_machine
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
        ({"amount": "1e400"}, "montant", "sans puissance de dix"),
        ({"amount": "1e6"}, "montant", "1 000 000 pour un million"),
        ({"amount": "2,5E+3"}, "montant", "sans puissance de dix"),
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


# Review of issue 17 (part 3): entries a person could not have meant.
# 23:30 UTC on 2 March is 00:30 on 3 March in Paris: « today » is the 3rd.
AGREEMENT_TODAY = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("status", "signed_on", "ends_on", "field", "message"),
    [
        ("preparing", "15/01/2026", "", "signee_le", "en préparation n'est pas encore signée"),
        ("signed", "04/03/2026", "", "signee_le", "après aujourd'hui"),
        ("ended", "10/01/2025", "04/03/2026", "fin_le", "qui court encore est « signée »"),
        # Today in Paris is already 3 March (23:30 UTC on the 2nd).
        ("signed", "04/03/2026", "", "signee_le", "3 mars 2026"),
    ],
)
def test_an_agreement_s_dates_agree_with_its_status(
    arras, status, signed_on, ends_on, field, message
):
    with time_machine.travel(AGREEMENT_TODAY, tick=False):
        with pytest.raises(ReportEntryError, match=message) as caught:
            report_actions.agreement_add(
                territory=arras, partner="CAF", purpose="x", status=status,
                signed_on=signed_on, ends_on=ends_on, user=None,
            )  # fmt: skip
    assert caught.value.field == field
    assert not DataAgreement.objects.exists()


def test_dates_up_to_today_in_paris_are_kept(arras):
    with time_machine.travel(AGREEMENT_TODAY, tick=False):
        # 3 March is today in Paris, though still 2 March in UTC.
        report_actions.agreement_add(
            territory=arras, partner="CAF", purpose="x", status="ended",
            signed_on="10/01/2025", ends_on="03/03/2026", user=None,
        )  # fmt: skip
        report_actions.agreement_add(
            territory=arras, partner="CPAM", purpose="x", status="signed",
            signed_on="03/03/2026", ends_on="31/12/2027", user=None,
        )  # fmt: skip
    assert DataAgreement.objects.count() == 2


def test_a_partner_differing_only_by_case_and_spaces_is_the_same(arras):
    report_actions.partner_add(territory=arras, year=2025, name="CAF du Pas-de-Calais", user=None)
    for name in ("caf du pas-de-calais  ", "CAF  du Pas-de-Calais", "CAF DU PAS-DE-CALAIS"):
        with pytest.raises(ReportEntryError, match="« CAF du Pas-de-Calais »") as caught:
            report_actions.partner_add(territory=arras, year=2025, name=name, user=None)
        assert caught.value.field == "nom"
    assert ReportPartner.objects.count() == 1
    report_actions.partner_add(territory=arras, year=2026, name="caf du pas-de-calais", user=None)
