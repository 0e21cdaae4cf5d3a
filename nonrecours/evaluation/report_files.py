"""The yearly report as files that open in a spreadsheet: one line per
figure (section, row, figure, value, unit, secret, source, method, note).

A CSV (« ; » between cells, decimal comma, header first), or an XLSX
workbook (openpyxl, as the other exports of the product) with a sheet
« rapport » (numbers as numbers) and a sheet « notes » (territory, year,
provisional or not, the secrecy rule). « secret » is the value of a hidden
cell, in both: the report holds no hidden value to write (evaluation.report).
Every text cell goes through csvtext.spreadsheet_safe (no formula runs).
"""

import csv
import io
from decimal import Decimal

from django.utils import timezone

from nonrecours import french
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.evaluation.report import DEMONSTRATION, LEFT_OUT, SECRET, Figure, YearlyReport
from nonrecours.workbooks import data_and_notes_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = (
    "partie", "ligne", "chiffre", "valeur", "unité", "secret statistique", "source", "méthode",
    "précision",
)  # fmt: skip
Cell = str | int | float | None


def cell_value(figure: Figure) -> Cell:
    """The value as a spreadsheet cell: SECRET when hidden, None when it
    does not apply, an int or a float (euros to the cent; a share « % » as
    a percentage, one decimal; points of percentage likewise), or a text."""
    if figure.hidden:
        return SECRET
    value = figure.value
    if value is None or isinstance(value, str):
        return value
    if figure.unit in ("%", "points de %"):
        return round(100 * float(value), 1)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def report_lines(report: YearlyReport) -> list[list[Cell]]:
    """The data lines, without HEADER, one per figure in the report's
    order. The unit « % » of a share is written « % » (values in percent)."""
    return [
        [
            section.title,
            figure.group,
            figure.label,
            cell_value(figure),
            figure.unit,
            "masqué" if figure.hidden else "publié",
            figure.source,
            figure.method,
            figure.note,
        ]
        for section, figure in report.figures
    ]


def report_notes(report: YearlyReport) -> list[tuple[str, str]]:
    """The notes of a file, as (heading, French text)."""
    territory = report.territory
    moment = timezone.localtime(report.generated_at)
    notes = [
        ("fichier", "Rapport annuel de l'expérimentation « Territoires zéro non-recours »."),
        ("territoire", f"{territory.name} (SIREN {territory.siren})"),
        ("année", f"{report.year}, du {french.date_text(report.start)} au "
                  f"{french.date_text(report.end)}"),
        ("généré le", f"{french.date_text(moment.date())} à {moment:%H:%M}"),
        ("règle de diffusion",
         f"aucune case ne décrit moins de {report.threshold} personnes ; « {SECRET} » : valeur "
         "masquée parce qu'elle en compte moins, ou parce qu'avec les autres cases elle "
         "permettrait de retrouver une valeur masquée. Budget, partenaires et conventions "
         "décrivent des organisations et des dépenses : jamais masqués."),
    ]  # fmt: skip
    if report.demonstration:
        notes.insert(0, ("démonstration", f"{DEMONSTRATION} : le territoire n'a encore aucune "
                         "donnée réelle ; les chiffres viennent des données fictives installées "
                         "avec l'outil."))  # fmt: skip
    elif report.demo_left_out:
        notes.append(("démonstration", LEFT_OUT))
    if report.provisional:
        notes.insert(
            3,
            ("provisoire", f"l'année n'est pas terminée : chiffres comptés jusqu'au "
                           f"{french.date_text(report.until)}, ils changeront."),
        )  # fmt: skip
    return notes


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return french.number(value, 2 if value != round(value, 1) else 1, grouping=False)
    return str(spreadsheet_safe(value))


def report_csv(report: YearlyReport) -> str:
    """The report as CSV text: « ; », decimal comma, HEADER first (after a
    line « Rapport de démonstration : chiffres fictifs » for a
    demonstration), then report_lines(); « secret » for a hidden value,
    empty when it does not apply. « provisoire » is in the header's first
    cell for the current year."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    if report.demonstration:
        writer.writerow([DEMONSTRATION])
    writer.writerow(HEADER)
    for line in report_lines(report):
        writer.writerow([_csv_cell(value) for value in line])
    text = buffer.getvalue()
    if report.provisional:
        text = text.replace(HEADER[0], f"{HEADER[0]} (rapport provisoire)", 1)
    return text


def report_xlsx(report: YearlyReport) -> bytes:
    """The report as an XLSX workbook (workbooks.data_and_notes_xlsx): sheet
    « rapport » (the demonstration line as in the CSV, HEADER, then
    report_lines(), numbers as numbers, « secret » for a hidden value),
    sheet « notes » (report_notes)."""
    header = [[DEMONSTRATION]] if report.demonstration else []
    return data_and_notes_xlsx(
        sheet="rapport",
        header=[*header, list(HEADER)],
        rows=report_lines(report),
        notes=report_notes(report),
        freeze="D3" if report.demonstration else "D2",
        widths=dict(zip("ABCDEFGHI", (30, 30, 34, 14, 14, 12, 40, 60, 30), strict=True)),
        notes_widths=(20, 100),
    )
