"""The follow-up after a simulation on a phone: consent under the results
(refused without the box, then accepted), the answer page opened from a
message's link, and the team's statistics — readable, accessible (axe),
nothing wider than the screen."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.evaluation.followup_models import FollowUp
from nonrecours.evaluation.followup_sending import answer_url, link_token
from tests.browser.conftest import log_in, page_width, screenshot, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)),
]


def results(page, base):
    page.goto(base + "/simulateur/etapes/")
    page.get_by_label("Locataire d'un logement non meublé").check()
    page.get_by_label("Votre commune").select_option(label="Arras")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Loyer mensuel hors charges").fill("450")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Date de naissance").fill("1991-05-15")
    page.get_by_label("Demandeur·se d'emploi").check()
    page.get_by_role("button", name="Continuer").click()
    page.locator("#id_foyer-en_couple_0").check()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Continuer").click()  # resources: none
    page.get_by_label("Je ne le connais pas").check()
    page.get_by_role("button", name="Voir mes droits").click()
    expect(page.locator("h1")).to_have_text("Vos droits estimés")


def test_consent_answer_and_statistics_on_a_phone(live_server, arras, make_member, phone_page):
    page = phone_page
    results(page, live_server.url)
    section = page.locator("section", has_text="Être recontacté·e pour faire le point")
    # The consent reads as plain text (not bold), short; the detail folds.
    consent_label = section.locator("label[for=id_consentement]")
    assert consent_label.evaluate("e => getComputedStyle(e).fontWeight") == "400"
    assert len(consent_label.inner_text().split()) <= 50
    expect(section.get_by_text("En savoir plus sur ce qui est gardé")).to_be_visible()
    expect(section.get_by_role("group", name=re.compile("au moins l'un des deux"))).to_be_visible()
    section.get_by_label("Votre courriel").fill("personne@exemple.fr")
    section.get_by_role("button", name="Accepter d'être recontacté·e").click()
    expect(page).to_have_title(re.compile("^Erreur — "))
    expect(page.locator(".field-error").first).to_be_focused()
    expect(page.locator(".field-error").first).to_contain_text("Cochez la case")
    assert page_width(page) <= 390
    assert serious_violations(page) == []
    page.locator("#id_consentement").check()
    page.get_by_role("button", name="Accepter d'être recontacté·e").click()
    expect(page.locator("h1")).to_have_text("C'est noté, merci")
    follow_up = FollowUp.objects.get()
    assert follow_up.email == "personne@exemple.fr"

    page.goto(answer_url(link_token(follow_up, 1), "rsa", "claimed").replace(
        "http://127.0.0.1:8000", live_server.url))  # fmt: skip
    expect(page.locator("h1")).to_have_text("Avez-vous fait la demande ?")
    group = page.get_by_role("group", name="Revenu de solidarité active (RSA)")
    expect(group.get_by_label("Oui, j'ai fait la demande")).to_be_checked()
    assert page_width(page) <= 390
    screenshot(page, "suivi-reponse-telephone")
    assert serious_violations(page) == []
    page.get_by_label("Il me manque une pièce justificative").check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.locator("h1")).to_have_text("Merci pour vos réponses")
    assert serious_violations(page) == []
    follow_up.refresh_from_db()
    assert follow_up.reason == "missing_document"

    # The team sees the year not over, provisional (partners: only from
    # 1 April 2027, tests/www/test_evaluation_followup.py).
    log_in(page, live_server.url, make_member(arras, Role.PROJECT_LEAD).username)
    page.goto(live_server.url + f"/territoires/{arras.siren}/suivi-des-simulations/?annee=2026")
    expect(page.locator("h1")).to_have_text("Suivi des simulations de droits en 2026")
    expect(page.get_by_text("Chiffres provisoires")).to_be_visible()
    assert page_width(page) <= 390
    screenshot(page, "suivi-statistiques-telephone")
    assert serious_violations(page) == []
