"""Searching the directory: commune (eligibility zone), thematic, public,
nearest first, open now; pages of a structure and an offer."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nonrecours.directory import actions, queries
from tests.directory.test_directory import OFFER, STRUCTURE

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()


def offer(ident, **changes):
    return {**OFFER, "id": ident, "nom": f"Offre {ident}", **changes}


@pytest.fixture
def directory(arras):
    far = {
        **STRUCTURE, "id": "nonrecours--france-services-bapaume", "nom": "France Services",
        "code_insee": "62080", "longitude": 2.85, "latitude": 50.10,
        "horaires_accueil": "Mo-Su 00:00-24:00",
    }  # fmt: skip
    near = {**STRUCTURE, "longitude": 2.777, "latitude": 50.291}
    records = [
        near, far,
        offer("a", zone_eligibilite=["62041"]),  # Arras only
        offer("b", structure_id=far["id"], zone_eligibilite=["62"]),  # the département
        offer("c", zone_eligibilite=["62004"], publics=["jeunes"]),  # another commune
        offer("d", structure_id=far["id"], zone_eligibilite=["france"], publics=["seniors"],
              thematiques=["sante--acces-aux-soins"]),
    ]  # fmt: skip
    actions.directory_import(records=records, territory=arras)
    return arras


def test_eligibility_thematic_public_and_distance(directory):
    arras_commune = directory.communes.get(insee_code="62041")
    hits, total = queries.search(directory, commune=arras_commune)
    assert [h.offer.di_id for h in hits] == ["a", "b", "d"]  # nearest first; c is for 62004
    assert hits[0].distance_km < hits[1].distance_km
    hits, _ = queries.search(directory, commune=arras_commune, thematic="sante")
    assert [h.offer.di_id for h in hits] == ["d"]  # a whole category matches its thematics
    hits, _ = queries.search(directory, public="jeunes")
    assert {h.offer.di_id for h in hits} == {"a", "b", "c"}  # tous-publics included


def test_open_now_with_french_public_holidays(directory):
    monday = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=queries.PARIS)
    assert queries.opening_state("Mo-Fr 08:30-12:00; PH off", monday) == "ouvert"
    night = monday.replace(hour=22)
    assert queries.opening_state("Mo-Fr 08:30-12:00; PH off", night) == "fermé"
    armistice = datetime.datetime(2026, 11, 11, 10, 0, tzinfo=queries.PARIS)
    assert queries.opening_state("Mo-Fr 08:30-12:00; PH off", armistice) == "fermé"
    assert queries.opening_state("lundi 9h-12h", monday) == "texte"  # never open nor closed
    hits, _ = queries.search(directory, open_now=True, now=night)
    assert {h.offer.di_id for h in hits} == {"b", "d"}  # the 24/7 structure


def test_pages(client, directory):
    url = reverse("directory_search")
    assert "Trouver un service" in client.get(url).text
    html = client.get(url, {"commune": "62041", "thematique": "", "public": ""}).text
    assert "3 offres trouvées" in html and "<circle" in html
    assert client.get(url, {"commune": "99999"}).status_code == 422
    first = queries.search(directory)[0][0].offer
    page = client.get(reverse("directory_offer", args=[first.pk])).text
    assert "Accompagnement" in page or first.name in page
    structure = client.get(reverse("directory_structure", args=[first.structure.pk])).text
    assert first.structure.name.replace("'", "&#x27;") in structure
    assert client.get(reverse("directory_offer", args=[999999])).status_code == 404


def test_offer_without_zone_is_shown_and_structure_updates_reach_offers(arras):
    no_zone = {k: v for k, v in OFFER.items() if k != "zone_eligibilite"}
    actions.directory_import(records=[STRUCTURE, no_zone], territory=arras)
    commune = arras.communes.get(insee_code="62099")
    hits, _ = queries.search(arras, commune=commune)
    assert [h.offer.di_id for h in hits] == [OFFER["id"]]
    changed = {**STRUCTURE, "horaires_accueil": "Mo-Su 00:00-24:00"}
    actions.directory_import(records=[changed], territory=arras)
    hits, _ = queries.search(arras, commune=commune)
    assert hits[0].offer.opening_hours == "Mo-Su 00:00-24:00"


def test_a_structure_of_another_territory_is_refused(arras):
    from nonrecours.territories import actions as territory_actions
    from tests.conftest import LENS_SIREN

    actions.directory_import(records=[STRUCTURE], territory=arras)
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    with pytest.raises(actions.DirectoryImportError, match="appartient déjà à l'annuaire"):
        actions.directory_import(records=[STRUCTURE], territory=lens)
