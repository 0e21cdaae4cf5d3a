"""The demonstration's entries of the yearly report (`nonrecours setup`):
labelled, the current year pro rata, never over what the territory entered."""

import datetime
from decimal import Decimal

import pytest

from nonrecours.evaluation import report_actions
from nonrecours.evaluation.demo import BUDGET, PARTNERS, evaluation_demo_create
from nonrecours.evaluation.report_models import BudgetLine, DataAgreement, ReportPartner

pytestmark = pytest.mark.django_db


def test_the_demonstration_enters_two_years_labelled(arras):
    assert evaluation_demo_create(territory=arras, today=datetime.date(2026, 3, 10))
    full = sum(amount for _, amount, _ in BUDGET)
    spent = {
        year: sum(line.amount for line in BudgetLine.objects.filter(year=year))
        for year in (2025, 2026)
    }
    # 2025 in full; 2026 for the three months begun (a quarter of each line).
    assert spent == {2025: Decimal(full), 2026: Decimal(sum(round(a / 4) for _, a, _ in BUDGET))}
    assert ReportPartner.objects.filter(year=2025).count() == len(PARTNERS)
    assert DataAgreement.objects.get(status="signed").signed_on == datetime.date(2025, 3, 14)
    labels = [line.label for line in BudgetLine.objects.all()]
    labels += [p.name for p in ReportPartner.objects.all()]
    labels += [a.partner for a in DataAgreement.objects.all()]
    assert all(label.endswith("(démonstration)") for label in labels)
    # Run again (setup is idempotent): nothing more.
    assert not evaluation_demo_create(territory=arras, today=datetime.date(2026, 3, 10))
    assert BudgetLine.objects.count() == 2 * len(BUDGET)


def test_nothing_is_added_to_what_the_territory_entered(arras):
    report_actions.partner_add(territory=arras, year=2025, name="CAF", user=None)
    assert not evaluation_demo_create(territory=arras, today=datetime.date(2026, 3, 10))
    assert not BudgetLine.objects.exists()
    assert ReportPartner.objects.count() == 1
