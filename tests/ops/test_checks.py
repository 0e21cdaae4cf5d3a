"""The project's deployment checks (`nonrecours check --deploy`,
nonrecours.ops.checks) and the secret key's fingerprint."""

import hashlib
import json
import os
import socket
import time
from unittest import mock

import pytest
from django.contrib.staticfiles import finders
from django.core.checks import run_checks
from django.test import override_settings

from nonrecours.ops import checks
from nonrecours.ops.keys import FINGERPRINT_FILE_NAME, secret_key_fingerprint

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_the_checks_are_registered_for_deployment_only():
    with override_settings(STORAGES=MANIFEST_STORAGE, STATIC_ROOT="/nulle/part"):
        assert "nonrecours.E003" not in ids(run_checks())
        assert "nonrecours.E003" in ids(run_checks(include_deployment_checks=True))


# Static files.


def test_a_missing_manifest_is_an_error(tmp_path):
    with override_settings(STORAGES=MANIFEST_STORAGE, STATIC_ROOT=str(tmp_path)):
        assert checks.static_manifest_missing() == tmp_path / "staticfiles.json"
        (error,) = checks.check_static_files()
    assert error.id == "nonrecours.E003"
    assert str(tmp_path / "staticfiles.json") in error.msg
    assert "collectstatic" in error.hint


def complete_manifest(folder) -> str:
    """Write in ``folder`` a manifest listing every static file of the
    application, as collectstatic would; returns its path."""
    paths = {
        relative: relative
        for finder in finders.get_finders()
        for relative, _storage in finder.list(["CVS", ".*", "*~"])
    }
    manifest = folder / "staticfiles.json"
    manifest.write_text(json.dumps({"paths": paths, "version": "1.1"}))
    return manifest


def test_a_manifest_from_an_older_version_is_an_error(tmp_path):
    manifest = complete_manifest(tmp_path)
    content = json.loads(manifest.read_text())
    del content["paths"]["css/nonrecours.css"]
    manifest.write_text(json.dumps(content))
    with override_settings(STORAGES=MANIFEST_STORAGE, STATIC_ROOT=str(tmp_path)):
        (error,) = checks.check_static_files()
    assert error.id == "nonrecours.E005"
    assert "1 fichier(s) de l'application (css/nonrecours.css…)" in error.msg


def test_a_manifest_older_than_the_application_s_files_is_a_warning(tmp_path):
    manifest = complete_manifest(tmp_path)
    long_ago = time.time() - 10 * 365 * 86400
    os.utime(manifest, (long_ago, long_ago))
    with override_settings(STORAGES=MANIFEST_STORAGE, STATIC_ROOT=str(tmp_path)):
        assert ids(checks.check_static_files()) == ["nonrecours.W004"]
        os.utime(manifest, None)  # collected now
        assert checks.check_static_files() == []


def test_without_a_manifest_storage_nothing_is_expected(tmp_path):
    with override_settings(STATIC_ROOT=str(tmp_path)):  # the test settings' storage
        assert checks.static_manifest_missing() is None
        assert checks.check_static_files() == []


# The base URL's host.


@pytest.mark.parametrize(
    ("url", "hosts", "expected"),
    [
        ("https://nonrecours.exemple.fr", ["nonrecours.exemple.fr"], []),
        ("https://nonrecours.exemple.fr", [".exemple.fr"], []),
        ("https://nonrecours.exemple.fr", ["autre.exemple.fr"], ["nonrecours.E004"]),
        ("https://nonrecours.exemple.fr", [], ["nonrecours.E004"]),
    ],
)
def test_the_base_url_host_must_be_served(url, hosts, expected):
    with override_settings(NONRECOURS_BASE_URL=url, ALLOWED_HOSTS=hosts):
        assert ids(checks.check_base_url_host()) == expected


# The mail server.


@pytest.fixture
def listening_port():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_a_mail_server_that_answers_passes(listening_port):
    with override_settings(EMAIL_BACKEND=SMTP, EMAIL_HOST="127.0.0.1", EMAIL_PORT=listening_port):
        assert checks.check_mail_server() == []


def test_a_closed_mail_port_is_a_warning(closed_port):
    with override_settings(EMAIL_BACKEND=SMTP, EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed_port):
        (warning,) = checks.check_mail_server()
    assert warning.id == "nonrecours.W005"
    assert f"pas de connexion à 127.0.0.1:{closed_port}" in warning.msg


def test_an_unknown_mail_host_is_a_warning(monkeypatch):
    def unknown(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with override_settings(EMAIL_BACKEND=SMTP, EMAIL_HOST="smtp.inconnu.exemple", EMAIL_PORT=587):
        (warning,) = checks.check_mail_server()
    assert "le nom smtp.inconnu.exemple ne se résout pas" in warning.msg


def test_the_mail_server_is_not_tried_without_smtp(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", pytest.fail)
    assert checks.check_mail_server() == []  # the test settings: locmem


# The proxy.


@pytest.mark.parametrize(
    ("header", "count", "expected"),
    [
        (("HTTP_X_FORWARDED_PROTO", "https"), 0, ["nonrecours.W006"]),
        (("HTTP_X_FORWARDED_PROTO", "https"), 1, []),
        (None, 0, []),
    ],
)
def test_a_proxy_is_declared_when_https_is_read_from_it(header, count, expected):
    with override_settings(SECURE_PROXY_SSL_HEADER=header, NONRECOURS_PROXY_COUNT=count):
        messages = checks.check_proxy()
    assert ids(messages) == expected
    for message in messages:
        assert "X-Forwarded-Proto et X-Forwarded-For" in message.hint


# The secret key kept with the backups.


def test_the_fingerprint_is_the_sha256_of_the_key():
    with override_settings(SECRET_KEY="une clé « accentuée »"):
        expected = hashlib.sha256("une clé « accentuée »".encode()).hexdigest()
        assert secret_key_fingerprint() == expected
    assert len(secret_key_fingerprint()) == 64


def test_backups_without_the_fingerprint_warn(tmp_path, monkeypatch):
    monkeypatch.setenv("NONRECOURS_BACKUP_DIR", str(tmp_path))
    (warning,) = checks.check_secret_key_kept()
    assert warning.id == "nonrecours.W007"
    assert "une sauvegarde restaurée avec une autre clé casse tous les liens" in warning.msg


def test_backups_with_another_key_s_fingerprint_warn(tmp_path, monkeypatch):
    monkeypatch.setenv("NONRECOURS_BACKUP_DIR", str(tmp_path))
    (tmp_path / FINGERPRINT_FILE_NAME).write_text("0" * 64 + "\n")
    assert ids(checks.check_secret_key_kept()) == ["nonrecours.W008"]


def test_backups_with_this_key_s_fingerprint_pass(tmp_path, monkeypatch):
    monkeypatch.setenv("NONRECOURS_BACKUP_DIR", str(tmp_path))
    (tmp_path / FINGERPRINT_FILE_NAME).write_text(secret_key_fingerprint() + "\n")
    assert checks.check_secret_key_kept() == []


# The database, with `check --database default`.


def test_the_database_checks_run_only_when_asked(db):
    from nonrecours.ops.checks import check_database_ready

    assert check_database_ready(databases=None) == []


def test_a_migrated_database_with_its_cache_table_passes(db):
    from nonrecours.ops.checks import check_database_ready

    assert check_database_ready(databases=["default"]) == []


def test_a_missing_cache_table_is_an_error(db):
    from django.test import override_settings

    from nonrecours.ops.checks import check_database_ready

    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "table_de_cache_absente",
        }
    }
    with override_settings(CACHES=caches):
        found = ids(check_database_ready(databases=["default"]))
    assert found == ["nonrecours.E008"]


def test_unapplied_migrations_are_an_error(db, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    from nonrecours.ops.checks import check_database_ready

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    assert ids(check_database_ready(databases=["default"])) == ["nonrecours.E007"]


def test_a_database_that_does_not_answer_is_an_error(db):
    from unittest import mock

    from django.db import OperationalError, connections

    from nonrecours.ops.checks import check_database_ready

    refused = OperationalError("connection failed: FATAL:  password authentication failed")
    with mock.patch.object(connections["default"], "ensure_connection", side_effect=refused):
        messages = check_database_ready(databases=["default"])
    assert ids(messages) == ["nonrecours.E006"]
    assert "ne répond pas" in messages[0].msg


def test_the_database_checks_are_deployment_checks_so_migrate_is_not_stopped(db):
    """`migrate` runs the database checks before migrating: ours would say
    « migrations not applied » there. They run only with --deploy."""
    with mock.patch(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("x", False)],
    ):
        assert "nonrecours.E007" not in ids(run_checks(databases=["default"]))
        found = ids(run_checks(databases=["default"], include_deployment_checks=True))
    assert "nonrecours.E007" in found
