"""The cells of a submissions file, CSV or XLSX, as text with their line.

CSV goes through the project's one reader (nonrecours/csvtext.py). XLSX
cells are typed by the spreadsheet: a date becomes ISO 8601 text, a whole
number its digits (a commune code stored as a number loses nothing more
than its leading zero, which the importer restores), a boolean 1 or 0, a
text escaped against formulas by an export (`'=…`) the text itself.
"""

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import load_workbook

from nonrecours.csvtext import (
    MAX_CELL_CHARS,
    UnreadableFile,
    decode,
    rows,
    spreadsheet_unescape,
)
from nonrecours.errors import UserError


class TableError(UserError, ValueError):
    """The file as a whole cannot be read (French, with the file name)."""


def cell_text(value: Any) -> str:
    """One XLSX cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return spreadsheet_unescape(str(value))


def read_table(
    stream: BinaryIO, filename: str
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header (stripped) and (line number, cells) of each non-blank row.

    Raises TableError for an unreadable file; errors met later in the rows
    (a cell over MAX_CELL_CHARS, a broken quote) come out of the iterator as
    TableError with their line.
    """
    if Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx(stream, filename)
    try:
        header, body = rows(decode(stream.read(), filename), filename)
    except UnreadableFile as error:
        raise TableError(str(error)) from None

    def checked() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from body
        except UnreadableFile as error:
            raise TableError(str(error)) from None

    return header, checked()


def _xlsx(stream: BinaryIO, filename: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        # The header is the first non-blank row, as in a CSV file.
        header: list[str] = []
        header_line = 0
        for number, row in enumerate(values, start=1):
            cells = [cell_text(c).strip() for c in row]
            if any(cells):
                header, header_line = cells, number
                break
    except Exception as error:  # openpyxl and zipfile raise many kinds on a broken file
        raise TableError(f"{filename} : classeur XLSX illisible ({error}).") from None

    def body() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(values, start=header_line + 1):
                cells = [cell_text(v) for v in row]
                for position, cell in enumerate(cells):
                    if len(cell) > MAX_CELL_CHARS:
                        raise TableError(
                            f"{filename}, ligne {number}, colonne {position + 1} : une cellule "
                            f"dépasse {MAX_CELL_CHARS // 1024} Kio ; rien n'a été enregistré."
                        )
                if any(c.strip() for c in cells):
                    yield number, cells
        except TableError:
            raise
        except Exception as error:  # a corrupt sheet part fails while streaming
            raise TableError(f"{filename} : classeur XLSX illisible ({error}).") from None

    return header, body()
