"""read_answers on what its first reading (the sample: dialect, header,
8-bit hints) and pyarrow's options decide: types of the columns, files
larger than the sample or than pyarrow's block, line endings, and the exact
French messages of the header's errors."""

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from nonrecours.analysis.answers import AnswersFileError, read_answers

# The bytes read_answers takes as its sample (4 × csvtext.SAMPLE_CHARS).
SAMPLE_BYTES = 4 * 32 * 1024


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "reponses.csv"
    path.write_bytes(data)
    return path


def _refusal(path: Path, **options: object) -> str:
    with pytest.raises(AnswersFileError) as error:
        read_answers(path, **options)  # type: ignore[arg-type]
    return str(error.value)


def _past_the_sample(late_row: str) -> bytes:
    """A file longer than the sample: `code,y,t` rows (y and t 0 or 1,
    code a commune code), then `late_row` well past the sample."""
    rows = "".join(f"0{62001 + i % 7},{i % 2},{(i + 1) % 2}\n" for i in range(15_000))
    return ("code,y,t\n" + rows + late_row).encode()


def test_zero_one_columns_are_read_as_8_bit_integers(tmp_path: Path) -> None:
    table = read_answers(_file(tmp_path, b"strate,y,n\na,1,5\nb,0,7\nc,,9\n"))
    assert table.column("y").type == pa.int8()
    assert table.column("y").to_pylist() == [1, 0, None]
    # Other integers keep pyarrow's own type.
    assert table.column("n").type == pa.int64()


def test_a_column_without_any_value_stays_of_null_type(tmp_path: Path) -> None:
    """No value in the sample: no 8-bit hint (only integer columns get one)."""
    table = read_answers(_file(tmp_path, b"y,z\n1,\n0,\n"))
    assert table.column("z").type == pa.null()
    assert table.column("z").to_pylist() == [None, None]


def test_only_an_empty_cell_is_null(tmp_path: Path) -> None:
    """« NA », « NULL » or « nan » are text as written (pyarrow would read
    them as nulls by default); an empty cell of a text column is ""."""
    table = read_answers(_file(tmp_path, b"y,z\n1,NA\n0,\n1,NULL\n0,nan\n"))
    assert table.column("z").type == pa.string()
    assert table.column("z").to_pylist() == ["NA", "", "NULL", "nan"]


def test_a_late_value_that_does_not_fit_drops_every_8_bit_hint(tmp_path: Path) -> None:
    """The sample says y and t hold 0 and 1; a 300 in y past the sample
    (over 8 bits) sends the file to a second reading without hints: t, 0
    and 1 throughout, is then a plain integer column, and text columns stay
    text."""
    path = _file(tmp_path, _past_the_sample("01001,300,1\n"))
    assert path.stat().st_size > SAMPLE_BYTES
    table = read_answers(path, text=["code"])
    assert table.column("y").type == pa.int64()
    assert table.column("t").type == pa.int64()
    codes = table.column("code")
    assert codes.type == pa.string()
    assert (codes[0].as_py(), codes[-1].as_py()) == ("062001", "01001")
    assert table.column("y")[-1].as_py() == 300


def test_hints_come_from_whole_rows_of_the_sample(tmp_path: Path) -> None:
    """The sample ends inside a row (« b » of « b,1 »), right after a row
    whose answer is empty (« b, »): the 0/1 column still gets its hint, so
    neither the cut row nor a shortened last row was read as a row."""
    head = b"strate,y\naaaa,1\n" + b"b,0\n" * 32_763 + b"b,\n"
    assert len(head) == SAMPLE_BYTES - 1
    path = _file(tmp_path, head + b"b,1\n" + b"a,0\n" * 100)
    table = read_answers(path)
    assert table.column("y").type == pa.int8()
    assert table.table.num_rows == 1 + 32_763 + 2 + 100
    assert table.column("y")[32_764].as_py() is None
    assert table.column("y")[32_765].as_py() == 1


def test_a_header_alone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnswersFileError, match="aucune ligne sous l'en-tête"):
        read_answers(_file(tmp_path, b"strate,y\n"))


def test_a_backslash_escape_found_by_the_detector_is_used(tmp_path: Path) -> None:
    path = _file(tmp_path, b'strate,note,y\na,"x\\"y",1\nb,"z\\"w",0\n')
    table = read_answers(path)
    assert table.dialect.escapechar == "\\"
    assert table.column("note").to_pylist() == ['x"y', 'z"w']
    assert table.first_cell("note", lambda text: text.startswith("z")) == (3, 'z"w')


def test_quoted_line_breaks_are_read_across_pyarrow_blocks(tmp_path: Path) -> None:
    """Five megabytes of answers with a line break in a quoted cell on every
    row: more than one of pyarrow's 4 MiB blocks."""
    path = _file(tmp_path, ("strate,note,y\n" + 'a,"une\nligne",1\n' * 320_000).encode())
    table = read_answers(path)
    assert table.table.num_rows == 320_000
    assert table.column("note")[319_999].as_py() == "une\nligne"


def test_a_row_of_three_megabytes_is_read(tmp_path: Path) -> None:
    """24 cells of 125,000 characters (under csvtext's cell limit): longer
    than pyarrow's default block, within the 4 MiB one read_answers takes."""
    cell = "x" * 125_000
    header = ",".join(f"c{i}" for i in range(24))
    path = _file(tmp_path, f"{header}\n{','.join([cell] * 24)}\n".encode())
    table = read_answers(path)
    assert table.table.num_rows == 1
    assert table.column("c23")[0].as_py() == cell


def test_a_row_longer_than_two_blocks_is_refused(tmp_path: Path) -> None:
    """72 cells of 125,000 characters: 9 MB in one row, more than pyarrow
    takes. Every row has the header's width, so the message is pyarrow's."""
    cell = "x" * 125_000
    header = ",".join(f"c{i}" for i in range(72))
    path = _file(tmp_path, f"{header}\n{','.join([cell] * 72)}\n".encode())
    assert _refusal(path) == (
        "reponses.csv : CSV illisible (straddling object straddles two block boundaries "
        "(try to increase block size?))."
    )


def test_a_directory_is_named(tmp_path: Path) -> None:
    assert _refusal(tmp_path) == f"{tmp_path} : c'est un dossier, pas un fichier."


def test_a_file_not_in_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    path = _file(tmp_path, "strate,y\na,1\n\xe9t\xe9,0\n".encode("latin-1"))
    assert _refusal(path) == (
        "reponses.csv : le fichier n'est pas en UTF-8 (ligne 3). Enregistrez-le en « CSV UTF-8 »."
    )


def test_a_file_cut_inside_a_character_is_not_utf8(tmp_path: Path) -> None:
    """The last bytes start a character that never ends; refused even when
    the column holding them is not read."""
    path = _file(tmp_path, b"strate,y,note\na,1,\xc3")
    assert _refusal(path, only=["strate", "y"]) == (
        "reponses.csv : le fichier n'est pas en UTF-8 (ligne 2). Enregistrez-le en « CSV UTF-8 »."
    )


def test_bytes_not_in_utf8_past_the_sample_are_named_with_their_line(tmp_path: Path) -> None:
    """The sample decodes; pyarrow cannot decode a column further on: the
    second reading names the line."""
    path = _file(tmp_path, _past_the_sample("") + "\xe9t\xe9,1,0\n".encode("latin-1"))
    assert _refusal(path) == (
        "reponses.csv : le fichier n'est pas en UTF-8 (ligne 15002). "
        "Enregistrez-le en « CSV UTF-8 »."
    )


def test_a_repeated_name_after_a_header_cell_on_two_lines(tmp_path: Path) -> None:
    """The header starts on line 1 even when a quoted name holds a line break."""
    path = _file(tmp_path, b'y,"a\nb",y\nx,1,1\n')
    assert _refusal(path) == "reponses.csv, ligne 1 : colonne(s) en double : « y » ; renommez-les."


def test_a_header_cell_keeps_its_line_break_as_written(tmp_path: Path) -> None:
    table = read_answers(_file(tmp_path, b'y,"a\r\nb",z\r\n1,2,3\r\n'))
    assert (table.header, table.header_end) == (["y", "a\r\nb", "z"], 2)


def test_lines_ended_by_a_carriage_return_alone_are_read(tmp_path: Path) -> None:
    """Old Mac line endings (« \\r »), by both readings."""
    table = read_answers(_file(tmp_path, b"strate,y\ra,1\rb,0\r"))
    assert table.header == ["strate", "y"]
    assert table.column("y").to_pylist() == [1, 0]
    assert list(table.data_rows()) == [(2, ["a", "1"]), (3, ["b", "0"])]
    assert table.line_of(1) == 3


def test_an_unreadable_header_is_named(tmp_path: Path) -> None:
    # The csv module's limit is process-wide: lowered for this test only.
    before = csv.field_size_limit(4)
    try:
        message = _refusal(_file(tmp_path, b"strate,y\na,1\n"))
    finally:
        csv.field_size_limit(before)
    assert message == (
        "reponses.csv, ligne 1 : en-tête illisible (field larger than field limit (4))."
    )
