"""The public online form, driven through HTTP as a resident would."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Contact, Response
from nonrecours.www.barometer import online
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

PAGES = {
    1: {"commune": "62041", "sexe": "femme", "tranche_age": "35_44", "type_foyer": "monoparental",
        "activite": "emploi"},
    2: {"situation_financiere": "difficile"},
    3: {"strategies": ["aide_proches", "epargne"]},
    4: {"constate_fermetures": "non"},
    5: {"offre_services_diminue": "plutot", "difficulte_demarches": "souvent",
        "demarches_trop_complexes": "oui", "difficulte_joindre": "oui", "illectronisme": "non"},
    6: {"confiance_securite_sociale": "plutot", "confiance_collectivites": "plutot",
        "confiance_associations": "tout_a_fait", "confiance_etat": "plutot_pas"},
    7: {"prestations_connues": ["rsa", "prime_activite"], "prestations_percues": ["aucune"],
        "toutes_prestations_percues": "non"},
    8: {"raison_non_recours": "trop_complique", "ignorait_droits": "oui"},
    9: {"logement_statut": "locataire_prive"},
    10: {"loyer": "450", "enfants_moins_3": "0", "enfants_3_10": "1", "enfants_11_17": "0",
         "revenus_foyer": "900", "handicap_reconnu": "non"},
    11: {"consentement_recontact": "oui"},
    12: {"contact_telephone": "06 12 34 56 78", "contact_email": ""},
}  # fmt: skip
LAST = 12


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def campaign(arras):
    return CampaignFactory(territory=arras, slug="vague-en-ligne", name="Baromètre en ligne")


# The rate limit counts the answers of the current clock hour: a test that
# crossed the hour would find its counter reset. These start mid-hour.
MID_HOUR = pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 15, tzinfo=datetime.UTC))


def form_url(campaign):
    return reverse("barometer_online_form", args=[campaign.slug])


def state_of(html: str) -> str:
    return re.search(r'name="etat" value="([^"]+)"', html).group(1)


def page_of(html: str) -> int:
    return int(re.search(r'name="page" value="(\d+)"', html).group(1))


def post_page(client, campaign, html, data, **extra):
    payload = {"etat": state_of(html), "page": page_of(html), "action": "suivant", **data, **extra}
    return client.post(form_url(campaign), payload)


def fill_all(client, campaign, pages=PAGES):
    response = client.get(form_url(campaign))
    seen = []
    while response.status_code == 200 and 'name="page"' in response.text:
        number = page_of(response.text)
        seen.append(number)
        response = post_page(client, campaign, response.text, pages[number])
    return response, seen


def test_start_page_has_a_privacy_notice_and_no_personal_question(client, campaign):
    html = client.get(reverse("barometer_online_start", args=[campaign.slug])).text
    assert "Vos réponses sont anonymes" in html
    assert "notice de confidentialité" in html
    privacy = client.get(reverse("barometer_online_privacy", args=[campaign.slug])).text
    assert "moins de 11 personnes" in privacy


def test_a_resident_fills_the_whole_form_and_it_is_stored_once(client, campaign):
    response, seen = fill_all(client, campaign)
    assert response.status_code == 302
    assert response.url == reverse("barometer_online_thanks", args=[campaign.slug])
    assert seen == list(range(1, LAST + 1))
    assert Response.objects.get().answers["loyer"] == 450
    stored = Response.objects.get()
    assert stored.channel == Channel.ONLINE
    assert stored.answers["strategies"] == ["aide_proches", "epargne"]
    assert stored.answers["raison_non_recours"] == "trop_complique"
    assert "contact_telephone" not in stored.answers
    assert Contact.objects.get().phone == "0612345678"


def test_skip_logic_without_javascript_skips_pages(client, campaign):
    pages = {
        **PAGES,
        2: {"situation_financiere": "ca_va"},
        7: {**PAGES[7], "toutes_prestations_percues": "oui"},
        8: {"ignorait_droits": "non"},
        9: {"logement_statut": "proprietaire"},
        10: {"revenus_foyer": "2000"},
        11: {"consentement_recontact": "non"},
    }
    response, seen = fill_all(client, campaign, pages)
    assert response.status_code == 302
    assert seen == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "loyer" not in Response.objects.get().answers
    page8 = Response.objects.get().answers
    assert "strategies" not in page8 and "raison_non_recours" not in page8


def test_errors_are_listed_and_linked_and_nothing_is_lost(client, campaign):
    first = client.get(form_url(campaign))
    bad = {**PAGES[1], "sexe": "", "commune": "75056"}
    response = post_page(client, campaign, first.text, bad)
    assert response.status_code == 422
    html = response.text
    assert "2 réponses à corriger" in html
    assert 'href="#sexe-femme"' in html and 'href="#id_commune"' in html
    assert "Commune « 75056 » inconnue dans ce territoire." in html
    assert 'aria-invalid="true"' in html
    assert 'value="monoparental" checked' in html  # what was typed is kept
    assert Response.objects.count() == 0


def test_double_submit_or_refresh_never_creates_two_answers(client, campaign):
    response = client.get(form_url(campaign))
    for number in range(1, LAST):
        response = post_page(client, campaign, response.text, PAGES[number])
    last_page = response.text
    assert post_page(client, campaign, last_page, PAGES[LAST]).status_code == 302
    assert post_page(client, campaign, last_page, PAGES[LAST]).status_code == 302
    assert Response.objects.count() == 1
    assert Contact.objects.count() == 1


def test_tampered_state_is_refused_in_french(client, campaign):
    first = client.get(form_url(campaign))
    response = client.post(form_url(campaign), {"etat": state_of(first.text) + "x", "page": 1})
    assert response.status_code == 400
    assert "Votre questionnaire a expiré" in response.text
    for page in (0, -1, 99, "deux"):
        response = client.post(form_url(campaign), {"etat": state_of(first.text), "page": page})
        assert response.status_code == 400, page


def test_honeypot_pretends_success_and_stores_nothing(client, campaign):
    response, _ = fill_all(
        client, campaign, {n: {**d, online.HONEYPOT_FIELD: "http://spam"} for n, d in PAGES.items()}
    )
    assert response.status_code == 302
    assert Response.objects.count() == 0


@MID_HOUR
def test_rate_limit_per_address(client, campaign, monkeypatch):
    monkeypatch.setattr(online, "SUBMISSIONS_PER_HOUR", 2)
    for _ in range(2):
        assert fill_all(client, campaign)[0].status_code == 302
    response, _ = fill_all(client, campaign)
    assert response.status_code == 429
    assert "Trop d'envois depuis cette connexion" in response.text
    assert Response.objects.count() == 2


def test_back_button_keeps_answers(client, campaign):
    first = client.get(form_url(campaign))
    second = post_page(client, campaign, first.text, PAGES[1])
    back = client.post(
        form_url(campaign), {"etat": state_of(second.text), "page": 2, "action": "precedent"}
    )
    assert page_of(back.text) == 1
    assert 'value="monoparental" checked' in back.text


def test_closed_or_offline_only_campaigns_say_so(client, arras):
    closed = CampaignFactory(territory=arras, closed=True)
    closed_since = f"Cette enquête est close depuis le {closed.ends_on:%d/%m/%Y}"
    assert closed_since in client.get(form_url(closed)).text
    assert client.post(form_url(closed), {}).status_code == 200
    assert Response.objects.count() == 0
    assert client.get(reverse("barometer_online_start", args=["inconnue"])).status_code == 404


def test_final_submit_does_not_query_once_per_commune(
    client, campaign, django_assert_max_num_queries
):
    """Regression: the related manager reloaded each commune's territory
    (46 extra queries per submission), found by `make bench`."""
    response = client.get(form_url(campaign))
    for number in range(1, LAST):
        response = post_page(client, campaign, response.text, PAGES[number])
    with django_assert_max_num_queries(20):
        assert post_page(client, campaign, response.text, PAGES[LAST]).status_code == 302


@MID_HOUR
def test_rate_limit_keeps_the_answers_and_counts_real_clients(
    client, campaign, monkeypatch, settings
):
    settings.NONRECOURS_PROXY_COUNT = 1
    monkeypatch.setattr(online, "SUBMISSIONS_PER_HOUR", 1)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = client.get(form_url(campaign))
    response = first
    for number in range(1, LAST + 1):
        response = client.post(
            form_url(campaign),
            {"etat": state_of(response.text), "page": page_of(response.text), "action": "suivant",
             **PAGES[number]},
            HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy,
        )  # fmt: skip
    assert response.status_code == 302
    # Another resident behind the same proxy is not blocked.
    other, _ = fill_all(client, campaign)
    assert other.status_code == 302  # REMOTE_ADDR differs from the forwarded one
    # The same resident again: blocked, but the answers wait on the page.
    response = client.get(form_url(campaign))
    for number in range(1, LAST + 1):
        response = client.post(
            form_url(campaign),
            {"etat": state_of(response.text), "page": page_of(response.text), "action": "suivant",
             **PAGES[number]},
            HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy,
        )  # fmt: skip
    assert response.status_code == 429
    assert "Vos réponses ne sont pas perdues" in response.text
    monkeypatch.setattr(online, "SUBMISSIONS_PER_HOUR", 100)
    retry = client.post(
        form_url(campaign),
        {"etat": state_of(response.text), "page": page_of(response.text), "action": "renvoyer"},
        HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy,
    )  # fmt: skip
    assert retry.status_code == 302
    assert Response.objects.count() == 3
    stored = Response.objects.order_by("pk").last()
    assert stored.answers["raison_non_recours"] == "trop_complique"
    assert Contact.objects.filter(campaign=campaign, commune=stored.commune).exists()
