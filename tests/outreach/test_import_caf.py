"""The CAF reader on small data.caf.fr exports (fixtures/): technical
names and labels, a file split by RSA type, each kind of bad row."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.errors import UserError
from nonrecours.outreach.importers.caf import CafBeneficiaries, read_caf_beneficiaries
from nonrecours.outreach.importers.common import OutreachFileError

FIXTURES = Path(__file__).parent / "fixtures"
CU_ARRAS = {"62041", "62758", "62004", "62764"}
KNOWN = CU_ARRAS | {"59350", "01071"}
HEADER = "dtreffre;numcomdo;nomcom;indfoy_rsa;indfoy_ppa"


def write(tmp_path: Path, lines: list[str], name: str = "caf_rsa_2024.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def messages(error: pytest.ExceptionInfo[OutreachFileError]) -> list[str]:
    return [problem.message for problem in error.value.problem_list()]


def test_reads_each_benefit_of_the_communal_file() -> None:
    found = read_caf_beneficiaries(FIXTURES / "s_ben_com_f.csv", known=KNOWN, communes=CU_ARRAS)

    arras_2023 = [item for item in found if item.insee_code == "62041" and item.year == 2023]
    assert arras_2023 == [
        CafBeneficiaries("62041", 2023, 12, "aide_logement", 5985),
        CafBeneficiaries("62041", 2023, 12, "prime_activite", 2630),
        CafBeneficiaries("62041", 2023, 12, "rsa", 2140),
    ]
    assert {item.insee_code for item in found} == CU_ARRAS
    assert len(found) == 15
    # An empty cell: masked.
    assert CafBeneficiaries("62764", 2023, 12, "aide_logement", None) in found


def test_a_file_split_by_rsa_type_is_summed_and_read_by_its_labels() -> None:
    found = read_caf_beneficiaries(FIXTURES / "rsa_s_type_com_f.csv", known=KNOWN)

    assert found == [
        CafBeneficiaries("62041", 2024, 12, "rsa", 245 + 1920),
        # One type masked: the sum is unknown.
        CafBeneficiaries("62758", 2024, 12, "rsa", None),
    ]


def test_a_year_without_month_and_a_full_date_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, [HEADER, "2024;62041;Arras;2165;2675", "2023-12-01;62758;SLB;190;330"])

    found = read_caf_beneficiaries(path)

    assert [(item.insee_code, item.year, item.month) for item in found] == [
        ("62041", 2024, None),
        ("62041", 2024, None),
        ("62758", 2023, 12),
        ("62758", 2023, 12),
    ]


def test_every_bad_row_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            HEADER,
            "2024-12;62041;Arras;2165;2675",
            "2024-12;62758;Saint-Laurent-Blangy;douze;330",
            "2024-12;62004;Achicourt;12.5;-5",
            "2024-13;62764;Saint-Nicolas;155;290",
            "2024-12;99999;Nulle part;10;10",
            "2024-12;;Sans code;10;10",
            "2024-12;62041;Arras;2165;2675",
        ],
    )

    with pytest.raises(OutreachFileError) as error:
        read_caf_beneficiaries(path, known=KNOWN)

    assert messages(error) == [
        "caf_rsa_2024.csv, ligne 3, colonne indfoy_rsa : « douze » n'est pas un nombre "
        "(ex. 1 234,5).",
        "caf_rsa_2024.csv, ligne 4, colonne indfoy_rsa : « 12.5 » n'est pas un nombre de foyers.",
        "caf_rsa_2024.csv, ligne 4, colonne indfoy_ppa : « -5 » n'est pas un nombre de foyers.",
        "caf_rsa_2024.csv, ligne 5, colonne dtreffre : « 2024-13 » n'est pas un mois (AAAA-MM).",
        "caf_rsa_2024.csv, ligne 6, colonne numcomdo : code commune « 99999 » inconnu.",
        "caf_rsa_2024.csv, ligne 7, colonne numcomdo : code commune manquant.",
        "caf_rsa_2024.csv, ligne 8 : commune 62041, 2024-12 : déjà lue ligne 2.",
    ]
    assert str(error.value).startswith(
        "caf_rsa_2024.csv : fichier refusé, rien n'a été importé.\n- caf_rsa_2024.csv, ligne 3"
    )


def test_french_numbers_and_lost_leading_zeros_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, [HEADER, "2024-12;1071;Chézery;1 235;15"])

    found = read_caf_beneficiaries(path, known=KNOWN)

    assert found[1] == CafBeneficiaries("01071", 2024, 12, "rsa", 1235)


def test_without_known_codes_the_shape_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, [HEADER, "2024-12;620;Court;10;10"])

    with pytest.raises(OutreachFileError) as error:
        read_caf_beneficiaries(path)

    assert messages(error) == [
        "caf_rsa_2024.csv, ligne 2, colonne numcomdo : « 620 » n'est pas un code commune INSEE."
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "numcomdo;indfoy_rsa",
            "caf.csv, ligne d'en-tête : colonne(s) absente(s) : dtreffre (ou « Date référence ») "
            "(colonnes lues : numcomdo, indfoy_rsa).",
        ),
        (
            "dtreffre;numcomdo;indnbp_rsa",
            "caf.csv, ligne d'en-tête : colonne(s) absente(s) : au moins une de indfoy_rsa, "
            "indfoy_ppa, indfoy_ndural, indfoy_aah (colonnes lues : dtreffre, numcomdo, "
            "indnbp_rsa).",
        ),
    ],
)
def test_a_file_without_its_columns_is_refused(tmp_path: Path, header: str, expected: str) -> None:
    path = write(tmp_path, [header, "2024-12;62041;10"], name="caf.csv")

    with pytest.raises(OutreachFileError) as error:
        read_caf_beneficiaries(path)

    assert messages(error) == [expected]


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "caf.csv"
    path.write_bytes((HEADER + "\n2024-12;62041;Arrasé;10;10\n").encode("latin-1"))

    with pytest.raises(OutreachFileError) as error:
        read_caf_beneficiaries(path)

    assert messages(error) == [
        "caf.csv : le fichier n'est pas en UTF-8 (ligne 2). Enregistrez-le en « CSV UTF-8 »."
    ]


cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=5), max_size=5))
def test_hostile_cells_give_a_french_refusal_or_counts(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = tmp_path / "hostile.csv"
    body = "\n".join(";".join(row) for row in rows)
    path.write_text(HEADER + "\n" + body + "\n", encoding="utf-8")
    try:
        found = read_caf_beneficiaries(path, known=KNOWN)
    except UserError as error:
        assert str(error).startswith("hostile.csv")
    else:
        assert all(item.households is None or item.households % 1 == 0 for item in found)


def test_one_rsa_type_written_two_ways_is_read_once(tmp_path: Path) -> None:
    """Summed, « RSA majoré » and « RSA majore » would count the same
    households twice."""
    path = tmp_path / "rsa_s_type_com_f.csv"
    path.write_text(
        "Date référence;Numéro commune;Type RSA;Nombre foyers RSA\n"
        "2024-12;62041;RSA majoré;245\n"
        "2024-12;62041;RSA non majoré;1920\n"
        "2024-12;62041;rsa  MAJORE;245\n",
        encoding="utf-8",
    )
    with pytest.raises(
        OutreachFileError, match="ligne 4 : commune 62041, 2024-12 : déjà lue ligne 2"
    ):
        read_caf_beneficiaries(path, known=KNOWN)
