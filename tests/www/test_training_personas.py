"""The pages of a territory's personas (www/training/personas.py): who sees
them, the list and the card with the rights computed at this month, the
form that edits a persona without code (a round trip keeps it as it is),
the YAML typed or sent, every error in French by its field, no error page
and nothing saved for hostile input."""

import dataclasses
import datetime

import pytest
import time_machine
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.territories import actions as territory_actions
from nonrecours.training.actions import personas_import
from nonrecours.training.models import PersonaVersion
from nonrecours.training.personas import ARRAS_PERSONAS, persona_situation
from nonrecours.training.queries import current_persona_versions, stored_persona
from nonrecours.www.training.persona_forms import persona_form_data
from tests.conftest import LENS_SIREN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("november")]

NOVEMBER_15 = datetime.datetime(2026, 11, 15, 10, 0, tzinfo=datetime.UTC)
MONTH = "2026-11"
NEW = {
    "cle": "",
    "nom": "Léa, 30 ans",
    "public": "rsa_recipients",
    "freins": ["no_internet", "distrust"],
    "droits_percus": ["rsa"],
    "logement-commune": "62041",
    "logement-statut": "locataire_hlm",
    "logement-loyer": "400",
    "demandeur-age": "30",
    "demandeur-activite": "chomeur",
    "evenements": "2",
    "evenement0-quand": "il y a 1 an",
    "evenement0-evenement": "job_loss",
    "evenement0-texte": "Licenciée.",
    "temoignages": "2",
    "temoignage0-texte": "Je ne savais pas.",
    "temoignage0-source": "Témoignage fictif, écrit pour la formation",
    "temoignage1-source": "Témoignage fictif, écrit pour la formation",
}


@pytest.fixture
def november():
    with time_machine.travel(NOVEMBER_15, tick=False):
        yield


@pytest.fixture
def personas(arras):
    personas_import(arras, ARRAS_PERSONAS)
    return arras


@pytest.fixture
def lead(client, arras, make_member):
    user = make_member(arras, Role.PROJECT_LEAD)
    client.force_login(user)
    return user


def url(name: str, *args: object) -> str:
    return reverse(name, args=["200033579", *args])


def test_who_may_see_the_personas(client, personas, make_member):
    pages = [
        url("training_personas"),
        url("training_persona", "ines-24-ans"),
        url("training_persona_edit", "ines-24-ans"),
        url("training_persona_yaml", "ines-24-ans"),
        url("training_persona_new"),
        url("training_persona_yaml_new"),
        url("training_persona_download", "ines-24-ans", 1),
    ]
    for page in pages:
        assert client.get(page).status_code == 302, page  # to the login page
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    for refused in (
        make_member(personas, Role.PARTNER),
        make_member(personas, Role.FIELD_AGENT),
        make_member(lens, Role.PROJECT_LEAD),
        make_member(lens, Role.TRAINER),
    ):
        client.force_login(refused)
        for page in pages:
            assert client.get(page).status_code == 403, (refused, page)
        assert client.post(url("training_persona_new"), NEW).status_code == 403
    for allowed in (Role.TRAINER, Role.PROJECT_LEAD, Role.ADMIN):
        client.force_login(make_member(personas, allowed))
        for page in pages:
            assert client.get(page).status_code == 200, (allowed, page)
    assert client.get(url("training_persona", "personne")).status_code == 404
    assert client.get(url("training_persona_download", "ines-24-ans", 9)).status_code == 404
    assert client.get(reverse("training_personas", args=["999999999"])).status_code == 404
    assert PersonaVersion.objects.count() == 8


def test_the_list_groups_personas_by_public_with_their_rights(client, personas, lead):
    html = client.get(url("training_personas")).text
    assert "8 personas, droits calculés en novembre 2026" in html
    publics = ["Jeunes", "Familles monoparentales", "Allocataires du RSA", "Seniors"]
    assert [html.index(f">{p}</h2>") for p in publics] == sorted(
        html.index(f">{p}</h2>") for p in publics
    )
    sandrine = html[html.index("Sandrine, 34 ans") :]
    sandrine = sandrine[: sandrine.index("</tr>")]
    assert (
        "Allocation de soutien familial (ASF) : 403,57\u00a0€ par mois <strong>(non perçu)"
        in sandrine
    )
    assert "Achicourt" in sandrine and "Pas d&#x27;accès à internet" not in sandrine
    assert "Horaires de travail" in html


def test_a_persona_card_tells_its_story_rights_and_versions(client, personas, lead):
    html = client.get(url("training_persona", "sandrine-34-ans")).text
    assert "<h1>Sandrine, 34 ans, et ses deux enfants</h1>" in html
    assert "Familles monoparentales · Achicourt" in html
    assert "Ses droits en novembre 2026" in html and "Non-recours :" in html
    assert "Allocation de soutien familial" in html and "403,57" in html
    assert "<strong>Non perçu</strong>" in html and ">Perçu<" in html
    assert "Séparation" in html and "Témoignage fictif" in html
    assert "1 (en cours)" in html and "installation" in html
    download = client.get(url("training_persona_download", "sandrine-34-ans", 1))
    assert download["Content-Type"] == "application/yaml; charset=utf-8"
    assert 'filename="sandrine-34-ans-v1.yaml"' in download["Content-Disposition"]
    assert download.content.decode() == current_persona_versions(personas)[3].text


def test_every_arras_persona_goes_through_the_form_unchanged(client, personas, lead):
    """The form shows each persona whole (no warning), and sending it back
    as shown says the same persona: no new version."""
    for version in current_persona_versions(personas):
        persona = stored_persona(version)
        page = client.get(url("training_persona_edit", persona.key))
        assert page.status_code == 200
        assert "ne montre pas" not in page.text and "field-error" not in page.text, persona.key
        sent = client.post(
            url("training_persona_edit", persona.key), persona_form_data(persona, MONTH)
        )
        assert sent.status_code == 302, (persona.key, sent.text[:3000])
        after = client.get(sent["Location"]).text
        assert "Rien n&#x27;a changé" in after, persona.key
    assert PersonaVersion.objects.count() == 8


def test_an_edit_in_the_form_makes_a_version_with_the_same_meaning(client, personas, lead):
    before = stored_persona(current_persona_versions(personas)[4])  # David
    data = persona_form_data(before, MONTH) | {
        "nom": "David, 48 ans",
        "demandeur-age": "48",
        "ressources-demandeur-chomage_net": "300",
    }
    response = client.post(url("training_persona_edit", "david-47-ans"), data)
    assert response.status_code == 302
    version = PersonaVersion.objects.get(persona__key="david-47-ans", number=2)
    assert version.created_by == lead and "version: 2" in version.text
    after = stored_persona(version)
    person = after.situation["personnes"][0]
    assert person["age"] == 48 and person["ressources"] == {"chomage_net": 300}
    expected = dataclasses.replace(before, name="David, 48 ans", version=2, file=after.file)
    assert dataclasses.replace(after, situation=before.situation) == expected
    assert yaml.safe_load(version.text)["commune"] == "62263"
    html = client.get(response["Location"]).text
    assert "Version 2 de « David, 48 ans » enregistrée." in html
    assert "2 (en cours)" in html


def test_a_persona_added_in_the_form(client, arras, lead):
    response = client.post(url("training_persona_new"), NEW)
    assert response.status_code == 302, response.text[:3000]
    assert response["Location"] == url("training_persona", "lea-30-ans")
    persona = stored_persona(PersonaVersion.objects.get())
    assert (persona.key, persona.name, persona.commune) == ("lea-30-ans", "Léa, 30 ans", "62041")
    assert [b.value for b in persona.barriers] == ["no_internet", "distrust"]
    assert persona.situation == {
        "logement": {"statut": "locataire_hlm", "loyer": 400},
        "personnes": [{"role": "demandeur", "age": 30, "activite": "chomeur"}],
    }
    assert len(persona.timeline) == 1 and len(persona.testimonies) == 1
    assert persona_situation(persona, MONTH).persons[0].age_on(datetime.date(2026, 11, 1)) == 30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nom": ""}, "Nom : Ce champ est obligatoire."),
        ({"cle": "Léa Dupont"}, "« Léa Dupont » : minuscules sans accent, chiffres et tirets"),
        ({"public": "martiens"}, "Public : Sélectionnez un choix valide."),
        ({"logement-commune": "62193"}, "Commune du persona : Sélectionnez un choix valide."),
        ({"demandeur-age": "12"}, "Âge (en années) : Assurez-vous que cette valeur est supérieure"),
        ({"demandeur-age": "vingt"}, "Âge (en années) : Saisissez un nombre entier."),
        ({"enfant0-scolarite": "college"}, "Enfant 1, Âge (en années) : À remplir, car le bloc"),
        ({"evenement0-quand": ""}, "Événement 1, Quand : À remplir, car le bloc « Événement 1 »"),
        ({"temoignage0-source": ""}, "Témoignage 1, Source : À remplir, car le bloc"),
        ({"droits_percus": ["rsa", "af"]}, "droits_percus : « af » (Allocations familiales) est"),
        ({"evenements": "99999", "nom": "x" * 81}, "Événement 30"),
    ],
)
def test_every_error_is_french_near_its_field_and_nothing_is_saved(
    client, arras, lead, change, message
):
    response = client.post(url("training_persona_new"), NEW | change)
    assert response.status_code == 422
    assert "Le persona n'a pas été enregistré" in response.text
    assert message.replace("'", "&#x27;") in response.text
    assert not PersonaVersion.objects.exists()


def test_a_key_already_used_is_told_on_the_key(client, personas, lead):
    response = client.post(url("training_persona_new"), NEW | {"cle": "ines-24-ans"})
    assert response.status_code == 422
    assert "cle : « ines-24-ans » est déjà la clé d&#x27;un persona du territoire" in response.text
    assert (
        'id="id_cle_error"' in response.text
        and 'aria-describedby="id_cle_helptext id_cle_error"' in response.text
    )


def test_a_persona_edited_in_yaml_and_sent_as_a_file(client, personas, lead):
    edit = url("training_persona_yaml", "ines-24-ans")
    page = client.get(edit).text
    assert "cle: ines-24-ans" in page
    text = current_persona_versions(personas)[0].text.replace("nom: Inès, 24 ans", "nom: Inès")
    assert client.post(edit, {"texte": text}).status_code == 302
    assert PersonaVersion.objects.get(persona__key="ines-24-ans", number=2).name == "Inès"
    other = text.replace("cle: ines-24-ans", "cle: ines-25-ans")
    refused = client.post(edit, {"texte": other})
    assert refused.status_code == 422
    assert "cle : « ines-25-ans » ; ce persona a la clé « ines-24-ans », qui ne change pas" in (
        refused.text
    )
    upload = SimpleUploadedFile("ines-25-ans.yaml", other.encode("utf-8"))
    added = client.post(url("training_persona_yaml_new"), {"fichier": upload})
    assert added["Location"] == url("training_persona", "ines-25-ans")
    # The add page does not update an existing persona: its own page does.
    again = client.post(url("training_persona_yaml_new"), {"texte": other})
    assert again.status_code == 422
    assert "« ines-25-ans » est déjà la clé d&#x27;un persona du territoire" in again.text
    assert PersonaVersion.objects.filter(persona__key="ines-25-ans").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Tapez le persona en YAML ou choisissez un fichier."),
        ({"texte": "nom: ["}, "ligne 1, colonne 7 : YAML illisible"),
        ({"texte": "cle: x\n"}, "version : obligatoire<br>"),
        ({"texte": "x" * 100_001}, "au plus 100000 caractères"),
        (
            {"fichier": SimpleUploadedFile("p.yaml", "nom: Inès".encode("latin-1"))},
            "p.yaml : le fichier n&#x27;est pas un texte UTF-8 (ligne 1)",
        ),
        (
            {"fichier": SimpleUploadedFile("gros.yaml", b"a" * 100_001)},
            "gros.yaml : plus de 100 Ko ; un persona tient en une page.",
        ),
        (
            {"fichier": SimpleUploadedFile("p.yaml", b"a: 1"), "texte": "a: 1"},
            "Envoyez un fichier ou tapez le texte, pas les deux.",
        ),
        (
            {
                "fichier": SimpleUploadedFile(
                    "p.yaml", yaml.safe_dump({"commune": "75056"}).encode()
                )
            },
            "p.yaml, commune : « 75056 » n&#x27;est pas une commune membre du territoire",
        ),
    ],
)
def test_yaml_errors_are_french_by_place_and_save_nothing(client, arras, lead, data, message):
    response = client.post(url("training_persona_yaml_new"), data)
    assert response.status_code == 422
    assert message in response.text, response.text[:4000]
    assert not PersonaVersion.objects.exists()


def test_a_duplicated_key_in_yaml_is_refused(client, personas, lead):
    text = current_persona_versions(personas)[0].text + "nom: Encore\n"
    response = client.post(url("training_persona_yaml", "ines-24-ans"), {"texte": text})
    assert response.status_code == 422
    assert "clé « nom » donnée deux fois" in response.text
    assert PersonaVersion.objects.count() == 8


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texte=st.one_of(st.text(max_size=300), st.sampled_from(["\x00", "a: &a [*a]", "- - - -", "{"])),
    field=st.sampled_from(["nom", "logement-loyer", "demandeur-age", "evenement0-texte", "cle"]),
    value=st.text(max_size=100),
)
def test_hostile_input_gets_no_error_page_and_saves_nothing(
    client, arras, lead, texte, field, value
):
    assert client.post(url("training_persona_yaml_new"), {"texte": texte}).status_code in (302, 422)
    response = client.post(url("training_persona_new"), NEW | {field: value, "public": "x"})
    assert response.status_code == 422
    assert not PersonaVersion.objects.filter(persona__key="lea-30-ans").exists()


def test_the_empty_form_shows_no_error_and_labels_every_field(client, arras, lead):
    html = client.get(url("training_persona_new")).text
    assert "field-error" not in html and "error-summary" not in html
    assert "<legend>Public</legend>" in html and "<legend>Freins (ce qui" in html
    assert '<label for="id_demandeur-age">Âge (en années)' in html
    assert 'value="Témoignage fictif, écrit pour la formation"' in html
    assert 'name="evenements" value="2"' in html
    assert "-naissance" not in html and "Date de naissance" not in html


def test_a_situation_the_form_cannot_show_is_sent_to_the_yaml(client, personas, lead):
    text = current_persona_versions(personas)[2].text  # Aminata and her daughter
    child = "    - {role: enfant, age: 1}"
    assert child in text
    richer = text.replace(child, "    - {role: enfant, age: 1, ressources: {salaire_net: 10}}")
    assert (
        client.post(url("training_persona_yaml", "aminata-27-ans"), {"texte": richer}).status_code
        == 302
    )
    html = client.get(url("training_persona_edit", "aminata-27-ans")).text
    assert "des éléments que ce formulaire ne montre pas" in html
    assert url("training_persona_yaml", "aminata-27-ans") in html
