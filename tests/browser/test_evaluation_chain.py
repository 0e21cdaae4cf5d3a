"""The chain walked end to end in Chromium (issue 17): a respondent answers
the barometer online and agrees to be called back → a team member calls,
checks the rights in the simulator pre-filled from the answers, refers →
the receiving structure records a right opened → the funnel shows it.

Eleven chains of the same month are already there (made through the same
actions), so that the funnel's cells reach the secrecy threshold (11) and
the walked chain is visible in its figures: 12 people at every step."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.evaluation import chain_actions
from nonrecours.evaluation.chain_models import Chain
from nonrecours.referrals import actions as referral_actions
from nonrecours.referrals.enums import Channel, OutcomeKind
from nonrecours.surveys.enums import Channel as SurveyChannel
from nonrecours.surveys.models import Contact
from tests.browser.conftest import log_in, new_context, screenshot, serious_violations
from tests.evaluation.chain_setup import (
    call_back_request,
    ccas_receiver,
    directory_of,
    member,
    send_arguments,
)
from tests.factories import PASSWORD  # noqa: F401 - log_in signs in with it

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime.datetime(2026, 11, 18, 9, 0, tzinfo=datetime.UTC)


def _earlier_chains(arras, campaign, team, structure, offer, receiver) -> None:
    """Eleven respondents of Arras called, reached, checked, referred, each
    with an RSA of 500 € a month opened."""
    for index in range(11):
        contact = call_back_request(campaign, f"avant-{index}")
        chain = chain_actions.chain_open(contact=contact, user=team)
        chain_actions.chain_call_record(chain=chain, reached=True)
        chain_actions.chain_rights_check(chain=chain, situation=contact.prefill)
        referral = chain_actions.chain_referral_send(
            chain=chain, **send_arguments(arras, team, structure, offer)
        )
        referral_actions.referral_answer(referral, accept=True, user=receiver, via=Channel.ACCOUNT)
        referral_actions.referral_record_outcome(
            referral, kind=OutcomeKind.RIGHT_OPENED, benefit="rsa", monthly_amount="500",
            user=receiver, via=Channel.ACCOUNT,
        )  # fmt: skip


def _answer_online(page, base: str, slug: str) -> None:
    """The online questionnaire answered page by page: Arras, a lone parent
    renting in the private sector with one child, no income, who asks to be
    called back."""
    page.goto(f"{base}/b/{slug}/")
    page.get_by_role("link", name="Commencer le questionnaire").click()
    choices = {
        "commune": "62041", "sexe": "femme", "tranche_age": "35_44", "type_foyer": "monoparental",
        "activite": "recherche_emploi", "logement_statut": "locataire_prive",
        "handicap_reconnu": "non", "consentement_recontact": "oui",
    }  # fmt: skip
    numbers = {"loyer": "450", "enfants_3_10": "1", "revenus_foyer": "0"}
    for _ in range(30):
        form = page.locator("main form").last
        for name, value in choices.items():
            field = form.locator(f"[name={name}]")
            if field.count() == 0:
                continue
            if field.first.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                form.locator(f'[name="{name}"][value="{value}"]').check()
        for name, value in numbers.items():
            if form.locator(f"[name={name}]").count():
                form.locator(f"[name={name}]").fill(value)
        # Every other question: its first choice (twice: an answer may
        # reveal a question).
        for group in form.locator("fieldset").all() * 2:
            if not group.is_visible():
                continue
            radios = group.locator("input[type=radio]")
            if radios.count() and not group.locator("input[type=radio]:checked").count():
                radios.first.check()
            boxes = group.locator("input[type=checkbox]")
            if boxes.count() and not group.locator("input[type=checkbox]:checked").count():
                boxes.first.check()
        for phone in form.locator("input[type=tel]").all():
            phone.fill("06 12 34 56 78")
        form.locator("button[value=suivant]").click()
        page.wait_for_load_state()
        if Contact.objects.exists():
            return
        # A page may come back with a question its answers revealed: again.
    screenshot(page, "parcours-rappel-questionnaire-echec")
    raise AssertionError("le questionnaire ne s'est pas terminé")


def test_the_chain_end_to_end(live_server, arras, browser):
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        from nonrecours.surveys import actions as survey_actions

        campaign = survey_actions.campaign_create(
            territory=arras, slug="vague-2026", name="Baromètre 2026",
            starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 12, 31),
            channels=[SurveyChannel.ONLINE, SurveyChannel.DOOR_TO_DOOR],
        )  # fmt: skip
        structure, offer = directory_of(arras)
        receiver = ccas_receiver(arras, structure)
        team = member(arras, "Communauté urbaine d'Arras", Role.PROJECT_LEAD)
        _earlier_chains(arras, campaign, team, structure, offer, receiver)
        Contact.objects.all().delete()  # only the new request is on the list

        # 1. The respondent answers online and agrees to be called back.
        respondent = new_context(browser, viewport={"width": 390, "height": 844}, locale="fr-FR")
        _answer_online(respondent.new_page(), base, campaign.slug)
        respondent.close()
        contact = Contact.objects.get()
        assert contact.prefill["logement"]["statut"] == "locataire_vide"

        # 2. The team member calls, checks the rights, refers.
        context = new_context(browser, viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page = context.new_page()
        log_in(page, base, team.username)
        page.goto(f"{base}/campagnes/{campaign.slug}/rappels/")
        page.get_by_role("button", name=re.compile("^Appeler")).click()
        expect(page.locator("h1")).to_contain_text("Arras, demande de novembre 2026")
        assert serious_violations(page) == []
        page.get_by_role("button", name="Personne jointe").click()
        expect(page.get_by_text("Appel noté : personne jointe.")).to_be_visible()
        page.get_by_role("link", name="Vérifier les droits").click()
        expect(page.locator("[name=logement-loyer]")).to_have_value("374.81")
        screenshot(page, "parcours-rappel-verification-droits")
        page.get_by_role("button", name="Calculer").click()
        expect(page.get_by_text("Revenu de solidarité active (RSA)").first).to_be_visible()
        page.get_by_role("link", name=re.compile("^Orienter la personne ici")).first.click()
        expect(page.locator("[name=phone]")).to_have_value("0612345678")
        page.locator("[name=first_name]").fill("Camille")
        page.locator("[name=last_name]").fill("Martin")
        page.locator("[name=age_band]").select_option("35_44")
        page.locator("[name=consent]").check()
        page.get_by_role("button", name="Envoyer l'orientation").click()
        expect(page.locator("h1")).to_contain_text("Arras, demande de novembre 2026")
        expect(page.locator(".chain-steps")).to_contain_text("Orientée")
        screenshot(page, "parcours-rappel-oriente")
        chain = Chain.objects.get(personal__contact=contact)
        referral = chain.referral_links.get().referral

        # 3. The receiving structure accepts and records a right opened.
        structure_context = new_context(browser, viewport={"width": 1280, "height": 900})
        other = structure_context.new_page()
        log_in(other, base, receiver.username)
        other.goto(f"{base}/orientations/{referral.pk}/")
        other.get_by_label("J'accepte l'orientation").check()
        other.get_by_role("button", name="Envoyer la réponse").click()
        other.get_by_label("Droit ouvert", exact=True).check()
        other.locator("[name=resultat-benefit]").select_option("rsa")
        other.locator("[name=resultat-monthly_amount]").fill("600")
        other.get_by_role("button", name="Enregistrer le résultat").click()
        expect(other.locator(".outcomes")).to_contain_text("Droit ouvert")
        structure_context.close()

        # 4. The funnel shows it: 12 people at every step, 11 × 500 + 600 €.
        page.goto(f"{base}/rappels/{chain.token}/")
        expect(page.locator(".chain-steps")).to_contain_text("Droit ouvert — le")
        page.goto(f"{base}/territoires/{arras.siren}/evaluation/parcours-rappels/")
        total = page.locator("#entonnoir-ensemble").locator("xpath=..").locator("tbody tr").first
        cells = [c.strip().split("\n")[0] for c in total.locator("td").all_inner_texts()]
        assert cells[:5] == ["12", "12", "12", "12", "12"]
        expected = (11 * Decimal(500) + Decimal(600)) * 12
        assert cells[-1].replace("\u202f", "").replace("\xa0", "") == f"{expected:.0f}"
        screenshot(page, "parcours-rappel-entonnoir")
        assert serious_violations(page) == []
        context.close()
