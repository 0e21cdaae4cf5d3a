"""Reading the CSV files people give (no Django), in one place: answers,
households, margins, census, directory.

UTF-8 with or without a BOM; the dialect (separator, quote, escape) is
detected by CleverCSV (ADR 009), which reads spreadsheet output right where
`csv.Sniffer` does not (CRLF line ends and a quoted last field holding the
separator: Python 3.11 then guesses `,` for a `;` file). The rows are then
split by Python's own `csv` parser with that dialect, so line numbers are
the file's. Every error is French and says the file and the line.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import clevercsv

# A cell above this size is refused with its line: Python's parser stops at
# its field size limit (128 KiB unless changed, and the project never does).
MAX_CELL_CHARS = csv.field_size_limit()
# Detection reads this many characters: enough for a header and ~40 lines of
# a wide questionnaire, and fast (CleverCSV is quadratic in the sample).
SAMPLE_CHARS = 32 * 1024
SEPARATORS = ",;\t|"


class UnreadableFile(ValueError):
    """The file is missing, not UTF-8 or not a CSV (message in French, with
    the file name and, where known, the line)."""


@dataclass(frozen=True)
class Dialect:
    """What a CSV file uses: ``delimiter``, ``quotechar`` ("" for none) and
    ``escapechar`` ("" for none); usable by pyarrow's reader as well."""

    delimiter: str = ","
    quotechar: str = '"'
    escapechar: str = ""

    def csv_dialect(self) -> type[csv.Dialect]:
        """The same dialect for Python's csv module."""
        delimiter, quotechar, escapechar = self.delimiter, self.quotechar, self.escapechar

        class _Detected(csv.Dialect):
            lineterminator = "\r\n"
            quoting = csv.QUOTE_MINIMAL if quotechar else csv.QUOTE_NONE
            doublequote = True
            skipinitialspace = False
            strict = False

        _Detected.delimiter = delimiter
        _Detected.quotechar = quotechar or None
        _Detected.escapechar = escapechar or None
        return _Detected


def read_text(path: Path) -> str:
    """The whole text of a UTF-8 file (BOM removed). Raises UnreadableFile."""
    try:
        return decode(path.read_bytes(), path.name)
    except FileNotFoundError:
        raise UnreadableFile(f"{path} : fichier introuvable.") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path} : c'est un dossier, pas un fichier.") from None


def decode(raw: bytes, filename: str) -> str:
    """UTF-8 text of a file's bytes, BOM removed. Raises UnreadableFile."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise UnreadableFile(
            f"{filename} : le fichier n'est pas en UTF-8 (ligne {line}). "
            "Enregistrez-le en « CSV UTF-8 »."
        ) from None


def detect_dialect(text: str) -> Dialect:
    """The dialect of a CSV text, from its first SAMPLE_CHARS characters.

    A file of one column (no separator found) reads as comma-separated.
    """
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS:  # never detect on a cut line
        cut = sample.rfind("\n")
        sample = sample[: cut + 1] if cut > 0 else sample
    if not any(separator in sample for separator in SEPARATORS):
        return Dialect()
    found = clevercsv.Detector().detect(sample, delimiters=list(SEPARATORS))
    if found is None or not found.delimiter or found.delimiter not in SEPARATORS:
        return Dialect()
    return Dialect(
        delimiter=found.delimiter,
        quotechar=found.quotechar or "",
        escapechar=found.escapechar or "",
    )


def rows(text: str, filename: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (line number, cells) of each non-blank row of a CSV text.

    Line numbers are the file's (a row with a quoted line break counts from
    its first line). Raises UnreadableFile with the line for a cell over
    MAX_CELL_CHARS or a broken quote; the header is read eagerly, the rows
    lazily (the error then comes out of the iterator).
    """
    dialect = detect_dialect(text).csv_dialect()
    reader = csv.reader(io.StringIO(text, newline=""), dialect)

    def next_row() -> tuple[int, list[str]] | None:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise UnreadableFile(
                    f"{filename}, ligne {start} : une cellule dépasse {MAX_CELL_CHARS // 1024} Kio "
                    "(128 000 caractères environ) ; rien n'a été enregistré."
                ) from None
            raise UnreadableFile(f"{filename}, ligne {start} : CSV illisible ({error}).") from None
        return start, cells

    first = next_row()
    header = [cell.strip() for cell in first[1]] if first else []

    def body() -> Iterator[tuple[int, list[str]]]:
        while (row := next_row()) is not None:
            if any(cell.strip() for cell in row[1]):
                yield row

    return header, body()


def dict_rows(text: str, filename: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Like rows(), each row as {header: cell}; missing cells are "" and
    cells beyond the header are dropped. A repeated header name raises
    UnreadableFile naming it (a dict would silently keep one of them)."""
    header, body = rows(text, filename)
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise UnreadableFile(
            f"{filename}, ligne 1 : colonne(s) en double : {', '.join(repeated)}."
        )

    def as_dicts() -> Iterator[tuple[int, dict[str, str]]]:
        width = len(header)
        for line, cells in body:
            cells = cells[:width] + [""] * (width - len(cells))
            yield line, dict(zip(header, cells, strict=True))

    return header, as_dicts()


def dict_reader(text: str) -> "csv.DictReader[str]":
    """Deprecated: use dict_rows() (kept while callers move to it)."""
    return csv.DictReader(io.StringIO(text, newline=""), dialect=detect_dialect(text).csv_dialect())


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=, +, -, @, or a
    leading tab or line break) is written with a leading apostrophe (OWASP's
    CSV injection advice). Other values are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
