"""A published wave, without login: results, report, open data at stable
addresses; 404 before; publishing from the team's pages."""

import csv
import io
import json

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions
from nonrecours.surveys.models import Publication
from nonrecours.surveys.publication import campaign_publish
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db
FILES = ["", "rapport.html", "rapport.pdf", "donnees.csv", "donnees.json", "dictionnaire.csv",
         "lisezmoi.txt"]  # fmt: skip


@pytest.fixture
def demo(arras):
    campaign, _ = actions.demo_campaign_create(territory=arras, responses=300, seed=1)
    return campaign


def address(campaign, name=""):
    return f"/barometre/{campaign.territory.siren}/{campaign.slug}/{name}"


def test_nothing_is_public_before_publication_everything_after(client, demo, make_member, arras):
    assert [client.get(address(demo, name)).status_code for name in FILES] == [404] * len(FILES)
    # Not even for the team: it has its own pages until the wave is published.
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    assert client.get(address(demo)).status_code == 404
    client.logout()
    campaign_publish(campaign=demo, user=None)
    published = {name: client.get(address(demo, name)) for name in FILES}
    assert [response.status_code for response in published.values()] == [200] * len(FILES)
    # The report as a PDF (laid out here only: 4 to 5 s each time) and as a page.
    assert_the_pdf_report_opens_with_its_title(published["rapport.pdf"])
    report_page = published["rapport.html"].text
    assert report_page.startswith("<!doctype html>") and "Résultats publiés le" in report_page
    # Another territory's address, or an unknown format: one answer, 404.
    assert client.get(f"/barometre/246200364/{demo.slug}/").status_code == 404
    assert client.get(address(demo, "rapport.docx")).status_code == 404
    assert client.get(address(demo, "donnees.xml")).status_code == 404
    html = client.get(address(demo)).text
    assert "Baromètre 2024 — données de démonstration (synthétiques)" in html
    assert "données synthétiques" in html
    assert "Ville-centre" in html and "Situation financière jugée difficile" in html
    assert 'id="methode"' in html and 'href="#methode"' in html
    assert "à un seul degré, avec remise" in html and "trop petites" in html
    assert "population municipale de" in html  # the margins
    # The chosen indicator comes from the address: anything else shows the first one.
    for hostile in ("<script>", "x" * 5000, "situation_financiere_difficile'--", "\u202e"):
        page = client.get(address(demo), {"indicateur": hostile})
        assert page.status_code == 200
        assert "Situation financière jugée difficile, par commune" in page.text
    chosen = client.get(address(demo), {"indicateur": "recours_aide_proches"}).text
    assert "Demande de l&#x27;aide à ses proches, par commune" in chosen


def test_csv_files_open_in_a_spreadsheet(client, demo):
    campaign_publish(campaign=demo, user=None)
    raw = client.get(address(demo, "donnees.csv")).content
    assert raw.startswith("\ufeffcampagne,indicateur,".encode())
    text = raw.decode("utf-8-sig")
    assert not any(line.startswith("#") for line in text.splitlines())
    rows = list(csv.DictReader(io.StringIO(text)))
    data = client.get(address(demo, "donnees.json")).json()
    assert list(rows[0]) == list(data["dictionnaire"])
    assert len(rows) == len(data["donnees"])
    hidden = [r for r in rows if r["statut"] == "masquée"]
    assert hidden and all(r["estimation"] == r["effectif"] == "" for r in hidden)
    assert {r["domaine"] for r in rows if r["ventilation"] == "strate"} == {
        "Ville-centre", "Petite commune", "Urbain", "Rural",
    }  # fmt: skip
    dictionary = client.get(address(demo, "dictionnaire.csv")).content.decode("utf-8-sig")
    entries = list(csv.DictReader(io.StringIO(dictionary)))
    assert [e["colonne"] for e in entries] == list(rows[0])
    assert data["campagne"]["synthetique"] is True
    assert data["publication"]["reponses_analysees"] == 300
    notes = client.get(address(demo, "lisezmoi.txt")).text
    assert "SYNTHÉTIQUES" in notes and "un seul degré" in notes
    assert json.dumps(data)


def assert_the_pdf_report_opens_with_its_title(response) -> None:
    """The published report's PDF: its title, the methodology annex."""
    from pypdf import PdfReader

    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Baromètre 2024" in text and "Annexe — méthode" in text
    assert "Plan de sondage supposé" in text


def test_the_territory_lists_its_published_waves(client, demo, arras):
    listing = reverse("public_waves", args=[arras.siren])
    assert "Aucune vague du baromètre n'est encore publiée" in client.get(listing).text
    assert reverse("public_results", args=[arras.siren, demo.slug]) not in client.get("/").text
    campaign_publish(campaign=demo, user=None)
    html = client.get(listing).text
    assert demo.name in html and "300 réponses" in html
    assert address(demo, "donnees.csv") in html
    home = client.get(reverse("territory_detail", args=[arras.siren])).text
    assert address(demo) in home and listing in home
    assert client.get("/barometre/999999999/").status_code == 404


def test_only_the_territory_team_publishes(client, demo, arras, make_member):
    publish = reverse("barometer_publish", args=[demo.slug])
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(publish).status_code == 403
    assert client.post(publish).status_code == 403
    assert (
        "Publier cette vague"
        not in client.get(reverse("barometer_dashboard", args=[demo.slug])).text
    )
    assert not Publication.objects.exists()
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    assert (
        "Publier cette vague" in client.get(reverse("barometer_dashboard", args=[demo.slug])).text
    )
    page = client.get(publish).text
    assert "Ce qui devient public" in page and "La publication est définitive" in page
    response = client.post(publish, follow=True)
    assert response.redirect_chain[-1][0] == address(demo)
    assert "est publiée" in response.text
    assert Publication.objects.get().published_by.username == "personne2"
    again = client.post(publish)
    assert again.status_code == 200 and "publiée depuis le" in again.text
    assert Publication.objects.count() == 1
    dashboard = client.get(reverse("barometer_dashboard", args=[demo.slug])).text
    assert "Vague publiée le" in dashboard


def test_publishing_an_unfinished_wave_is_refused_with_the_reason(client, arras, make_member):
    campaign = CampaignFactory(territory=arras)  # open until 30 days from now
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    response = client.post(reverse("barometer_publish", args=[campaign.slug]))
    assert response.status_code == 422
    assert f"{campaign.ends_on:%d/%m/%Y} : publiez-la une fois la collecte finie" in response.text
    assert not Publication.objects.exists()
