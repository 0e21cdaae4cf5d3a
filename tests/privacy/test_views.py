"""The register's page and download are for administrators only."""

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import User

pytestmark = pytest.mark.django_db

PAGE = reverse("privacy_register")
CSV = reverse("privacy_register_csv")


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.PROJECT_LEAD, Role.PARTNER, Role.FIELD_AGENT, None])
@pytest.mark.parametrize("url", [PAGE, CSV])
def test_other_roles_are_refused(client, arras, make_member, role, url):
    client.force_login(make_member(arras, role))
    response = client.get(url)
    assert response.status_code == 403
    assert "réservé aux administrateur·rices" in response.content.decode()


def test_an_inactive_administrator_is_refused(arras, make_member):
    from nonrecours.accounts.access import can_read_privacy_register

    user = make_member(arras, Role.ADMIN)
    user.is_active = False
    assert not can_read_privacy_register(user)


def test_an_administrator_reads_the_register(client, arras, make_member, settings):
    settings.NONRECOURS_CONTACT_RETENTION_DAYS = 61
    client.force_login(make_member(arras, Role.ADMIN))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Registre des traitements de données personnelles</h1>" in page
    assert "Demandes de rappel du baromètre" in page
    assert "61 jours après avoir été traitée" in page
    assert f'href="{CSV}"' in page


def test_a_superuser_downloads_it(client, db):
    client.force_login(User.objects.create_superuser("racine", password="x"))
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="registre-des-traitements.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffTraitement;")


def test_it_is_linked_from_the_territory_for_its_administrators(client, arras, make_member):
    client.force_login(make_member(arras, Role.ADMIN))
    page = client.get(reverse("territory_detail", args=[arras.siren])).content.decode()
    assert f'href="{PAGE}"' in page
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    page = client.get(reverse("territory_detail", args=[arras.siren])).content.decode()
    assert f'href="{PAGE}"' not in page


def test_only_reading_is_allowed(client, arras, make_member):
    client.force_login(make_member(arras, Role.ADMIN))
    assert client.post(PAGE).status_code == 405
