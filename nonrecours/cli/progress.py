"""The commands' progress bar on standard error (screen, barometer national)."""

from collections.abc import Callable
from typing import Any


def progress_bar(stream: Any, unit: str, *, percent: bool = False) -> Callable[[int, int], None]:
    """A text progress bar on `stream` (anything with write and flush):
    called with (done, total), it redraws « [####....] done/total unit »
    (with the percentage when `percent`) on one line, and ends the line
    when done reaches total."""

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        text = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {unit}"
        if percent:
            text += f" ({100 * done // total if total else 100} %)"
        stream.write(text)
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
