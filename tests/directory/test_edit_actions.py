"""directory.actions.structure_save / offer_save (the pages' writes) and
directory.access's fetch-and-check by id."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nonrecours.accounts.enums import Role
from nonrecours.directory import access, actions
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from tests.referrals.conftest import OFFER, STRUCTURE, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(arras) -> Structure:
    """The CCAS with coordinates, as an import gives them."""
    record = {**STRUCTURE, "longitude": 2.7775, "latitude": 50.2897}
    directory_imports.directory_import(records=[record, OFFER], territory=arras)
    return Structure.objects.get()


def _coordinates(structure: Structure) -> tuple[object, object]:
    structure.refresh_from_db()
    return structure.record.get("longitude"), structure.record.get("latitude")


def test_a_moved_structure_loses_its_coordinates(arras, placed):
    assert _coordinates(placed) == (2.7775, 50.2897)
    actions.structure_save(
        territory=arras, structure=placed, changes={"telephone": "03 21 00 00 00"}, by="test"
    )
    assert _coordinates(placed) == (2.7775, 50.2897)  # not moved: kept
    actions.structure_save(
        territory=arras, structure=placed, changes={"adresse": "2 rue Neuve"}, by="test"
    )
    assert _coordinates(placed) == (None, None)
    assert placed.record["adresse"] == "2 rue Neuve"


def test_a_new_commune_also_moves_it(arras, placed):
    actions.structure_save(
        territory=arras,
        structure=placed,
        changes={"code_insee": "62065", "commune": "Beaurains"},
        by="test",
    )
    assert _coordinates(placed) == (None, None)
    placed.refresh_from_db()
    assert (placed.insee_code, placed.longitude, placed.latitude) == ("62065", None, None)
    # Its offer, with no address of its own, moves with it: Beaurains's centre.
    offer = Offer.objects.get()
    assert "code_insee" not in offer.record and offer.insee_code == "62065"
    assert (offer.longitude, offer.latitude) != (None, None)
    assert (round(offer.longitude, 3), round(offer.latitude, 3)) != (2.778, 50.29)


def test_an_emptied_field_is_removed_and_the_rest_kept(arras, placed):
    saved = actions.structure_save(
        territory=arras, structure=placed, changes={"courriel": "", "nom": "CCAS"}, by="test"
    )
    assert "courriel" not in saved.record and saved.record["nom"] == "CCAS"
    assert saved.record["adresse"] == STRUCTURE["adresse"]


def test_a_refused_change_writes_nothing(arras, placed):
    before = dict(placed.record)
    with pytest.raises(actions.EntryError) as refused:
        actions.structure_save(
            territory=arras,
            structure=placed,
            changes={"adresse": "3 rue Neuve", "courriel": "pas un courriel"},
            by="test",
        )
    assert [p.field for p in refused.value.problem_list()] == ["courriel"]
    placed.refresh_from_db()
    assert placed.record == before  # coordinates included: all or nothing


def test_a_new_structure_and_a_new_offer(arras, placed):
    structure = actions.structure_save(
        territory=arras,
        structure=None,
        changes={"nom": "Épicerie solidaire", "code_insee": "62041", "commune": "Arras"},
        by="test",
    )
    assert structure.di_id.startswith("nonrecours--epicerie-solidaire-")
    offer = actions.offer_save(
        structure=structure,
        offer=None,
        changes={
            "nom": "Colis",
            "description": "Un colis par semaine.",
            "zone_eligibilite": ["62041"],
        },
        by="test",
    )
    assert offer.structure == structure and offer.di_id.startswith(structure.di_id + "--")
    corrected = actions.offer_save(
        structure=structure, offer=offer, changes={"nom": "Colis du mardi"}, by="test"
    )
    assert corrected.pk == offer.pk and corrected.name == "Colis du mardi"


def test_access_by_id(arras, placed):
    offer = Offer.objects.get()
    lead = member(arras, "Équipe TZNR", Role.PROJECT_LEAD)
    partner = member(arras, "Mission locale", Role.PARTNER)
    assert access.access_structure_edit_by_id(lead, placed.pk) == placed
    assert access.access_offer_edit_by_id(lead, offer.pk) == offer
    assert access.access_directory_edit_by_siren(lead, arras.siren) == arras
    assert access.directory_team(lead, arras) and not access.directory_team(partner, arras)
    for check, key in (
        (access.access_structure_edit_by_id, placed.pk),
        (access.access_offer_edit_by_id, offer.pk),
        (access.access_directory_edit_by_siren, arras.siren),
    ):
        with pytest.raises(PermissionDenied, match="modifier l'annuaire"):
            check(partner, key)
    with pytest.raises(Http404, match="Structure inconnue"):
        access.access_structure_edit_by_id(lead, placed.pk + 1000)
    with pytest.raises(Http404, match="Offre inconnue"):
        access.access_offer_edit_by_id(lead, offer.pk + 1000)
    with pytest.raises(Http404, match="Territoire inconnu"):
        access.access_directory_edit_by_siren(lead, "")
