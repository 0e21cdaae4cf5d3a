"""The follow-up's pages: consent on the simulator's results, the answer
and unsubscribe pages of the messages' links (no login), and the team's
statistics page."""

import datetime
import re
from html import unescape

import pytest
import sms
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.evaluation.followup_actions import FollowUpError, followup_answer
from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit, SimulationTally
from nonrecours.evaluation.followup_sending import followups_send_due, link_token
from tests.evaluation.followup_setup import CONSENT_AT, consent
from tests.www.test_simulator import SINGLE_TENANT, token, walk

NOW = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)
EXPERT_SINGLE = {
    "logement-commune": "62041", "logement-statut": "loge_gratuitement",
    "demandeur-naissance": "1986-05-15", "demandeur-activite": "inactif",
    "demandeur-handicap": "0.8",
}  # fmt: skip
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
    assert "effacé après le second message" in html
    assert "En savoir plus sur ce qui est gardé" in html
    assert 'name="telephone"' in html  # SMS configured (locmem in the tests)
    # Neither field says « facultatif »: one of the two is required.
    assert "Où recevoir les messages : au moins l'un des deux" in html
    assert "(facultatif)" not in html
    # The consent is plain text, not bold (a label inside .choice).
    assert re.search(r'<div class="choice"><input type="checkbox" name="consentement"', html)
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
    # The complémentaire santé solidaire, in kind: free here (no income), so
    # the messages say « gratuite », never « 0 € par mois ».
    css = follow_up.benefits.get(benefit_id="css")
    assert (css.monthly_amount, css.participation) == (0, 0)


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
    with TestCase.captureOnCommitCallbacks(execute=True):  # the outbox sends after the commit
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
    # The team sees the year as it is, provisional.
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    page = client.get(statistics_url)
    assert page.status_code == 200
    assert "Suivi des simulations de droits en 2026" in page.text
    assert "Chiffres provisoires" in page.text and "31 mars 2027" in page.text
    cells = rsa_cells(page.text)
    # 12 followed up and answered, 11 claimed, 1 « pas encore »: hidden, and
    # with it every answer of the row (the 12 answers, the 11 and the 0
    # « pas besoin » would give it back) and the take-up rate.
    assert cells == ["12", "secret", "secret", "secret", "secret", "secret"]
    # A partner: not the current year, and not 2026 before 1 April 2027.
    partner = make_member(arras, Role.PARTNER)
    client.force_login(partner)
    refused = client.get(statistics_url, {"annee": "2026"})
    assert refused.status_code == 403
    assert "arrêtés le 31 mars 2027 et publiés à partir du 1er avril 2027" in refused.text
    assert "Revenu de solidarité active" not in refused.text
    default = client.get(statistics_url)  # the last year fixed: 2025
    assert default.status_code == 200 and "en 2025" in default.text
    assert len(follow_ups) == 12
    assert client.get(reverse("followup_statistics", args=["000000000"])).status_code == 404


def rsa_cells(html):
    row = re.search(r"Revenu de solidarité active \(RSA\)</th>(.*?)</tr>", html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2027", "L'année 2027 n'a pas commencé"),
        ("deux-mille", "Année « deux-mille » invalide"),
        ("1999", "Année « 1999 » invalide"),
        ("20266", "Année « 20266 » invalide"),
    ],
)
def test_a_future_or_nonsense_year_is_refused_in_french_without_figures(
    client, arras, make_member, year, message
):
    consent(arras, at=NOW - datetime.timedelta(days=3))
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    page = client.get(reverse("followup_statistics", args=[arras.siren]), {"annee": year})
    assert page.status_code == 422
    assert message in unescape(page.text)
    assert "Simulations faites" not in page.text and "<table" not in page.text


def test_partners_see_a_year_fixed_at_its_cut_off_and_never_a_later_answer(
    client, arras, make_member
):
    """Two looks on two days must never differ by one person's answer: the
    partners' 2026 is fixed on 31 March 2027, shown from 1 April."""
    follow_ups = [consent(arras, at=NOW - datetime.timedelta(days=40)) for _ in range(33)]
    for follow_up in follow_ups[:11]:
        followup_answer(follow_up=follow_up, answers={"rsa": "claimed"})
    url = reverse("followup_statistics", args=[arras.siren])
    partner, team = make_member(arras, Role.PARTNER), make_member(arras, Role.PROJECT_LEAD)
    cut_off = datetime.datetime(2027, 3, 31, 21, 59, tzinfo=datetime.UTC)  # 22:59 in Paris
    with time_machine.travel(cut_off, tick=False):
        client.force_login(partner)
        assert client.get(url, {"annee": "2026"}).status_code == 403  # not before 1 April
        # The last minute of 31 March: still taken, still counted.
        for follow_up in follow_ups[11:22]:
            followup_answer(follow_up=follow_up, answers={"rsa": "not_yet"})
    after = cut_off + datetime.timedelta(hours=2)  # 1 April, 00:59 in Paris
    late = follow_ups[22:]
    with time_machine.travel(after, tick=False):
        first_look = client.get(url, {"annee": "2026"})
        assert first_look.status_code == 200
        assert "Chiffres provisoires" not in first_look.text
        assert "31 mars de l'année suivante" in unescape(first_look.text)  # the method says it
        # 33 followed up, 22 answers, 11 claimed, 11 not yet, 0 not needed.
        assert rsa_cells(first_look.text) == ["33", "22", "11", "11", "0", "50 %"]
        # After the cut-off an answer is refused, by the page and the action.
        answer_page = client.get(reverse("followup_answer", args=[link_token(late[0], 2)]))
        assert answer_page.status_code == 410
        with pytest.raises(FollowUpError, match="ne sont plus recueillies"):
            followup_answer(follow_up=late[0], answers={"rsa": "not_yet"})
        # Even answers written behind the page's back are not counted there.
        FollowUpBenefit.objects.filter(follow_up__in=late).update(
            answer="claimed", answered_at=after
        )
        second_look = client.get(url, {"annee": "2026"})
        assert rsa_cells(second_look.text) == rsa_cells(first_look.text)
        # The team sees what is recorded (here, the forged late answers).
        client.force_login(team)
        assert rsa_cells(client.get(url, {"annee": "2026"}).text)[:3] == ["33", "33", "22"]


def test_a_simulation_is_counted_once_per_results_page_and_never_by_the_team(
    client, arras, make_member
):
    walk(client, SINGLE_TENANT)
    assert SimulationTally.objects.get().count == 1
    # The last screen sent again (a reload): the same results page.
    html = client.get(reverse("rights_step")).text
    for data in SINGLE_TENANT[:-1]:
        html = client.post(
            reverse("rights_step"), {"etat": token(html), "action": "suivant", **data}
        ).text
    last = {"etat": token(html), "action": "suivant", **SINGLE_TENANT[-1]}
    results = client.post(reverse("rights_step"), last)
    assert SimulationTally.objects.get().count == 2
    client.post(reverse("rights_step"), last)
    client.post(reverse("rights_step"), last)
    assert SimulationTally.objects.get().count == 2
    # « Revoir mes réponses », then the results again, unchanged: the same page.
    review = client.post(reverse("rights_step"), {"etat": token(results.text), "action": "revoir"})
    again = {"etat": token(review.text), "action": "suivant", **SINGLE_TENANT[-1]}
    assert "Vos droits estimés" in client.post(reverse("rights_step"), again).text
    assert SimulationTally.objects.get().count == 2
    # Other answers are another simulation.
    other = {**again, "percues-revenu_fiscal_reference": "1000"}
    client.post(reverse("rights_step"), other)
    assert SimulationTally.objects.get().count == 3
    # The professional's one-page mode is never counted.
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    client.post(reverse("rights_expert"), EXPERT_SINGLE)
    assert SimulationTally.objects.get().count == 3


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


def test_the_simulator_intro_names_the_follow_up_among_what_is_kept(client, arras):
    text = unescape(client.get(reverse("rights_start")).text)
    assert "Rien n'est enregistré</strong>, sauf si vous le demandez à la fin" in text
    assert "pour recevoir deux messages sur vos démarches (dans 7 et 30 jours)" in text


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=30))
def test_hostile_years_never_give_an_error_page_nor_figures(client, arras, make_member, raw):
    client.force_login(make_member(arras, Role.PARTNER))
    page = client.get(reverse("followup_statistics", args=[arras.siren]), {"annee": raw})
    assert page.status_code in (200, 403, 422)
    if page.status_code != 200:
        assert "<table" not in page.text
