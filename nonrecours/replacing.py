"""A result file replaced whole or not at all.

A command that writes a file a person will open (a screening result, the
national barometer's tables) writes it beside its final name, under a
hidden unique name, and renames it over the final name only once complete:
a reader never sees half a file, and a failure (an error, Ctrl-C, SIGTERM
or SIGHUP under nonrecours.stopping) leaves the previous file as it was and
no partial file behind. Only a process killed outright (SIGKILL, a machine
stopped) leaves the hidden `.NOM.xxxxxxxx.partiel`.

This module imports nothing from Django.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from nonrecours.errors import UserError, system_reason
from nonrecours.textrules import shown


class ReplaceError(UserError, OSError):
    """The folder cannot be written, or the file cannot be replaced
    (French, with the path and the system's reason)."""


@contextlib.contextmanager
def replaced(out: Path, *, private: bool = True) -> Iterator[TextIO]:
    """A UTF-8 text file (newline="", as csv wants) written beside `out`
    that becomes `out` only when the block ends without an error, with the
    mode of the `out` it replaces; a new one is readable by its owner only
    when `private` (results that name households), else readable by all
    (0644: published statistics). Otherwise it is removed and an existing
    `out` is left as it was. Raises ReplaceError when the folder cannot be
    written or `out` cannot be replaced."""
    try:
        descriptor, name = tempfile.mkstemp(
            dir=out.parent, prefix=f".{out.name}.", suffix=".partiel"
        )
    except OSError as error:
        raise ReplaceError(
            f"{shown(str(out.parent))} : impossible d'y écrire le résultat "
            f"({system_reason(error)})."
        ) from None
    partial = Path(name)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            yield handle
        try:
            if out.exists():
                shutil.copymode(out, partial)
            elif not private:
                partial.chmod(0o644)
            os.replace(partial, out)
        except OSError as error:
            raise ReplaceError(
                f"{shown(str(out))} : impossible de le remplacer par le résultat "
                f"({system_reason(error)}) ; il est resté tel quel."
            ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
