"""The health endpoint /sante/ (nonrecours.ops.health, nonrecours.www.health)."""

import ast
import json
import subprocess
import sys
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import override_settings

from nonrecours.ops import health
from tests.test_settings import production

pytestmark = pytest.mark.django_db

BODY_KEYS = {"statut", "base", "cache"}


@pytest.fixture(autouse=True)
def _forget_logged_failures():
    health._last_logged.clear()
    yield
    health._last_logged.clear()


def test_answers_ok_after_querying_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1 (the test cache is in memory)
        response = client.get("/sante/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"statut": "ok", "base": "ok", "cache": "ok"}
    # No session, no CSRF token, nothing kept by a browser or a proxy.
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_head_is_answered_and_writes_are_refused(client):
    assert client.head("/sante/").status_code == 200
    assert client.post("/sante/").status_code == 405


def test_database_down_gives_503_with_a_french_reason(client, caplog):
    failure = OperationalError('connection to server at "db.interne" failed: role "nonrecours"')
    with mock.patch.object(connection, "cursor", side_effect=failure):
        response = client.get("/sante/")
    assert response.status_code == 503
    body = json.loads(response.content.decode("utf-8"))
    assert body == {
        "statut": "erreur",
        "base": "erreur",
        "cache": "non vérifié",
        "raison": "La base de données ne répond pas.",
    }
    # The driver's message (host, role) goes neither to the probe nor to the logs.
    assert "db.interne" not in response.content.decode()
    assert "db.interne" not in caplog.text
    assert "OperationalError" in caplog.text


def test_a_failing_probe_logs_a_warning_once_a_minute_per_reason(client, caplog):
    """A probe every few seconds while the database is down: one WARNING
    per minute and per reason (an ERROR each time would flood the error
    reports)."""
    failure = OperationalError("connection refused")
    with time_machine.travel(0, tick=False) as traveller:
        with mock.patch.object(connection, "cursor", side_effect=failure):
            for _ in range(5):
                assert client.get("/sante/").status_code == 503
            records = [r for r in caplog.records if r.name == "nonrecours.ops.health"]
            assert [r.levelname for r in records] == ["WARNING"]
            traveller.shift(61)
            assert client.get("/sante/").status_code == 503
        records = [r for r in caplog.records if r.name == "nonrecours.ops.health"]
        assert [r.levelname for r in records] == ["WARNING", "WARNING"]


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "table_de_cache_jamais_creee",
        }
    }
)
def test_a_missing_cache_table_gives_503(client):
    response = client.get("/sante/")
    assert response.status_code == 503
    body = response.json()
    assert (body["base"], body["cache"]) == ("ok", "erreur")
    assert "createcachetable" in body["raison"]


def test_the_database_cache_table_is_read(client, django_assert_num_queries):
    from django.core.management import call_command

    cache_settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "nonrecours_cache_sante",
        }
    }
    with override_settings(CACHES=cache_settings):
        call_command("createcachetable", verbosity=0)
        with django_assert_num_queries(2):  # SELECT 1, then the cache table
            response = client.get("/sante/")
    assert response.status_code == 200
    assert set(response.json()) == BODY_KEYS


def test_many_probes_in_a_row_are_never_limited(client):
    assert {client.get("/sante/").status_code for _ in range(30)} == {200}


def test_production_serves_it_over_plain_http_but_redirects_the_rest(client):
    """SECURE_REDIRECT_EXEMPT as the production settings set it: a probe on
    the loopback, in plain HTTP, gets its answer; any other page is
    redirected to https."""
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings.production as p; print(repr(p.SECURE_REDIRECT_EXEMPT))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", **production()},
    )
    exempt = ast.literal_eval(read.stdout)
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=exempt):
        assert client.get("/sante/").status_code == 200
        redirected = client.get("/simulateur/")
        # « $ » would also match before a final line break: only /sante/ itself.
        newline = client.get("/sante/%0A")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")
    assert newline.status_code == 301
