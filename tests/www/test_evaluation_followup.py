"""The follow-up's pages: consent on the simulator's results, the answer
and unsubscribe pages of the messages' links (no login), and the team's
statistics page."""

import datetime
import re

import pytest
import sms
import time_machine
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.evaluation.followup_models import FollowUp, SimulationTally
from nonrecours.evaluation.followup_sending import followups_send_due, link_token
from tests.evaluation.followup_setup import CONSENT_AT, consent
from tests.www.test_simulator import SINGLE_TENANT, token, walk

NOW = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW)]


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.outbox = []
    yield sms.outbox


def test_results_offer_the_follow_up_unticked_and_count_the_simulation(client, arras):
    html = walk(client, SINGLE_TENANT).text
    assert "Être recontacté·e pour faire le point" in html
    box = re.search(r'<input type="checkbox" name="consentement"[^>]*>', html).group(0)
    assert "checked" not in box
    assert "effacés après le second message" in html
    assert 'name="telephone"' in html  # SMS configured (locmem in the tests)
    tally = SimulationTally.objects.get()
    assert (tally.territory, tally.month, tally.count) == (arras, datetime.date(2026, 11, 1), 1)
    assert not FollowUp.objects.exists()


def test_consent_is_required_and_errors_are_said_in_french(client, arras):
    html = walk(client, SINGLE_TENANT).text
    follow = token(html, "suivi")
    refused = client.post(reverse("rights_followup"), {"suivi": follow, "courriel": "a@b.fr"})
    assert refused.status_code == 422
    assert "Cochez la case pour accepter de recevoir les deux messages." in refused.text
    bad = client.post(
        reverse("rights_followup"),
        {"suivi": follow, "consentement": "on", "telephone": "01 42 34 56 78"},
    )
    assert bad.status_code == 422 and "est un numéro de téléphone fixe" in bad.text
    assert not FollowUp.objects.exists()


def test_consent_keeps_only_the_benefits_found_and_the_commune(client, arras):
    html = walk(client, SINGLE_TENANT).text
    data = {"suivi": token(html, "suivi"), "consentement": "on", "courriel": "a@exemple.fr",
            "telephone": "06 12 34 56 78"}  # fmt: skip
    done = client.post(reverse("rights_followup"), data)
    assert done.status_code == 200 and "C'est noté" in done.text
    assert "par courriel et par SMS" in done.text
    client.post(reverse("rights_followup"), data)  # sent twice: recorded once
    follow_up = FollowUp.objects.get()
    assert (follow_up.territory, follow_up.commune_code) == (arras, "62041")
    assert (follow_up.email, follow_up.phone) == ("a@exemple.fr", "+33612345678")
    amounts = {
        b: float(m) for b, m in follow_up.benefits.values_list("benefit_id", "monthly_amount")
    }
    assert amounts["rsa"] == 573.49 and amounts["aide_logement"] == 290.0


def test_a_forged_consent_token_gives_a_french_page(client, arras):
    response = client.post(reverse("rights_followup"), {"suivi": "faux", "consentement": "on"})
    assert response.status_code == 400 and "Ce lien a expiré" in response.text
    assert not FollowUp.objects.exists()


def answer_link(follow_up, benefit="rsa", answer="claimed"):
    url = reverse("followup_answer", args=[link_token(follow_up, 1)])
    return f"{url}?aide={benefit}&reponse={answer}"


def test_a_click_shows_the_answer_prefilled_and_only_the_post_records(client, arras):
    follow_up = consent(arras, email="a@exemple.fr")
    page = client.get(answer_link(follow_up, "rsa", "claimed"))
    assert page.status_code == 200
    assert "Avez-vous fait la demande ?" in page.text
    assert re.search(r'value="claimed" id="id_aide_rsa_0" checked', page.text)
    assert "Où avez-vous été bloqué·e ?" in page.text
    assert not follow_up.benefits.exclude(answer="").exists()  # a GET records nothing
    url = reverse("followup_answer", args=[link_token(follow_up, 1)])
    done = client.post(url, {"aide_rsa": "claimed", "aide_aide_logement": "not_yet",
                             "raison": "no_appointment"})  # fmt: skip
    assert done.status_code == 200 and "Merci pour vos réponses" in done.text
    follow_up.refresh_from_db()
    assert dict(follow_up.benefits.values_list("benefit_id", "answer")) == {
        "rsa": "claimed", "aide_logement": "not_yet",
    }  # fmt: skip
    assert follow_up.reason == "no_appointment"
    empty = client.post(url, {})
    assert empty.status_code == 422 and "Choisissez au moins une réponse" in empty.text
    wrong = client.post(url, {"aide_rsa": "peut-etre"})
    assert wrong.status_code == 422 and "Sélectionnez un choix valide" in wrong.text


def test_bad_and_expired_links_give_french_pages(client, arras):
    follow_up = consent(arras, email="a@exemple.fr")
    forged = client.get(reverse("followup_answer", args=["WzEsMV0:abc:def"]))
    assert forged.status_code == 404 and "Ce lien n'est pas valide" in forged.text
    unsubscribe = client.post(reverse("followup_unsubscribe", args=["nimporte"]))
    assert unsubscribe.status_code == 404
    with time_machine.travel(CONSENT_AT, tick=False):
        old = link_token(follow_up, 1)
    expired = client.get(reverse("followup_answer", args=[old]))
    assert expired.status_code == 410 and "Ce lien a expiré" in expired.text


def test_unsubscribing_asks_then_erases_the_contact(client, arras):
    follow_up = consent(arras, email="a@exemple.fr", phone="0612345678")
    url = reverse("followup_unsubscribe", args=[link_token(follow_up, 1)])
    asked = client.get(url)
    assert "Effacer mes coordonnées" in asked.text
    follow_up.refresh_from_db()
    assert follow_up.email == "a@exemple.fr"
    done = client.post(url)
    assert "Vos coordonnées sont effacées" in done.text
    follow_up.refresh_from_db()
    assert (follow_up.email, follow_up.phone, follow_up.erasure) == ("", "", "unsubscribed")
    assert "déjà effacées" in client.get(url).text


def test_the_whole_way_from_the_message_to_the_statistics(client, arras, make_member):
    week_ago = NOW - datetime.timedelta(days=7)
    follow_ups = [consent(arras, email=f"p{i}@exemple.fr", at=week_ago) for i in range(12)]
    followups_send_due()
    assert len(mail.outbox) == 12
    for i, message in enumerate(mail.outbox):
        link = re.search(r"Oui, j'ai fait la demande : http://127\.0\.0\.1:8000(\S+aide=rsa\S+)",
                         message.body).group(1)  # fmt: skip
        path = link.split("?")[0]
        assert client.get(link).status_code == 200
        client.post(path, {"aide_rsa": "claimed" if i < 11 else "not_yet"})
    statistics_url = reverse("followup_statistics", args=[arras.siren])
    assert client.get(statistics_url).status_code == 302  # login first
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    assert client.get(statistics_url).status_code == 403
    client.force_login(make_member(arras, Role.PARTNER))
    page = client.get(statistics_url, {"annee": "2026"})
    assert page.status_code == 200
    assert "Suivi des simulations de droits en 2026" in page.text
    row = re.search(r"Revenu de solidarité active \(RSA\)</th>(.*?)</tr>", page.text, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    # 12 followed up and answered, 11 claimed, 1 « pas encore » (hidden, and
    # so is the 11 that gives it back from the 12).
    assert cells[0].strip() == "12" and cells[1].strip() == "12"
    assert "secret statistique" in cells[2] and "secret statistique" in cells[3]
    assert len(follow_ups) == 12
    bad_year = client.get(statistics_url, {"annee": "deux-mille"})
    assert bad_year.status_code == 422 and "Saisissez un nombre entier" in bad_year.text
    assert client.get(reverse("followup_statistics", args=["000000000"])).status_code == 404


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.dictionaries(
        st.sampled_from(["aide_rsa", "aide_aide_logement", "raison", "aide_x"]),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_hostile_answers_never_give_an_error_page(client, arras, data):
    follow_up = FollowUp.objects.first() or consent(arras, email="a@exemple.fr")
    url = reverse("followup_answer", args=[link_token(follow_up, 1)])
    response = client.post(url, data)
    assert response.status_code in (200, 422)
    query = client.get(url, {"aide": data.get("aide_rsa", ""), "reponse": data.get("raison", "")})
    assert query.status_code == 200


def consent_token(benefits):
    from django.core import signing

    from nonrecours.www.evaluation.followup import CONSENT_SALT

    return signing.dumps({"b": benefits, "c": "62041", "n": "n1"}, salt=CONSENT_SALT)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    consentement=st.sampled_from(["", "on", "non", "\x00"]),
    courriel=st.text(max_size=60),
    telephone=st.text(alphabet="0123456789 +.-()abc\x00é", max_size=25),
    token=st.sampled_from(["ok", "forged", "malformed", "unknown benefit"]),
)
def test_hostile_consents_never_give_an_error_page(
    client, arras, consentement, courriel, telephone, token
):
    suivi = {
        "ok": consent_token([["rsa", 573.49]]),
        "forged": "WzEsMV0:abc:def",
        "malformed": consent_token([["rsa"], [1, "x"]]),
        "unknown benefit": consent_token([["plus_dans_le_catalogue", 10]]),
    }[token]
    before = FollowUp.objects.count()
    data = {"suivi": suivi, "consentement": consentement, "courriel": courriel,
            "telephone": telephone}  # fmt: skip
    response = client.post(reverse("rights_followup"), data)
    assert response.status_code in (200, 400, 422)
    if response.status_code != 200:
        assert FollowUp.objects.count() == before
