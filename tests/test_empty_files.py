"""Every reader of a table refuses a file with nothing in it (no byte, or
only line breaks and spaces) with the same French words and the file's
name, never an English error nor an empty import."""

from pathlib import Path

import pytest

from nonrecours.accounts.invitation_file import read_invitation_file
from nonrecours.analysis.answers import read_answers
from nonrecours.analysis.files import read_margins
from nonrecours.directory.imports import directory_file_read
from nonrecours.errors import UserError
from nonrecours.events.registration_file import read_registration_file
from nonrecours.outreach.importers.common import csv_rows
from nonrecours.rights.screening import read_records
from nonrecours.territories.population import read_structure

EMPTY = ["", "\n", "\r\n  \r\n\n", " ;  \n"]
READERS = {
    "criblage": lambda path: read_records(path),
    "population": lambda path: read_structure(path, ["62041"]),
    "aller-vers": lambda path: csv_rows(path),
    "annuaire": lambda path: directory_file_read(path),
    "marges": lambda path: read_margins(path),
    "réponses": lambda path: read_answers(path),
    "inscriptions": lambda path: read_registration_file(path.read_text(), path.name),
    "invitations": lambda path: read_invitation_file(path.read_text(), path.name),
}


@pytest.mark.parametrize("text", EMPTY[:3])
def test_an_empty_json_directory_file_is_refused_as_empty(tmp_path: Path, text: str) -> None:
    path = tmp_path / "annuaire.json"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(UserError, match="\\n- annuaire.json, fichier vide$"):
        directory_file_read(path)


@pytest.mark.parametrize("text", EMPTY)
@pytest.mark.parametrize("reader", READERS)
def test_an_empty_file_is_refused_as_empty(tmp_path: Path, reader: str, text: str) -> None:
    path = tmp_path / "fichier.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(UserError) as refused:
        READERS[reader](path)
    assert "fichier.csv : fichier vide ou sans ligne d'en-tête" in str(refused.value)


# A header and nothing under it (or only blank rows): refused by name, never
# a green « 0 foyer(s) », an import of nothing, or a message that blames
# the territory or the margins.
HEADER_ONLY = {
    "criblage": ("id;demandeur_naissance\n", lambda path: read_records(path)),
    "population": ("SEXE;AGED100;NB;CODGEO\n", lambda path: read_structure(path, ["62041"])),
    "aller-vers": ("codgeo;annee\n", lambda path: list(csv_rows(path)[1])),
    "marges": ("variable;modalite;effectif\n", lambda path: read_margins(path)),
    "réponses": ("age;sexe;ind1\n", lambda path: read_answers(path)),
}


# Rows of separators alone are blank rows for csvtext; the answers file,
# read column-wise by pyarrow (and only the columns the analysis needs),
# keeps them: the analysis refuses them with their line
# (tests/analysis/test_answers_files.py, an empty category).
CASES = [
    (reader, blank)
    for reader in HEADER_ONLY
    for blank in ("", "\n\n", ";;\n ; ;\n")
    if not (reader == "réponses" and ";" in blank)
]


@pytest.mark.parametrize(("reader", "blank"), CASES)
def test_a_header_alone_is_refused_by_name(tmp_path: Path, reader: str, blank: str) -> None:
    header, read = HEADER_ONLY[reader]
    path = tmp_path / "fichier.csv"
    path.write_text(header + blank, encoding="utf-8", newline="")
    with pytest.raises(UserError) as refused:
        read(path)
    assert str(refused.value).endswith(
        "fichier.csv : aucune ligne sous l'en-tête (le fichier n'a que ses noms de colonnes)."
    )


@pytest.mark.parametrize(
    ("read", "header", "said"),
    [
        (
            lambda path: read_registration_file(path.read_text(), path.name),
            "nom;prénom;organisation\n",
            "aucune inscription sous l'en-tête",
        ),
        (
            lambda path: read_invitation_file(path.read_text(), path.name),
            "e-mail;organisation;rôle\n",
            "aucune ligne à inviter sous l'en-tête",
        ),
    ],
)
def test_readers_that_name_what_is_missing_say_it_for_a_header_alone(
    tmp_path: Path, read, header: str, said: str
) -> None:
    path = tmp_path / "fichier.csv"
    path.write_text(header, encoding="utf-8", newline="")
    with pytest.raises(UserError, match=said):
        read(path)
