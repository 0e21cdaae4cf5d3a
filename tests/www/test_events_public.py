"""The public pages of an event (www/events/public.py), reached without an
account by the token of their link: registering (capacity, closed link,
rate limit, honeypot) and answering the questionnaires on a phone; bad
tokens and hostile input give a 404 or a French form, never an error page."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.events.models import QuizResponse, Registration, SatisfactionResponse
from nonrecours.events.programmes import programmes
from nonrecours.www.events import public
from nonrecours.www.ratelimit import Limit
from tests.events.factories import make_event, register
from tests.factories import OrganisationFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 1, 18, 9, tzinfo=datetime.UTC)
RIGHT = {
    n: sorted(a) if isinstance(a, frozenset) else a
    for n, a in programmes()["precarite-sante-mentale"].answers.items()
}


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def event():
    territory = TerritoryFactory()
    caf = OrganisationFactory(territory=territory, caf=True)
    made = make_event(
        territory,
        starts_on=NOW.date(),
        ends_on=NOW.date(),
        capacity=2,
        invited_organisations=[caf],
        invited_names=["Club de prévention"],
    )
    return made


def register_url(event, token=None):
    return reverse(
        "events_public_register", args=[event.territory.siren, token or event.registration_token]
    )


def quiz_url(event, moment=None, token=None):
    args = [event.territory.siren, token or event.quiz_token]
    if moment is None:
        return reverse("events_public_quiz_start", args=args)
    return reverse("events_public_quiz", args=[*args, moment])


def test_a_participant_registers_choosing_an_invited_structure(client, event):
    page = client.get(register_url(event)).content.decode()
    assert "CAF du Pas-de-Calais" in page and "Club de prévention" in page
    caf = event.invited_organisations.get()
    response = client.post(
        register_url(event),
        {
            "last_name": "Martin",
            "first_name": "Sophie",
            "structure": f"o{caf.pk}",
        },
    )
    assert (
        response.status_code == 200
        and "Votre inscription est enregistrée" in response.content.decode()
    )
    client.post(
        register_url(event), {"last_name": "Dubois", "first_name": "Karim", "structure": "n0"}
    )
    assert [
        (r.organisation_id, r.organisation_name, r.organisation_kind)
        for r in Registration.objects.order_by("pk")
    ] == [
        (caf.pk, "CAF du Pas-de-Calais", "caf"),
        (None, "Club de prévention", "association"),
    ]
    # Two places: the event is now full.
    assert "L'événement est complet" in client.get(register_url(event)).content.decode()


def test_another_structure_must_be_named(client, event):
    response = client.post(
        register_url(event), {"last_name": "A", "first_name": "B", "structure": "autre"}
    )
    assert response.status_code == 422
    assert 'id="id_other_structure_error"' in response.content.decode()
    response = client.post(
        register_url(event),
        {
            "last_name": "A",
            "first_name": "B",
            "structure": "autre",
            "other_structure": "Foyer des jeunes",
        },
    )
    assert response.status_code == 200
    assert Registration.objects.get().organisation_name == "Foyer des jeunes"


def test_a_closed_link_and_bad_tokens(client, event):
    for token in ("x", "A" * 500, event.quiz_token, "%2e%2e", "é"):
        assert client.get(register_url(event, token)).status_code == 404, token
    wrong_territory = reverse(
        "events_public_register", args=["200033579", event.registration_token]
    )
    assert client.get(wrong_territory).status_code == 404
    event.registration_open = False
    event.save()
    assert client.get(register_url(event)).status_code == 410
    assert client.post(register_url(event), {"last_name": "A"}).status_code == 410
    assert not Registration.objects.exists()


def test_the_honeypot_and_the_rate_limit(client, event, monkeypatch):
    response = client.post(
        register_url(event),
        {"last_name": "A", "first_name": "B", "structure": "n0", "site_web": "spam"},
    )
    assert response.status_code == 200 and not Registration.objects.exists()
    monkeypatch.setattr(public, "REGISTRATIONS_PER_HOUR", Limit("t-events", 1, 3600))
    client.post(register_url(event), {})
    refused = client.post(register_url(event), {})
    assert refused.status_code == 429 and "Retry-After" in refused


def test_answering_the_quiz_before_and_after(client, event):
    camille = register(event, 1)
    start = client.get(quiz_url(event)).content.decode()
    assert "Quiz avant la formation" in start and "Questionnaire de satisfaction" in start
    form = client.get(quiz_url(event, "avant")).content.decode()
    assert "Prénom1 N. — CCAS d&#x27;Arras" in form and 'name="numero_115"' in form
    response = client.post(
        quiz_url(event, "avant"), {"inscription": camille.pk, "cle": "k1", **RIGHT}
    )
    assert (
        response.status_code == 200
        and "Vous avez 8 bonnes réponses sur 8" in response.content.decode()
    )
    # The same submission again (a reload): kept once.
    client.post(quiz_url(event, "avant"), {"inscription": camille.pk, "cle": "k1", **RIGHT})
    assert QuizResponse.objects.count() == 1
    # Answered: no longer in the list.
    assert "Prénom1 N." not in client.get(quiz_url(event, "avant")).content.decode()
    client.post(
        quiz_url(event, "apres"),
        {"inscription": camille.pk, "cle": "k2", **RIGHT, "cmp": "mutuelle"},
    )
    assert list(QuizResponse.objects.values_list("moment", "score")) == [
        ("before", 8),
        ("after", 7),
    ]


def test_a_quiz_with_errors_says_them(client, event):
    response = client.post(quiz_url(event, "avant"), {"cle": "k", "numero_115": "zz"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "Choisissez votre nom dans la liste." in page
    assert 'href="#id_inscription"' in page
    assert not QuizResponse.objects.exists()
    camille = register(event, 1)
    response = client.post(
        quiz_url(event, "avant"), {"inscription": camille.pk, "cle": "k", "numero_115": "zz"}
    )
    page = response.content.decode()
    assert response.status_code == 422 and "Cette question est obligatoire." in page
    assert 'id="numero_115-erreur"' in page


def test_the_satisfaction_is_anonymous(client, event):
    form = client.get(quiz_url(event, "satisfaction")).content.decode()
    assert 'name="inscription"' not in form
    client.post(
        quiz_url(event, "satisfaction"),
        {
            "cle": "s",
            "satisfaction_globale": "satisfait",
            "utile_pratique": "plutot_oui",
            "connait_partenaires": "plutot_oui",
            "recommande": "oui",
            "suggestions": "Plus de pauses",
        },
    )
    assert not QuizResponse.objects.exists()
    response = SatisfactionResponse.objects.get()
    assert response.answers["suggestions"] == "Plus de pauses"
    assert response.submitted_on == NOW.date() and response.idempotency_key == "s"


def test_closed_questionnaires_and_bad_links(client, event):
    with time_machine.travel(NOW + datetime.timedelta(days=40), tick=False):
        assert client.get(quiz_url(event, "avant")).status_code == 410
        assert "est clos" in client.get(quiz_url(event)).content.decode()
    for token in ("x", event.registration_token):
        assert client.get(quiz_url(event, token=token)).status_code == 404
    assert client.get(quiz_url(event, "pendant")).status_code == 404
    event.programme = ""
    event.save()
    assert client.get(quiz_url(event)).status_code == 404


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "inscription",
                "cle",
                "numero_115",
                "signes",
                "cmp",
                "structure",
                "last_name",
                "first_name",
                "email",
                "other_structure",
                "job_title",
            ]
        ),
        st.text(max_size=40)
        | st.sampled_from(["0", "-1", "99999999999999999999", "²", "o1", "n9"]),
    )
)
def test_hostile_forms_never_give_an_error_page(client, event, data):
    cache.clear()
    for url in (quiz_url(event, "avant"), quiz_url(event, "satisfaction"), register_url(event)):
        response = client.post(url, data)
        assert response.status_code in (200, 422), (url, data)


def test_an_email_already_registered_gets_the_same_answer(client, event):
    # The link is handed out widely: it must not tell who is registered.
    data = {"last_name": "Martin", "first_name": "Sophie", "structure": "n0"}
    first = client.post(register_url(event), {**data, "email": "s@exemple.fr"})
    again = client.post(register_url(event), {**data, "email": "S@exemple.fr"})
    assert again.status_code == first.status_code == 200
    assert again.content.decode() == first.content.decode()
    assert "s@exemple.fr" not in again.content.decode().lower()
    assert Registration.objects.count() == 1


def test_a_key_of_another_submission_never_shows_its_score(client, event):
    alice, chloe = register(event, 1), register(event, 2)
    client.post(quiz_url(event, "avant"), {"inscription": alice.pk, "cle": "k", **RIGHT})
    response = client.post(quiz_url(event, "apres"), {"inscription": chloe.pk, "cle": "k", **RIGHT})
    page = response.content.decode()
    assert response.status_code == 422 and "rechargez la page" in page
    assert "bonnes réponses sur" not in page
    assert list(QuizResponse.objects.values_list("registration", "moment")) == [
        (alice.pk, "before")
    ]
