"""The simulator's questions that apply only to some, in a real browser on
a 390 px phone: a student (CROUS criteria) and a single parent whose child
is in shared custody. Each screen audited with axe-core; nothing wider than
the screen."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import page_width, screenshot, serious_violations

# November 2026: inside the legislation OpenFisca knows; the tax notice
# asked is the 2025 one, on the 2024 incomes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)),
]


def audited(page, name: str) -> None:
    assert page_width(page) <= 390, name
    screenshot(page, name)
    assert serious_violations(page) == [], name


def next_screen(page, heading: str) -> None:
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text(heading)


def test_a_student_on_a_phone(live_server, arras, phone_page):
    page = phone_page
    page.goto(live_server.url + "/simulateur/etapes/")
    page.get_by_label("Votre commune").select_option(label="Arras")
    page.get_by_label("Locataire d'un logement meublé").check()
    next_screen(page, "Votre loyer")
    page.get_by_label("Loyer mensuel hors charges").fill("380")
    page.locator("#id_logement-colocation_1").check()  # « Oui »
    audited(page, "simulateur-loyer-telephone")
    next_screen(page, "Vous")
    page.get_by_label("Date de naissance").fill("2005-09-01")
    page.get_by_label("Étudiant·e ou en formation").check()
    next_screen(page, "Vos études")
    next_screen(page, "Vos études")  # the attachment question needs an answer
    expect(page.get_by_role("alert")).to_contain_text("Rattaché·e au foyer fiscal des parents")
    audited(page, "simulateur-etudes-erreur-telephone")
    page.locator("#id_demandeur-rattache_foyer_parents_0").check()  # « Non »
    page.get_by_label("Revenu brut global des parents, en 2024").fill("26000")
    page.get_by_label("Nombre d'enfants à la charge des parents").fill("3")
    page.get_by_label("Dont étudiant·es").fill("2")
    page.get_by_label("Distance entre le domicile des parents").fill("150")
    audited(page, "simulateur-etudes-telephone")
    next_screen(page, "Votre foyer")
    page.locator("#id_foyer-en_couple_0").check()  # « Non »
    next_screen(page, "Vos ressources")
    page.locator("#id_ressources-demandeur-salaire_net").fill("420")
    audited(page, "simulateur-ressources-telephone")
    next_screen(page, "Ce que vous percevez déjà")
    expect(page.get_by_text("avis d'imposition 2025 (sur les revenus 2024)")).to_be_visible()
    page.get_by_label("Je ne le connais pas").check()
    audited(page, "simulateur-avis-telephone")
    page.get_by_role("button", name="Voir mes droits").click()
    expect(page.locator("h1")).to_have_text("Vos droits estimés")
    audited(page, "simulateur-etudiant-resultats-telephone")


def test_a_single_parent_with_shared_custody_on_a_phone(live_server, arras, phone_page):
    page = phone_page
    page.goto(live_server.url + "/simulateur/etapes/")
    page.get_by_label("Votre commune").select_option(label="Arras")
    page.get_by_label("Locataire d'un logement social (HLM)").check()
    next_screen(page, "Votre loyer")
    page.get_by_label("Loyer mensuel hors charges").fill("480")
    next_screen(page, "Vous")
    page.get_by_label("Date de naissance").fill("1988-04-12")
    page.get_by_label("En emploi (salarié·e)").check()
    next_screen(page, "Votre foyer")
    page.locator("#id_foyer-en_couple_0").check()  # « Non »
    page.get_by_label("Nombre d'enfants à votre charge").fill("2")
    audited(page, "simulateur-foyer-parent-telephone")
    next_screen(page, "Vos enfants")
    first = page.get_by_role("group", name="Enfant 1")
    first.get_by_label("Date de naissance").fill("2016-03-01")
    first.get_by_label("Scolarité").select_option(label="École élémentaire")
    first.get_by_label("Oui").check()  # garde alternée
    second = page.get_by_role("group", name="Enfant 2")
    second.get_by_label("Date de naissance").fill("2021-06-20")
    second.get_by_label("Scolarité").select_option(label="École maternelle")
    audited(page, "simulateur-garde-alternee-telephone")
    next_screen(page, "Vos ressources")
    page.locator("#id_ressources-demandeur-salaire_net").fill("1350")
    page.locator("#id_ressources-demandeur-pension_alimentaire").fill("150")
    next_screen(page, "Ce que vous percevez déjà")
    page.get_by_label("Revenu fiscal de référence de votre avis d'imposition 2025").fill("15800")
    page.get_by_role("button", name="Voir mes droits").click()
    expect(page.locator("h1")).to_have_text("Vos droits estimés")
    expect(page.get_by_role("heading", name="Vous avez probablement droit à")).to_be_visible()
    audited(page, "simulateur-parent-resultats-telephone")


def test_professional_page_leaves_empty_blocks_alone_on_a_phone(live_server, arras, phone_page):
    page = phone_page
    page.goto(live_server.url + "/simulateur/expert/")
    page.locator("#id_logement-commune").select_option(label="Arras")
    page.get_by_label("Locataire d'un logement non meublé").check()
    page.locator("#id_logement-loyer").fill("430")
    page.locator("#id_demandeur-naissance").fill("1979-10-02")
    page.locator("#id_demandeur-activite_1").check()  # demandeur·se d'emploi
    page.get_by_role("button", name="Calculer").click()
    expect(page.get_by_role("heading", name="Revenu de solidarité active (RSA)")).to_be_visible()
    expect(page.get_by_text("Ce champ est obligatoire")).to_have_count(0)
    expect(page.locator(".field-error")).to_have_count(0)
    audited(page, "simulateur-expert-resultat-telephone")
    page.locator("#id_enfant1-scolarite").select_option(label="Collège")  # a child half filled
    page.get_by_role("button", name="Calculer").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enfant 2, Date de naissance : À remplir, car le bloc « Enfant 2 » est commencé"
    )
    audited(page, "simulateur-expert-erreur-telephone")
