"""Reading a respondents file column by column (pyarrow), for the analysis
of a million answers without a Python object per cell.

The dialect comes from nonrecours.csvtext (the project's one detector),
run on a sample of the file's start; the header is read the same way, so
its names are stripped and repeated ones refused before pyarrow reads the
rest. pyarrow's own errors carry no line number: when something is wrong,
the file is read again, slowly, with Python's parser to name the line.
"""

import codecs
import csv
import io
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from nonrecours.csvtext import (
    SAMPLE_CHARS,
    Dialect,
    UnreadableFile,
    detect_dialect,
    empty_file,
    no_rows,
    not_utf8,
    read_text,
)
from nonrecours.errors import UserError

# Bytes read to detect the dialect and the header: SAMPLE_CHARS characters
# of up to 4 bytes each, so the detector always gets its full sample.
_SAMPLE_BYTES = 4 * SAMPLE_CHARS
# pyarrow's parser works in blocks of this size; a row longer than a block
# cannot be read (a cell of 128 KiB, the limit csvtext enforces, fits).
_BLOCK_BYTES = 4 << 20


class AnswersFileError(UserError, ValueError):
    """The file cannot be read; the message (French) names the file and,
    where known, the line."""


@dataclass(frozen=True)
class AnswersTable:
    """The columns of a respondents file.

    `header`: the column names in file order, stripped; "" for a column
    without a name. `table`: the columns read, named by their position
    (`c0`, `c1`, …), one value per data row (blank lines are skipped).
    """

    path: Path
    header: list[str]
    table: pa.Table
    dialect: Dialect
    header_end: int  # the file's line where the header row ends

    @property
    def name(self) -> str:
        return self.path.name

    def column(self, name: str) -> pa.ChunkedArray:
        """The column of that name (KeyError when absent or not read)."""
        return self.table.column(_key(self.header.index(name)))

    def first_cell(self, name: str, wrong: Callable[[str], bool]) -> tuple[int, str] | None:
        """(line, text) of the column's first cell for which `wrong` is true,
        None when there is none. Reads the whole file again (error path)."""
        position = self.header.index(name)
        for line, cells in self.data_rows():
            cell = cells[position] if position < len(cells) else ""
            if wrong(cell):
                return line, cell
        return None

    def line_of(self, index: int) -> int:
        """The file's line of the data row at `index` (0-based, as in the
        table). Reads the file again (error path)."""
        for position, (line, _) in enumerate(self.data_rows()):
            if position == index:
                return line
        raise IndexError(index)

    def data_rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) of each data row, as pyarrow counts them: empty
        lines skipped, a row with a quoted line break at its first line."""
        return _data_rows(self.path, self.dialect, self.header_end)


def _key(position: int) -> str:
    return f"c{position}"


def read_answers(
    path: Path, *, text: Collection[str] = (), only: Collection[str] | None = None
) -> AnswersTable:
    """The respondents file at `path`, read column-wise.

    Columns named in `text` are kept as text (category codes such as
    "01001" stay as written); the others get the type their values suggest
    (a column of 0, 1 and empty cells is an integer column with nulls; only
    an empty cell is null). `only`: read just these columns (all when None).
    Names absent from the header are left out of both.
    Raises AnswersFileError (French, with the line where known): missing
    file, not UTF-8, no header, no row under it (csvtext.no_rows), a
    repeated column name, a row whose number of cells differs from the
    header's, a broken quote.
    """
    sample, dialect, header_raw, header_start, header_end = _head(path)
    header = [name.strip() for name in header_raw]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise AnswersFileError(
            f"{path.name}, ligne {header_start} : colonne(s) en double : "
            f"{', '.join(f'« {name} »' for name in repeated)} ; renommez-les."
        )
    keys = [_key(i) for i in range(len(header))]
    wanted = [keys[i] for i, name in enumerate(header) if only is None or name in only]
    types = {_key(header.index(name)): pa.string() for name in text if name in header}
    # Equivalent mutants: _explain reads the header and the file again, never the table.
    read = AnswersTable(path, header, pa.table({}), dialect, header_end)  # pragma: no mutate

    def read_csv(source: str | io.BytesIO, types: dict[str, pa.DataType]) -> pa.Table:
        return pa_csv.read_csv(
            source,
            pa_csv.ReadOptions(skip_rows=header_end, column_names=keys, block_size=_BLOCK_BYTES),
            pa_csv.ParseOptions(
                delimiter=dialect.delimiter,
                # Equivalent mutants (None, no argument, `or True`): the detected
                # quote is always `"` (csvtext.detect_dialect), pyarrow's default.
                quote_char=dialect.quotechar or False,  # pragma: no mutate
                double_quote=True,  # pragma: no mutate (None, no argument: the default)
                escape_char=dialect.escapechar or False,
                newlines_in_values=True,
            ),
            pa_csv.ConvertOptions(
                column_types=types,
                include_columns=wanted,
                null_values=[""],
                strings_can_be_null=False,  # pragma: no mutate (None, no argument: the default)
            ),
        )

    # Columns of 0, 1 and empty cells in the sample are read as 8-bit
    # integers (a million answers × 20 indicators: 20 MB rather than 160);
    # should a later value not fit, the file is read again without the hint.
    try:
        head = read_csv(io.BytesIO(sample.encode()), types)
    except pa.ArrowInvalid:
        head = pa.table({})
    hints = {
        field.name: pa.int8()
        for field in head.schema
        if pa.types.is_integer(field.type) and zero_one_or_empty(head.column(field.name))
    }
    # A path is read by pyarrow itself (a Path would go through Python:
    # slower). A sample that does not end a line is the whole file (_head
    # cuts a longer one at its last line break): read from memory with its
    # last line ended, since pyarrow cannot skip a header row that has no
    # line break after it (a file of a header alone).
    source: str | io.BytesIO = str(path)
    if not sample.endswith(("\n", "\r")):
        source = io.BytesIO((sample + "\n").encode())
    try:
        try:
            table = read_csv(source, types | hints)
        except pa.ArrowInvalid:
            if not hints:
                raise
            if isinstance(source, io.BytesIO):
                source.seek(0)
            table = read_csv(source, types)
    except pa.ArrowInvalid as error:
        raise _explain(read, str(error)) from None
    if any(pa.types.is_binary(field.type) for field in table.schema):
        # A column pyarrow could not decode: the second reading decodes the whole
        # file and raises first, naming the line; this problem text is never shown
        # (equivalent mutants).
        raise _explain(read, "UTF-8 invalide")  # pragma: no mutate
    if not table.num_rows:
        raise AnswersFileError(no_rows(path.name))
    return AnswersTable(path, header, table, dialect, header_end)


def zero_one_or_empty(column: pa.ChunkedArray) -> bool:
    """Every value of the column, as read, is 0, 1 or empty (null)."""
    if pa.types.is_null(column.type):
        return True
    if not pa.types.is_integer(column.type):
        return False
    bounds = pc.min_max(column)
    least, most = bounds["min"].as_py(), bounds["max"].as_py()
    return least is None or (least >= 0 and most <= 1)


def _head(path: Path) -> tuple[str, Dialect, list[str], int, int]:
    """The decoded sample, its dialect, the raw header cells, and the lines
    where the header starts and ends."""
    try:
        with path.open("rb") as file:
            raw = file.read(_SAMPLE_BYTES)
            # Equivalent mutants: one more byte or the rest tells the same.
            whole = not file.read(1)  # pragma: no mutate
    except FileNotFoundError:
        raise AnswersFileError(f"{path} : fichier introuvable.") from None
    except IsADirectoryError:
        raise AnswersFileError(f"{path} : c'est un dossier, pas un fichier.") from None
    try:
        # Equivalent mutant: codec names are case-insensitive (« UTF-8-SIG »).
        decoder = codecs.getincrementaldecoder("utf-8-sig")()  # pragma: no mutate
        sample = decoder.decode(raw, final=whole)
    except UnicodeDecodeError as error:
        raise AnswersFileError(not_utf8(path.name, raw, error)) from None
    if not whole:  # never detect nor read the header on a cut line
        sample = sample[: sample.rfind("\n") + 1]
    dialect = _for_pyarrow(detect_dialect(sample))
    reader = csv.reader(io.StringIO(sample, newline=""), dialect.csv_dialect())
    try:
        for _ in range(dialect.preamble_lines):
            next(reader)  # the `sep=` line detect_dialect found in the sample
        for cells in reader:
            if any(cell.strip() for cell in cells):
                return sample, dialect, cells, reader.line_num - _lines_in(cells), reader.line_num
    except csv.Error as error:
        raise AnswersFileError(f"{path.name}, ligne 1 : en-tête illisible ({error}).") from None
    raise AnswersFileError(empty_file(path.name))


def _for_pyarrow(dialect: Dialect) -> Dialect:
    """pyarrow takes ASCII characters only: an escape character the detector
    found among other punctuation (« ¡ ») becomes no escape (the detected
    quote is always `"`). The slow parser uses the same dialect, so both
    agree."""
    return replace(dialect, escapechar=dialect.escapechar if dialect.escapechar.isascii() else "")


def _lines_in(cells: list[str]) -> int:
    """Line breaks inside the quoted cells of a row."""
    return sum(cell.count("\n") for cell in cells)


def _data_rows(path: Path, dialect: Dialect, header_end: int) -> Iterator[tuple[int, list[str]]]:
    try:
        text = read_text(path)
    except UnreadableFile as error:
        raise AnswersFileError(str(error)) from None
    reader = csv.reader(io.StringIO(text, newline=""), dialect.csv_dialect())
    while reader.line_num < header_end:
        next(reader)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise AnswersFileError(
                f"{path.name}, ligne {start} : CSV illisible ({error})."
            ) from None
        if cells:
            yield start, cells


def _explain(read: AnswersTable, problem: str) -> AnswersFileError:
    """The French error for a file pyarrow refused, with its line: the slow
    parser finds the first row whose width differs from the header's (or
    raises the decoding error with its line)."""
    width = len(read.header)
    for line, cells in read.data_rows():
        if len(cells) != width:
            return AnswersFileError(
                f"{read.name}, ligne {line} : {len(cells)} cellule(s) au lieu de {width} "
                "(le nombre de colonnes de l'en-tête) ; vérifiez le séparateur et les "
                "guillemets de cette ligne."
            )
    return AnswersFileError(f"{read.name} : CSV illisible ({problem}).")
