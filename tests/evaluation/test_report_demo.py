"""The yearly report and the demonstration data of `nonrecours setup`: one
rule for every section (evaluation.report_queries.demo_rule). A
demonstration install counts its synthetic rows and says so everywhere
(« Rapport de démonstration : chiffres fictifs »); once the territory has
one real row, no section counts a synthetic one."""

import csv
import datetime
import io
from io import StringIO

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from pypdf import PdfReader

from nonrecours.evaluation import report_actions
from nonrecours.evaluation.demo import evaluation_demo_create
from nonrecours.evaluation.report import DEMONSTRATION, yearly_report
from nonrecours.evaluation.report_files import report_csv, report_xlsx
from nonrecours.evaluation.report_render import report_html, report_pdf
from nonrecours.events.demo import events_demo_create
from nonrecours.outreach.demo import outreach_demo_create
from nonrecours.outreach.models import BusReferral
from nonrecours.referrals.demo import referrals_demo_create
from nonrecours.referrals.models import Referral
from tests.evaluation.report_data import _referral
from tests.factories import OrganisationFactory, StructureFactory

pytestmark = pytest.mark.django_db
SETUP = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)
LATER = datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 2)


@pytest.fixture
def demo(arras):
    """What `nonrecours setup` installs for the report, on 2 November 2026."""
    with time_machine.travel(SETUP, tick=False):
        call_command("directory", "mairies", arras.siren, stdout=StringIO())
        assert referrals_demo_create(territory=arras)
        assert outreach_demo_create(territory=arras, today=TODAY)
        assert events_demo_create(territory=arras, today=TODAY)
        assert evaluation_demo_create(territory=arras, today=TODAY)
    return arras


def _report(territory, year):
    with time_machine.travel(LATER, tick=False):
        return yearly_report(territory, year)


def _value(report, section, key, group=""):
    return report.section(section).figure(key, group).value


def test_a_demonstration_install_counts_its_data_and_says_so(demo):
    report = _report(demo, 2026)
    assert report.demonstration and not report.demo_left_out
    sent = Referral.objects.filter(sent_at__year=2026).count()
    assert _value(report, "orientations", "orientations.envoyees") == sent > 11
    # The bus's referrals are some of the referrals of the year, never more
    # (the demonstration links referrals of 2025 to visits of 2026: the
    # bus's own view counts them, the report does not). Threshold 1: the
    # exact counts.
    with time_machine.travel(LATER, tick=False):
        exact = yearly_report(demo, 2026, threshold=1)
    from_bus = _value(exact, "bus", "bus.orientations")
    assert from_bus == BusReferral.objects.filter(referral__sent_at__year=2026).count()
    assert 0 < from_bus < BusReferral.objects.count()
    assert from_bus <= _value(exact, "orientations", "orientations.envoyees")
    published = _value(report, "bus", "bus.orientations")
    assert published in (None, from_bus)
    assert _value(report, "budget", "budget.total", "Total") > 0
    # Every rendering says so first.
    lines = report_csv(report).splitlines()
    assert lines[0] == DEMONSTRATION and lines[1].startswith("partie")
    sheet = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))["rapport"]
    assert sheet["A1"].value == DEMONSTRATION
    html = report_html(report)
    assert html.index(DEMONSTRATION) < html.index("Personnes touchées")
    first_page = PdfReader(io.BytesIO(report_pdf(report))).pages[0].extract_text()
    assert "Rapport de démonstration 2026" in " ".join(first_page.split())


def test_one_real_row_leaves_every_synthetic_row_out(demo):
    with time_machine.travel(SETUP, tick=False):
        structure = StructureFactory(territory=demo)
        sender = OrganisationFactory(territory=demo)
        sent = datetime.datetime(2026, 5, 5, 10, tzinfo=datetime.UTC)
        Referral.objects.bulk_create(
            _referral(demo, structure, sender, sent, "accepted") for _ in range(12)
        )
    report = _report(demo, 2026)
    assert not report.demonstration and report.demo_left_out
    assert _value(report, "orientations", "orientations.envoyees") == 12
    # The demonstration's bus, forum, training, budget and partners: gone.
    assert not report.section("bus").available
    assert "démonstration ne sont pas comptés" in report.section("bus").intro
    events = report.section("evenements")
    assert not events.available or _value(report, "evenements", "evenements.forums") == 0
    assert _value(report, "budget", "budget.total", "Total") is None
    assert _value(report, "partenaires", "partenaires.nombre") == 0
    assert _value(report, "partenaires", "conventions.nombre") == 0
    assert not [f for _, f in report.figures if "démonstration" in f.group]
    assert report.section("actions").figure("orientations.envoyees").value == 12
    assert "ne sont comptées dans aucune partie" in report_html(report)
    assert DEMONSTRATION not in report_csv(report)
    # 2025: the demonstration's referrals of 2025 are left out too, and the
    # report says nothing was sent — not « fewer than 11 corrected ».
    earlier = _report(demo, 2025)
    assert _value(earlier, "orientations", "orientations.envoyees") == 0
    results = earlier.section("orientations").figure("orientations.resultats")
    assert results.value == 0 and results.note == "aucune orientation envoyée en 2025"
    corrected = earlier.section("orientations").figure("orientations.corriges")
    assert corrected.value == 0 and not corrected.hidden


def test_a_real_budget_alone_makes_the_report_real(demo):
    with time_machine.travel(SETUP, tick=False):
        report_actions.budget_line_add(
            territory=demo, year=2026, label="Chargée de mission", amount="40000", user=None
        )
    report = _report(demo, 2026)
    assert report.demo_left_out
    assert _value(report, "orientations", "orientations.envoyees") == 0
    assert _value(report, "budget", "budget.total", "Total") == 40000
    cost = report.section("budget").figure("budget.cout_par_droit", "Total")
    assert cost.value is None and cost.note == "aucun droit ouvert" and not cost.hidden


def test_no_demonstration_data_no_banner(arras):
    report = _report(arras, 2025)
    assert not report.demonstration and not report.demo_left_out
    rows = list(csv.reader(io.StringIO(report_csv(report)), delimiter=";"))
    assert rows[0][0] == "partie"
    assert DEMONSTRATION not in report_html(report)


def test_the_chain_keeps_only_the_real_campaigns_rows(arras):
    """The chain's funnel has a row per campaign: with the demonstration
    left out, the report sums the real campaigns' published rows (hidden
    where one is), or says there is none."""
    from decimal import Decimal

    from nonrecours.evaluation.chain_funnel import ChainFunnel, FunnelRow, FunnelTable
    from nonrecours.evaluation.report import ReportContext
    from nonrecours.evaluation.report_outcomes import real_campaigns_row
    from tests.factories import CampaignFactory

    CampaignFactory(territory=arras, name="Vague fictive", is_synthetic=True)
    CampaignFactory(territory=arras, name="Vague 1")
    CampaignFactory(territory=arras, name="Vague 2")

    def funnel(*rows):
        total = FunnelRow("Ensemble", (99, 99, 99, 99, 99), Decimal(999))
        return ChainFunnel(
            territory=arras, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31),
            total=total, tables=(FunnelTable("campaign", "Par campagne", rows),), benefits=(),
            exact=False, threshold=11, closed=False,
        )  # fmt: skip

    day = datetime.date(2026, 11, 30)
    context = ReportContext(arras, 2026, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31),
                            day, day, 11)  # fmt: skip
    fictive = FunnelRow("Vague fictive", (40, 30, 20, 15, 12), Decimal(5000))
    first = FunnelRow("Vague 1", (30, 20, 12, 0, 0), Decimal(0))
    second = FunnelRow("Vague 2", (25, 15, None, 0, 0), Decimal(0))
    row = real_campaigns_row(context, funnel(fictive, first, second))
    assert row is not None and row.counts == (55, 35, None, 0, 0)
    assert row.yearly_amount == 0
    assert real_campaigns_row(context, funnel(fictive)) is None
    # No chain of the demonstration: the funnel's own total.
    assert real_campaigns_row(context, funnel(first)).counts == (99, 99, 99, 99, 99)
