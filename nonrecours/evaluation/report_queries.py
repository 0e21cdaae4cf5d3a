"""Reads of what the team entered for the yearly report (budget lines,
partners of the year, data-sharing agreements)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from nonrecours.evaluation.demo import DEMO as DEMO_SUFFIX
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


# ---------- Demonstration data (one rule for the whole yearly report) ----------

# What `nonrecours setup` enters for the report (evaluation.demo) ends its
# labels with DEMO_SUFFIX; the serious game's session is titled DEMO_TITLE.


def _entries_demo(model: type[BudgetLine] | type[ReportPartner] | type[DataAgreement]) -> Q:
    name = {BudgetLine: "label", ReportPartner: "name", DataAgreement: "partner"}[model]
    return Q(**{f"{name}__endswith": DEMO_SUFFIX})


def entries_counted(queryset: QuerySet[Any], *, synthetic: bool) -> QuerySet[Any]:
    """``queryset`` of entries (budget lines, partners or agreements)
    without the demonstration's unless ``synthetic``."""
    return queryset if synthetic else queryset.exclude(_entries_demo(queryset.model))


def _kinds(territory: Territory) -> list[tuple[QuerySet[Any], Q]]:
    """Each kind of row the report counts that has a demonstration form:
    (the territory's rows, the Q of its demonstration rows)."""
    from nonrecours.evaluation.chain_models import Chain
    from nonrecours.events.models import Event
    from nonrecours.outreach.models import BusCalendar, BusVisitor
    from nonrecours.referrals.models import Referral
    from nonrecours.surveys.models import Campaign
    from nonrecours.training.demo import DEMO_TITLE
    from nonrecours.training.game_models import GameSession

    return [
        (Referral.objects.filter(territory=territory), Q(is_synthetic=True)),
        # A wave counts once it has answers (the report reads published ones).
        (
            Campaign.objects.filter(territory=territory, responses__isnull=False).distinct(),
            Q(is_synthetic=True),
        ),
        (
            BusCalendar.objects.filter(territory=territory, published_at__isnull=False),
            Q(is_synthetic=True),
        ),
        (BusVisitor.objects.filter(visit__calendar__territory=territory), Q(is_synthetic=True)),
        (Event.objects.filter(territory=territory), Q(is_synthetic=True)),
        (GameSession.objects.filter(territory=territory), Q(title=DEMO_TITLE)),
        (Chain.objects.filter(territory=territory), Q(campaign__is_synthetic=True)),
        *(
            (model.objects.filter(territory=territory), _entries_demo(model))
            for model in (BudgetLine, ReportPartner, DataAgreement)
        ),
    ]


@dataclass(frozen=True)
class DemoRule:
    """Whether the yearly report counts the demonstration's rows
    (``synthetic``: the territory has no real row of any kind the report
    counts — a demonstration install) and whether it holds any
    (``present``)."""

    synthetic: bool
    present: bool

    @property
    def left_out(self) -> bool:
        """Demonstration rows exist and are not counted (real data exist)."""
        return self.present and not self.synthetic


def demo_rule(territory: Territory) -> DemoRule:
    """The one rule of the yearly report on demonstration data: when the
    territory has any real row (not synthetic) of the kinds the report
    counts — referrals, barometer campaigns with answers, published bus
    calendars or people received at the bus, forums and trainings, serious
    game sessions, call-back chains of a real campaign, entered budget,
    partners or agreements —, every synthetic row is left out of every
    section; otherwise the synthetic rows are counted and the report says
    it is a demonstration. Simulations and their follow-up have no
    demonstration form: always counted."""
    kinds = _kinds(territory)
    real = any(rows.exclude(demo).exists() for rows, demo in kinds)
    present = any(rows.filter(demo).exists() for rows, demo in kinds)
    return DemoRule(synthetic=not real, present=present)
