"""AnswersTable's second reading of a file (the error path that names a
line): lines, cells and the exact French messages."""

import csv
from pathlib import Path

import pytest

from nonrecours.analysis.answers import AnswersFileError, AnswersTable, read_answers


def _answers(tmp_path: Path, text: str) -> AnswersTable:
    path = tmp_path / "reponses.csv"
    path.write_bytes(text.encode())
    return read_answers(path)


def test_rows_are_read_with_the_file_separator_and_blank_lines_skipped(tmp_path: Path) -> None:
    table = _answers(tmp_path, "strate;y\na;1\n\nb;0\n")
    assert list(table.data_rows()) == [(2, ["a", "1"]), (4, ["b", "0"])]
    assert table.line_of(1) == 4
    assert table.first_cell("y", lambda text: text == "0") == (4, "0")
    assert table.first_cell("y", lambda text: text == "2") is None


def test_a_row_past_the_last_data_row_is_an_index_error(tmp_path: Path) -> None:
    table = _answers(tmp_path, "strate,y\na,1\n")
    with pytest.raises(IndexError) as error:
        table.line_of(5)
    assert str(error.value) == "5"


def test_a_quoted_line_break_is_kept_as_written(tmp_path: Path) -> None:
    table = _answers(tmp_path, 'strate,y\r\n"a\r\nb",1\r\nc,0\r\n')
    assert table.first_cell("strate", lambda text: "\r" in text) == (2, "a\r\nb")
    assert table.line_of(1) == 4


def test_a_short_row_has_an_empty_cell_where_it_ends(tmp_path: Path) -> None:
    table = _answers(tmp_path, "strate,y\na,1\n")
    table.path.write_text("strate,y\na,1\nb\n")
    assert table.first_cell("y", lambda text: text == "") == (3, "")


def test_a_file_gone_since_it_was_read_is_named(tmp_path: Path) -> None:
    table = _answers(tmp_path, "strate,y\na,1\n")
    table.path.unlink()
    with pytest.raises(AnswersFileError) as error:
        table.line_of(0)
    assert str(error.value) == f"{table.path} : fichier introuvable."


def test_a_cell_too_long_for_the_second_reading_names_its_line(tmp_path: Path) -> None:
    # The csv module's limit is process-wide and a territory import raises it
    # (territories.importers.data_france): set Python's default for this test.
    before = csv.field_size_limit(131_072)
    try:
        table = _answers(tmp_path, "strate,y\na,1\nb," + "1" * 200_000 + "\n")
        with pytest.raises(AnswersFileError) as error:
            table.line_of(1)
    finally:
        csv.field_size_limit(before)
    assert str(error.value) == (
        "reponses.csv, ligne 3 : CSV illisible (field larger than field limit (131072))."
    )


def test_every_repeated_column_is_named_once(tmp_path: Path) -> None:
    path = tmp_path / "reponses.csv"
    path.write_text("y,strate,y,x,strate,x\n1,a,1,0,a,0\n")
    with pytest.raises(AnswersFileError) as error:
        read_answers(path)
    assert str(error.value) == (
        "reponses.csv, ligne 1 : colonne(s) en double : « strate », « x », « y » ; renommez-les."
    )


def test_only_the_columns_asked_for_are_read(tmp_path: Path) -> None:
    table = _answers(tmp_path, "strate,y,z\na,1,0\n")
    assert read_answers(table.path, only=["z", "absente"]).table.column_names == ["c2"]
