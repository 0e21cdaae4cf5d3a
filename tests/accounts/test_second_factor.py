"""The second factor (TOTP, django-otp) of the people who see personal
data: administrators, project leads, back-office users. NONRECOURS_REQUIRE_2FA
is off for the rest of the suite; on here."""

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.checks import run_checks
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from nonrecours.accounts import second_factor
from nonrecours.accounts.enums import Role
from tests.accounts.conftest import PASSWORD, code_for, member

pytestmark = pytest.mark.django_db

# A fixed instant, in the middle of a 30-second step: codes are reproducible.
NOW = datetime.datetime(2026, 3, 2, 9, 0, 10, tzinfo=datetime.UTC)
TERRITORY_PAGE = "/territoires/200033579/"


@pytest.fixture(autouse=True)
def required(settings):
    settings.NONRECOURS_REQUIRE_2FA = True


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def enrolled(user) -> TOTPDevice:
    key = second_factor.new_totp_key()
    return second_factor.second_factor_enrol(user=user, key=key, code=code_for(key))


def password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


@pytest.mark.parametrize("who", ["lead", "admin", "staff", "superuser"])
def test_without_a_device_every_page_leads_to_the_set_up(client, who, lead, admin, caf):
    user = {
        "lead": lead,
        "admin": admin,
        "staff": member(caf, None, "staff", is_staff=True),
        "superuser": member(caf, None, "root", is_superuser=True, is_staff=True),
    }[who]
    client.force_login(user)
    for page in (TERRITORY_PAGE, reverse("referral_list"), "/admin/", reverse("home")):
        response = client.get(page)
        assert response.status_code == 302, page
        assert (
            response.url == f"/connexion/second-facteur/installer/?next={page.replace('/', '%2F')}"
        )


@pytest.mark.parametrize("role", [Role.PARTNER, Role.FIELD_AGENT])
def test_partners_and_field_agents_are_not_asked(client, caf, role):
    user = member(caf, role, "agent")
    client.force_login(user)
    assert client.get(TERRITORY_PAGE).status_code == 200
    assert client.get(reverse("second_factor_setup")).status_code == 302  # nothing to set up


def test_the_set_up_shows_a_qr_code_and_the_secret_then_confirms_with_a_code(client, lead, clock):
    client.force_login(lead)
    page = client.get(reverse("second_factor_setup") + "?next=/orientations/")
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    assert '<svg role="img"' in html and "<title>QR code du second facteur</title>" in html
    key = client.session["accounts.totp_key"]
    secret = re.search(
        r'id="cle-secrete"><span class="visually-hidden">Clé : </span>([A-Z2-7 ]+)<', html
    )
    assert secret, html
    assert len(secret.group(1).replace(" ", "")) == 32  # 20 bytes in base32
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert "otpauth://totp/nonrecours%3Acheffe?secret=" in html

    wrong = client.post(
        reverse("second_factor_setup"), {"code": code_for(key, 4), "next": "/orientations/"}
    )
    assert wrong.status_code == 200
    assert "Ce code ne correspond pas" in wrong.content.decode()
    assert 'aria-invalid="true"' in wrong.content.decode()
    assert not TOTPDevice.objects.exists()

    done = client.post(
        reverse("second_factor_setup"), {"code": code_for(key), "next": "/orientations/"}
    )
    assert done.status_code == 302 and done.url == "/orientations/"
    device = TOTPDevice.objects.get(user=lead)
    assert device.confirmed and device.key == key
    assert client.get(TERRITORY_PAGE).status_code == 200


def test_with_a_device_a_code_is_asked_after_the_password(client, lead, clock):
    device = enrolled(lead)
    clock.shift(60)  # the code used at set-up cannot serve again
    response = client.post(
        reverse("login"), {"username": lead.username, "password": PASSWORD, "next": TERRITORY_PAGE}
    )
    assert response.url == TERRITORY_PAGE
    asked = client.get(TERRITORY_PAGE)
    assert asked.url == f"/connexion/second-facteur/?next={TERRITORY_PAGE.replace('/', '%2F')}"
    page = client.get(asked.url)
    assert "Saisissez votre code" in page.content.decode()

    wrong = client.post(reverse("second_factor_verify"), {"code": "000000", "next": TERRITORY_PAGE})
    assert "Code incorrect ou expiré" in wrong.content.decode()
    malformed = client.post(
        reverse("second_factor_verify"), {"code": "12ab", "next": TERRITORY_PAGE}
    )
    assert "Le code compte 6 chiffres" in malformed.content.decode()
    assert client.get(TERRITORY_PAGE).status_code == 302

    clock.shift(5)  # past the one-second wait the wrong code imposed
    session_before = client.session.session_key
    ok = client.post(
        reverse("second_factor_verify"), {"code": code_for(device.key), "next": TERRITORY_PAGE}
    )
    assert ok.status_code == 302 and ok.url == TERRITORY_PAGE
    assert client.session.session_key != session_before  # a new session once verified
    assert client.get(TERRITORY_PAGE).status_code == 200


def test_wrong_codes_are_throttled_by_the_device(client, lead, clock):
    device = enrolled(lead)
    clock.shift(60)
    password_login(client, lead)
    client.post(reverse("second_factor_verify"), {"code": "000000"})
    clock.shift(1)
    client.post(reverse("second_factor_verify"), {"code": "000000"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 2  # next try: 2 seconds later at the earliest
    # Even the right code is refused while waiting.
    refused = client.post(reverse("second_factor_verify"), {"code": code_for(device.key)})
    assert "Trop de codes erronés : attendez" in refused.content.decode()
    assert client.get(TERRITORY_PAGE).status_code == 302
    clock.shift(60)
    ok = client.post(reverse("second_factor_verify"), {"code": code_for(device.key)})
    assert ok.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_the_django_admin_needs_the_verification_too(client, caf, clock):
    root = member(caf, None, "root", is_superuser=True, is_staff=True)
    device = enrolled(root)
    clock.shift(60)
    password_login(client, root)
    assert client.get("/admin/").url.startswith("/connexion/second-facteur/")
    client.post(reverse("second_factor_verify"), {"code": code_for(device.key)})
    assert client.get("/admin/").status_code == 200


def test_an_administrator_removes_a_lost_device_from_the_back_office(client, lead, caf, clock):
    device = enrolled(lead)
    root = member(caf, None, "root", is_superuser=True, is_staff=True)
    root_device = enrolled(root)
    clock.shift(60)
    password_login(client, root)
    client.post(reverse("second_factor_verify"), {"code": code_for(root_device.key)})
    page = client.get(f"/admin/accounts/user/{lead.pk}/change/").content.decode()
    assert "Second facteur (application d" in page, page
    assert device.key not in page  # the secret is never shown
    response = client.post(
        "/admin/accounts/user/",
        {"action": "second_factor_reset", "_selected_action": [lead.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=lead).exists()
    assert TOTPDevice.objects.filter(user=root).exists()


def test_the_command_removes_a_device(lead, clock):
    enrolled(lead)
    out = StringIO()
    call_command("comptes", "retirer-second-facteur", lead.username, stdout=out)
    assert "1 second(s) facteur(s) retiré(s)" in out.getvalue()
    assert not TOTPDevice.objects.exists()


def test_a_new_project_lead_without_device_is_sent_to_the_set_up_after_logging_in(client, lead):
    response = client.post(
        reverse("login"),
        {"username": lead.username, "password": PASSWORD, "next": "/orientations/"},
    )
    assert (
        client.get(response.url).url
        == "/connexion/second-facteur/installer/?next=%2Forientations%2F"
    )


def test_logging_out_stays_possible_before_the_code(client, lead, clock):
    enrolled(lead)
    client.force_login(lead)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == "/"
    assert "_auth_user_id" not in client.session


def test_a_foreign_next_is_not_followed(client, lead, clock):
    client.force_login(lead)
    client.get(reverse("second_factor_setup"))
    key = client.session["accounts.totp_key"]
    done = client.post(
        reverse("second_factor_setup"), {"code": code_for(key), "next": "https://ailleurs.example/"}
    )
    assert done.url == reverse("landing")  # « Mon espace », as after the password


def test_check_deploy_warns_when_the_second_factor_is_off(settings):
    settings.NONRECOURS_REQUIRE_2FA = False
    settings.DEBUG = False
    ids = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "accounts.W001" in ids
    settings.NONRECOURS_REQUIRE_2FA = True
    assert "accounts.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.NONRECOURS_REQUIRE_2FA = False
    assert "accounts.W001" not in [m.id for m in run_checks()]  # only with --deploy


def test_the_set_up_after_its_secret_expired_in_the_session(lead, clock):
    with pytest.raises(second_factor.SecondFactorError, match="rechargez la page"):
        second_factor.second_factor_enrol(user=lead, key="", code="123456")
    assert not TOTPDevice.objects.exists()
