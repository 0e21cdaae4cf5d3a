"""Personas stored by territory (training.actions, training.queries): a
save makes a version only when the persona changes, versions never change,
every refusal is French and by place and writes nothing, a folder is
imported all or nothing, and the setup imports Arras's personas once."""

import datetime
import io
import shutil
from pathlib import Path

import pytest
import time_machine
import yaml
from django.core.management import call_command

from nonrecours.accounts.enums import Role
from nonrecours.territories import actions as territory_actions
from nonrecours.training.actions import persona_save, personas_import
from nonrecours.training.models import PersonaVersion, TerritoryPersona
from nonrecours.training.personas import ARRAS_PERSONAS, PersonaError, read_personas
from nonrecours.training.queries import current_persona_versions, stored_persona
from tests.conftest import LENS_SIREN

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("november"),
]

NOVEMBER_15 = datetime.datetime(2026, 11, 15, 10, 0, tzinfo=datetime.UTC)
GOOD = {
    "version": 1,
    "cle": "lea-30-ans",
    "nom": "Léa, 30 ans",
    "public": "allocataires_rsa",
    "commune": "62041",
    "situation": {
        "logement": {"statut": "locataire_hlm", "loyer": 400},
        "personnes": [{"role": "demandeur", "age": 30, "activite": "chomeur"}],
    },
    "freins": ["pas_d_internet"],
    "droits_percus": ["rsa"],
    "temoignages": [{"texte": "Je ne savais pas.", "source": "Témoignage fictif"}],
}


@pytest.fixture
def november():
    with time_machine.travel(NOVEMBER_15, tick=False):
        yield


def text(data: object = GOOD, comment: str = "") -> str:
    return comment + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def messages(error: PersonaError) -> list[str]:
    return [problem.message for problem in error.problem_list()]


def test_a_first_save_makes_version_1_with_who_and_when(arras, make_member):
    lead = make_member(arras, Role.PROJECT_LEAD)
    version, created = persona_save(arras, text(), user=lead)
    assert created
    assert (version.number, version.name, version.public) == (1, "Léa, 30 ans", "rsa_recipients")
    assert version.created_by == lead
    assert version.created_at == NOVEMBER_15
    assert version.persona.key == "lea-30-ans" and version.persona.territory == arras
    assert stored_persona(version).received == ("rsa",)


def test_the_same_text_or_the_same_persona_makes_no_new_version(arras):
    first, _ = persona_save(arras, text(), user=None)
    again, created = persona_save(arras, text(), user=None)
    assert (again, created) == (first, False)
    # Comments, layout, key order and the version number do not count.
    reordered = {**dict(reversed(list(GOOD.items()))), "version": 7}
    same, created = persona_save(arras, text(reordered, "# un commentaire\n"), user=None)
    assert (same, created) == (first, False)
    # The stored text is the one downloaded: saved back, it changes nothing.
    assert persona_save(arras, first.text, user=None) == (first, False)
    assert PersonaVersion.objects.count() == 1


def test_a_change_makes_a_new_version_numbered_in_its_text(arras):
    first, _ = persona_save(arras, "# gardé\n" + text(), user=None)
    second, created = persona_save(arras, text({**GOOD, "nom": "Léa, 31 ans"}), user=None)
    assert created and second.number == 2 and second.persona == first.persona
    assert "version: 2" in second.text and "version: 1" not in second.text
    assert stored_persona(second).version == 2
    first.refresh_from_db()
    assert first.number == 1 and "# gardé" in first.text and "Léa, 30 ans" in first.text
    assert [v.number for v in current_persona_versions(arras)] == [2]


def test_a_version_is_never_updated(arras):
    version, _ = persona_save(arras, text(), user=None)
    version.name = "Autre"
    with pytest.raises(RuntimeError, match="ne se modifie pas"):
        version.save()


def test_a_version_written_in_a_flow_mapping_is_numbered_too(arras):
    persona_save(arras, text(), user=None)
    flow = yaml.safe_dump({**GOOD, "nom": "Léa"}, default_flow_style=True, allow_unicode=True)
    version, created = persona_save(arras, flow, user=None)
    assert created and stored_persona(version).version == 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("- 1\n- 2\n", "persona.yaml, fichier : attendu un dictionnaire"),
        ({**GOOD, "public": "etudiants"}, "persona.yaml, public : « etudiants » inconnu"),
        (
            {**GOOD, "commune": "62193"},  # Lens: in France, not in the CU d'Arras
            "persona.yaml, commune : « 62193 » n'est pas une commune membre du territoire",
        ),
        ({**GOOD, "commune": "99999"}, "persona.yaml, commune : « 99999 » n'est pas une commune"),
        (
            {**GOOD, "droits_percus": ["af"]},
            "persona.yaml, droits_percus : « af » (Allocations familiales) est donné comme perçu",
        ),
        (
            {**GOOD, "situation": {**GOOD["situation"], "prestations_percues": {"rsa": 1}}},
            "persona.yaml, situation, prestations_percues : aucun montant ne s'écrit",
        ),
        ({**GOOD, "cle": "Léa"}, "persona.yaml, cle : « Léa » ; minuscules sans accent"),
        ({**GOOD, "cle": "nouveau"}, "persona.yaml, cle : « nouveau » est réservée"),
        (
            text(GOOD) + "nom: Léa bis\n",
            "persona.yaml, ligne 21 : clé « nom » donnée deux fois (seule la dernière compterait)",
        ),
        ("nom: [", "persona.yaml, ligne 1, colonne 7 : YAML illisible"),
        ("a: !!python/object:os.system x", "persona.yaml, ligne 1, colonne 4 : YAML illisible"),
        ("x" * 100_001, "persona.yaml, fichier : plus de 97 Ko"),
    ],
)
def test_every_refusal_is_french_by_place_and_writes_nothing(arras, data, expected):
    with pytest.raises(PersonaError) as caught:
        persona_save(arras, data if isinstance(data, str) else text(data), user=None)
    assert any(message.startswith(expected) for message in messages(caught.value)), messages(
        caught.value
    )
    assert not TerritoryPersona.objects.exists() and not PersonaVersion.objects.exists()


def test_a_key_edited_or_added_twice_is_refused(arras):
    persona_save(arras, text(), user=None)
    with pytest.raises(PersonaError) as caught:
        persona_save(arras, text({**GOOD, "cle": "lea-31-ans"}), user=None, key="lea-30-ans")
    assert messages(caught.value) == [
        "persona.yaml, cle : « lea-31-ans » ; ce persona a la clé « lea-30-ans », qui ne change pas"
    ]
    with pytest.raises(PersonaError) as caught:
        persona_save(arras, text(), user=None, new=True, file="lea.yaml")
    assert messages(caught.value) == [
        "lea.yaml, cle : « lea-30-ans » est déjà la clé d'un persona du territoire"
    ]
    assert PersonaVersion.objects.count() == 1


def test_personas_are_the_territorys(arras):
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    persona_save(arras, text(), user=None)
    with pytest.raises(PersonaError, match="n'est pas une commune membre du territoire"):
        persona_save(lens, text(), user=None)
    assert current_persona_versions(lens) == []


def test_the_arras_folder_imports_once_by_public_then_name(arras):
    imported = personas_import(arras, ARRAS_PERSONAS)
    assert len(imported.created) == 8
    versions = current_persona_versions(arras)
    assert [v.persona.key for v in versions] == [
        "ines-24-ans", "kevin-21-ans",  # jeunes
        "aminata-27-ans", "sandrine-34-ans",  # familles monoparentales
        "david-47-ans", "nathalie-52-ans",  # allocataires du RSA
        "gerard-68-ans", "jeannine-79-ans",  # seniors
    ]  # fmt: skip
    files = read_personas(ARRAS_PERSONAS, month="2026-11")
    assert [stored_persona(v).key for v in versions] == sorted(
        (p.key for p in files), key=[v.persona.key for v in versions].index
    )
    again = personas_import(arras, ARRAS_PERSONAS)
    assert again.created == () and len(again.unchanged) == 8
    assert again.summary() == "0 persona(s) importé(s), 8 déjà à jour."
    assert PersonaVersion.objects.count() == 8


def test_a_folder_is_imported_all_or_nothing(arras, tmp_path):
    folder = tmp_path / "personas"
    shutil.copytree(ARRAS_PERSONAS, folder)
    broken = yaml.safe_load((folder / "ines-24-ans.yaml").read_text(encoding="utf-8"))
    (folder / "ines-24-ans.yaml").write_text(text({**broken, "public": "x"}), encoding="utf-8")
    (folder / "copie.yaml").write_bytes((folder / "kevin-21-ans.yaml").read_bytes())
    (folder / "latin1.yaml").write_bytes("nom: Inès".encode("latin-1"))
    with pytest.raises(PersonaError) as caught:
        personas_import(arras, folder)
    found = messages(caught.value)
    assert any(m.startswith("ines-24-ans.yaml, public : « x » inconnu") for m in found)
    assert "latin1.yaml : le fichier n'est pas un texte UTF-8" in found
    assert any(m.startswith("kevin-21-ans.yaml, cle : « kevin-21-ans » est déjà") for m in found)
    assert not PersonaVersion.objects.exists()


def test_the_setup_import_keeps_the_territorys_edits(arras):
    personas_import(arras, ARRAS_PERSONAS)
    ines = current_persona_versions(arras)[0]
    edited = ines.text.replace("nom: Inès, 24 ans", "nom: Inès (modifiée)")
    persona_save(arras, edited, user=None, key="ines-24-ans")
    kept = personas_import(arras, ARRAS_PERSONAS, keep_existing=True)
    assert kept.created == () and len(kept.kept) == 8
    assert current_persona_versions(arras)[0].name == "Inès (modifiée)"


def test_setup_imports_the_arras_personas_and_runs_again(arras, settings, tmp_path):
    settings.VAR_DIR = str(tmp_path)
    out = io.StringIO()
    call_command("setup", stdout=out)
    assert "Personas de la formation : 8 persona(s) importé(s)." in out.getvalue()
    out = io.StringIO()
    call_command("setup", stdout=out)
    assert "Personas de la formation : 0 persona(s) importé(s), 8 déjà présent(s)" in (
        out.getvalue()
    )
    assert PersonaVersion.objects.count() == 8


def test_a_stored_version_reads_without_the_folder(arras, tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(ARRAS_PERSONAS, folder)
    personas_import(arras, folder)
    shutil.rmtree(folder)
    assert all(isinstance(stored_persona(v).name, str) for v in current_persona_versions(arras))
    assert Path(ARRAS_PERSONAS).exists()
