"""Mail backends that fail as real servers do, for the tests: each raises
what Django's SMTP backend raises in that case. Use them with
``settings.EMAIL_BACKEND = "tests.mailing.backends.<Name>"``."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class Refusing(BaseEmailBackend):
    """A server that refuses the connection."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class TimingOut(BaseEmailBackend):
    """A server that accepts the connection and never answers."""

    def send_messages(self, email_messages):
        raise TimeoutError("timed out")


class RefusingAddresses(BaseEmailBackend):
    """A server that refuses every recipient for good (550), quoting them
    (as real servers do: the quote must never reach a log or the journal)."""

    def send_messages(self, email_messages):
        refused = {
            address: (550, f"5.1.1 <{address}>: Recipient address rejected".encode())
            for message in email_messages
            for address in message.recipients()
        }
        raise smtplib.SMTPRecipientsRefused(refused)
