"""The French reason of each SMTP failure (nonrecours.mailing.delivery.failure_of)."""

import smtplib

import pytest
from django.test import override_settings

from nonrecours.mailing.delivery import failure_of


@override_settings(EMAIL_HOST="smtp.exemple.fr", EMAIL_PORT=587)
def test_a_relay_without_authentication_says_to_leave_the_identifier_empty():
    error = smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    failure = failure_of(error)
    assert "ne propose pas d'authentification" in failure.reason
    assert "NONRECOURS_EMAIL_USER" in failure.reason
    assert "chiffrement" not in failure.reason


@override_settings(EMAIL_HOST="smtp.exemple.fr", EMAIL_PORT=587)
def test_a_server_without_starttls_names_both_encryption_settings():
    failure = failure_of(
        smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server.")
    )
    assert "chiffrement" in failure.reason
    assert "NONRECOURS_EMAIL_SSL" in failure.reason


@pytest.mark.parametrize("reason_text", ["smtp.exemple.fr", "587"])
@override_settings(EMAIL_HOST="smtp.exemple.fr", EMAIL_PORT=587)
def test_the_reason_never_names_the_server(reason_text):
    failure = failure_of(smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported."))
    assert reason_text not in failure.reason
