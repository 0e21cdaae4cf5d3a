"""Accounts in a real browser, on a phone: a login locked after wrong
passwords, the second factor set up then asked at login (codes computed here
as the person's application would), an invitation sent by a project lead and
accepted from the e-mailed link. Every page is audited with axe-core."""

import base64
import re

import pytest
from django.core import mail
from django_otp.oath import totp
from playwright.sync_api import expect

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.accounts.models import Membership, Organisation, User
from tests.browser.conftest import PHONE, new_context, page_width, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test"
NEW_PASSWORD = "Sept lapins verts 2026"
LINK = re.compile(r"https?://\S+/invitation/[\w-]+/")


@pytest.fixture
def base_url(settings, live_server) -> str:
    """The e-mails' links point to the test server."""
    settings.NONRECOURS_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def team(arras) -> Organisation:
    return Organisation.objects.create(
        territory=arras, name="Communauté urbaine d'Arras", kind=OrganisationKind.TERRITORY
    )


def person(organisation: Organisation, role: Role, username: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, email=username)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def fill_login(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base + "/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def code_from_page(page, steps_ahead: int = 0) -> str:
    """What an authenticator application shows for the key the page gives."""
    shown = page.locator("#cle-secrete").inner_text().split(":")[-1]
    secret = re.sub(r"[^A-Z2-7]", "", shown)
    return f"{totp(base64.b32decode(secret), drift=steps_ahead):06d}"


def assert_fits_the_screen(page) -> None:
    assert page_width(page) <= PHONE["width"]


def test_a_login_locked_after_wrong_passwords(base_url, team, phone_page):
    agent = person(team, Role.FIELD_AGENT, "agent@arras.example")
    for attempt in range(4):
        fill_login(phone_page, base_url, agent.username, f"mauvais-{attempt}")
        expect(phone_page.get_by_role("alert")).to_contain_text("Après 5 essais erronés")
    assert serious_violations(phone_page) == []
    screenshot(phone_page, "comptes-connexion-erreur-telephone")
    fill_login(phone_page, base_url, agent.username, "mauvais-5")
    fill_login(phone_page, base_url, agent.username)  # the right one, too late
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Connexion bloquée")
    expect(phone_page.get_by_role("alert")).to_contain_text("pendant 1 heure")
    expect(phone_page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    assert_fits_the_screen(phone_page)
    screenshot(phone_page, "comptes-connexion-bloquee-telephone")
    assert serious_violations(phone_page) == []


def test_a_project_lead_sets_up_the_second_factor_then_gives_a_code_at_login(
    base_url, team, settings, phone_page
):
    settings.NONRECOURS_REQUIRE_2FA = True
    lead = person(team, Role.PROJECT_LEAD, "cheffe@arras.example")
    fill_login(phone_page, base_url, lead.username)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text(
        "Installer votre second facteur"
    )
    qr = phone_page.get_by_role("img", name="QR code du second facteur")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150
    assert_fits_the_screen(phone_page)
    code = phone_page.get_by_label("Code à 6 chiffres")
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert code.get_attribute("inputmode") == "numeric"
    # A wrong code: said in French, tied to the field.
    code.fill("000000")
    phone_page.get_by_role("button", name="Confirmer le code").click()
    expect(phone_page.get_by_role("alert")).to_contain_text("Ce code ne correspond pas")
    expect(phone_page.get_by_label("Code à 6 chiffres")).to_have_attribute("aria-invalid", "true")
    screenshot(phone_page, "comptes-second-facteur-installation-telephone")
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Code à 6 chiffres").fill(code_from_page(phone_page))
    phone_page.get_by_role("button", name="Confirmer le code").click()
    expect(phone_page.get_by_text("Votre second facteur est installé")).to_be_visible()
    key = lead.totpdevice_set.get().key

    phone_page.get_by_role("button", name="Se déconnecter").click()
    fill_login(phone_page, base_url, lead.username)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Saisissez votre code")
    phone_page.goto(base_url + "/territoires/200033579/")  # nothing before the code
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Saisissez votre code")
    phone_page.get_by_label("Code à 6 chiffres").fill("123 456")
    phone_page.get_by_role("button", name="Valider").click()
    expect(phone_page.get_by_role("alert")).to_contain_text("Code incorrect ou expiré")
    assert serious_violations(phone_page) == []
    screenshot(phone_page, "comptes-second-facteur-code-telephone")
    phone_page.wait_for_timeout(1100)  # the one-second wait a wrong code imposes
    # The code of the set-up cannot serve twice: the application's next one.
    next_code = f"{totp(bytes.fromhex(key), drift=1):06d}"
    phone_page.get_by_label("Code à 6 chiffres").fill(next_code)
    phone_page.get_by_role("button", name="Valider").click()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Communauté urbaine d'Arras")
    expect(phone_page.get_by_role("link", name="Inviter des personnes")).to_be_visible()


def test_an_invitation_sent_by_a_project_lead_and_accepted_on_a_phone(
    base_url, team, arras, phone_page, browser
):
    caf = Organisation.objects.create(territory=arras, name="CAF du Pas-de-Calais", kind="caf")
    lead = person(team, Role.PROJECT_LEAD, "cheffe@arras.example")
    fill_login(phone_page, base_url, lead.username)
    phone_page.get_by_role("link", name="Inviter des personnes").click()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Inviter des personnes")
    assert serious_violations(phone_page) == []
    phone_page.get_by_label("Adresse e-mail de la personne").fill("nadia.benali@caf.example")
    phone_page.get_by_label("Organisation").select_option(label=caf.name)
    phone_page.get_by_label("Rôle").select_option(label="Partenaire")
    phone_page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(phone_page.get_by_text("Invitation envoyée à nadia.benali@caf.example")).to_be_visible()
    expect(phone_page.locator(".campaigns li").first).to_contain_text("En attente")
    assert_fits_the_screen(phone_page)
    screenshot(phone_page, "comptes-invitations-telephone")
    assert serious_violations(phone_page) == []

    (message,) = mail.outbox
    link = LINK.search(message.body).group(0)
    context = new_context(browser, viewport=PHONE, device_scale_factor=2, locale="fr-FR")
    invitee = context.new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Créer votre compte")
    expect(invitee.get_by_label("Identifiant (votre adresse e-mail)")).to_have_value(
        "nadia.benali@caf.example"
    )
    invitee.get_by_label("Prénom (facultatif)").fill("Nadia")
    invitee.get_by_label("Mot de passe", exact=True).fill("court")
    invitee.get_by_label("Mot de passe, une seconde fois").fill("court")
    invitee.get_by_role("button", name="Créer mon compte").click()
    expect(invitee.get_by_role("alert")).to_contain_text("trop court")
    assert_fits_the_screen(invitee)
    screenshot(invitee, "comptes-invitation-acceptation-telephone")
    assert serious_violations(invitee) == []
    # The error is now part of the field's label: « Mot de passe — erreur : … ».
    invitee.get_by_label(re.compile(r"^Mot de passe( —|$)")).fill(NEW_PASSWORD)
    invitee.get_by_label("Mot de passe, une seconde fois").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Créer mon compte").click()
    expect(invitee.get_by_text("Bienvenue ! Votre compte est créé")).to_be_visible()
    expect(invitee.get_by_role("button", name="Se déconnecter")).to_be_visible()
    context.close()
    phone_page.reload()
    expect(phone_page.locator(".campaigns li").first).to_contain_text("Acceptée")


def test_an_invited_project_lead_sets_up_the_second_factor_with_the_password(
    base_url, team, settings, phone_page
):
    from nonrecours.accounts import actions

    settings.NONRECOURS_REQUIRE_2FA = True
    actions.invitation_create(
        invited_by=None, email="lead@arras.example", organisation=team, role=Role.PROJECT_LEAD
    )
    phone_page.goto(LINK.search(mail.outbox[0].body).group(0))
    expect(phone_page.get_by_role("heading", name="Votre second facteur")).to_be_visible()
    expect(phone_page.get_by_role("img", name="QR code du second facteur")).to_be_visible()
    assert_fits_the_screen(phone_page)
    assert serious_violations(phone_page) == []
    screenshot(phone_page, "comptes-invitation-second-facteur-telephone")
    phone_page.get_by_label("Mot de passe", exact=True).fill(NEW_PASSWORD)
    phone_page.get_by_label("Mot de passe, une seconde fois").fill(NEW_PASSWORD)
    phone_page.get_by_label("Code à 6 chiffres").fill(code_from_page(phone_page))
    phone_page.get_by_role("button", name="Créer mon compte").click()
    expect(phone_page.get_by_text("Bienvenue ! Votre compte est créé")).to_be_visible()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Communauté urbaine d'Arras")
