"""NONRECOURS_EMAIL_TIMEOUT: a whole number of seconds from 1 to 60, default 10; any
other value stops the start with one French line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

NONRECOURS = Path(sys.executable).with_name("nonrecours")


def settings_value(**variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(NONRECOURS),
            "shell",
            "-v",
            "0",
            "-c",
            "from django.conf import settings; print(settings.EMAIL_TIMEOUT)",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={
            "HOME": "/nonexistent",
            "PATH": os.environ["PATH"],
            "NONRECOURS_ENV_FILE": "",
            **variables,
        },
    )


def test_the_mail_timeout_is_read_with_a_default_of_10_seconds():
    assert settings_value().stdout.strip() == "10"
    assert settings_value(NONRECOURS_EMAIL_TIMEOUT="3").stdout.strip() == "3"
    assert settings_value(NONRECOURS_EMAIL_TIMEOUT="60").stdout.strip() == "60"


@pytest.mark.parametrize("value", ["0", "-5", "abc", "2.5", "10s", "61", "3600"])
def test_a_bad_mail_timeout_stops_in_one_french_line(value):
    result = settings_value(NONRECOURS_EMAIL_TIMEOUT=value)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"nonrecours : La variable d'environnement NONRECOURS_EMAIL_TIMEOUT vaut « {value} » : "
        "attendu un nombre entier de 1 à 60."
    ]


def test_implicit_tls_and_starttls_are_one_or_the_other(tmp_path):
    """NONRECOURS_EMAIL_SSL (port 465) turns STARTTLS off; both at once are refused."""
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS)"
    base = {
        "PATH": os.environ["PATH"],
        "NONRECOURS_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }

    def run(**variables):
        return subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); " + code],
            capture_output=True, text=True, check=False, env={**base, **variables},
        )  # fmt: skip

    assert run(NONRECOURS_EMAIL_SSL="true").stdout.split() == ["True", "False"]
    assert run().stdout.split() == ["False", "True"]
    both = run(NONRECOURS_EMAIL_SSL="true", NONRECOURS_EMAIL_TLS="true")
    assert both.returncode != 0
    assert "NONRECOURS_EMAIL_SSL et NONRECOURS_EMAIL_TLS" in both.stderr
