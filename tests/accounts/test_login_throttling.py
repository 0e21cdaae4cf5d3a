"""Login throttling (django-axes): per account and per address, a French
page, unlocked by an administrator or after NONRECOURS_LOGIN_LOCKOUT_MINUTES."""

import datetime
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from nonrecours.accounts.enums import Role
from tests.accounts.conftest import PASSWORD, member

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.7"


def log_in(client, username, password, address=ATTACKER, **headers):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def partner(caf):
    return member(caf, Role.PARTNER, "agent@caf.example")


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, partner):
    for attempt in range(30):
        response = log_in(client, partner.username, f"mauvais-{attempt}")
        assert response.status_code in (200, 429)
    response = log_in(client, partner.username, PASSWORD)
    assert not logged_in(client)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Connexion bloquée" in text
    assert "Trop de mots de passe erronés" in text
    assert "pendant 1 heure" in text
    assert "administrateur·rice de nonrecours" in text


def test_four_failures_do_not_lock_the_fifth_does(client, partner, lead):
    for _ in range(4):
        assert log_in(client, partner.username, "mauvais").status_code == 200
    assert log_in(client, partner.username, PASSWORD).status_code == 302
    for _ in range(5):
        log_in(client, lead.username, "mauvais", address=ELSEWHERE)
    assert log_in(client, lead.username, PASSWORD, address=ELSEWHERE).status_code == 429


def test_the_account_is_locked_from_any_address(client, partner):
    for _ in range(5):
        log_in(client, partner.username, "mauvais")
    assert log_in(client, partner.username, PASSWORD, address=ELSEWHERE).status_code == 429
    assert not logged_in(client)


def test_the_address_is_locked_for_every_account(client, partner, lead):
    for n in range(5):
        log_in(client, f"inconnu{n}@exemple.fr", "mauvais")
    assert log_in(client, lead.username, PASSWORD).status_code == 429
    assert not logged_in(client)


def test_another_account_from_another_address_is_not_locked(client, partner, lead):
    for _ in range(30):
        log_in(client, partner.username, "mauvais")
    response = log_in(client, lead.username, PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302
    assert logged_in(client)


def test_behind_a_proxy_the_forwarded_address_is_the_one_counted(client, settings, partner, lead):
    settings.NONRECOURS_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for n in range(5):
        log_in(
            client,
            f"inconnu{n}@exemple.fr",
            "mauvais",
            address=proxy,
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )
    assert AccessAttempt.objects.filter(ip_address=ATTACKER).exists()
    assert not AccessAttempt.objects.filter(ip_address=proxy).exists()
    # Another person behind the same proxy is not locked out.
    response = log_in(
        client, lead.username, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE
    )
    assert response.status_code == 302


def test_an_administrator_unlocks_with_the_axes_reset_commands(client, partner):
    for _ in range(5):
        log_in(client, partner.username, "mauvais")
    assert log_in(client, partner.username, PASSWORD, address=ELSEWHERE).status_code == 429
    call_command("axes_reset_username", partner.username, stdout=StringIO())
    call_command("axes_reset_ip", ATTACKER, stdout=StringIO())
    assert log_in(client, partner.username, PASSWORD).status_code == 302


def test_an_administrator_unlocks_from_the_back_office(client, partner, arras, make_member):
    for _ in range(5):
        log_in(client, partner.username, "mauvais")
    root = make_member(arras, None, is_superuser=True, is_staff=True)
    admin_client = client_class_for(client)
    admin_client.force_login(root)
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert partner.username in listing.content.decode()
    attempt = AccessAttempt.objects.get(username=partner.username)
    admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert log_in(client, partner.username, PASSWORD).status_code == 302


def client_class_for(client):
    return type(client)()


def test_the_lock_ends_after_the_configured_time(client, partner):
    for _ in range(5):
        log_in(client, partner.username, "mauvais")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=50)):
        assert log_in(client, partner.username, PASSWORD).status_code == 429
    # Each try while locked restarts the hour.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=100)):
        assert log_in(client, partner.username, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=170)):
        assert log_in(client, partner.username, PASSWORD).status_code == 302


def test_the_login_page_says_how_many_tries_are_allowed(client, partner):
    text = log_in(client, partner.username, "mauvais").content.decode()
    assert "L'identifiant ou le mot de passe est incorrect" in text
    assert "Après 5 essais erronés, la connexion est bloquée" in text
    assert 'aria-invalid="true"' in text


def test_the_nightly_purge_erases_failures_that_no_longer_lock(client, partner, settings):
    """Axes erases expired records only at the same account's or address's
    next attempt: an address that never comes back stayed for ever."""
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            log_in(client, partner.username, "mauvais")
        log_in(client, "inconnu", "mauvais", address=ELSEWHERE)
    assert AccessAttempt.objects.count() >= 2
    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        call_command("purge", stdout=StringIO())
    assert AccessAttempt.objects.count() >= 2  # still locking
    with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
        out = StringIO()
        call_command("purge", stdout=out)
    assert AccessAttempt.objects.count() == 0
    assert "connexion échouée" in out.getvalue()


def test_with_no_lockout_end_locks_stay_and_small_failures_go(client, partner, settings):
    from nonrecours.accounts.second_factor import login_attempts_purge_expired

    settings.NONRECOURS_LOGIN_LOCKOUT_MINUTES = 0
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            log_in(client, partner.username, "mauvais")
        log_in(client, "inconnu", "mauvais", address=ELSEWHERE)
    later = start + datetime.timedelta(days=2)
    assert login_attempts_purge_expired(later) >= 1
    remaining = list(AccessAttempt.objects.values_list("failures_since_start", flat=True))
    assert remaining and min(remaining) >= 5


def test_with_no_lockout_end_a_lock_spread_over_addresses_stays(client, partner, settings):
    """Five addresses trying the same account once each lock it (axes adds
    the rows up): none of the rows is erased while it is locked."""
    from nonrecours.accounts.second_factor import login_attempts_purge_expired

    settings.NONRECOURS_LOGIN_LOCKOUT_MINUTES = 0
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for index in range(5):
            log_in(client, partner.username, "mauvais", address=f"203.0.113.{index + 1}")
    rows = AccessAttempt.objects.count()
    assert rows == 5
    login_attempts_purge_expired(start + datetime.timedelta(days=3))
    assert AccessAttempt.objects.count() == rows


def test_the_login_log_lines_name_neither_the_account_nor_the_address(client, partner, caplog):
    """django-axes writes pseudonyms (nonrecours.ops.logs.axes_client_str)."""
    import logging

    from nonrecours.ops.logs import pseudonym

    with caplog.at_level(logging.INFO):
        for attempt in range(6):
            log_in(client, partner.username, f"mauvais-{attempt}")
        log_in(client, partner.username, PASSWORD, address=ELSEWHERE)
    text = "\n".join(
        record.getMessage() for record in caplog.records if "AXES" in record.getMessage()
    )
    assert text, "django-axes n'a rien écrit"
    assert partner.username not in text and ATTACKER not in text
    assert pseudonym(partner.username) in text and pseudonym(ATTACKER) in text
