"""Whether this server may e-mail a link that opens personal data.

Production runs either with an SMTP server (NONRECOURS_EMAIL_HOST) or with
e-mail explicitly disabled (NONRECOURS_EMAIL_DISABLED=1). Disabled, no such
link is ever sent nor written to a log: whoever would send one (a referral
to a structure reached only by its e-mail, an invitation) calls
``links_can_be_sent()`` first and, when it is False, refuses with
``LINKS_DISABLED_MESSAGE`` (or a message of its own saying the same).

Every e-mail written from a template goes through ``send_templated``.
"""

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

LINKS_DISABLED_MESSAGE = (
    "L'envoi de courriels est désactivé sur ce serveur (NONRECOURS_EMAIL_DISABLED) : "
    "aucun lien ouvrant des données personnelles ne peut être envoyé."
)


def links_can_be_sent() -> bool:
    """True unless e-mail is disabled (setting NONRECOURS_EMAIL_DISABLED).

    Development without an SMTP server prints e-mails on the console: links
    can be "sent" there. Call it before creating anything whose only way to
    reach its recipient is a link sent by e-mail, and refuse (in French,
    e.g. LINKS_DISABLED_MESSAGE) when it returns False.
    """
    return not settings.NONRECOURS_EMAIL_DISABLED


def send_templated(template: str, context: dict[str, object], recipients: Sequence[str]) -> str:
    """Render the text template ``template`` (its first line is the subject,
    the rest the body) in the site's language (dates in French, from a
    command too) and send it to ``recipients`` from DEFAULT_FROM_EMAIL.
    Returns the subject. Raises what the template or the mail backend raises:
    the caller, which sends after its commit, records the failure."""
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(template, context)
    subject, _, body = text.strip().partition("\n")
    subject = subject.strip()
    send_mail(subject, body.strip() + "\n", None, list(recipients))
    return subject


class DisabledEmailBackend(BaseEmailBackend):
    """The e-mail backend when NONRECOURS_EMAIL_DISABLED is set: sends
    nothing, and logs only the subject and the number of recipients (never
    the body, which may hold a link). Returns 0 messages sent."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.warning(
                "Courriel non envoyé (NONRECOURS_EMAIL_DISABLED) : « %s » à %d destinataire(s).",
                message.subject,
                len(message.recipients()),
            )
        return 0
