"""Referrals between partners in a real browser, as the people involved use
them: a France Services professional refers a person from the directory on a
phone, the CCAS answers from the link it received by e-mail and records the
right opened, the territory's project lead reads the statistics and exports
them, a partner follows its referrals. Every page is audited with axe-core."""

import datetime
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from nonrecours.accounts.enums import OrganisationKind, Role
from nonrecours.directory import actions as directory_actions
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer
from nonrecours.referrals import actions, demo
from nonrecours.referrals.enums import ConsentMode, EventKind, OutcomeKind, Status
from nonrecours.referrals.models import Referral
from nonrecours.referrals.notifications import link_token
from tests.browser.conftest import (
    PHONE,
    log_in,
    new_context,
    page_width,
    screenshot,
    serious_violations,
)
from tests.referrals.conftest import OFFER, PERSON, STRUCTURE, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test"
OFFER_NAME = "Accompagnement à l'accès aux droits"
DESTINATION = f"{OFFER_NAME} — CCAS d'Arras"
LINK = re.compile(r"https?://\S+/orientations/lien/\S+/")


@pytest.fixture
def ccas_offer(arras) -> Offer:
    """The CCAS and its offer in the directory, reached by e-mail only (no
    account): the e-mailed link is how it answers."""
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    return Offer.objects.get()


@pytest.fixture
def partner(arras):
    return member(
        arras,
        "France Services d'Arras",
        Role.PARTNER,
        kind=OrganisationKind.FRANCE_SERVICES,
        email="agent@fs.example",
        first_name="Nadia",
        last_name="Benali",
    )


@pytest.fixture
def base_url(settings, live_server) -> str:
    """The e-mails' links point to the test server."""
    settings.NONRECOURS_BASE_URL = live_server.url
    return live_server.url


def send_to_ccas(arras, partner, ccas_offer, consent_mode) -> Referral:
    """A referral from the France Services partner to the CCAS's offer."""
    return actions.referral_send(
        territory=arras,
        sender=partner,
        sender_organisation=partner.memberships.get().organisation,
        structure=ccas_offer.structure,
        offer=ccas_offer,
        person=PERSON,
        consent=True,
        consent_mode=consent_mode,
    )


def assert_fits_the_screen(page) -> None:
    """Mobile first: nothing wider than the phone but the tables' scroll areas."""
    assert page_width(page) <= PHONE["width"]


def card(page, heading: str):
    return page.locator(".card").filter(has=page.get_by_role("heading", name=heading, exact=True))


def timeline(page) -> list[str]:
    """The audit trail's steps, oldest first, each dated."""
    steps = page.locator("ol.timeline > li")
    for step in steps.all():
        expect(step.locator("time")).to_have_text(re.compile(r"^\d{1,2} \S+ \d{4} à \d\d:\d\d$"))
    return steps.all_inner_texts()


def test_partner_refers_a_person_from_the_directory_on_a_phone(
    base_url, arras, ccas_offer, partner, phone_page
):
    page = phone_page
    log_in(page, base_url, partner.username)
    assert serious_violations(page) == []

    # The professional finds the CCAS offer in the directory, as usual.
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Annuaire"
    ).click()
    page.get_by_label("Commune de la personne").select_option(label="Arras")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("link", name=OFFER_NAME, exact=True).click()
    expect(page.locator("h1")).to_have_text(OFFER_NAME)
    page.get_by_role("link", name="Orienter une personne ici").click()
    expect(page.locator("h1")).to_have_text("Orienter une personne")
    expect(page.get_by_text("La structure recevra un lien par courriel")).to_be_visible()
    # The only organisation the professional belongs to is chosen for them.
    expect(page.get_by_label("Vous orientez au nom de")).to_have_value(
        str(partner.memberships.get().organisation_id)
    )
    assert_fits_the_screen(page)

    # First try: everything but the person's consent.
    page.get_by_label("Prénom de la personne").fill("Camille")
    page.get_by_label("Nom de la personne", exact=True).fill("Martin")
    page.get_by_label("Téléphone (facultatif)", exact=True).fill("06 12 34 56 78")
    page.get_by_label("Commune où elle habite").select_option(label="Arras")
    page.get_by_label("Tranche d'âge (facultatif)").select_option(label="25 à 34 ans")
    page.get_by_label("Motif de l'orientation").fill("Souhaite faire le point sur le RSA.")
    page.get_by_label("À l'oral, en présence du·de la professionnel·le").check()
    page.get_by_role("button", name="Envoyer l'orientation").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Le formulaire contient des erreurs")
    expect(summary.get_by_role("link")).to_have_text(
        "La personne a donné son accord : Sans l'accord de la personne, l'orientation ne peut "
        "pas être envoyée."
    )
    # Nothing typed is lost, and nothing was sent.
    expect(page.get_by_label("Prénom de la personne")).to_have_value("Camille")
    expect(page.get_by_label("Commune où elle habite")).to_have_value("62041")
    expect(page.get_by_label("À l'oral, en présence du·de la professionnel·le")).to_be_checked()
    assert Referral.objects.count() == 0
    assert mail.outbox == []
    # The summary's link takes the keyboard to the checkbox.
    summary.get_by_role("link").click()
    expect(page.get_by_label("La personne a donné son accord")).to_be_focused()
    assert_fits_the_screen(page)
    screenshot(page, "orientation-formulaire-erreurs-telephone")
    assert serious_violations(page) == []

    # Second try, with the consent.
    page.get_by_label("La personne a donné son accord").check()
    page.get_by_role("button", name="Envoyer l'orientation").click()

    expect(page.locator("h1")).to_have_text(DESTINATION)
    referral = Referral.objects.get()
    expect(page.get_by_role("status")).to_have_text(
        f"Orientation n° {referral.pk} envoyée à CCAS d'Arras. Vous serez prévenu·e de sa réponse."
    )
    # (The browser keeps the "#id_consent" the error summary's link added.)
    assert page.url.split("#")[0] == f"{base_url}/orientations/{referral.pk}/"
    expect(page.locator(".badge")).to_have_text("Envoyée, en attente de réponse")
    person = card(page, "La personne")
    expect(person).to_contain_text("Camille Martin")
    expect(person).to_contain_text("06 12 34 56 78")
    expect(person).to_contain_text("Arras")
    expect(person).to_contain_text("25 à 34 ans")
    expect(person).to_contain_text("À l'oral, en présence du·de la professionnel·le")
    expect(person).to_contain_text("Nadia Benali, France Services d'Arras")
    # The sender sees the referral, but may not answer it.
    expect(page.get_by_role("button", name="Envoyer la réponse")).to_have_count(0)
    created = timeline(page)[0]
    assert "Orientation envoyée — par France Services d'Arras ; accord recueilli" in created
    assert created.endswith(" — par Nadia Benali")
    assert_fits_the_screen(page)
    screenshot(page, "orientation-envoyee-telephone")
    assert serious_violations(page) == []

    assert referral.status == Status.SENT
    assert referral.sender == partner
    assert referral.consent_mode == ConsentMode.ORAL
    # One e-mail to the structure with its link, one copy to the sender; the
    # person is in neither.
    to_structure, to_sender = mail.outbox
    assert to_structure.to == ["accueil@ccas-arras.example"]
    assert LINK.search(to_structure.body)
    assert to_sender.to == ["agent@fs.example"]
    for message in mail.outbox:
        assert "Camille" not in message.subject + message.body
        assert "06 12 34 56 78" not in message.body


def test_structure_answers_from_the_emailed_link_and_records_the_right_opened(
    base_url, arras, ccas_offer, partner, phone_page
):
    send_to_ccas(arras, partner, ccas_offer, ConsentMode.PHONE)  # the e-mails leave on commit
    referral = Referral.objects.get()
    (to_structure,) = [m for m in mail.outbox if m.to == ["accueil@ccas-arras.example"]]
    link = LINK.search(to_structure.body).group(0)
    assert link.startswith(base_url)

    # The CCAS has no account: the link is enough.
    page = phone_page
    page.goto(link)
    # First a button (a mail scanner following the link opens nothing).
    expect(page.locator("h1")).to_have_text("Une personne vous est orientée")
    expect(page.locator("main")).not_to_contain_text("Camille")
    screenshot(page, "orientation-lien-bouton-telephone")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Ouvrir l'orientation").click()
    expect(page.locator("h1")).to_have_text(DESTINATION)
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    expect(card(page, "La personne")).to_contain_text("Camille Martin")
    expect(page.get_by_role("link", name="Toutes les orientations")).to_have_count(0)
    assert_fits_the_screen(page)
    screenshot(page, "orientation-lien-reponse-telephone")
    assert serious_violations(page) == []

    page.get_by_label("J'accepte l'orientation").check()
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_role("status")).to_have_text(
        "C'est enregistré ; l'organisation qui a orienté est prévenue."
    )
    # The token was exchanged for the session: the page's address no longer holds it.
    assert page.url == f"{base_url}/orientations/{referral.pk}/"
    assert "/lien/" not in page.url
    expect(page.locator(".badge")).to_have_text("Acceptée")
    expect(page.get_by_role("button", name="Envoyer la réponse")).to_have_count(0)

    # A wrong amount first, then the right one with a French decimal comma.
    page.get_by_label("Droit ouvert", exact=True).check()
    page.get_by_label("Droit ouvert (pour « Droit ouvert »)").select_option(
        label="Revenu de solidarité active (RSA)"
    )
    amount = page.get_by_label("Montant mensuel estimé, en euros (pour « Droit ouvert »)")
    amount.fill("six cents")
    page.get_by_role("button", name="Enregistrer le résultat").click()
    expect(page.get_by_role("alert")).to_contain_text("Montant illisible : « six cents ».")
    expect(page.get_by_label("Droit ouvert", exact=True)).to_be_checked()
    assert serious_violations(page) == []
    amount.fill("607,75")
    page.get_by_role("button", name="Enregistrer le résultat").click()
    expect(page.get_by_role("status")).to_have_text(
        "C'est enregistré ; l'organisation qui a orienté est prévenue."
    )
    result = card(page, "Résultat")
    expect(result.locator("li")).to_contain_text(
        "Droit ouvert : Revenu de solidarité active (RSA), 607,75 € par mois"
    )
    # Every step is in the timeline, oldest first, the link's ones said so.
    steps = timeline(page)
    assert page.locator("ol.timeline > li strong").all_inner_texts() == [
        "Orientation envoyée",
        "Courriel envoyé",
        "Courriel envoyé",
        "Fiche consultée",
        "Orientation acceptée",
        "Courriel envoyé",
        "Résultat enregistré",
        "Courriel envoyé",
    ]
    assert steps[4].endswith("par la structure (lien reçu par courriel)")
    assert "Revenu de solidarité active (RSA), 607,75\u00a0€ par mois" in steps[6]
    assert_fits_the_screen(page)
    screenshot(page, "orientation-resultat-telephone")
    assert serious_violations(page) == []

    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    (outcome,) = referral.outcomes.all()
    assert (outcome.kind, outcome.benefit, str(outcome.monthly_amount)) == (
        OutcomeKind.RIGHT_OPENED,
        "rsa",
        "607.75",
    )
    assert referral.events.filter(kind=EventKind.ACCEPTED, actor=None).exists()
    # The professional who referred is told of the answer, then of the result.
    to_sender = [m.subject for m in mail.outbox if m.to == ["agent@fs.example"]]
    assert to_sender == [
        f"Orientation n° {referral.pk} envoyée à CCAS d'Arras",
        f"Orientation n° {referral.pk} acceptée par CCAS d'Arras",
        f"Orientation n° {referral.pk} : résultat enregistré",
    ]


def test_structure_with_an_account_refuses_from_its_list_on_a_phone(
    live_server, arras, ccas_offer, partner, phone_page
):
    """Answering works from the account too: the page's referrer policy
    must leave the browser's Origin header to Django's CSRF check."""
    ccas = member(arras, "CCAS d'Arras", Role.PARTNER, OrganisationKind.CCAS)
    directory_actions.structure_attach(
        structure=ccas_offer.structure, organisation=ccas.memberships.get().organisation
    )
    referral = send_to_ccas(arras, partner, ccas_offer, ConsentMode.WRITTEN)
    page = phone_page
    log_in(page, live_server.url, ccas.username)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Orientations"
    ).click()
    page.get_by_label("Sens").select_option(label="Reçues")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name=f"n° {referral.pk}").click()
    expect(page.locator("h1")).to_have_text(DESTINATION)
    # A refusal needs its reason.
    page.get_by_label("Je refuse l'orientation").check()
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_role("alert")).to_contain_text("Choisissez le motif du refus.")
    page.get_by_label("Motif du refus").select_option(label="La personne est déjà accompagnée")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_role("status")).to_have_text(
        "C'est enregistré ; l'organisation qui a orienté est prévenue."
    )
    expect(page.locator(".badge")).to_have_text("Refusée")
    expect(card(page, "La personne")).to_contain_text("La personne est déjà accompagnée")
    (refused,) = [step for step in timeline(page) if "Orientation refusée" in step]
    assert refused.endswith(f" — La personne est déjà accompagnée — par {ccas.username}")
    assert_fits_the_screen(page)
    screenshot(page, "orientation-refusee-telephone")
    assert serious_violations(page) == []
    referral.refresh_from_db()
    assert referral.status == Status.REFUSED


def test_answering_without_choosing_says_what_is_missing(
    live_server, arras, ccas_offer, partner, phone_page
):
    referral = send_to_ccas(arras, partner, ccas_offer, ConsentMode.ORAL)
    page = phone_page
    page.goto(f"{live_server.url}/orientations/lien/{link_token(referral)}/")
    page.get_by_role("button", name="Ouvrir l'orientation").click()
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_role("alert")).to_contain_text("Votre réponse : Ce champ est obligatoire.")
    expect(page.get_by_role("button", name="Enregistrer le résultat")).to_have_count(0)


@pytest.fixture
def demo_referrals(arras) -> int:
    call_command("directory", "mairies", arras.siren, stdout=StringIO())
    created = demo.referrals_demo_create(territory=arras)
    assert created > 0
    return created


# The demonstration spreads referrals over the year before today and the
# dashboard opens on the latest year: early in January, that year has too few
# referrals to publish anything. Mid-November, it has most of them.
@pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC))
def test_project_lead_reads_and_exports_the_statistics_on_a_desktop(
    live_server, arras, demo_referrals, browser, desktop_page, tmp_path
):
    lead = member(
        arras, "Communauté urbaine d'Arras", Role.PROJECT_LEAD, OrganisationKind.TERRITORY
    )
    page = desktop_page
    log_in(page, live_server.url, lead.username)
    page.goto(f"{live_server.url}/territoires/{arras.siren}/")
    page.get_by_role("link", name="Tableau de bord des orientations").click()
    expect(page.locator("h1")).to_have_text("Tableau de bord des orientations")
    expect(page.locator(".banner-synthetic")).to_contain_text("données synthétiques")
    year = timezone.localdate().year
    this_year = Referral.objects.filter(sent_at__year=year).count()
    expect(page.locator(".key-figures")).to_contain_text(f"{this_year} orientations envoyées")
    expect(page.get_by_role("link", name=str(year))).to_have_attribute("aria-current", "true")
    for title in (
        "Par organisation qui oriente",
        "Par offre (ou structure) qui reçoit",
        "Par mois d'envoi",
    ):
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    page_text = page.locator("main").inner_text()
    for first_name in demo.FIRST_NAMES:
        assert not re.search(rf"\b{first_name}\b", page_text), first_name
    screenshot(page, "orientations-tableau-de-bord-bureau")
    assert serious_violations(page) == []

    # The exact figures are the team's, and say so; what goes to the
    # funders is the published view, a click away.
    expect(page.get_by_role("heading", name="Usage interne — ne pas diffuser")).to_be_visible()
    expect(page.get_by_role("link", name="Exacts (usage interne)")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.get_by_role("link", name=re.compile("Exporter pour les financeurs"))).to_have_count(
        0
    )
    page.get_by_role("link", name="Vue publiée (financeurs)").click()
    expect(page.get_by_role("heading", name="Vue publiée pour les financeurs")).to_be_visible()
    expect(page.get_by_role("link", name=str(year))).to_have_attribute("aria-current", "true")
    expect(page.locator(".key-figures")).to_contain_text(f"{this_year} orientations envoyées")
    screenshot(page, "orientations-vue-publiee-bureau")
    assert serious_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter pour les financeurs (CSV)").click()
    assert download.value.suggested_filename == f"orientations-{arras.siren}-{year}.csv"
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("tableau;ligne;orientations;")  # the header, first
    assert not any(line.startswith("#") for line in lines)
    total = next(line for line in lines if line.startswith("ensemble;"))
    assert total.split(";")[2] == str(this_year)
    assert ";secret;" in text  # small counts are hidden: the published view, not the exact one
    for name in demo.FIRST_NAMES + demo.LAST_NAMES:
        assert not re.search(rf"\b{name}\b", text), name
    assert "06 00 00" not in text
    with page.expect_download() as download:
        page.get_by_role("link", name="Notes qui accompagnent le CSV (texte)").click()
    download.value.save_as(tmp_path / "notes.txt")
    notes = (tmp_path / "notes.txt").read_text(encoding="utf-8-sig")
    assert "territoire : Communauté urbaine d'Arras" in notes
    assert "démonstration : contient des données de démonstration (synthétiques)" in notes
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"tableur \.xlsx")).click()
    assert download.value.suggested_filename == f"orientations-{arras.siren}-{year}.xlsx"

    # The same page on the project lead's phone: the wide tables scroll, the
    # page does not.
    phone = new_context(browser, viewport=PHONE, device_scale_factor=2, locale="fr-FR")
    page = phone.new_page()
    log_in(page, live_server.url, lead.username)
    page.goto(f"{live_server.url}/territoires/{arras.siren}/orientations/")
    expect(page.locator("h1")).to_have_text("Tableau de bord des orientations")
    expect(page.get_by_role("heading", name="Usage interne — ne pas diffuser")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, "orientations-tableau-de-bord-telephone")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Vue publiée (financeurs)").click()
    expect(page.get_by_role("heading", name="Vue publiée pour les financeurs")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, "orientations-vue-publiee-telephone")
    assert serious_violations(page) == []
    phone.close()


def test_a_newcomer_learns_why_the_published_view_is_empty_on_a_phone(
    live_server, arras, ccas_offer, partner, phone_page
):
    """Four real referrals: the team sees them, the funders' view says why
    it is empty and from how many referrals it fills."""
    for _ in range(4):
        send_to_ccas(arras, partner, ccas_offer, ConsentMode.ORAL)
    lead = member(
        arras, "Communauté urbaine d'Arras", Role.PROJECT_LEAD, OrganisationKind.TERRITORY
    )
    page = phone_page
    log_in(page, live_server.url, lead.username)
    page.goto(f"{live_server.url}/territoires/{arras.siren}/orientations/")
    expect(page.locator(".key-figures")).to_contain_text("4 orientations envoyées")
    expect(page.get_by_role("note").filter(has_text="La vue publiée est vide")).to_be_visible()
    page.get_by_role("link", name="voir pourquoi et à partir de combien d'orientations").click()
    expect(page.get_by_role("heading", name="Vue publiée pour les financeurs")).to_be_visible()
    explanation = page.get_by_role("note").filter(has_text="Rien n'est encore publié")
    expect(explanation).to_contain_text("Il en faut au moins 11 dans l'année ; il y en a 4")
    expect(explanation).to_contain_text("il en manque 7")
    expect(page.locator(".key-figures")).to_have_count(0)
    assert_fits_the_screen(page)
    screenshot(page, "orientations-vue-publiee-vide-telephone")
    assert serious_violations(page) == []


def test_partner_follows_its_referrals_on_a_phone(live_server, arras, demo_referrals, phone_page):
    partner = member(arras, "France Services (démonstration)", Role.PARTNER)
    sent = Referral.objects.filter(sender_organisation__name="France Services (démonstration)")
    page = phone_page
    log_in(page, live_server.url, partner.username)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Orientations"
    ).click()
    expect(page.locator("h1")).to_have_text("Les orientations de mon organisation")
    expect(page.locator("caption")).to_have_text(f"{sent.count()} orientations")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(min(sent.count(), 50))
    # Each referral is a block on a phone: its status is seen without scrolling sideways.
    badge = rows.first.locator(".badge").bounding_box()
    assert badge["x"] + badge["width"] <= PHONE["width"]
    assert_fits_the_screen(page)
    screenshot(page, "orientations-liste-telephone")
    assert serious_violations(page) == []

    page.get_by_label("Statut").select_option(label="Refusée")
    page.get_by_role("button", name="Filtrer").click()
    refused = sent.filter(status=Status.REFUSED).count()
    expect(page.locator("caption")).to_have_text(
        f"{refused} orientation{'s' if refused > 1 else ''}"
    )
    expect(page.locator("table tbody .badge")).to_have_text(["Refusée"] * min(refused, 50))
    assert serious_violations(page) == []
