"""The rights simulator's pages: the resident's path, the professional's
page, the recap, and the consent rule for keeping a simulation."""

import datetime
import re

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.rights.models import SavedSimulation

# The simulator computes the current month; the amounts below are those of
# November 2026, and a month past the legislation OpenFisca knows cannot be
# simulated at all.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)),
]


def token(html, name="etat"):
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def walk(client, steps):
    """Go through the path: `steps` is the list of POST data, one per screen."""
    html = client.get(reverse("rights_step")).text
    for data in steps:
        response = client.post(
            reverse("rights_step"), {"etat": token(html), "action": "suivant", **data}
        )
        html = response.text
    return response


SINGLE_TENANT = [
    {"logement-commune": "62041", "logement-statut": "locataire_vide"},
    {"logement-loyer": "450"},  # a tenant's screen
    {
        "demandeur-naissance": "1991-05-15",
        "demandeur-activite": "chomeur",
        "demandeur-handicap": "",
    },
    {"foyer-en_couple": "non", "foyer-enfants": "0"},
    {},  # resources: none
    {"percues-revenu_fiscal_reference": "0"},
]


def test_resident_path_gives_benefits_with_where_to_claim(client, arras):
    response = walk(client, SINGLE_TENANT)
    assert response.status_code == 200
    html = response.text
    assert "Vous avez probablement droit à" in html
    assert "Revenu de solidarité active (RSA)" in html and "573,49 € par mois" in html
    assert "Aide au logement" in html and "290,00 € par mois" in html
    assert "Qui la verse" in html and "CAF (ou MSA)" in html
    assert "https://www.caf.fr/" in html
    assert SavedSimulation.objects.count() == 0  # nothing stored without consent


def test_path_with_couple_and_children_has_at_most_ten_screens(client, arras):
    steps = [
        {"logement-commune": "62041", "logement-statut": "locataire_hlm"},
        {"logement-loyer": "550"},
        {"demandeur-naissance": "1984-05-15", "demandeur-activite": "salarie"},
        {"foyer-en_couple": "oui", "foyer-enfants": "2"},
        {"conjoint-naissance": "1985-02-15", "conjoint-activite": "inactif"},
        {
            "enfant0-naissance": "2018-03-01", "enfant0-scolarite": "primaire",
            "enfant1-naissance": "2014-09-01", "enfant1-scolarite": "college",
        },
        {"ressources-demandeur-salaire_net": "1200"},
        {"percues-af": "153.01", "percues-avis_inconnu": "on"},
    ]  # fmt: skip
    html = client.get(reverse("rights_step")).text
    assert "étape 1 sur" in html
    response = walk(client, steps)
    assert "Allocations familiales" in response.text
    assert len(steps) + 1 <= 10


def test_a_tenant_is_asked_a_rent_without_charges_above_zero(client, arras):
    html = walk(client, SINGLE_TENANT[:1]).text
    assert "Loyer mensuel hors charges" in html
    assert "c&#x27;est ce montant que la CAF retient" in html
    response = client.post(
        reverse("rights_step"), {"etat": token(html), "action": "suivant", "logement-loyer": "0"}
    )
    assert response.status_code == 422
    assert "Indiquez le loyer mensuel hors charges" in response.text


def test_each_screen_says_what_is_wrong_and_keeps_the_answers(client, arras):
    html = client.get(reverse("rights_step")).text
    response = client.post(
        reverse("rights_step"),
        {"etat": token(html), "action": "suivant", "logement-statut": "locataire_vide"},
    )
    assert response.status_code == 422
    assert "Des réponses sont à corriger" in response.text
    assert "Votre commune : Ce champ est obligatoire." in response.text
    housed = client.post(
        reverse("rights_step"),
        {"etat": token(response.text), "action": "suivant", **SINGLE_TENANT[0]},
    )
    no_rent = client.post(reverse("rights_step"), {"etat": token(housed.text), "action": "suivant"})
    assert no_rent.status_code == 422 and "Indiquez le loyer mensuel" in no_rent.text
    ok = client.post(
        reverse("rights_step"),
        {"etat": token(no_rent.text), "action": "suivant", **SINGLE_TENANT[1]},
    )
    future = client.post(
        reverse("rights_step"),
        {"etat": token(ok.text), "action": "suivant", "demandeur-naissance": "2099-01-01",
         "demandeur-activite": "chomeur"},
    )  # fmt: skip
    assert future.status_code == 422 and "Cette date est dans le futur." in future.text
    back = client.post(reverse("rights_step"), {"etat": token(future.text), "action": "precedent"})
    assert 'value="450' in back.text  # the answers come back


def test_tampered_state_is_refused(client, arras):
    response = client.post(reverse("rights_step"), {"etat": "faux", "action": "suivant"})
    assert response.status_code == 404


def test_keeping_needs_consent_and_gives_a_code_a_partner_can_open(client, arras, make_member):
    html = walk(client, SINGLE_TENANT).text
    situation = token(html, "situation")
    refused = client.post(reverse("rights_keep"), {"situation": situation})
    assert refused.status_code == 422
    assert "Cochez la case pour que la simulation soit conservée." in refused.text
    assert SavedSimulation.objects.count() == 0
    kept = client.post(reverse("rights_keep"), {"situation": situation, "consent": "on"})
    saved = SavedSimulation.objects.get()
    assert f"{saved.code[:4]}-{saved.code[4:]}" in kept.text
    assert "ni votre nom ni votre adresse" in kept.text
    assert "conservée 90 jours" in saved.consent_text
    # A field agent cannot reopen it; a partner of the territory can.
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    assert client.get(reverse("rights_reopen")).status_code == 403
    client.force_login(make_member(arras, Role.PARTNER))
    wrong = client.post(reverse("rights_reopen"), {"code": "ZZZZZZZZ"})
    assert wrong.status_code == 422 and "Aucune simulation en cours avec ce code" in wrong.text
    opened = client.post(
        reverse("rights_reopen"), {"code": saved.code.lower()[:4] + " " + saved.code[4:]}
    )
    assert opened.status_code == 200
    assert "rouverte" in opened.text and "573,49 € par mois" in opened.text
    assert 'value="1991-05-15"' in opened.text  # the answers, to correct with the person


def test_a_partner_of_another_territory_cannot_open_it(client, arras, make_member):
    from nonrecours.territories import actions
    from tests.conftest import LENS_SIREN

    html = walk(client, SINGLE_TENANT).text
    client.post(reverse("rights_keep"), {"situation": token(html, "situation"), "consent": "on"})
    saved = SavedSimulation.objects.get()
    lens = actions.territory_import(siren=LENS_SIREN).territory
    client.force_login(make_member(lens, Role.PARTNER))
    # The same answer as an unknown code: whether it exists is not told.
    refused = client.post(reverse("rights_reopen"), {"code": saved.code})
    assert refused.status_code == 422
    assert "Aucune simulation en cours avec ce code" in refused.content.decode()


def test_expired_simulations_cannot_be_opened_and_are_deleted(client, arras, make_member):
    from django.utils import timezone

    from nonrecours.rights import actions

    saved = actions.simulation_save(situation={"mois": "2026-11"}, territory=arras, consent=True)
    SavedSimulation.objects.filter(pk=saved.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.post(reverse("rights_reopen"), {"code": saved.code}).status_code == 422
    assert not SavedSimulation.objects.exists()  # deleted when someone looked it up
    again = actions.simulation_save(situation={"mois": "2026-11"}, territory=arras, consent=True)
    SavedSimulation.objects.filter(pk=again.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("purge", stdout=out)
    assert "1 simulation(s) expirée(s) supprimée(s)" in out.getvalue()
    with pytest.raises(PermissionError):
        actions.simulation_save(situation={}, territory=arras, consent=False)
    with pytest.raises(PermissionError, match="Sans territoire"):
        actions.simulation_save(situation={}, territory=None, consent=True)


def test_recap_pdf(client, arras):
    html = walk(client, SINGLE_TENANT).text
    response = client.post(reverse("rights_recap"), {"situation": token(html, "situation")})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_expert_mode_on_one_page(client, arras):
    url = reverse("rights_expert")
    assert "Simulation sur une page" in client.get(url).text
    data = {
        "logement-commune": "62041", "logement-statut": "loge_gratuitement",
        "demandeur-naissance": "1986-05-15", "demandeur-activite": "inactif",
        "demandeur-handicap": "0.8",
        "enfant0-naissance": "2019-03-01", "enfant0-scolarite": "primaire",
    }  # fmt: skip
    html = client.post(url, data).text
    assert "Allocation aux adultes handicapés (AAH)" in html
    assert "Allocation de soutien familial" in html
    bad = client.post(url, {**data, "enfant0-naissance": "pas une date"})
    assert bad.status_code == 422 and "Enfant 1, Date de naissance" in bad.text


def test_results_point_to_help_nearby_from_the_directory(client, arras):
    from nonrecours.directory import imports as directory_imports
    from tests.directory.test_directory import OFFER, STRUCTURE, updated_today

    directory_imports.directory_import(records=updated_today(STRUCTURE, OFFER), territory=arras)
    html = walk(client, SINGLE_TENANT).text
    assert "Se faire aider près de chez vous" in html
    assert "Accompagnement à l&#x27;accès aux droits" in html


def test_review_shows_the_answers_and_only_form_fields_are_kept(client, arras):
    html = walk(client, SINGLE_TENANT).text
    review = client.post(reverse("rights_step"), {"etat": token(html, "etat"), "action": "revoir"})
    assert "Ce que vous percevez déjà" in review.text
    assert 'value="0' in review.text  # the revenu fiscal de référence is still there
    # A field of another step slipped into a request is not kept nor trusted.
    first = client.get(reverse("rights_step")).text
    response = client.post(
        reverse("rights_step"),
        {"etat": token(first), "action": "suivant", **SINGLE_TENANT[0], "logement-loyer": "450",
         "foyer-enfants": ["999", "2"], "autre": "x"},
    )  # fmt: skip
    assert response.status_code == 200 and "999" not in response.text


def test_the_same_results_page_kept_twice_gives_one_code(client, arras):
    html = walk(client, SINGLE_TENANT).text
    situation = token(html, "situation")
    for _ in range(3):
        client.post(reverse("rights_keep"), {"situation": situation, "consent": "on"})
    assert SavedSimulation.objects.count() == 1


def test_expert_mode_keeps_eight_children_and_a_partner_known_by_resources(client, arras):
    from nonrecours.www.rights.views import EXPERT_CHILDREN

    assert EXPERT_CHILDREN == 8
    data = {
        "logement-commune": "62041", "logement-statut": "loge_gratuitement",
        "demandeur-naissance": "1986-05-15", "demandeur-activite": "inactif",
        "ressources-conjoint-salaire_net": "3000",
    }  # fmt: skip
    response = client.post(reverse("rights_expert"), data)
    assert response.status_code == 422  # the partner's birth date is asked for
    assert "Date de naissance" in response.text


@pytest.mark.time_machine(datetime.datetime(2027, 6, 15, 10, 0, tzinfo=datetime.UTC))
def test_a_month_past_the_known_legislation_never_reads_as_no_right(client, arras):
    html = walk(client, SINGLE_TENANT).text.replace("&#x27;", "'")
    assert "Nous n'avons pas pu calculer les aides pour cette situation" in html
    assert "Nous n'avons pas trouvé d'aide" not in html
    assert "ne peut pas être simulé" in html


def test_results_always_give_a_place_to_get_help_the_town_hall_at_least(client, arras):
    # The default install: the directory holds the town halls only.
    from nonrecours.directory import town_halls

    town_halls.directory_prefill_town_halls(territory=arras)
    html = walk(client, SINGLE_TENANT).text
    help_section = html[html.index('id="pres-de-chez-vous"') :]
    help_section = help_section[: help_section.index("</section>")]
    commune = arras.communes.get(insee_code="62041")
    assert "Votre mairie peut vous aider" in help_section
    assert "Mairie d" in help_section and commune.town_hall_phone in help_section
    assert "Horaires : " in help_section and "Mo-Fr" not in help_section  # hours in French
    assert "lundi" in help_section


def test_france_services_comes_before_the_town_hall(client, arras):
    from nonrecours.directory import imports as directory_imports
    from nonrecours.directory import town_halls
    from tests.directory.test_directory import STRUCTURE, updated_today

    france_services = {
        **STRUCTURE, "id": "nonrecours--fs", "nom": "France Services d'Arras",
        "reseaux_porteurs": ["france-service"],
    }  # fmt: skip
    town_halls.directory_prefill_town_halls(territory=arras)
    directory_imports.directory_import(records=updated_today(france_services), territory=arras)
    html = walk(client, SINGLE_TENANT).text
    assert "Dans une maison France Services" in html
    assert "France Services d&#x27;Arras" in html and "Votre mairie peut vous aider" not in html


def test_recap_pdf_lists_where_to_get_help(client, arras):
    import io

    from pypdf import PdfReader

    html = walk(client, SINGLE_TENANT).text
    response = client.post(reverse("rights_recap"), {"situation": token(html, "situation")})
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Se faire aider près de chez vous" in text
    assert arras.communes.get(insee_code="62041").town_hall_phone in text
