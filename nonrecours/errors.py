"""The one error type a person reads: every domain error derives from it.

A ``UserError`` carries a French ``message`` (what ``str()`` gives, as
before for each domain error), the form ``field`` it concerns ("" for the
whole) and its ``problems``: the located reasons, when there are several
(a file refused for several lines). Each interface turns it into its own
shape through one adapter: www/errors.py for a Django form and a JSON body,
``command_error`` below for the command line.

This module imports nothing from Django at load time: analysis/ and the
rights engine, which must not depend on Django, derive their errors from it.
"""

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.core.management.base import CommandError


@dataclass(frozen=True)
class Problem:
    """One located reason (French). ``field``: a form field or a file's
    column ("" when none); ``row``: a file's line (None when none);
    ``file``: the file's name ("" when none)."""

    message: str
    field: str = ""
    row: int | None = None
    file: str = ""

    def __str__(self) -> str:
        return self.message


class UserError(Exception):
    """An error to show a person as it is (French).

    ``message``: the whole error in one text (``str(error)`` unless a
    subclass formats it otherwise). ``field``: the form field concerned, ""
    for the whole form. ``problems``: the located reasons, each a ``Problem``
    or (for the errors written before this type) a French text that names its
    place itself; empty when the message says it all. Use ``problem_list()``
    to read them uniformly.

    Subclasses keep their own constructors: the attributes below are class
    defaults that a constructor may set before or after calling this one.
    """

    message: str = ""
    field: str = ""
    # Any: the errors written before this type keep their own precise type
    # (list[str] mostly), read by their callers as such.
    problems: Any = ()

    def __init__(
        self,
        message: str = "",
        *args: object,
        field: str | None = None,
        problems: "Iterable[Problem | str] | None" = None,
    ) -> None:
        if message or args:
            super().__init__(message, *args)
        else:
            super().__init__()
        # A subclass may have set its message before calling this.
        if message or "message" not in self.__dict__:
            self.message = str(message)
        if field is not None:
            self.field = field
        if problems is not None:
            self.problems = list(problems)

    def problem_list(self) -> list[Problem]:
        """The problems as ``Problem`` (a text becomes a Problem with no place)."""
        return [p if isinstance(p, Problem) else Problem(str(p)) for p in self.problems]


def error_lines(error: UserError) -> list[str]:
    """The French lines a person reads: the message's own lines, then its
    problems one per line — none when the message already quotes one of
    them (it lists them itself, maybe cut after the first 30)."""
    text = str(error) or error.message
    lines = [line for line in text.splitlines() if line.strip()]
    problems = error.problem_list()
    # A message that quotes one of its problems lists them itself, perhaps
    # cut short on purpose (« … et 70 autres problèmes »): add none back.
    if any(problem.message in text for problem in problems):
        return lines
    return lines + [f"- {problem.message}" for problem in problems]


# What the system says of a file it refuses, in French (strerror is English).
_SYSTEM_REASONS = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota de disque dépassé",
    errno.EACCES: "permission refusée",
    errno.EPERM: "permission refusée",
    errno.EROFS: "permission refusée (système de fichiers en lecture seule)",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EXDEV: "autre système de fichiers",
}


def system_reason(error: OSError) -> str:
    """The French reason of a refused file operation, from its errno (the
    system's own words, English, for any other)."""
    return _SYSTEM_REASONS.get(error.errno or 0, error.strerror or str(error))


def command_error(error: Exception) -> "CommandError":
    """The command line's adapter: Django's CommandError with the French
    message and the problems not already in it, one per line (the command
    then exits with status 1, the text on standard error). An error that is
    not a ``UserError`` (a ``ValueError`` from a parser) gives its text.
    Control characters quoted from the input (a file name with a terminal's
    escape sequence) are shown as U+FFFD (textrules.printable)."""
    # Imported here: this module is imported by the parts without Django.
    from django.core.management.base import CommandError

    from nonrecours.textrules import printable

    if isinstance(error, UserError):
        return CommandError(printable("\n".join(error_lines(error))))
    return CommandError(printable(str(error)))
