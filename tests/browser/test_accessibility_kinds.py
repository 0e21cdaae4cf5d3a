"""What an accessibility audit tool cannot see (issue 13, item 8), checked
as kinds across pages: errors reachable after a submit, ids that exist,
required fields said before sending, no sideways scroll on a small phone,
landmarks with distinct names. `unseen_problems` (conftest) also runs on
every page state the other browser tests audit."""

import datetime
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from tests.browser.conftest import (
    PHONE,
    assert_error_state_is_reachable,
    log_in,
    new_context,
    serious_violations,
    unseen_problems,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)),
]

SHOTS = Path("/tmp/h/shots")  # noqa: S108 - where the issue asks for the screenshots
PASSWORD = "mot-de-passe-de-test"
NOTE = "Les champs sans mention « (facultatif) » sont obligatoires."


def shot(page, name: str) -> None:
    """Full-page screenshots of the page as it is, at 390 and 320 CSS px
    wide, to look at (`<name>-390.png`, `<name>-320.png`)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    try:
        for width in (390, 320):
            page.set_viewport_size({"width": width, "height": viewport["height"]})
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    finally:
        page.set_viewport_size(viewport)


def focused(page) -> str:
    """The focused element, as « tag#id.class »."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className; }"
    )


def test_a_radio_group_error_links_to_its_first_radio(live_server, arras, phone_page):
    page = phone_page
    page.goto(live_server.url + "/simulateur/expert/")
    expect(page.get_by_text(NOTE)).to_be_visible()
    page.get_by_role("button", name="Calculer").click()
    assert_error_state_is_reachable(page)
    shot(page, "expert-erreurs")
    # The housing status is a radio group: its link reaches its first radio.
    link = page.locator(".error-summary a[href$='_0']").first
    link.click()
    assert focused(page).startswith("input#")
    assert page.evaluate("document.activeElement.type") == "radio"
    assert serious_violations(page) == []


def test_each_field_error_is_tied_to_its_field(live_server, arras, make_member, phone_page):
    page = phone_page
    lead = make_member(arras, Role.PROJECT_LEAD)
    log_in(page, live_server.url, lead.username)
    page.goto(f"{live_server.url}/territoires/{arras.siren}/invitations/")
    expect(page.locator("section", has_text="Une personne").get_by_text(NOTE)).to_be_visible()
    page.get_by_label("Adresse e-mail de la personne").fill("pas-une-adresse")
    # Organisation and role chosen: the address alone is refused.
    page.get_by_label("Organisation").select_option(index=1)
    page.get_by_label("Rôle").select_option(index=1)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    assert_error_state_is_reachable(page)
    shot(page, "invitations-erreurs")
    field = page.get_by_label("Adresse e-mail de la personne")
    described = field.get_attribute("aria-describedby") or ""
    assert any(i.endswith("_error") for i in described.split()), described
    error_id = next(i for i in described.split() if i.endswith("_error"))
    expect(page.locator(f"#{error_id}")).to_contain_text("Erreur")
    expect(page.locator(f"#{error_id}")).to_contain_text("n'est pas une adresse e-mail valable")
    assert serious_violations(page) == []


def test_a_refused_login_is_said_first(live_server, arras, make_member, phone_page):
    page = phone_page
    page.goto(live_server.url + "/connexion/")
    expect(page.get_by_text(NOTE)).to_be_visible()
    page.get_by_label("Identifiant").fill("personne")
    page.get_by_label("Mot de passe").fill("mauvais")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Connexion impossible")
    expect(page).to_have_title(re.compile("^Erreur — "))
    expect(page.locator(".error-summary")).to_be_focused()
    shot(page, "connexion-erreur")
    assert unseen_problems(page) == []


def test_optional_fields_say_so_and_the_others_are_required(
    live_server, arras, make_member, phone_page
):
    page = phone_page
    lead = make_member(arras, Role.PROJECT_LEAD)
    log_in(page, live_server.url, lead.username)
    page.goto(f"{live_server.url}/territoires/{arras.siren}/campagnes/nouvelle/")
    expect(page.get_by_text(NOTE)).to_be_visible()
    expect(page.get_by_label("Nom de la campagne", exact=True)).to_be_visible()
    expect(page.get_by_label("Objectif total de réponses (facultatif)")).to_be_visible()
    page.goto(live_server.url + "/annuaire/structures/nouvelle/?territoire=" + arras.siren)
    expect(page.get_by_text(NOTE)).to_be_visible()
    labels = page.locator("form label, form legend").all_inner_texts()
    # Never twice, and « Nom » (required) without the mention.
    assert not any(label.count("facultatif") > 1 for label in labels), labels
    assert "Nom" in [label.strip() for label in labels]
    assert any("(facultatif)" in label for label in labels)


def test_saving_without_consent_shows_the_error_where_the_eye_is(live_server, arras, phone_page):
    page = phone_page
    page.goto(live_server.url + "/simulateur/expert/")
    page.locator("#id_logement-commune").select_option(label="Arras")
    page.get_by_label("Hébergé·e gratuitement (famille, ami·es…)").check()
    page.locator("#id_demandeur-naissance").fill("1956-05-15")
    page.locator("#id_demandeur-activite_3").check()  # retraité·e
    page.get_by_role("button", name="Calculer").click()
    page.get_by_role("button", name="Conserver et obtenir un code").click()
    error = page.get_by_role("alert").filter(has_text="Cochez la case")
    expect(error).to_be_focused()
    expect(error).to_be_in_viewport()
    expect(page).to_have_title(re.compile("^Erreur — "))
    shot(page, "conserver-sans-accord")
    assert unseen_problems(page) == []


def test_every_page_fits_a_small_phone_with_distinct_landmarks(
    live_server, arras, make_member, browser
):
    """Public pages and each role's pages at 320 and 390 px (unseen_problems
    measures both widths), references and landmarks checked on each."""
    call_command("demo", "--responses", "300", stdout=StringIO())
    public = [
        "/",
        "/territoires/",
        f"/territoires/{arras.siren}/",
        f"/territoires/{arras.siren}/?carte=strate",
        "/simulateur/",
        "/simulateur/expert/",
        "/simulateur/reprendre/",
        "/annuaire/",
        "/annuaire/?q=mairie",
        "/connexion/",
        f"/barometre/{arras.siren}/",
    ]
    team = [
        f"/territoires/{arras.siren}/",
        f"/territoires/{arras.siren}/orientations/",
        "/orientations/",
        "/collecte/",
        "/campagnes/demo-2024/tableau-de-bord/",
    ]
    lead_only = [
        f"/territoires/{arras.siren}/strates/",
        f"/territoires/{arras.siren}/invitations/",
        f"/territoires/{arras.siren}/campagnes/nouvelle/",
        f"/territoires/{arras.siren}/questionnaire/",
        "/campagnes/demo-2024/suivi/",
        "/campagnes/demo-2024/import/",
        "/campagnes/demo-2024/rappels/",
        "/annuaire/structures/nouvelle/?territoire=" + arras.siren,
    ]
    visits = [(None, public)]
    for role, paths in (
        (Role.PARTNER, team),
        (Role.FIELD_AGENT, team),
        (Role.PROJECT_LEAD, team + lead_only),
    ):
        visits.append((make_member(arras, role), paths))
    problems: list[str] = []
    refused: list[str] = []
    for user, paths in visits:
        context = new_context(browser, viewport=PHONE, locale="fr-FR")
        page = context.new_page()
        # The dashboard's first view computes the weighted analysis of 300
        # answers: beyond 30 s on a loaded 2-core machine.
        page.set_default_navigation_timeout(120_000)
        if user is not None:
            log_in(page, live_server.url, user.username)
        for path in paths:
            response = page.goto(live_server.url + path)
            who = user.username if user else "public"
            assert response is not None, path
            if response.status == 403:  # a page this role may not open
                refused.append(path)
                if len(refused) == 1:  # the refusal page itself, once
                    problems += [f"{who} {path} (403) : {p}" for p in unseen_problems(page)]
                continue
            # A wrong address (404) or a crash must not pass for a checked page.
            assert response.status == 200, f"{who} {path} : {response.status}"
            problems += [f"{who} {path} : {p}" for p in unseen_problems(page)]
            if path == "/campagnes/demo-2024/tableau-de-bord/":
                shot(page, f"tableau-de-bord-{who}")
            if path == f"/territoires/{arras.siren}/invitations/":
                shot(page, "invitations")
        context.close()
    assert problems == []
    assert refused, "aucune page refusée : la page 403 n'a pas été vérifiée"
