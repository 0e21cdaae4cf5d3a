"""The install's territory (territories.queries.territory_default): one
function, one behaviour, used by the home page, the simulator, the
directory and the core questionnaire's XLSForm."""

import pytest
from django.test import override_settings

from nonrecours.territories import actions
from nonrecours.territories.queries import territory_default
from tests.conftest import LENS_SIREN

pytestmark = pytest.mark.django_db


def test_none_before_any_import():
    assert territory_default() is None


def test_the_configured_territory_else_the_first_imported_by_name(arras):
    lens = actions.territory_import(siren=LENS_SIREN).territory
    with override_settings(NONRECOURS_DEFAULT_TERRITORY=LENS_SIREN):
        assert territory_default() == lens
    with override_settings(NONRECOURS_DEFAULT_TERRITORY=arras.siren):
        assert territory_default() == arras
    # Not imported: the first by name, whatever the order of import.
    first = min([arras, lens], key=lambda t: t.name)
    with override_settings(NONRECOURS_DEFAULT_TERRITORY="999999999"):
        assert territory_default() == first


def test_the_simulator_and_the_directory_use_it(client, arras):
    with override_settings(NONRECOURS_DEFAULT_TERRITORY="999999999"):
        page = client.get("/simulateur/expert/").content.decode()
        assert "Arras" in page  # the communes of the only territory imported
        assert client.get("/annuaire/").status_code == 200
