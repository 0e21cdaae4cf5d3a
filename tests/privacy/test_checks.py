"""The deployment checks (`nonrecours check --deploy`) that protect
personal data."""

import pytest

from config.settings import env
from nonrecours.privacy import checks


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://nonrecours.exemple.fr", []),
        ("http://nonrecours.exemple.fr", ["nonrecours.E001"]),
        ("http://127.0.0.1:8000", ["nonrecours.E001", "nonrecours.E002"]),
        ("https://localhost", ["nonrecours.E002"]),
    ],
)
def test_base_url(settings, url, expected):
    settings.NONRECOURS_BASE_URL = url
    assert ids(checks.check_base_url()) == expected


def test_email_disabled_is_a_warning(settings):
    settings.NONRECOURS_EMAIL_DISABLED = True
    (warning,) = checks.check_email()
    assert warning.id == "nonrecours.W001"
    assert "aucun lien n'est envoyé" in warning.msg


def test_a_local_sender_is_a_warning(settings):
    settings.NONRECOURS_EMAIL_DISABLED = False
    settings.DEFAULT_FROM_EMAIL = "nonrecours <ne-pas-repondre@localhost>"
    assert ids(checks.check_email()) == ["nonrecours.W002"]
    settings.DEFAULT_FROM_EMAIL = "nonrecours <ne-pas-repondre@arras.fr>"
    assert checks.check_email() == []


@pytest.mark.parametrize(("mode", "expected"), [(0o644, ["nonrecours.W003"]), (0o640, [])])
def test_an_env_file_readable_by_all(tmp_path, monkeypatch, mode, expected):
    path = tmp_path / "nonrecours.env"
    path.write_text("A=1\n", encoding="utf-8")
    path.chmod(mode)
    monkeypatch.delenv("A", raising=False)
    monkeypatch.setenv(env.ENV_FILE_VARIABLE, str(path))
    monkeypatch.setattr(env, "_loaded", env.loaded_env_file())  # restored after the test
    env.load_env_file()
    assert ids(checks.check_env_file()) == expected


def test_the_checks_run_with_check_deploy_only():
    from django.core.checks import registry

    deploy_only = registry.registry.deployment_checks
    assert {checks.check_base_url, checks.check_email, checks.check_env_file} <= set(deploy_only)
