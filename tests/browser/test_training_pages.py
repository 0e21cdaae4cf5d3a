"""The training pages of a territory driven by a trainer in a real Chromium,
on a phone and on a desktop: the personas (list, card, edit form refused
then saved, YAML) and the events (list, a new event refused then created,
its page, registering someone, ticking presence — without JavaScript too —,
the public registration and the « avant » quiz by their tokens, editing,
removing a registration, deleting). Each page state passes axe with no
serious problem and `unseen_problems` (at 320 and 390 px), and is
photographed in test-artifacts/ (formation-*.png, evenements-*.png)."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from nonrecours.accounts.enums import Role
from nonrecours.events import actions as event_actions
from nonrecours.events.enums import EventKind
from nonrecours.training.actions import personas_import
from nonrecours.training.personas import ARRAS_PERSONAS
from tests.browser.conftest import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    assert_error_state_is_reachable,
    log_in,
    new_context,
    serious_violations,
    unseen_problems,
)

# A Monday, 11 h in Paris: the event of the test is today, its morning under way.
NOW = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(NOW),
]

VIEWPORTS = {"telephone": PHONE, "bureau": DESKTOP}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request):
    return request.param


def open_context(browser, screen, **options):
    scale = {"device_scale_factor": 2} if screen == "telephone" else {}
    return new_context(browser, viewport=VIEWPORTS[screen], locale="fr-FR", **scale, **options)


def shoot(page, name: str, screen: str) -> None:
    """A full-page screenshot, `<name>-<screen>.png`, in CSS pixels."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{screen}.png"), full_page=True, scale="css")


def check(page, name: str, screen: str) -> None:
    """axe (serious and critical) and `unseen_problems`, then the shots. On
    a phone, axe runs at 320 px, where a table scrolls sideways (its region
    must then take the focus), and the shots are `<name>-320.png` and
    `<name>-telephone.png` (390 px)."""
    if screen != "telephone":
        assert serious_violations(page) == [], page.url
        shoot(page, name, screen)
        return
    viewport = page.viewport_size
    try:
        page.set_viewport_size({"width": 320, "height": viewport["height"]})
        assert serious_violations(page) == [], page.url
        shoot(page, name, "320")
    finally:
        page.set_viewport_size(viewport)
    shoot(page, name, screen)


def signed_in(browser, screen, live_server, user, part: str):
    """A page of a new context, signed in as ``user``, at the territory's
    « formation/<part>/ »; and that address."""
    page = open_context(browser, screen).new_page()
    log_in(page, live_server.url, user.username)
    base = f"{live_server.url}/territoires/200033579/formation/{part}/"
    page.goto(base)
    return page, base


def path_of(url: str) -> str:
    """The path of an address given with NONRECOURS_BASE_URL."""
    return urlsplit(url).path


def test_a_trainer_edits_the_personas(live_server, arras, make_member, browser, screen):
    personas_import(arras, ARRAS_PERSONAS)
    trainer = make_member(arras, Role.TRAINER)
    page, base = signed_in(browser, screen, live_server, trainer, "personas")

    expect(page.locator("h1")).to_have_text("Personas de la formation")
    expect(page.locator("main")).to_contain_text("Inès, 24 ans")
    check(page, "formation-personas", screen)

    page.get_by_role("link", name="Inès, 24 ans").click()
    expect(page.locator("h1")).to_have_text("Inès, 24 ans")
    expect(page.locator("#persona-versions")).to_be_visible()
    check(page, "formation-persona", screen)

    page.get_by_role("link", name="Modifier le persona").click()
    expect(page.locator("h1")).to_contain_text("Inès, 24 ans")
    check(page, "formation-persona-modifier", screen)
    # No name, and an event of the timeline begun but not finished.
    page.locator("#id_nom").fill("")
    spare = page.locator("#parcours fieldset.child").last
    spare.get_by_label("Quand").fill("il y a 2 semaines")
    page.get_by_role("button", name="Enregistrer le persona").click()
    assert_error_state_is_reachable(page, described=True)
    expect(page.locator(".error-summary")).to_contain_text("Nom")
    check(page, "formation-persona-erreurs", screen)

    page.locator("#id_nom").fill("Inès, 24 ans")
    spare = page.locator("#parcours fieldset.child").last
    spare.get_by_label("Événement").select_option(index=1)
    spare.get_by_label("Récit").fill("Elle perd son contrat d'intérim et appelle la CAF.")
    page.get_by_role("button", name="Enregistrer le persona").click()
    expect(page.locator(".messages")).to_contain_text("Version 2 de « Inès, 24 ans » enregistrée")
    expect(page.locator("#persona-parcours").locator("..")).to_contain_text(
        "Elle perd son contrat d'intérim"
    )
    check(page, "formation-persona-v2", screen)

    page.get_by_role("link", name="Modifier en YAML ou envoyer un fichier").click()
    expect(page.locator("h1")).to_have_text("Inès, 24 ans en YAML")
    expect(page.locator("textarea")).to_contain_text("cle: ines-24-ans")
    check(page, "formation-persona-yaml", screen)
    page.locator("textarea").fill("cle: ines-24-ans\nnom: [Inès")
    page.get_by_role("button", name="Vérifier et enregistrer").click()
    assert_error_state_is_reachable(page, described=True)
    check(page, "formation-persona-yaml-erreurs", screen)
    page.context.close()


def tick_without_javascript(browser, base: str, username: str, attendance_url: str) -> None:
    """The attendance page is plain forms: it works with JavaScript off,
    the afternoon chosen with its own form."""
    context = new_context(
        browser, viewport=PHONE, locale="fr-FR", device_scale_factor=2, java_script_enabled=False
    )
    page = context.new_page()
    log_in(page, base, username)
    page.goto(attendance_url)
    page.get_by_label("Demi-journée").select_option(index=1)
    page.get_by_role("button", name="Changer de demi-journée").click()
    expect(page.locator("h1")).to_contain_text("après-midi")
    page.get_by_role("button", name="Cocher Chloé Bernard présent·e").click()
    expect(page.locator("h1")).to_contain_text("après-midi")
    expect(page.locator("li", has_text="Chloé Bernard").locator(".badge")).to_have_text("présent·e")
    expect(page.get_by_role("status")).to_contain_text("1 personne cochée présente")
    assert unseen_problems(page) == []
    shoot(page, "evenements-presences-sans-javascript", "telephone")
    context.close()


def test_a_trainer_runs_an_event(live_server, arras, make_member, browser, screen):
    trainer = make_member(arras, Role.TRAINER)
    today = NOW.date()
    # Another event, to delete.
    event_actions.event_create(
        territory=arras, created_by=trainer, kind=EventKind.FORUM, title="Forum annulé",
        starts_on=today + datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=30),
        start_time=datetime.time(14), end_time=datetime.time(17), place="Maison des sociétés",
    )  # fmt: skip
    page, base = signed_in(browser, screen, live_server, trainer, "evenements")

    expect(page.locator("h1")).to_have_text("Forums et formations")
    check(page, "evenements-liste", screen)

    # A new event, refused then created.
    page.get_by_role("link", name="Nouvel événement").click()
    page.get_by_label("Titre").fill("Précarité et santé mentale")
    page.get_by_role("button", name="Créer l'événement").click()
    assert_error_state_is_reachable(page, described=True)
    check(page, "evenements-nouveau-erreurs", screen)
    page.get_by_label("Formation", exact=True).check()
    page.get_by_label("Premier jour").fill(today.isoformat())
    page.get_by_label("Heure de début").fill("09:00")
    page.get_by_label("Heure de fin").fill("16:30")
    page.get_by_label("Lieu").fill("Salle du conseil, hôtel communautaire, 146 allée du Bastion")
    page.get_by_label("Nombre de places").fill("20")
    page.get_by_label("Quiz et questionnaire de satisfaction").select_option(
        "precarite-sante-mentale"
    )
    page.get_by_label("Autres structures invitées").fill("Club de prévention\nCHRS Le Relais")
    page.get_by_role("button", name="Créer l'événement").click()
    expect(page.locator(".messages")).to_contain_text("Événement « Précarité et santé mentale »")
    event_url = page.url

    # Registering: refused (no name), then two people.
    page.get_by_role("button", name="Inscrire", exact=True).click()
    assert_error_state_is_reachable(page, described=True)
    check(page, "evenements-inscrire-erreurs", screen)
    for first, last in (("Chloé", "Bernard"), ("Yanis", "Lefebvre")):
        form = page.locator("form", has=page.locator("#inscrire-titre"))
        form.get_by_label("Nom", exact=True).fill(last)
        form.get_by_label("Prénom").fill(first)
        form.locator("#id_organisation_name").fill("CCAS d'Arras")
        form.get_by_label("Fonction").fill("Travailleuse sociale")
        form.get_by_role("button", name="Inscrire", exact=True).click()
        expect(page.locator(".messages")).to_contain_text(f"{first} {last} inscrit·e.")
    check(page, "evenements-evenement", screen)
    register_url = path_of(page.locator("a.code").first.get_attribute("href"))
    quiz_url = path_of(page.locator("a.code").nth(1).get_attribute("href"))

    # The public registration, by its token, on a phone, without an account.
    visitor = open_context(browser, screen)
    public = visitor.new_page()
    public.goto(live_server.url + register_url)
    expect(public.locator("h1")).to_have_text("Précarité et santé mentale")
    public.get_by_role("button", name="M'inscrire").click()
    assert_error_state_is_reachable(public)
    check(public, "evenements-inscription-publique-erreurs", screen)
    public.get_by_label("Nom", exact=True).fill("Martin")
    public.get_by_label("Prénom").fill("Léa")
    public.get_by_label("Votre structure").select_option(label="CHRS Le Relais")
    public.get_by_role("button", name="M'inscrire").click()
    expect(public.get_by_role("status")).to_contain_text("Votre inscription est enregistrée")
    check(public, "evenements-inscription-publique-merci", screen)

    # The quiz « avant », by its token: refused without answers, then sent.
    public.goto(live_server.url + quiz_url)
    check(public, "evenements-questionnaires", screen)
    public.get_by_role("link", name="Quiz avant la formation").click()
    public.get_by_role("button", name="Envoyer mes réponses").click()
    assert_error_state_is_reachable(public)
    check(public, "evenements-quiz-avant-erreurs", screen)
    public.get_by_label("Votre nom").select_option(label="Léa M. — CHRS Le Relais")
    for group in public.locator("form.questionnaire fieldset.choices").all():
        group.locator("input").first.check()
    public.get_by_role("button", name="Envoyer mes réponses").click()
    expect(public.get_by_role("status")).to_contain_text("Merci, vos réponses sont enregistrées")
    check(public, "evenements-quiz-avant-merci", screen)
    visitor.close()

    # Presence, this morning: one tick.
    page.goto(event_url)
    page.get_by_role("link", name="Cocher les présences").click()
    expect(page.locator("h1")).to_contain_text("matin")
    check(page, "evenements-presences", screen)
    page.get_by_role("button", name="Cocher Yanis Lefebvre présent·e").click()
    expect(page.get_by_role("status")).to_contain_text("1 personne cochée présente")
    expect(page.get_by_role("button", name="Retirer la présence de Yanis Lefebvre")).to_be_visible()
    expect(page.locator("li", has_text="Yanis Lefebvre").locator(".badge")).to_have_text(
        "présent·e"
    )
    check(page, "evenements-presences-cochee", screen)
    if screen == "telephone":
        tick_without_javascript(browser, live_server.url, trainer.username, page.url)

    # Editing: refused (no title), then saved.
    page.goto(event_url)
    page.get_by_role("link", name="Modifier l'événement").click()
    check(page, "evenements-modifier", screen)
    page.get_by_label("Titre").fill("")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    assert_error_state_is_reachable(page, described=True)
    check(page, "evenements-modifier-erreurs", screen)
    page.get_by_label("Titre").fill("Précarité, santé mentale et accès aux droits")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.locator(".messages")).to_contain_text("Événement modifié.")
    expect(page.locator("h1")).to_have_text("Précarité, santé mentale et accès aux droits")

    # Removing a registration.
    page.get_by_role("link", name="Retirer Léa Martin").click()
    expect(page.locator("h1")).to_have_text("Retirer une inscription")
    check(page, "evenements-retirer", screen)
    page.get_by_role("button", name="Retirer l'inscription").click()
    expect(page.locator(".messages")).to_contain_text("Léa Martin : inscription retirée.")
    check(page, "evenements-evenement-apres", screen)

    # Deleting: refused once someone is ticked present; the other event goes.
    page.get_by_role("link", name="Supprimer l'événement").click()
    check(page, "evenements-supprimer", screen)
    page.get_by_role("button", name="Supprimer l'événement").click()
    expect(page).to_have_title(re.compile("^Erreur — "))
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("des présences sont cochées")
    check(page, "evenements-supprimer-refuse", screen)
    page.goto(base)
    page.get_by_role("link", name="Forum annulé").click()
    page.get_by_role("link", name="Supprimer l'événement").click()
    page.get_by_role("button", name="Supprimer l'événement").click()
    expect(page.locator(".messages")).to_contain_text("Événement « Forum annulé » supprimé.")
    expect(page.locator("table")).not_to_contain_text("Forum annulé")
    check(page, "evenements-liste-apres", screen)
    page.context.close()
