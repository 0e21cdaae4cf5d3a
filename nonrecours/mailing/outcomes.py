"""What an attempt made of a mail, as told to the page (watch.py) and to
the listener of what the mail is about (a referral's journal)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MailOutcome:
    """One attempt's result. ``status`` is a MailStatus value; ``reason``
    is empty when sent; ``attempts`` counts this one (0: never tried, e-mail
    disabled); ``first``: the first outcome told of this mail;
    ``recipients``: the addresses (kept here after the row's are erased)."""

    mail_id: int
    about: str
    about_id: int | None
    subject: str
    recipients: tuple[str, ...]
    status: str
    attempts: int
    reason: str
    first: bool
    next_attempt_at: datetime.datetime | None

    @property
    def sent(self) -> bool:
        return self.status == "sent"

    @property
    def will_retry(self) -> bool:
        return self.status == "pending"


Listener = Callable[[MailOutcome], None]


# The listener told of each mail's fate, by what the mail is about
# (Mail.about); each app registers its own in its AppConfig.ready().
LISTENERS: dict[str, Listener] = {}


def listen(about: str, listener: Listener) -> None:
    """Have ``listener`` told of the first attempt of each mail about
    ``about`` and of its end (sent after a retry, abandoned)."""
    LISTENERS[about] = listener


# Where a stored body holds its secret link (one that opens an account or a
# person's details): the outbox never stores such a link, the app that owns
# the mail's ``about`` gives it at send time (its finisher). Letters and
# dashes only: the templates' escaping leaves it as it is.
LINK = "LIEN-DONNE-A-L-ENVOI"

# What gives the link of a mail at send time, from the mail's ``about_id``:
# the link, or None when it can no longer be given (the invitation was
# accepted, cancelled or expired): the mail is then abandoned.
Finisher = Callable[[int | None], str | None]

# The finisher of each kind of mail holding LINK, by ``about``; each app
# registers its own in its AppConfig.ready().
FINISHERS: dict[str, Finisher] = {}


def finish_with(about: str, finisher: Finisher) -> None:
    """Have ``finisher`` give, at each attempt, the link that replaces LINK
    in the mails about ``about``."""
    FINISHERS[about] = finisher
