"""nonrecours.workbooks: what every exported workbook does to its cells."""

import io

import openpyxl

from nonrecours.workbooks import data_and_notes_xlsx, xlsx_cell


def test_a_cell_is_never_a_formula_nor_an_illegal_character():
    assert xlsx_cell("=SOMME(A1:A9)") == "'=SOMME(A1:A9)"
    assert xlsx_cell("a\x07b") == "a\ufffdb"
    assert xlsx_cell(12.5) == 12.5 and xlsx_cell(None) is None


def test_data_then_notes():
    content = data_and_notes_xlsx(
        sheet="données",
        header=[["démonstration"], ["ligne", "valeur"]],
        rows=[["Arras", 12], ["+33 hack", None]],
        notes=[("Secret", "@cmd")],
        freeze="B3",
        widths={"A": 30},
        notes_widths=(20, 90),
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["données", "notes"]
    data = [[c.value for c in row] for row in book["données"].iter_rows()]
    assert data == [
        ["démonstration", None],
        ["ligne", "valeur"],
        ["Arras", 12],
        ["'+33 hack", None],
    ]
    assert book["données"].freeze_panes == "B3"
    notes = [[c.value for c in row] for row in book["notes"].iter_rows()]
    assert notes == [["rubrique", "note"], ["Secret", "'@cmd"]]
