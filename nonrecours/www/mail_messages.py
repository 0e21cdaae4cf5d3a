"""The page's word on the mails an action sent: the person who acted
learns which could not go, why, and whether they will be tried again
(nonrecours.mailing.watch)."""

from django.contrib import messages
from django.http import HttpRequest

from nonrecours.mailing.watch import MailWatch


def warn_unsent(request: HttpRequest, watch: MailWatch) -> None:
    """Add one warning message per reason a mail of ``watch`` was not sent."""
    for text in watch.warnings():
        messages.warning(request, text)
