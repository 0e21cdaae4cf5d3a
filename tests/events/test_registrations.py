"""Registrations by structure (events.actions): one by one, by CSV file
(all or nothing, errors by file, line and column), by the public link;
the capacity respected."""

import datetime

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import OrganisationKind
from nonrecours.errors import error_lines
from nonrecours.events import actions
from nonrecours.events.enums import RegistrationSource
from nonrecours.events.models import Registration
from nonrecours.events.queries import places_left, registrations_by_organisation
from nonrecours.events.registration_file import kind_from_name, kind_from_text
from tests.events.factories import make_event, register
from tests.factories import OrganisationFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)


@pytest.fixture
def territory():
    return TerritoryFactory()


def test_a_structure_without_an_account_gets_its_kind_from_its_name(territory):
    event = make_event(territory)
    ft = register(event, 1, "Agence France Travail Arras")
    mairie = register(event, 2, "Mairie d’Achicourt")
    other = register(event, 3, "Maison des Gens")
    chosen = register(event, 4, "Maison des Gens", organisation_kind="CCAS")
    assert [r.organisation_kind for r in (ft, mairie, other, chosen)] == [
        OrganisationKind.FRANCE_TRAVAIL,
        OrganisationKind.COMMUNE,
        OrganisationKind.OTHER,
        OrganisationKind.CCAS,
    ]
    assert kind_from_text("france_services") == OrganisationKind.FRANCE_SERVICES
    assert kind_from_text("CIAS") == OrganisationKind.CCAS and kind_from_text("?") is None
    assert kind_from_name("Club de prévention spécialisée") == OrganisationKind.ASSOCIATION


def test_an_organisation_of_the_territory_gives_its_name_and_kind(territory):
    caf = OrganisationFactory(territory=territory, caf=True)
    registration = register(make_event(territory), 1, "", organisation=caf)
    assert (registration.organisation_name, registration.organisation_kind) == (caf.name, "caf")
    other = OrganisationFactory(territory=TerritoryFactory(), name="Ailleurs")
    with pytest.raises(actions.RegistrationError, match="n'est pas du territoire"):
        register(make_event(territory), 2, "", organisation=other)


def test_an_email_registers_once_per_event(territory):
    event = make_event(territory)
    register(event, 1, email="Camille@Exemple.fr")
    with pytest.raises(actions.RegistrationError) as error:
        register(event, 2, email="camille@exemple.fr ")
    assert error.value.field == "email" and "déjà inscrit·e" in str(error.value)
    # Without an e-mail, two people may share a name.
    register(event, 3)
    register(event, 3)
    assert event.registrations.count() == 3


def test_missing_fields_are_named(territory):
    with pytest.raises(actions.RegistrationError) as error:
        actions.registration_create(
            event=make_event(territory),
            created_by=None,
            last_name=" ",
            first_name="A\x00",
            email="pas-une-adresse",
            organisation_name="",
        )
    fields = {p.field for p in error.value.problem_list()}
    assert fields == {"last_name", "first_name", "email", "organisation_name"}


def test_the_capacity_is_respected(territory):
    event = make_event(territory, capacity=2)
    register(event, 1)
    register(event, 2)
    assert places_left(event) == 0
    with pytest.raises(actions.RegistrationError, match="complet"):
        register(event, 3)
    assert event.registrations.count() == 2


CSV = (
    "nom;prénom;e-mail;organisation;fonction;type de structure\n"
    "Martin;Sophie;sophie@exemple.fr;CCAS d'Arras;Travailleuse sociale;\n"
    "Dubois;Karim;;France Travail Arras;Conseiller;\n"
    "Roux;Nadia;;Mairie d'Achicourt;;commune\n"
)


def test_a_file_registers_everyone(territory):
    event = make_event(territory)
    created = actions.registrations_import(
        event=event, created_by=None, text=CSV, filename="liste.csv"
    )
    assert len(created) == 3
    assert {r.source for r in created} == {RegistrationSource.FILE}
    groups = registrations_by_organisation(event)
    assert [g.name for g in groups] == [
        "CCAS d'Arras",
        "France Travail Arras",
        "Mairie d'Achicourt",
    ]
    assert [g.kind_label for g in groups] == ["CCAS / CIAS", "France Travail", "Commune"]


def test_a_file_with_errors_registers_no_one_and_says_where(territory):
    event = make_event(territory)
    register(event, 0, email="deja@exemple.fr")
    text = (
        "Nom,Prénom,Courriel,Structure,Type\n"
        "Martin,Sophie,sophie@exemple.fr,CCAS d'Arras,\n"
        ",Karim,,France Travail,\n"
        "Roux,Nadia,pas-une-adresse,Mairie,\n"
        "Petit,Julien,deja@exemple.fr,CCAS,\n"
        "Lefebvre,Camille,sophie@exemple.fr,CCAS,\n"
        "Moreau,Thomas,,CU,planète\n"
    )
    with pytest.raises(actions.RegistrationsRejected) as error:
        actions.registrations_import(event=event, created_by=None, text=text, filename="liste.csv")
    problems = error.value.problem_list()
    assert [(p.row, p.field) for p in problems] == [
        (3, "nom"),
        (4, "e-mail"),
        (5, "e-mail"),
        (6, "e-mail"),
        (7, "type de structure"),
    ]
    assert problems[0].message == "liste.csv, ligne 3, colonne « nom » : Le nom est obligatoire."
    assert "figure déjà ligne 2" in problems[3].message
    assert all(p.file == "liste.csv" for p in problems)
    assert error_lines(error.value)[0] == "Fichier refusé, personne n'a été inscrit·e :"
    assert event.registrations.count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prénom;e-mail\nA;b\n", "colonne(s) manquante(s) : « nom », « organisation »"),
        ("nom;prénom;organisation\n", "aucune inscription sous l'en-tête"),
        ('nom;prénom;organisation\n"A;B;C\n', "guillemet ouvert"),
    ],
)
def test_an_unreadable_file_is_refused_in_french(territory, text, message):
    with pytest.raises(actions.RegistrationsRejected) as error:
        actions.registrations_import(
            event=make_event(territory), created_by=None, text=text, filename="liste.csv"
        )
    assert message in error.value.problem_list()[0].message


def test_a_file_beyond_the_places_left_is_refused_whole(territory):
    event = make_event(territory, capacity=3)
    register(event, 0)
    with pytest.raises(actions.RegistrationsRejected) as error:
        actions.registrations_import(event=event, created_by=None, text=CSV, filename="l.csv")
    assert (
        error.value.problem_list()[-1].message
        == "l.csv : 3 inscriptions pour 2 place(s) restante(s)."
    )
    assert event.registrations.count() == 1


@time_machine.travel(DAY, tick=False)
def test_the_public_link_closes(territory):
    event = make_event(territory)
    today = datetime.date(2026, 12, 1)
    fields = dict(
        last_name="Martin",
        first_name="Sophie",
        email="",
        organisation=None,
        organisation_name="CCAS d'Arras",
        job_title="",
    )
    registration = actions.registration_public(event=event, today=today, **fields)
    assert registration.source == RegistrationSource.PUBLIC
    with pytest.raises(actions.RegistrationError, match="closes"):
        actions.registration_public(
            event=event, today=event.ends_on + datetime.timedelta(days=1), **fields
        )
    actions.event_registration_toggle(event=event, open_=False)
    with pytest.raises(actions.RegistrationError, match="closes"):
        actions.registration_public(event=event, today=today, **fields)
    assert Registration.objects.count() == 1


def test_an_event_is_checked_field_by_field(territory):
    day = datetime.date(2026, 12, 15)
    with pytest.raises(actions.EventError) as error:
        make_event(
            territory,
            title="",
            starts_on=day,
            ends_on=day - datetime.timedelta(days=1),
            start_time=datetime.time(14),
            end_time=datetime.time(9),
            capacity=0,
            programme="inconnu",
            invited_names=["Club", "club", "A\x07"],
        )
    fields = sorted(p.field for p in error.value.problem_list())
    assert fields == ["capacity", "end_time", "ends_on", "invited_names", "programme", "title"]
    long = make_event(territory, starts_on=day, ends_on=day + datetime.timedelta(days=13))
    assert long.ends_on.day == 28
    with pytest.raises(actions.EventError) as error:
        make_event(territory, starts_on=day, ends_on=day + datetime.timedelta(days=14))
    assert error.value.problem_list()[0].message == "Un événement dure au plus 14 jours."


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(
            st.text(max_size=12) | st.sampled_from(["CCAS", "a@b.fr", "x@", '"', ";"]), max_size=5
        ),
        max_size=6,
    )
)
def test_any_file_is_registered_whole_or_refused_in_french(territory, cells):
    event = make_event(territory)
    text = "nom;prénom;organisation;e-mail\n" + "\n".join(";".join(row) for row in cells)
    try:
        created = actions.registrations_import(
            event=event, created_by=None, text=text, filename="f.csv"
        )
    except actions.RegistrationsRejected as error:
        assert error.problem_list() and all("f.csv" in p.message for p in error.problem_list())
        assert not event.registrations.exists()
    else:
        assert event.registrations.count() == len(created) > 0
