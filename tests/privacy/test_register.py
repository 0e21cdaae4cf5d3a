"""The register of processing is complete, follows the settings, and opens
in a spreadsheet."""

import csv
import dataclasses
import io

import pytest

from nonrecours.privacy import exports, framework, queries
from nonrecours.privacy.queries import Declarations
from nonrecours.privacy.register import Processing


def test_every_installed_model_is_classified():
    assert queries.classification_problems() == []


def test_a_model_classified_nowhere_is_reported(monkeypatch):
    """Remove the call-back requests from their app's declarations: the
    register must say so (this is what a new model would look like)."""
    real = queries.declarations()

    def without_contacts() -> list[Declarations]:
        return [
            dataclasses.replace(
                declared,
                processing=tuple(
                    dataclasses.replace(
                        p, models=tuple(m for m in p.models if m != "surveys.Contact")
                    )
                    for p in declared.processing
                ),
            )
            for declared in real
        ]

    monkeypatch.setattr(queries, "declarations", without_contacts)
    problems = queries.classification_problems()
    assert len(problems) == 1
    assert "surveys.Contact n'est pas classé" in problems[0]
    assert "nonrecours/surveys/privacy.py" in problems[0]


def test_a_framework_table_classified_nowhere_is_reported(monkeypatch):
    monkeypatch.setattr(framework, "NO_PERSONAL_DATA", {})
    problems = queries.classification_problems()
    assert any("contenttypes.ContentType n'est pas classé" in p for p in problems)
    assert any("nonrecours/privacy/framework.py" in p for p in problems)


def test_a_model_declared_twice_or_a_label_that_names_nothing_is_reported(monkeypatch):
    real = queries.declarations()
    extra = Declarations(
        owner="essai",
        processing=(
            Processing(
                key="surveys.contacts",
                name="x",
                models=("surveys.Inexistant",),
                purpose="x",
                people="x",
                data="x",
                seen_by="x",
                recipients="x",
                retention="x",
                legal_basis="x",
            ),
        ),
        no_personal_data={"surveys.Contact": "x"},
    )
    monkeypatch.setattr(queries, "declarations", lambda: [*real, extra])
    problems = queries.classification_problems()
    assert "La clé « surveys.contacts » sert à deux lignes du registre." in problems
    assert "surveys.Inexistant est cité par le registre mais n'est pas un modèle." in problems
    assert (
        "surveys.Contact est à la fois dans le registre et déclaré sans données personnelles."
        in problems
    )


def test_every_line_says_everything_article_30_asks():
    lines = queries.register()
    assert len(lines) >= 10
    for line in lines:
        for field in dataclasses.fields(Processing):
            value = getattr(line.processing, field.name)
            assert value, f"{line.processing.key} : {field.name} vide"
        assert "{" not in line.retention, line.retention


def test_personal_data_of_each_kind_is_in_the_register():
    covered = {label for line in queries.register() for label, _ in line.tables}
    assert {
        "accounts.User",
        "accounts.Membership",
        "referrals.Referral",
        "surveys.Contact",
        "surveys.Response",
        "rights.SavedSimulation",
        "referrals.Event",
        "sessions.Session",
    } <= covered


def test_retention_is_read_from_the_settings(settings):
    settings.NONRECOURS_CONTACT_RETENTION_DAYS = 45
    settings.NONRECOURS_REFERRAL_RETENTION_DAYS = 400
    settings.NONRECOURS_SIMULATION_RETENTION_DAYS = 30
    retention = {line.processing.key: line.retention for line in queries.register()}
    assert retention["surveys.contacts"].startswith("45 jours après avoir été traitée")
    assert "effacés 400 jours après l'envoi" in retention["referrals.people"]
    assert retention["rights.saved-simulations"].startswith("30 jours après")


def test_who_sees_follows_the_role_matrix():
    seen_by = {line.processing.key: line.processing.seen_by for line in queries.register()}
    contacts = seen_by["surveys.contacts"].lower()
    assert contacts.startswith("administrateur·rice, chargé·e de mission du territoire")
    assert "enquêteur" not in contacts


def test_a_setting_that_does_not_exist_is_named():
    with pytest.raises(KeyError, match="NONRECOURS_NULLE_PART"):
        queries.fill_settings("{NONRECOURS_NULLE_PART} jours")


def test_the_csv_opens_in_a_spreadsheet():
    lines = queries.register()
    text = exports.register_csv(lines)
    assert text.splitlines()[0].startswith("Traitement;Déclaré par;Tables;Finalité")
    assert not any(row.startswith("#") for row in text.splitlines())
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == exports.HEADER
    assert len(rows) == len(lines) + 1
    assert all(len(row) == len(exports.HEADER) for row in rows)
    contacts = next(row for row in rows if row[0] == "Demandes de rappel du baromètre")
    assert "demandes de rappel (surveys.Contact)" in contacts[2]


def test_a_cell_a_spreadsheet_would_run_is_neutralised():
    line = queries.register()[0]
    hostile = dataclasses.replace(
        line, processing=dataclasses.replace(line.processing, name='=HYPERLINK("x")')
    )
    rows = list(csv.reader(io.StringIO(exports.register_csv([hostile])), delimiter=";"))
    assert rows[1][0] == '\'=HYPERLINK("x")'
