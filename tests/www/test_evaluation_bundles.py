"""Pages of the territories' comparison: the public bundle of a published
wave, the comparison (who may see it, flags, CSV) and the import page."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.evaluation import bundles_actions
from nonrecours.evaluation.bundle_models import ExternalBundle
from nonrecours.evaluation.bundles_reference import REFERENCE_FILE
from nonrecours.evaluation.bundles_validate import MAX_BYTES
from tests.evaluation.test_bundles import (  # noqa: F401
    as_other_territory,
    encoded,
    exported,
    published,
)
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db
SIREN = "200033579"


def without_token(page: bytes) -> bytes:
    """A page without its CSRF tokens (they differ from one answer to the next)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page)


def test_the_bundle_of_a_published_wave_is_public(client, published):  # noqa: F811
    slug = published.campaign.slug
    url = reverse("evaluation_public_bundle", args=[SIREN, slug])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    bundle = json.loads(response.content)
    assert bundle["vague"]["identifiant"] == slug and bundle["cellules"]
    assert client.get(reverse("evaluation_public_bundle", args=[SIREN, "autre"])).status_code == 404


def test_a_wave_not_published_has_no_bundle(client, arras):
    url = reverse("evaluation_public_bundle", args=[SIREN, "demo-2024"])
    assert client.get(url).status_code == 404


def test_who_may_see_the_comparison(client, arras, make_member):
    url = reverse("evaluation_bundle_comparison", args=[SIREN])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    assert client.get(url).status_code == 403
    client.force_login(make_member(arras, Role.PARTNER))
    response = client.get(url)
    assert response.status_code == 200
    assert "Aucune vague publiée ni aucun lot importé" in response.content.decode()
    assert "Importer le lot" not in response.content.decode()  # not a partner's
    assert (
        client.get(reverse("evaluation_bundle_comparison", args=["999999999"])).status_code == 404
    )
    # Importing is the team's: a partner may not.
    assert client.get(reverse("evaluation_bundle_import", args=[SIREN])).status_code == 403


def test_the_comparison_shows_flags_a_warning_and_its_csv(client, arras, make_member, exported):  # noqa: F811
    changed = as_other_territory(exported)
    changed["ponderation"]["variables"] = ["zone"]
    bundles_actions.bundle_import(territory=arras, data=encoded(changed), filename="lens.json")
    bundles_actions.reference_import(path=REFERENCE_FILE)
    client.force_login(make_member(arras, Role.PARTNER))
    url = reverse("evaluation_bundle_comparison", args=[SIREN])
    page = client.get(url, {"indicateur": "situation_financiere_difficile"}).content.decode()
    assert "<caption" in page and "Situation financière jugée difficile" in page
    assert "ligne de référence" in page
    assert "✓ même formulation" in page and "✗ pas même pondération" in page
    assert "certaines lignes ne sont pas comparables" in page
    assert "CA de Lens-Liévin" in page
    assert (
        "Référence nationale (autres questions)" in page and "Études et résultats n° 1263" in page
    )
    every = client.get(url, {"indicateur": "tous"}).content.decode()
    assert every.count("<caption") == len(exported["indicateurs"]) + 1
    csv = client.get(
        reverse("evaluation_bundle_comparison_csv", args=[SIREN]),
        {"indicateur": "situation_financiere_difficile"},
    )
    assert csv.status_code == 200 and csv["Content-Type"] == "text/csv; charset=utf-8"
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 3  # header, Arras (reference), Lens
    assert lines[2].split(",")[-6:] == ["oui", "oui", "oui", "non", "non", ""]


def test_the_import_page_imports_or_says_what_is_wrong(client, arras, make_member, exported):  # noqa: F811
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("evaluation_bundle_import", args=[SIREN])
    assert client.get(url).status_code == 200
    broken = as_other_territory(exported)
    del broken["cellules"][2]["effectif"]
    upload = SimpleUploadedFile("lens.json", encoded(broken), content_type="application/json")
    response = client.post(url, {"file": upload})
    assert response.status_code == 422
    assert "lens.json, cellules[2].effectif : champ manquant" in response.content.decode()
    assert not ExternalBundle.objects.exists()
    response = client.post(url, {})
    assert "Choisissez le fichier du lot d&#x27;indicateurs." in response.content.decode()
    upload = SimpleUploadedFile(
        "lens.json", encoded(as_other_territory(exported)), content_type="application/json"
    )
    response = client.post(url, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluation_bundle_comparison", args=[SIREN])
    assert "Lot d&#x27;indicateurs importé : CA de Lens-Liévin" in response.content.decode()
    bundle = ExternalBundle.objects.get()
    delete = reverse("evaluation_bundle_delete", args=[SIREN, bundle.pk])
    assert client.post(reverse("evaluation_bundle_delete", args=[SIREN, "x"])).status_code == 404
    assert client.post(delete).status_code == 302
    assert not ExternalBundle.objects.exists()


def test_a_territory_s_team_cannot_see_replace_nor_remove_another_s_bundles(
    client,
    arras,
    make_member,
    exported,  # noqa: F811
):
    """Security review of issue 17, part 6: the project lead of another
    territory (no role on Arras) posting to their own territory's pages."""
    other_team = TerritoryFactory(siren="200069037", name="CC de l'Autre Rive", communes=0)
    mine = as_other_territory(exported)
    mine["vague"]["nom"] = "Vague vue d'Arras"
    bundles_actions.bundle_import(territory=arras, data=encoded(mine), filename="lens.json")
    arras_bundle = ExternalBundle.objects.get()
    client.force_login(make_member(other_team, Role.PROJECT_LEAD))
    # Not seen: neither on the comparison, its CSV, nor the import page.
    comparison = reverse("evaluation_bundle_comparison", args=[other_team.siren])
    page = client.get(comparison, {"indicateur": "tous"}).content.decode()
    assert "0 lot d'autres territoires importé par CC de l&#x27;Autre Rive" in page
    assert "Vague vue d" not in page and "Lens" not in page
    csv = client.get(reverse("evaluation_bundle_comparison_csv", args=[other_team.siren]))
    assert "Lens" not in csv.content.decode("utf-8-sig")
    importing = reverse("evaluation_bundle_import", args=[other_team.siren])
    assert "Lens" not in client.get(importing).content.decode()
    # Not replaced: the same SIREN and wave imported by the other team is theirs.
    theirs = as_other_territory(exported)
    theirs["vague"]["nom"] = "Vague falsifiée"
    upload = SimpleUploadedFile("lens.json", encoded(theirs), content_type="application/json")
    response = client.post(importing, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == comparison
    assert "Lot d&#x27;indicateurs importé : CA de Lens-Liévin" in response.content.decode()
    arras_bundle.refresh_from_db()
    assert arras_bundle.wave_name == "Vague vue d'Arras" and arras_bundle.content == mine
    assert ExternalBundle.objects.count() == 2

    # Not removed: Arras's bundle by id is the same 404 as an unknown id.
    def delete(pk):
        url = reverse("evaluation_bundle_delete", args=[other_team.siren, pk])
        return client.post(url)

    forbidden, unknown = delete(arras_bundle.pk), delete(999_999)
    assert forbidden.status_code == unknown.status_code == 404
    assert without_token(forbidden.content) == without_token(unknown.content)
    assert ExternalBundle.objects.filter(pk=arras_bundle.pk).exists()
    # Arras's own pages stay out of reach (no role there).
    for name in ("evaluation_bundle_comparison", "evaluation_bundle_import"):
        assert client.get(reverse(name, args=[arras.siren])).status_code == 403
    url = reverse("evaluation_bundle_delete", args=[arras.siren, arras_bundle.pk])
    assert client.post(url).status_code == 403
    assert ExternalBundle.objects.filter(pk=arras_bundle.pk).exists()
    # Their own bundle they see and remove.
    own = ExternalBundle.objects.get(territory=other_team)
    assert "Vague falsifiée" in client.get(comparison, {"indicateur": "tous"}).content.decode()
    assert delete(own.pk).status_code == 302
    assert list(ExternalBundle.objects.all()) == [arras_bundle]


def test_a_file_over_the_size_limit_is_refused_in_french(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    data = b"[" + b",".join([b"{}"] * (MAX_BYTES // 3 + 1)) + b"]"
    assert len(data) > MAX_BYTES
    upload = SimpleUploadedFile("gros.json", data, content_type="application/json")
    response = client.post(reverse("evaluation_bundle_import", args=[SIREN]), {"file": upload})
    assert response.status_code == 422
    assert "Le fichier dépasse 2 Mo : ce n&#x27;est pas un lot d&#x27;indicateurs." in (
        response.content.decode()
    )
    small = b"[" + b",".join([b"{}"] * 30_000) + b"]"
    upload = SimpleUploadedFile("objets.json", small, content_type="application/json")
    response = client.post(reverse("evaluation_bundle_import", args=[SIREN]), {"file": upload})
    assert response.status_code == 422
    assert "objets.json, fichier : 30\u202f001 objets ou listes" in response.content.decode()
    assert not ExternalBundle.objects.exists()
