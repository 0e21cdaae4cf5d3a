"""Handing one mail to the configured backend, and what its failure means.

A mail counts as sent only when a backend that delivers (SMTP, a
provider's) accepted it. The backends listed in
NONRECOURS_EMAIL_NOT_DELIVERING (console, file, dummy, the disabled one;
locmem outside the tests) hand it to no server: the mail is not sent, and
the reason says why. Every reason is one short French phrase without
personal data (never the server's text, which may quote an address) and
without the server's host and port (a reason reaches pages and journals
that any professional reads; ``server_label`` names the server in the logs
and in ``nonrecours mailing status``)."""

import smtplib
import socket
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

DISABLED_BACKEND = "nonrecours.privacy.mail.DisabledEmailBackend"
DISABLED_REASON = "envoi de courriels désactivé sur ce serveur (NONRECOURS_EMAIL_DISABLED)"
NO_SERVER_REASON = "aucun serveur de courriel configuré (NONRECOURS_EMAIL_HOST)"


@dataclass(frozen=True)
class Failure:
    """Why a mail was not sent. ``permanent``: trying again would fail the
    same way (an address refused for good), the mail is abandoned.
    ``server_down``: the server could not be reached at all, so the other
    mails of the same run are not tried against it."""

    reason: str
    permanent: bool = False
    server_down: bool = False


def undelivered_reason() -> str | None:
    """Why no mail can reach a server with these settings (e-mail
    disabled, or a backend that hands mails to no server), or None when the
    backend delivers."""
    if settings.NONRECOURS_EMAIL_DISABLED or settings.EMAIL_BACKEND == DISABLED_BACKEND:
        return DISABLED_REASON
    if settings.EMAIL_BACKEND in settings.NONRECOURS_EMAIL_NOT_DELIVERING:
        return NO_SERVER_REASON
    return None


def server_label() -> str:
    """The configured mail server as « host:port » (« non configuré » when
    none), for the logs and the operator's command only, never a page."""
    host = settings.EMAIL_HOST
    return f"{host}:{settings.EMAIL_PORT}" if host else "non configuré"


def _code_failure(code: int, what: str) -> Failure:
    # SMTP codes 5xx are permanent refusals, 4xx temporary (RFC 5321, 4.2.1).
    return Failure(f"{what} (code {code})", permanent=500 <= code < 600)


def failure_of(error: BaseException) -> Failure:
    """The French reason of a backend's exception (smtplib's are OSError:
    they are told apart first)."""
    server = "le serveur de courriel"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        shown = ", ".join(str(code) for code in codes) or "?"
        return Failure(f"adresse refusée par le serveur (code {shown})", permanent=permanent)
    if isinstance(error, smtplib.SMTPSenderRefused):
        # The sender is our setting (NONRECOURS_EMAIL_FROM): fixed, it goes.
        return Failure(
            f"adresse d'expéditeur refusée par le serveur (code {error.smtp_code}, "
            "voir NONRECOURS_EMAIL_FROM)"
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return Failure(
            f"identifiant ou mot de passe refusé par {server} (NONRECOURS_EMAIL_USER, "
            "NONRECOURS_EMAIL_PASSWORD)",
            server_down=True,
        )
    if isinstance(error, smtplib.SMTPConnectError):
        return Failure(f"{server} refuse la connexion (code {error.smtp_code})", server_down=True)
    if isinstance(error, smtplib.SMTPDataError):
        return _code_failure(error.smtp_code, "message refusé par le serveur")
    if isinstance(error, smtplib.SMTPServerDisconnected):
        # smtplib turns a reply that never comes into "disconnected",
        # raised while handling the timeout.
        if isinstance(error.__context__, TimeoutError):
            return failure_of(error.__context__)
        return Failure(f"{server} a coupé la connexion", server_down=True)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        # smtplib raises it from login() ("SMTP AUTH extension not
        # supported") as from starttls() ("STARTTLS extension…").
        if "AUTH" in str(error):
            return Failure(
                f"{server} ne propose pas d'authentification : pour un relais sans "
                "identifiant, laissez NONRECOURS_EMAIL_USER et NONRECOURS_EMAIL_PASSWORD vides",
                server_down=True,
            )
        return Failure(
            f"{server} ne propose pas le chiffrement demandé (NONRECOURS_EMAIL_TLS ; port 465 : "
            "NONRECOURS_EMAIL_SSL)",
            server_down=True,
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return _code_failure(error.smtp_code, f"{server} a répondu par une erreur")
    if isinstance(error, smtplib.SMTPException):
        return Failure(f"erreur de dialogue avec {server}")
    if isinstance(error, TimeoutError):  # socket.timeout is TimeoutError
        return Failure(
            f"{server} ne répond pas (délai de {settings.EMAIL_TIMEOUT} s dépassé)",
            server_down=True,
        )
    if isinstance(error, socket.gaierror):
        return Failure(
            "nom du serveur de courriel introuvable (NONRECOURS_EMAIL_HOST)", server_down=True
        )
    if isinstance(error, ConnectionRefusedError):
        return Failure(f"{server} refuse la connexion", server_down=True)
    if isinstance(error, ssl.SSLError):
        return Failure(f"échec de la connexion chiffrée avec {server}", server_down=True)
    if isinstance(error, OSError):
        return Failure(f"{server} est injoignable (erreur réseau)", server_down=True)
    return Failure(f"erreur inattendue de l'envoi ({type(error).__name__})")


def deliver(*, subject: str, body: str, sender: str, recipients: list[str]) -> Failure | None:
    """Hand one mail to the backend; None when a delivering backend
    accepted it, else why not. Never raises for a backend's failure."""
    reason = undelivered_reason()
    message = EmailMessage(subject, body, sender, recipients)
    if reason == NO_SERVER_REASON and settings.DEBUG:
        # Development: the console shows the mail (and its link) to the
        # developer; it is still not sent. Never in production (DEBUG off),
        # where the console is the log.
        get_connection(fail_silently=True).send_messages([message])
    if reason is not None:
        return Failure(reason, permanent=reason == DISABLED_REASON)
    try:
        connection = get_connection(fail_silently=False)
        count = connection.send_messages([message])
    except Exception as error:  # noqa: BLE001 - every backend's failure is a reason
        return failure_of(error)
    if not count:
        return Failure("le serveur n'a accepté aucun destinataire")
    return None
