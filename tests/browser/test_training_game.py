"""A whole forum session of the serious game in a real Chromium: the
facilitator on a desktop creates it with three teams, opens each round,
three phones play their steps and see what happened without reloading
(live refresh), the board follows the teams, the debrief ends it; axe finds
no serious problem on the board, a team's page, a table's page and the
debrief, at 320 and 390 px too."""

import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.training.actions import personas_import
from nonrecours.training.personas import ARRAS_PERSONAS
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    new_context,
    screenshot,
    serious_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONAS = ("Inès, 24 ans", "David, 47 ans", "Kévin, 21 ans")
LIVE = 15_000  # ms: a few polls of the pages' script


def log_in(page, base_url, user):
    page.goto(base_url + "/connexion/")
    page.get_by_label("Identifiant").fill(user.username)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").click()


def choose_persona(page, index, name):
    select = page.locator(f"#id_equipe{index}-persona")
    value = select.locator("option", has_text=name).first.get_attribute("value")
    select.select_option(value)


def play_steps(page, table_key, number):
    form = page.locator("#demarches form")
    expect(form).to_be_visible(timeout=LIVE)
    page.locator("#id_d1-action").select_option("s_informer")
    page.locator("#id_d1-table").select_option(table_key)
    page.locator("#id_d1-jour").select_option("5")  # Saturday: Inès works in the week
    page.locator("#id_d1-moment").select_option("matin")
    if number == 1:
        page.locator("#id_d2-action").select_option("demander")
        page.locator("#id_d2-mode").select_option("en_ligne")
        page.locator("#id_d2-droit").select_option("prime_activite")
    page.get_by_role("button", name="Enregistrer nos démarches").click()
    expect(page.locator(".messages")).to_contain_text("Démarches enregistrées")


def test_a_forum_session_with_three_phones(live_server, arras, make_member, browser):
    personas_import(arras, ARRAS_PERSONAS)
    lead = make_member(arras, Role.TRAINER)
    desk = new_context(browser, viewport=DESKTOP, locale="fr-FR")
    board = desk.new_page()
    log_in(board, live_server.url, lead)
    board.goto(f"{live_server.url}/territoires/{arras.siren}/formation/jeu/nouvelle/")
    board.get_by_label("Titre").fill("Forum des partenaires")
    board.get_by_label("Nombre de tours").fill("2")
    for index, name in enumerate(PERSONAS, start=1):
        board.locator(f"#id_equipe{index}-nom").fill(f"Équipe {index}")
        choose_persona(board, index, name)
    board.get_by_role("button", name="Créer la séance").click()
    expect(board.locator("h1")).to_have_text("Forum des partenaires")
    assert serious_violations(board) == []
    screenshot(board, "jeu-tableau-avant")

    board.get_by_text("Les liens des équipes").click()
    team_urls = [
        a.get_attribute("href") for a in board.locator(".game-links").first.locator("a").all()
    ]
    board.get_by_text("Les liens des tables").click()
    table_links = board.locator(".game-links").nth(1).locator("a")
    table_url = table_links.filter(has_text="France Services").first.get_attribute("href")
    assert len(team_urls) == 3

    phones = []
    for team_url in team_urls:
        context = new_context(browser, viewport=PHONE, device_scale_factor=2, locale="fr-FR")
        page = context.new_page()
        page.goto(team_url)
        expect(page.locator("#demarches")).to_contain_text("Le formulaire s'ouvre")
        phones.append((context, page))
    assert serious_violations(phones[0][1]) == []
    screenshot(phones[0][1], "jeu-equipe-attente-telephone")

    table_context = new_context(browser, viewport=PHONE, device_scale_factor=2, locale="fr-FR")
    table = table_context.new_page()
    table.goto(table_url)

    for number in (1, 2):
        board.get_by_role("button", name=f"Commencer le tour {number}").click()
        expect(board.locator("#jeu-etat")).to_contain_text(f"Tour {number} sur 2 ouvert")
        expect(board.locator("[data-compte-a-rebours]")).to_contain_text(":")
        for _, page in phones:  # the form comes without a reload
            expect(page.locator("#id_d1-action")).to_be_visible(timeout=LIVE)
        key = (
            phones[0][1]
            .locator("#id_d1-table option", has_text="France Services")
            .first.get_attribute("value")
        )
        for _, page in phones:
            play_steps(page, key, number)
        if number == 1:
            assert serious_violations(phones[0][1]) == []
            screenshot(phones[0][1], "jeu-equipe-demarches-telephone")
        # The board shows the teams' steps without a reload.
        expect(board.locator("#jeu-grille")).to_contain_text(
            "S'informer sur ses droits", timeout=LIVE
        )
        expect(table.locator("#jeu-choix")).to_contain_text("Équipe 3", timeout=LIVE)
        if number == 1:
            table.get_by_label("Équipe").select_option(label="Équipe 1")
            table.get_by_label("Ce qui s'est passé à la table").fill("Venue sans son RIB.")
            table.get_by_role("button", name="Enregistrer la note").click()
            expect(table.locator(".messages")).to_contain_text("Note sur « Équipe 1 »")
            assert serious_violations(table) == []
            screenshot(table, "jeu-table-telephone")
            expect(board.locator("#jeu-notes")).to_contain_text("Venue sans son RIB.", timeout=LIVE)
            screenshot(board, "jeu-tableau-tour-1")
        board.get_by_role("button", name=f"Jouer le tour {number}").click()
        for _, page in phones:  # what happened comes without a reload
            expect(page.locator("#tours")).to_contain_text(f"Tour {number}", timeout=LIVE)
            expect(page.locator("#tours")).to_contain_text("Information")
        if number == 1:
            expect(board.locator("#jeu-grille")).to_contain_text("Information")
            assert serious_violations(board) == []
            screenshot(board, "jeu-tableau-joue")
            screenshot(phones[0][1], "jeu-equipe-resultats-telephone")

    # The last round played ends the session: the debrief.
    expect(board.locator("h1")).to_have_text("Débriefing")
    expect(board.locator("main")).to_contain_text("Ce qui est gardé pour le bilan annuel")
    expect(board.locator("main")).to_contain_text("Les lieux que personne n'a découverts")
    assert serious_violations(board) == []
    screenshot(board, "jeu-debriefing")
    board.emulate_media(media="print")
    screenshot(board, "jeu-debriefing-impression")
    expect(board.locator(".site-header")).to_be_hidden()
    board.emulate_media(media="screen")
    phone = phones[1][1]
    expect(phone.get_by_role("link", name="Voir le débriefing")).to_be_visible(timeout=LIVE)
    phone.get_by_role("link", name="Voir le débriefing").click()
    expect(phone.locator("h1")).to_have_text("Débriefing")
    assert serious_violations(phone) == []
    screenshot(phone, "jeu-debriefing-telephone")
    for context, _ in phones:
        context.close()
    table_context.close()
    desk.close()
