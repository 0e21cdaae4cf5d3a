"""Reads of what the team entered for the yearly report (budget lines,
partners of the year, data-sharing agreements)."""

import datetime

from django.db.models import Q, QuerySet

from nonrecours.evaluation.enums import AgreementStatus
from nonrecours.evaluation.report_models import BudgetLine, DataAgreement, ReportPartner
from nonrecours.territories.models import Territory


def budget_lines(territory: Territory, year: int) -> QuerySet[BudgetLine]:
    """The territory's budget lines of civil ``year``, in the order entered."""
    return BudgetLine.objects.filter(territory=territory, year=year).order_by("pk")


def year_partners(territory: Territory, year: int) -> QuerySet[ReportPartner]:
    """The partners entered for civil ``year``, by name."""
    return ReportPartner.objects.filter(territory=territory, year=year).order_by("name", "pk")


def year_agreements(territory: Territory, year: int) -> QuerySet[DataAgreement]:
    """The data-sharing agreements that concern civil ``year``: not signed
    after it (in preparation, or signed by 31 December) and not ended before
    it (no end, or an end on or after 1 January; an agreement marked ended
    without an end date counts until the year of its signature)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return (
        DataAgreement.objects.filter(territory=territory)
        .filter(Q(signed_on__isnull=True) | Q(signed_on__lte=last))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .exclude(status=AgreementStatus.ENDED, ends_on__isnull=True, signed_on__year__lt=year)
        .order_by("partner", "pk")
    )


def all_agreements(territory: Territory) -> QuerySet[DataAgreement]:
    """Every agreement of the territory, for the page where they are entered."""
    return DataAgreement.objects.filter(territory=territory).order_by("partner", "pk")
