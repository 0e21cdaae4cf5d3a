"""`nonrecours bundles`: export of a published wave, import (all or
nothing, for the territory given), list."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nonrecours.evaluation.bundle_models import ExternalBundle
from tests.conftest import ARRAS_SIREN, LENS_SIREN
from tests.evaluation.test_bundles import as_other_territory, encoded, exported, published  # noqa: F401
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db


def test_export_then_import_as_another_territory(published, tmp_path):  # noqa: F811
    out = tmp_path / "arras.json"
    stdout = StringIO()
    call_command(
        "bundles", "export", "--territory", "200033579", "--wave", published.campaign.slug,
        "--out", str(out), stdout=stdout,
    )  # fmt: skip
    assert "cases publiées" in stdout.getvalue()
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["vague"]["identifiant"] == published.campaign.slug
    # The file as is: a territory of this instance, refused.
    with pytest.raises(CommandError, match="est un territoire de cette installation"):
        call_command("bundles", "import", "--territory", ARRAS_SIREN, str(out))
    lens = tmp_path / "lens.json"
    lens.write_bytes(encoded(as_other_territory(bundle)))
    broken = tmp_path / "casse.json"
    broken.write_text('{"format": "nonrecours-lot-indicateurs", "version_format": 7}')
    # All or nothing over the files given together.
    with pytest.raises(CommandError, match="casse.json, version_format"):
        call_command("bundles", "import", "--territory", ARRAS_SIREN, str(lens), str(broken))
    assert not ExternalBundle.objects.exists()
    stdout = StringIO()
    call_command("bundles", "import", "--territory", ARRAS_SIREN, str(lens), stdout=stdout)
    assert f"(SIREN {LENS_SIREN})" in stdout.getvalue()
    assert f"Pour la comparaison de {published.campaign.territory.name}" in stdout.getvalue()
    assert ExternalBundle.objects.get().territory == published.campaign.territory
    stdout = StringIO()
    call_command("bundles", "list", stdout=stdout)
    assert f"{LENS_SIREN} {published.campaign.slug}" in stdout.getvalue()


def test_export_of_a_wave_not_published_says_so(arras):
    with pytest.raises(CommandError, match="Aucune vague publiée « inconnue »"):
        call_command("bundles", "export", "--territory", "200033579", "--wave", "inconnue")


def test_import_of_a_missing_file_says_so(arras, tmp_path):
    with pytest.raises(CommandError, match="fichier illisible"):
        call_command("bundles", "import", "--territory", ARRAS_SIREN, str(tmp_path / "absent.json"))


def test_import_names_the_importing_territory_in_french(arras, exported, tmp_path):  # noqa: F811
    lens = tmp_path / "lens.json"
    lens.write_bytes(encoded(as_other_territory(exported)))
    with pytest.raises(CommandError, match="à indiquer : --territory"):
        call_command("bundles", "import", str(lens))
    with pytest.raises(CommandError, match="Aucun territoire importé n'a le code SIREN 999999999"):
        call_command("bundles", "import", "--territory", "999999999", str(lens))
    with pytest.raises(CommandError, match="Aucun territoire importé n'a le code SIREN 999999999"):
        call_command("bundles", "list", "--territory", "999999999")
    assert not ExternalBundle.objects.exists()


def test_a_territory_imports_for_itself_only(arras, exported, tmp_path):  # noqa: F811
    """The same file imported for two territories: two bundles; importing
    it again for one replaces that one only (security review, issue 17)."""
    other_team = TerritoryFactory(siren="200069037", name="CC de l'Autre Rive", communes=0)
    bundle = as_other_territory(exported)
    lens = tmp_path / "lens.json"
    lens.write_bytes(encoded(bundle))
    call_command("bundles", "import", "--territory", ARRAS_SIREN, str(lens), stdout=StringIO())
    bundle["vague"]["nom"] = "Vague corrigée par l'Autre Rive"
    lens.write_bytes(encoded(bundle))
    for _ in range(2):
        call_command("bundles", "import", "--territory", "200069037", str(lens), stdout=StringIO())
    assert sorted(ExternalBundle.objects.values_list("territory__siren", "wave_name")) == [
        ("200033579", exported["vague"]["nom"]),
        ("200069037", "Vague corrigée par l'Autre Rive"),
    ]
    stdout = StringIO()
    call_command("bundles", "list", "--territory", "200069037", stdout=stdout)
    listed = stdout.getvalue()
    assert "Vague corrigée par l'Autre Rive" in listed and exported["vague"]["nom"] not in listed
    assert "par CC de l'Autre Rive, SIREN 200069037" in listed
    stdout = StringIO()
    call_command("bundles", "list", stdout=stdout)
    assert stdout.getvalue().count(f"{LENS_SIREN} {exported['vague']['identifiant']}") == 2
    assert other_team.name in stdout.getvalue()


def test_one_instance_s_bundle_imported_into_another_instance(published, tmp_path):  # noqa: F811
    """Two installations, two databases: the file Arras's instance exports
    (untouched) is imported by another instance that holds only Lens, then
    listed there — the issue's check, with the real `nonrecours` command in
    a fresh process on its own SQLite database."""
    out = tmp_path / "arras.json"
    call_command(
        "bundles", "export", "--territory", ARRAS_SIREN, "--wave", published.campaign.slug,
        "--out", str(out), stdout=StringIO(),
    )  # fmt: skip
    other = tmp_path / "autre-instance"
    other.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "NONRECOURS_VAR_DIR": str(other),
        "DATABASE_URL": f"sqlite:///{other / 'base.sqlite3'}",
    }
    command = str(Path(sys.executable).with_name("nonrecours"))

    def run(*args: str) -> str:
        done = subprocess.run(
            [command, *args], capture_output=True, text=True, check=False, env=env, timeout=600
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("migrate", "--verbosity", "0")
    run("territory", "import", "--epci", LENS_SIREN)
    imported = run("bundles", "import", "--territory", LENS_SIREN, str(out))
    assert "Communauté urbaine d'Arras (SIREN 200033579)" in imported
    listed = run("bundles", "list", "--territory", LENS_SIREN)
    assert ARRAS_SIREN in listed and published.campaign.slug in listed
