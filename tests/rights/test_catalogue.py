"""The catalogue: each benefit is an OpenFisca-France variable of the
declared entity and period, with the texts a person reads."""

from nonrecours.rights.catalogue import benefits
from nonrecours.rights.engine import tax_benefit_system


def test_every_benefit_is_an_openfisca_variable_of_its_entity_and_period():
    system = tax_benefit_system()
    for benefit in benefits():
        variable = system.variables[benefit.variable]
        assert variable.entity.key == benefit.entity, benefit.id
        assert str(variable.definition_period) == benefit.period, benefit.id


def test_every_benefit_says_who_pays_how_to_claim_and_where_it_comes_from():
    assert len(benefits()) == 17
    for benefit in benefits():
        assert benefit.payer and benefit.description and benefit.how_to_claim, benefit.id
        assert benefit.documents and benefit.conditions, benefit.id
        assert benefit.online.startswith("https://") and benefit.source.startswith("https://")
        assert benefit.verified_on == "2026-11-27"
