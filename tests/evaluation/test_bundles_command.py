"""`nonrecours bundles`: export of a published wave, import (all or
nothing), list."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nonrecours.evaluation.bundle_models import ExternalBundle
from tests.conftest import LENS_SIREN
from tests.evaluation.test_bundles import as_other_territory, encoded, exported, published  # noqa: F401

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
        call_command("bundles", "import", str(out))
    lens = tmp_path / "lens.json"
    lens.write_bytes(encoded(as_other_territory(bundle)))
    broken = tmp_path / "casse.json"
    broken.write_text('{"format": "nonrecours-lot-indicateurs", "version_format": 7}')
    # All or nothing over the files given together.
    with pytest.raises(CommandError, match="casse.json, version_format"):
        call_command("bundles", "import", str(lens), str(broken))
    assert not ExternalBundle.objects.exists()
    stdout = StringIO()
    call_command("bundles", "import", str(lens), stdout=stdout)
    assert f"(SIREN {LENS_SIREN})" in stdout.getvalue()
    stdout = StringIO()
    call_command("bundles", "list", stdout=stdout)
    assert f"{LENS_SIREN} {published.campaign.slug}" in stdout.getvalue()


def test_export_of_a_wave_not_published_says_so(arras):
    with pytest.raises(CommandError, match="Aucune vague publiée « inconnue »"):
        call_command("bundles", "export", "--territory", "200033579", "--wave", "inconnue")


def test_import_of_a_missing_file_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="fichier illisible"):
        call_command("bundles", "import", str(tmp_path / "absent.json"))
