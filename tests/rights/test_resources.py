"""One list of resources and of benefits already received: the situation
format, the simulator's forms, the summary and the screening file's
columns all follow it."""

from pathlib import Path

from nonrecours.rights.catalogue import benefits
from nonrecours.rights.resources import (
    RECEIVED,
    RECEIVED_LIST,
    RESOURCE_LIST,
    RESOURCES,
    ResourceKind,
)
from nonrecours.rights.screening import columns
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.rights.summary import describe
from nonrecours.www.rights.forms import ReceivedForm, ResourcesForm


def test_keys_are_unique_and_texts_french():
    assert len(RESOURCES) == len(RESOURCE_LIST)
    assert len(set(RECEIVED)) == len(RECEIVED_LIST)
    for item in (*RESOURCE_LIST, *RECEIVED_LIST):
        assert item.label and item.text


def test_the_forms_ask_every_resource_and_every_benefit_of_the_list():
    self_employed = ResourcesForm(self_employed=True)
    assert list(self_employed.fields) == [r.key for r in RESOURCE_LIST]
    employee = ResourcesForm()
    assert list(employee.fields) == [
        r.key for r in RESOURCE_LIST if r.kind != ResourceKind.TURNOVER
    ]
    assert employee.fields["revenus_capital"].help_text.startswith("Pas les intérêts")
    assert self_employed.fields["ca_micro_vente"].help_text.startswith("Micro-entreprise")
    received = ReceivedForm()
    assert list(received.fields) == list(RECEIVED)
    assert received.fields["aspa"].label == "ASPA (minimum vieillesse) (par mois)"


def test_the_situation_and_its_summary_read_every_key():
    situation = parse_situation(
        {
            "mois": "2026-11",
            "personnes": [
                {"role": "demandeur", "naissance": "1990-01-01",
                 "ressources": {r.key: 1 for r in RESOURCE_LIST}}
            ],
            "prestations_percues": {b.id: 1 for b in RECEIVED_LIST},
        }
    )  # fmt: skip
    text = "\n".join(describe(situation))
    for item in (*RESOURCE_LIST, *RECEIVED_LIST):
        assert f"{item.text} 1" in text, item


def test_simulated_benefits_received_are_in_the_catalogue():
    # ass, aeeh and pch are declared only (read by other benefits' formulas).
    catalogue = {b.id for b in benefits()}
    assert set(RECEIVED) - catalogue == {"ass", "aeeh", "pch"}


def test_the_screening_file_has_a_column_per_resource_and_benefit():
    names = columns()
    for key in RESOURCES:
        assert f"demandeur_{key}" in names
    for benefit_id in RECEIVED:
        assert f"percu_{benefit_id}" in names


def test_the_guide_lists_every_key_and_column():
    guide = (Path(__file__).parents[2] / "docs" / "guide" / "simulateur.md").read_text(
        encoding="utf-8"
    )
    for benefit_id in RECEIVED:
        assert f"`{benefit_id}`" in guide, benefit_id
    for name in columns():
        if not name.startswith("conjoint_"):  # « `conjoint_…` : les mêmes colonnes »
            assert f"`{name}`" in guide, name
