"""What became of the mails tried during a step, for the person who acted
(the page's message) and for a run that must not wait on a dead server
once per mail.

A view wraps the action that mails in ``mail_watch()``; the first attempt
of each mail (made after the commit, inside the action's call since views
open no transaction) is recorded in it, and ``warnings()`` says in French
which mails could not go, why, and whether they will be tried again.

A watch also caps the first attempts made while it lasts (FIRST_ATTEMPTS,
FIRST_ATTEMPTS_SECONDS): past them, a mail is left to the timer
(`nonrecours mailing send`, every few minutes), so that a page sending
hundreds of invitations answers in seconds."""

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils import timezone

from nonrecours.mailing.delivery import DISABLED_REASON, Failure
from nonrecours.mailing.outcomes import MailOutcome

# At most this many first attempts inside one watch (a page, a command),
# and none started after this many seconds: the rest go with the timer.
FIRST_ATTEMPTS = 20
FIRST_ATTEMPTS_SECONDS = 15.0


@dataclass
class Budget:
    """The first attempts a watch (and the watches nested in it) may still
    make: ``left`` of them, none after ``until`` (time.monotonic()).
    ``deferred`` counts the mails left to the timer."""

    left: int = field(default_factory=lambda: FIRST_ATTEMPTS)
    until: float = field(default_factory=lambda: time.monotonic() + FIRST_ATTEMPTS_SECONDS)
    deferred: int = 0

    def take(self) -> bool:
        """Use one attempt; False (and the mail counted deferred) when
        none is left or the time is up."""
        if self.left <= 0 or time.monotonic() > self.until:
            self.deferred += 1
            return False
        self.left -= 1
        return True


@dataclass
class MailWatch:
    """The first attempts seen (``outcomes``) and, once the server could
    not be reached, that failure (``down``): the following mails of the
    same watch are not tried against it. ``budget``: the first attempts
    it may still make (shared with the watches nested in it)."""

    outcomes: list[MailOutcome] = field(default_factory=list)
    down: Failure | None = None
    budget: Budget = field(default_factory=Budget)

    def warnings(self) -> list[str]:
        """One French sentence per reason a mail was not sent, naming the
        mails by subject; empty when every mail went."""
        groups: dict[tuple[str, bool], list[MailOutcome]] = {}
        for outcome in self.outcomes:
            if outcome.sent:
                continue
            groups.setdefault((outcome.reason, outcome.will_retry), []).append(outcome)
        sentences = [_sentence(reason, retry, items) for (reason, retry), items in groups.items()]
        if self.budget.deferred:
            sent = sum(outcome.sent for outcome in self.outcomes)
            sentences.append(
                f"{sent} courriel(s) envoyé(s) tout de suite ; les {self.budget.deferred} "
                "autre(s) partiront automatiquement dans les prochaines minutes."
            )
        return sentences


def _sentence(reason: str, retry: bool, items: list[MailOutcome]) -> str:
    subjects = ", ".join(f"« {item.subject} »" for item in items)
    several = len(items) > 1
    what = f"Les courriels {subjects} n'ont" if several else f"Le courriel {subjects} n'a"
    if retry:
        first = min(item.next_attempt_at for item in items if item.next_attempt_at)
        when = timezone.localtime(first).strftime("%H:%M")
        then = (
            f"{'Ils seront renvoyés' if several else 'Il sera renvoyé'} automatiquement "
            f"(prochain essai vers {when})."
        )
    elif reason == DISABLED_REASON:
        then = (
            "Aucun courriel ne sera envoyé : les personnes voient l'information en se connectant."
        )
    else:
        then = (
            f"{'Ils ne seront' if several else 'Il ne sera'} pas renvoyé{'s' if several else ''}."
        )
    return f"{what} pas pu être envoyé{'s' if several else ''} : {reason}. {then}"


_current: contextvars.ContextVar[MailWatch | None] = contextvars.ContextVar(
    "nonrecours_mail_watch", default=None
)


@contextmanager
def mail_watch() -> Iterator[MailWatch]:
    """Record the first attempts of the mails sent inside the block (nested
    watches each see them, and share the outer one's budget)."""
    outer = _current.get()
    watch = MailWatch(down=outer.down, budget=outer.budget) if outer is not None else MailWatch()
    token = _current.set(watch)
    try:
        yield watch
    finally:
        _current.reset(token)
        if outer is not None:
            outer.outcomes.extend(watch.outcomes)
            outer.down = outer.down or watch.down


def current() -> MailWatch | None:
    """The watch of the block being run, if any."""
    return _current.get()
