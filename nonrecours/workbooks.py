"""The XLSX workbooks the published views export (referral statistics, the
bus's achievements, the call-back funnel, the yearly report): a data sheet
whose first rows are the header, then a « notes » sheet (« rubrique »,
« note »), written with openpyxl. One place for what every such workbook
must do: text cleaned of the characters XLSX cannot hold and never taken
for a formula by a spreadsheet (csvtext.spreadsheet_safe), numbers kept as
numbers."""

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from nonrecours.csvtext import spreadsheet_safe


def xlsx_cell(value: Any) -> Any:
    """A cell as openpyxl writes it: a text without the control characters
    XLSX refuses (replaced by U+FFFD) and spreadsheet-safe (« =SOMME(…) »
    stays text); any other value as it is."""
    if isinstance(value, str):
        return str(spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)))
    return value


def data_and_notes_xlsx(
    *,
    sheet: str,
    header: Sequence[Sequence[Any]],
    rows: Iterable[Sequence[Any]],
    notes: Iterable[tuple[str, str]],
    freeze: str,
    widths: Mapping[str, float],
    notes_widths: tuple[float, float],
) -> bytes:
    """The workbook's bytes: sheet ``sheet`` with the ``header`` rows then
    ``rows`` (each cell through xlsx_cell), panes frozen at ``freeze``
    (« C2 »), column widths ``widths`` ({"A": 30}); then sheet « notes »
    with the (heading, text) pairs of ``notes`` under « rubrique »,
    « note », its two columns ``notes_widths`` wide."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the default, untitled sheet
    data = workbook.create_sheet(sheet)
    for line in header:
        data.append([xlsx_cell(value) for value in line])
    for line in rows:
        data.append([xlsx_cell(value) for value in line])
    data.freeze_panes = freeze
    for column, width in widths.items():
        data.column_dimensions[column].width = width
    sheet_notes = workbook.create_sheet("notes")
    sheet_notes.append(["rubrique", "note"])
    for heading, text in notes:
        sheet_notes.append([xlsx_cell(heading), xlsx_cell(text)])
    sheet_notes.column_dimensions["A"].width = notes_widths[0]
    sheet_notes.column_dimensions["B"].width = notes_widths[1]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
