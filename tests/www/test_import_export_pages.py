import io
import zipfile
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.surveys.models import Campaign, Response
from tests.surveys.test_import_export import ANSWERS, csv_file, kobo_header, kobo_row
from tests.surveys.test_questionnaire import complete_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(arras):
    call_command("demo", "--responses", "40", stdout=StringIO())
    return Campaign.objects.get(slug="demo-2024")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_partner_never_gets_row_level_answers(client, demo, arras, make_member, fmt):
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(reverse("barometer_export", args=[demo.slug, fmt])).status_code == 403


def test_project_lead_downloads_exports(client, demo, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    page = client.get(reverse("barometer_follow_up", args=[demo.slug])).text
    assert reverse("barometer_export", args=[demo.slug, "parquet"]) in page
    response = client.get(reverse("barometer_export", args=[demo.slug, "csv"]))
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist()[0] == "reponses.csv"
    assert client.get(reverse("barometer_export", args=[demo.slug, "sav"])).status_code == 404


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_web_import_reports_problems_then_succeeds(client, demo, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("barometer_import", args=[demo.slug])
    header = kobo_header()
    bad = csv_file(header, [kobo_row(header, complete_answers(commune="00000"), "w1")]).getvalue()
    response = client.post(url, {"source": "kobo", "file": upload(bad, "terrain.csv")})
    assert response.status_code == 422
    assert "Import refusé : rien n'a été enregistré" in response.text
    assert (
        "ligne 2, champ « commune » : Commune « 00000 » inconnue dans ce territoire."
        in response.text
    )
    before = Response.objects.count()
    good = csv_file(
        header, [kobo_row(header, a, f"w{i}") for i, a in enumerate(ANSWERS)]
    ).getvalue()
    response = client.post(
        url, {"source": "kobo", "file": upload(good, "terrain.csv")}, follow=True
    )
    assert "3 réponses ajoutées" in response.text
    assert Response.objects.count() == before + 3
    wrong = client.post(url, {"source": "kobo", "file": upload(b"x", "terrain.pdf")})
    assert "Le fichier doit être un .csv ou un .xlsx." in wrong.text


def test_partner_cannot_import(client, demo, arras, make_member):
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(reverse("barometer_import", args=[demo.slug])).status_code == 403
