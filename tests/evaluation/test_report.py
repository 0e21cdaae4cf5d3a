"""The yearly report: its figures against counts made here, row by row
(tests/evaluation/report_data.py), and the secrecy rule on every cell in
every format."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from pypdf import PdfReader

from nonrecours.evaluation.report import ReportError, check_report_year, yearly_report
from nonrecours.evaluation.report_files import report_csv, report_xlsx
from nonrecours.evaluation.report_render import figure_text, report_html, report_pdf
from nonrecours.evaluation.report_rights import OTHERS, TOTAL
from nonrecours.rights.catalogue import benefit
from tests.evaluation.report_data import (
    ACCEPTED_OPEN,
    CORRECTED,
    FROZEN,
    REFUSED,
    YEAR,
    build_year,
)
from tests.outreach.test_posters import save_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_data(arras):
    with time_machine.travel(FROZEN, tick=False):
        yield build_year(arras)


@pytest.fixture
def report(year_data):
    with time_machine.travel(FROZEN, tick=False):
        return yearly_report(year_data.territory, YEAR)


def test_referrals_and_rights_are_the_counts_made_here(year_data, report):
    referrals = report.section("orientations")
    assert referrals.figure("orientations.envoyees").value == year_data.referrals == 72
    opened = sum(year_data.rights.values())
    assert referrals.figure("orientations.droit_ouvert").value == opened == 55
    assert referrals.figure("orientations.avec_resultat").value == 72 - REFUSED - ACCEPTED_OPEN
    assert referrals.figure("orientations.montant").value == sum(year_data.yearly.values())
    # 55 outcomes in force (the 12 « pas de droit » corrected no longer count).
    outcomes = referrals.figure("orientations.resultats")
    assert outcomes.value == 55
    assert outcomes.note == "dont 12 résultats corrigés par la structure qui a reçu l'orientation"
    assert referrals.figure("orientations.corriges").value == CORRECTED == 12
    rights = report.section("droits")
    rsa = benefit("rsa").label
    housing = benefit("aide_logement").label
    assert rights.figure("droits.nombre", rsa).value == year_data.rights["rsa"] == 25
    assert rights.figure("droits.montant", rsa).value == year_data.yearly["rsa"] == 150_000
    assert rights.figure("droits.nombre", housing).value == 15
    # Prime d'activité (12) joins the ASPA (3) so that « Autres » reaches 11.
    assert rights.figure("droits.nombre", OTHERS).value == 12 + 3
    assert rights.figure("droits.nombre", TOTAL).value == 55
    assert rights.figure("droits.montant", TOTAL).value == Decimal(198_000)
    assert rights.groups == [rsa, housing, OTHERS, TOTAL]


def test_budget_and_cost_per_right_opened(year_data, report):
    budget = report.section("budget")
    assert budget.figure("budget.total", "Total").value == year_data.budget == Decimal(55_000)
    # 55 000 € ÷ 55 rights opened (the 2024 line and the 2024 rights are not counted).
    assert budget.figure("budget.cout_par_droit", "Total").value == Decimal("1000.00")
    assert (
        figure_text(budget.figure("budget.cout_par_droit", "Total")) == "1\u202f000\xa0€ par droit"
    )
    partners = report.section("partenaires")
    assert partners.figure("partenaires.nombre").value == 1
    # The agreement ended in 2024 is not one of 2025's.
    assert partners.figure("conventions.nombre").value == 1
    assert partners.figure("conventions.etat", "Convention avec CAF du Pas-de-Calais").value == (
        "Signée"
    )


def test_every_figure_says_its_source_and_method_in_french(report):
    for section, figure in report.figures:
        assert figure.source and figure.method, (section.key, figure.key)
        assert figure.unit or isinstance(figure.value, str), figure.key
    summary = report.section("actions")
    assert summary.figure("orientations.envoyees").value == 72
    assert report.sections[0].key == "actions"
    assert not report.provisional


def hidden_cells(report):
    return [(s.key, f.key, f.group) for s, f in report.figures if f.hidden]


def test_a_small_amount_is_hidden_with_another_of_its_line(report):
    """The housing benefit's amount describes 5 people: hidden; with the
    total published, a second amount of the line is hidden too, so that
    the total minus the others does not give it back."""
    rights = report.section("droits")
    amounts = [f for f in rights.figures if f.key == "droits.montant" and f.group != TOTAL]
    hidden = [f.group for f in amounts if f.hidden]
    assert benefit("aide_logement").label in hidden
    assert len(hidden) >= 2
    assert all(f.value is None for f in amounts if f.hidden)


def test_no_line_of_a_table_has_a_single_hidden_cell(report):
    rights = report.section("droits")
    for key in ("droits.nombre", "droits.montant"):
        cells = [f for f in rights.figures if f.key == key and f.group != TOTAL]
        total = rights.figure(key, TOTAL)
        if not total.hidden:
            assert sum(1 for f in cells if f.hidden) != 1, key


# The hidden values, as the files would write them if they leaked.
LEAKS = ("12000", "12 000", "12\u202f000", "36000", "36 000", "36\u202f000")


def test_a_hidden_cell_is_secret_in_every_format(report):
    text = report_csv(report)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    housing = benefit("aide_logement").label
    line = next(r for r in rows if r[1] == housing and r[2] == "Montant annuel estimé")
    assert line[3] == "secret" and line[5] == "masqué"
    assert not any(leak in text for leak in LEAKS)
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    sheet = book["rapport"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    line = next(r for r in cells if r[1] == housing and r[2] == "Montant annuel estimé")
    assert line[3] == "secret"
    assert 12000 not in [c for r in cells for c in r] and 36000 not in [c for r in cells for c in r]
    assert len(cells) == 1 + len(report.figures)
    html = report_html(report)
    assert "secret" in html
    assert not any(leak in html for leak in LEAKS)


def test_the_pdf_is_a4_french_with_its_charts(report):
    pdf = report_pdf(report)
    save_pages(pdf, "rapport-annuel-2025")
    reader = PdfReader(io.BytesIO(pdf))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Rapport annuel 2025" in text and "Droits ouverts par prestation" in text
    assert "secret" in text
    assert not any(leak in text for leak in LEAKS)
    html = report_html(report, for_print=True)
    assert 'role="img"' in html and "aria-label=" in html


def test_the_current_year_is_provisional(year_data):
    with time_machine.travel(datetime.datetime(2025, 6, 30, 12, tzinfo=datetime.UTC), tick=False):
        report = yearly_report(year_data.territory, "2025")
    assert report.provisional
    assert report.until == datetime.date(2025, 6, 30)
    assert "rapport provisoire" in report_csv(report).splitlines()[0]


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("20x5", "quatre chiffres"),
        ("", "quatre chiffres"),
        ("２０２５", "quatre chiffres"),
        ("1999", "2020 au plus tôt"),
        ("2027", "n'a pas commencé"),
    ],
)
def test_a_year_that_cannot_be_reported_is_a_french_error(year, message):
    with pytest.raises(ReportError, match=message) as caught:
        check_report_year(year, today=datetime.date(2026, 3, 2))
    assert caught.value.field == "annee"


def test_every_hidden_cell_is_secret_in_the_csv_and_the_xlsx(report):
    hidden = {(s.title, f.group, f.label) for s, f in report.figures if f.hidden}
    assert len(hidden) >= 3
    assert all(f.value is None and not f.note for _, f in report.figures if f.hidden)
    rows = list(csv.reader(io.StringIO(report_csv(report)), delimiter=";"))[1:]
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    cells = [[c.value for c in row] for row in book["rapport"].iter_rows()][1:]
    for lines in (rows, cells):
        marked = {(r[0], r[1] or "", r[2]) for r in lines if r[3] == "secret"}
        assert marked == hidden
        assert all(r[5] == "masqué" for r in lines if r[3] == "secret")


def test_a_hidden_figure_keeps_no_value():
    from nonrecours.evaluation.report import Figure

    figure = Figure("x", "X", 4, "personnes", "source", "méthode", hidden=True, note="4 sur 9")
    assert figure.value is None and figure.note == ""
    assert figure_text(figure) == "secret"


def test_few_rights_hide_the_total_and_the_cost_per_right(arras):
    """5 rights opened: every count of the table, its amounts and the cost
    per right opened are secret; the budget itself is not."""
    from nonrecours.evaluation import report_actions
    from nonrecours.referrals.enums import OutcomeKind, Status
    from nonrecours.referrals.models import Outcome, Referral
    from tests.evaluation.report_data import _referral
    from tests.factories import OrganisationFactory, StructureFactory

    with time_machine.travel(FROZEN, tick=False):
        structure = StructureFactory(territory=arras)
        sender = OrganisationFactory(territory=arras)
        sent = datetime.datetime(2025, 5, 5, 10, tzinfo=datetime.UTC)
        referrals = Referral.objects.bulk_create(
            _referral(arras, structure, sender, sent, Status.ACCEPTED) for _ in range(5)
        )
        Outcome.objects.bulk_create(
            Outcome(referral=r, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa",
                    monthly_amount=Decimal(500), recorded_at=sent, recorded_via="account")
            for r in referrals
        )  # fmt: skip
        report_actions.budget_line_add(
            territory=arras, year=2025, label="Personnel", amount="20000", user=None
        )
        report = yearly_report(arras, 2025)
    rights = report.section("droits")
    assert all(f.hidden for f in rights.figures)
    budget = report.section("budget")
    assert budget.figure("budget.cout_par_droit", "Total").hidden
    assert budget.figure("budget.total", "Total").value == Decimal(20_000)
    assert report.section("orientations").figure("orientations.envoyees").hidden
    assert "4\u202f000" not in report_html(report) and "4000" not in report_csv(report)


def test_without_a_budget_the_cost_says_budget_non_saisi(year_data):
    """Review of issue 17: « secret » one year, empty another. Now one
    reading: no budget entered → « budget non saisi », whatever the rights."""
    from nonrecours.evaluation.report_models import BudgetLine

    BudgetLine.objects.filter(territory=year_data.territory).delete()
    with time_machine.travel(FROZEN, tick=False):
        report = yearly_report(year_data.territory, YEAR)
    cost = report.section("budget").figure("budget.cout_par_droit", "Total")
    assert (cost.value, cost.hidden, figure_text(cost)) == (None, False, "budget non saisi")
    total = report.section("budget").figure("budget.total", "Total")
    assert figure_text(total) == "budget non saisi"


def test_source_and_method_are_given_once_per_section(report):
    """Review of issue 17: the source and method were repeated on every
    line (9 pages). The page gives each once, under its section's tables."""
    html = report_html(report)
    rights = report.section("droits")
    assert len(rights.groups) >= 4
    body = html.split('id="partie-droits"')[1].split('id="partie-simulateur"')[0]
    from django.utils.html import escape

    for figure in rights.figures:
        assert body.count(escape(figure.method)) == 1
    assert body.count(escape(rights.figures[0].source)) == 1
    # One line per benefit, its figures side by side.
    assert body.count("<tr>") == 1 + len(rights.groups)
