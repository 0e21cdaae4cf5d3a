"""Whether this server may e-mail a link that opens personal data.

Production runs either with an SMTP server (NONRECOURS_EMAIL_HOST) or with
e-mail explicitly disabled (NONRECOURS_EMAIL_DISABLED=1). Disabled, no such
link is ever sent nor written to a log: whoever would send one (a referral
to a structure reached only by its e-mail, an invitation) calls
``links_can_be_sent()`` first and, when it is False, refuses with
``LINKS_DISABLED_MESSAGE`` (or a message of its own saying the same).

Every e-mail goes through the outbox (nonrecours.mailing.actions.mail_queue,
``mail_queue_templated`` for those written from a template), which says
whether it was handed to a server; this module never sends.
"""

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)

LINKS_DISABLED_MESSAGE = (
    "L'envoi de courriels est désactivé sur ce serveur (NONRECOURS_EMAIL_DISABLED) : "
    "aucun lien ouvrant des données personnelles ne peut être envoyé."
)


def links_can_be_sent() -> bool:
    """True unless e-mail is disabled (setting NONRECOURS_EMAIL_DISABLED).

    Development without an SMTP server sends nothing but keeps the mails in
    the outbox (nonrecours.mailing), to go once a server is set: links may be
    created there. Call it before creating anything whose only way to
    reach its recipient is a link sent by e-mail, and refuse (in French,
    e.g. LINKS_DISABLED_MESSAGE) when it returns False.
    """
    return not settings.NONRECOURS_EMAIL_DISABLED


class DisabledEmailBackend(BaseEmailBackend):
    """The e-mail backend when NONRECOURS_EMAIL_DISABLED is set: sends
    nothing, and logs only the subject and the number of recipients (never
    the body, which may hold a link). Returns 0 messages sent. The outbox
    never hands it a mail (it abandons them at once); this is the net for
    anything else that would call Django's mail functions."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.warning(
                "Courriel non envoyé (NONRECOURS_EMAIL_DISABLED) : « %s » à %d destinataire(s).",
                message.subject,
                len(message.recipients()),
            )
        return 0
