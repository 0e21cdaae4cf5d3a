"""The team's pages of the events (www/events/views.py): who may open them,
creating an event, registering one person or a file, ticking presence on a
phone, the attendance sheet, the yearly indicators and their CSV."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from nonrecours.accounts.enums import Role
from nonrecours.events import actions
from nonrecours.events.enums import QuizMoment
from nonrecours.events.models import Attendance, Event, Registration
from nonrecours.events.programmes import programmes
from tests.events.factories import make_event, register
from tests.factories import TerritoryFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 8, 30, tzinfo=datetime.UTC)  # 9 h 30 in Paris
RIGHT = {
    n: sorted(a) if isinstance(a, frozenset) else a
    for n, a in programmes()["precarite-sante-mentale"].answers.items()
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def territory():
    return TerritoryFactory()


@pytest.fixture
def event(territory):
    return make_event(territory, starts_on=NOW.date(), ends_on=NOW.date())


def urls(event):
    siren, pk = event.territory.siren, event.pk
    return [
        reverse("events_list", args=[siren]),
        reverse("events_new", args=[siren]),
        reverse("events_detail", args=[siren, pk]),
        reverse("events_attendance", args=[siren, pk]),
        reverse("events_attendance_sheet", args=[siren, pk]),
        reverse("events_year", args=[siren, 2026]),
        reverse("events_year_csv", args=[siren, 2025]),
        reverse("events_edit", args=[siren, pk]),
        reverse("events_delete", args=[siren, pk]),
    ]


@pytest.mark.parametrize("role", [Role.TRAINER, Role.PROJECT_LEAD, Role.ADMIN])
def test_the_team_and_its_trainers_open_every_page(client, event, make_member, role):
    client.force_login(make_member(event.territory, role))
    for url in urls(event):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.PARTNER, Role.FIELD_AGENT])
def test_partners_and_field_agents_are_refused(client, event, make_member, role):
    client.force_login(make_member(event.territory, role))
    for url in urls(event):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "formateur·rices animent les formations" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client, event):
    for url in urls(event):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_a_trainer_of_another_territory_learns_nothing(client, event, make_member):
    other = TerritoryFactory()
    client.force_login(make_member(other, Role.TRAINER))
    assert (
        client.get(reverse("events_detail", args=[event.territory.siren, event.pk])).status_code
        == 403
    )
    # Through their own territory: the event is unknown there.
    assert client.get(reverse("events_detail", args=[other.siren, event.pk])).status_code == 404
    assert client.get(reverse("events_list", args=["999999999"])).status_code == 404


def test_a_superuser_opens_the_pages(client, event):
    client.force_login(UserFactory(is_superuser=True))
    assert (
        client.get(reverse("events_detail", args=[event.territory.siren, event.pk])).status_code
        == 200
    )


def test_creating_an_event(client, territory, make_member):
    client.force_login(make_member(territory, Role.TRAINER))
    url = reverse("events_new", args=[territory.siren])
    response = client.post(
        url,
        {
            "kind": "training",
            "title": "Précarité et santé mentale",
            "starts_on": "2027-01-18",
            "ends_on": "2027-01-19",
            "start_time": "09:00",
            "end_time": "16:30",
            "place": "Salle du conseil",
            "capacity": "16",
            "programme": "precarite-sante-mentale",
            "invited_names": "Club de prévention\nCHRS\n\nclub de prévention",
        },
    )
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{event.pk}/")
    assert event.invited_names == ["Club de prévention", "CHRS"] and event.capacity == 16


def test_an_event_form_with_errors_says_them_on_their_fields(client, territory, make_member):
    client.force_login(make_member(territory, Role.TRAINER))
    response = client.post(
        reverse("events_new", args=[territory.siren]),
        {
            "kind": "training",
            "title": "Essai",
            "starts_on": "2027-01-18",
            "ends_on": "2027-01-10",
            "start_time": "09:00",
            "end_time": "08:00",
            "place": "Salle",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_ends_on_error"' in page and "Le dernier jour est avant le premier." in page
    assert 'aria-describedby="id_end_time_error"' in page or 'id="id_end_time_error"' in page
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "x", "starts_on": "2027-13-45", "start_time": "25:00", "capacity": "-3"},
        {
            "kind": "forum",
            "title": "\x00",
            "starts_on": "0001-01-01",
            "start_time": "09:00",
            "end_time": "10:00",
            "place": "A" * 400,
            "commune": "abc",
            "programme": "../../etc",
            "invited_organisations": ["x"],
            "invited_names": "\u202e" * 10,
        },
    ],
)
def test_no_input_gives_an_error_page(client, territory, make_member, data):
    client.force_login(make_member(territory, Role.TRAINER))
    response = client.post(reverse("events_new", args=[territory.siren]), data)
    assert response.status_code == 422
    assert not Event.objects.exists()


def test_registering_one_person(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    url = reverse("events_registration_new", args=[event.territory.siren, event.pk])
    response = client.post(
        url,
        {
            "last_name": "Martin",
            "first_name": "Sophie",
            "organisation_name": "CCAS d'Arras",
            "email": "s@exemple.fr",
        },
    )
    assert response.status_code == 302
    refused = client.post(
        url,
        {
            "last_name": "Martin",
            "first_name": "Sophie",
            "organisation_name": "CCAS",
            "email": "s@exemple.fr",
        },
    )
    assert refused.status_code == 422
    assert "s@exemple.fr est déjà inscrit·e à cet événement." in refused.content.decode()
    assert event.registrations.count() == 1


def test_a_refused_file_lists_each_line(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    url = reverse("events_registration_import", args=[event.territory.siren, event.pk])
    text = "nom;prénom;organisation;e-mail\nMartin;Sophie;CCAS;x\n;Karim;CCAS;\n"
    response = client.post(url, {"file": SimpleUploadedFile("liste.csv", text.encode())})
    page = response.content.decode()
    assert response.status_code == 422
    assert "liste.csv, ligne 2, colonne « e-mail »" in page
    assert "liste.csv, ligne 3, colonne « nom » : Le nom est obligatoire." in page
    latin1 = client.post(
        url, {"file": SimpleUploadedFile("l.csv", "nom;prénom\n".encode("latin-1"))}
    )
    assert latin1.status_code == 422 and "UTF-8" in latin1.content.decode()
    good = "nom;prénom;organisation\nMartin;Sophie;CCAS\nDubois;Karim;France Travail\n"
    assert client.post(url, {"file": SimpleUploadedFile("l.csv", good.encode())}).status_code == 302
    assert event.registrations.count() == 2


def test_ticking_presence_on_a_phone(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    person = register(event, 1)
    url = reverse("events_attendance", args=[event.territory.siren, event.pk])
    page = client.get(url).content.decode()
    # 9 h 30 in Paris: the morning is the half-day shown first.
    assert "Présences : 1er décembre 2026, matin" in page
    assert "Cocher Prénom1 Nom1 présent·e" in page
    response = client.post(url, {"inscription": person.pk, "present": "1", "demi-journee": "0"})
    assert response.status_code == 302 and response["Location"].endswith(
        f"#inscription-{person.pk}"
    )
    attendance = Attendance.objects.get()
    assert attendance.half_day == "morning" and attendance.ticked_by is not None
    assert "Retirer la présence de Prénom1 Nom1" in client.get(url).content.decode()
    client.post(url, {"inscription": person.pk, "present": "0", "demi-journee": "0"})
    assert not Attendance.objects.exists()
    # Another event's registration, or nonsense: unknown.
    other = register(make_event(event.territory), 2)
    assert client.post(url, {"inscription": other.pk, "present": "1"}).status_code == 404
    for value in ("abc", "", "²", "9" * 30):
        assert client.post(url, {"inscription": value, "present": "1"}).status_code == 404
    assert client.get(url, {"demi-journee": "99"}).status_code == 200


def test_the_attendance_sheet_is_a_pdf(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    register(event, 1, "France Travail Arras")
    response = client.get(
        reverse("events_attendance_sheet", args=[event.territory.siren, event.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "France Travail Arras" in text and "NOM1" in text


def test_the_year_csv_hides_small_cells(client, event, make_member):
    trainer = make_member(event.territory, Role.TRAINER)
    client.force_login(trainer)
    person = register(event, 1)
    client.post(
        reverse("events_attendance", args=[event.territory.siren, event.pk]),
        {"inscription": person.pk, "present": "1"},
    )
    page = client.get(reverse("events_year", args=[event.territory.siren, 2026])).content.decode()
    assert "Bilan des formations 2026" in page
    with time_machine.travel(NOW + datetime.timedelta(days=31), tick=False):
        client.force_login(trainer)
        response = client.get(reverse("events_year_csv", args=[event.territory.siren, 2026]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:6] == [
        "professionnels formés par institution",
        "2026",
        "ensemble",
        "",
        "",
        "secret",
    ]
    assert all(row[5] == "secret" for row in rows[1:])
    assert client.get(reverse("events_year", args=[event.territory.siren, 1999])).status_code == 404


def test_the_link_closes_and_opens(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    url = reverse("events_link", args=[event.territory.siren, event.pk])
    client.post(url, {"ouvrir": "0"})
    event.refresh_from_db()
    assert not event.registration_open
    client.post(url, {"ouvrir": "1"})
    event.refresh_from_db()
    assert event.registration_open
    assert Registration.objects.count() == 0


def _answer(event, person, answers):
    for moment in (QuizMoment.BEFORE, QuizMoment.AFTER):
        actions.quiz_submit(
            event=event, moment=moment, registration=person, raw_answers=answers,
            key=f"{person.pk}-{moment}", today=event.starts_on,
        )  # fmt: skip


def test_the_event_page_never_shows_one_persons_score(client, event, make_member):
    # The review's case: one CCAS and one France Travail, before and after.
    _answer(event, register(event, 1, "CCAS d'Arras"), RIGHT)
    _answer(event, register(event, 2, "France Travail Arras"), RIGHT)
    url = reverse("events_detail", args=[event.territory.siren, event.pk])
    client.force_login(make_member(event.territory, Role.TRAINER))
    page = client.get(url).content.decode()
    assert "Les moyennes paraissent quand le quiz" in page
    with time_machine.travel(NOW + datetime.timedelta(days=60), tick=False):
        client.force_login(make_member(event.territory, Role.TRAINER))
        page = client.get(url).content.decode()
    assert "100" not in page.split("Progression aux quiz")[1]
    assert "sur 5 personnes au moins" in page


def test_the_satisfaction_counts_need_enough_answers(client, event, make_member):
    answers = {"satisfaction_globale": "satisfait", "utile_pratique": "tout_a_fait",
               "connait_partenaires": "plutot_oui", "recommande": "oui"}  # fmt: skip
    for n in range(4):
        actions.quiz_submit(
            event=event, moment=QuizMoment.SATISFACTION, registration=None,
            raw_answers=answers, key=f"s{n}", today=event.starts_on,
        )  # fmt: skip
    with time_machine.travel(NOW + datetime.timedelta(days=60), tick=False):
        client.force_login(make_member(event.territory, Role.TRAINER))
        page = client.get(reverse("events_detail", args=[event.territory.siren, event.pk]))
    text = page.content.decode()
    assert "Satisfaction (4 réponses)" in text and "Moins de 5 réponses" in text
    assert "<caption>" not in text.split("Satisfaction (4")[1]


def test_the_year_csv_is_for_finished_years_only(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    siren = event.territory.siren
    refused = client.get(reverse("events_year_csv", args=[siren, 2026]), follow=True)
    assert refused.redirect_chain == [(reverse("events_year", args=[siren, 2026]), 302)]
    assert "à partir du 1er janvier 2027" in refused.content.decode()
    page = client.get(reverse("events_year", args=[siren, 2026])).content.decode()
    assert reverse("events_year_csv", args=[siren, 2026]) not in page
    assert client.get(reverse("events_year_csv", args=[siren, 2025])).status_code == 200


def test_editing_an_event(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    url = reverse("events_edit", args=[event.territory.siren, event.pk])
    form = client.get(url).content.decode()
    assert 'value="Précarité et santé mentale"' in form
    response = client.post(
        url,
        {"kind": "training", "title": "Santé mentale", "starts_on": "2026-12-01",
         "start_time": "09:00", "end_time": "16:30", "place": "Salle B",
         "programme": "precarite-sante-mentale"},
    )  # fmt: skip
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.place) == ("Santé mentale", "Salle B")
    refused = client.post(
        url,
        {"kind": "training", "title": "X", "starts_on": "9999-12-01",
         "start_time": "09:00", "end_time": "16:30", "place": "Salle B"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "Le premier jour doit être entre 2000 et 2100." in refused.content.decode()


def test_deleting_an_event(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    person = register(event, 1)
    url = reverse("events_delete", args=[event.territory.siren, event.pk])
    client.post(
        reverse("events_attendance", args=[event.territory.siren, event.pk]),
        {"inscription": person.pk, "present": "1"},
    )
    refused = client.post(url)
    assert refused.status_code == 409 and "des présences sont cochées" in refused.content.decode()
    Attendance.objects.all().delete()
    assert client.post(url).status_code == 302
    assert not Event.objects.exists()


def test_removing_a_registration(client, event, make_member):
    client.force_login(make_member(event.territory, Role.TRAINER))
    person = register(event, 1)
    other = register(make_event(event.territory), 2)
    url = reverse("events_registration_remove", args=[event.territory.siren, event.pk, person.pk])
    assert "Retirer l'inscription" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not Registration.objects.filter(pk=person.pk).exists()
    # Another event's registration: unknown here.
    wrong = reverse("events_registration_remove", args=[event.territory.siren, event.pk, other.pk])
    assert client.post(wrong).status_code == 404
    assert Registration.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("role", [Role.PARTNER, Role.FIELD_AGENT])
def test_partners_cannot_change_anything(client, event, make_member, role):
    client.force_login(make_member(event.territory, role))
    person = register(event, 1)
    siren = event.territory.siren
    for url in (
        reverse("events_edit", args=[siren, event.pk]),
        reverse("events_delete", args=[siren, event.pk]),
        reverse("events_registration_remove", args=[siren, event.pk, person.pk]),
    ):
        assert client.post(url).status_code == 403, url
    assert Registration.objects.filter(pk=person.pk).exists() and Event.objects.exists()
