"""pytest plugin: no personal data in the logs of the test suite.

For the whole session (and in each pytest-xdist worker), a handler on the
root logger reads every record the code logs (message, exception text,
stack), and looks for personal data: the names, phone numbers and e-mail
addresses that the demonstration data and the test factories give to
people (nonrecours.referrals.demo, nonrecours.events.demo, the surveys'
demonstration call-back numbers, tests/factories.py), and anything shaped
like a French phone number or an e-mail address other than the project's
own system addresses (ne-pas-repondre@…). Each hit is kept with the test's
id, the logger's name and an excerpt where the data is masked; at the end,
the session fails with a French summary (« Données personnelles dans les
journaux »). Workers send their hits to the controller.

Registered by tests/conftest.py (``pytest_plugins``).
"""

import logging
import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

import pytest

WORKER_KEY = "nonrecours_logscan_hits"
# E-mail addresses the application sends from, and Django's defaults: not
# about a person.
SYSTEM_ADDRESS = re.compile(
    r"^(ne-pas-repondre|noreply|no-reply|webmaster|root|nonrecours)@", re.IGNORECASE
)
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# 10 digits from 0 (or +33 / 0033 and 9 digits), separated or not by
# spaces, dots or dashes: 06 12 34 56 78, 0612345678, +33 6 12 34 56 78.
PHONE = re.compile(r"(?<![\d\w])(?:\+33\s?|0033\s?|0)[1-9](?:[\s.\-]?\d{2}){4}(?![\d\w])")
# Names the suite itself gives to people (tests/factories.py and the tests
# that write a person by hand), first name and last name together.
TEST_SUITE_NAMES = (
    ("Camille", "Martin"),
    ("Nadia", "Benali"),
    ("Léa", "Roux"),
    ("Awa", "Diallo"),
    ("Sophie", "Martin"),
)
# Last names distinctive enough to be looked for alone.
DISTINCT_LAST_NAMES = ("Lefebvre", "Dubois", "Moreau", "Girard", "Lambert", "Benali", "Diallo")
EXCERPT_CHARS = 60
MAX_REPORTED = 30


@dataclass(frozen=True)
class Hit:
    """One record holding personal data: where, what kind, and the text
    around it with the data itself masked."""

    test: str
    logger: str
    kind: str
    excerpt: str


def _demo_full_names() -> list[tuple[str, str]]:
    """(first name, last name) of the demonstration generators, read from
    their modules (imported once Django is set up)."""
    pairs: list[tuple[str, str]] = list(TEST_SUITE_NAMES)
    try:
        from nonrecours.events.demo import PEOPLE
        from nonrecours.referrals.demo import FIRST_NAMES, LAST_NAMES
    except Exception:  # noqa: BLE001 - a broken import is another test's failure
        return pairs
    pairs += [(first, last) for last, first, _job, _structure in PEOPLE]
    pairs += [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    return pairs


def _name_pattern() -> re.Pattern[str]:
    alternatives = set()
    for first, last in _demo_full_names():
        alternatives.add(rf"{re.escape(first)}\s+{re.escape(last)}")
        alternatives.add(rf"{re.escape(last)}\s+{re.escape(first)}")
    alternatives.update(re.escape(name) for name in DISTINCT_LAST_NAMES)
    joined = "|".join(sorted(alternatives, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{joined})(?!\w)")


def find_personal_data(text: str, names: re.Pattern[str]) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each piece of personal data in ``text``: kind
    « courriel », « téléphone » or « nom »."""
    found = []
    for match in EMAIL.finditer(text):
        if not SYSTEM_ADDRESS.match(match.group(0)):
            found.append(("courriel", match.start(), match.end()))
    found += [("téléphone", m.start(), m.end()) for m in PHONE.finditer(text)]
    found += [("nom", m.start(), m.end()) for m in names.finditer(text)]
    return found


def masked_excerpt(text: str, spans: list[tuple[str, int, int]], index: int) -> str:
    """The text around the ``index``-th span, on one line, with every span
    (this one and the others) replaced by a mask keeping only its first
    character."""
    _kind, start, end = spans[index]
    pieces, position = [], max(0, start - EXCERPT_CHARS)
    stop = min(len(text), end + EXCERPT_CHARS)
    for _other, other_start, other_end in sorted(spans, key=lambda span: span[1]):
        if other_end <= position or other_start >= stop:
            continue
        other_start = max(other_start, position)
        pieces.append(text[position:other_start])
        pieces.append(f"[{text[other_start]}•••••]")
        position = max(position, other_end)
    pieces.append(text[position:stop])
    return " ".join(f"…{''.join(pieces)}…".split())


class ScanHandler(logging.Handler):
    """Reads every record reaching the root logger (see the module)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.hits: list[Hit] = []
        self.records = 0
        self.current_test = "(hors d'un test)"
        self._names: re.Pattern[str] | None = None
        self._formatter = logging.Formatter()
        self._guard = threading.local()

    def names(self) -> re.Pattern[str]:
        if self._names is None:
            self._names = _name_pattern()
        return self._names

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._guard, "busy", False):
            return
        self._guard.busy = True
        try:
            parts = [record.getMessage()]
            if record.exc_info:
                parts.append(self._formatter.formatException(record.exc_info))
            elif record.exc_text:
                parts.append(record.exc_text)
            if record.stack_info:
                parts.append(record.stack_info)
            text = "\n".join(parts)
            self.records += 1
            spans = find_personal_data(text, self.names())
            for index, (kind, _start, _end) in enumerate(spans):
                self.hits.append(
                    Hit(
                        test=self.current_test,
                        logger=record.name,
                        kind=kind,
                        excerpt=masked_excerpt(text, spans, index),
                    )
                )
        except Exception:  # noqa: BLE001, S110 - scanning must never break a test
            pass
        finally:
            self._guard.busy = False


_handler = ScanHandler()
_worker_hits: list[dict[str, str]] = []
_worker_records: list[int] = []


def _ensure_installed() -> None:
    """Django's logging configuration replaces the root logger's handlers:
    put ours back whenever it is missing."""
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)


def pytest_sessionstart(session: pytest.Session) -> None:
    _ensure_installed()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _ensure_installed()
    _handler.current_test = item.nodeid


def pytest_runtest_teardown(item: pytest.Item) -> None:
    _ensure_installed()


def pytest_runtest_logfinish(nodeid: str) -> None:
    _handler.current_test = "(hors d'un test)"


class _XdistHooks:
    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None) or {}
        _worker_hits.extend(output.get(WORKER_KEY, []))
        _worker_records.append(int(output.get(WORKER_KEY + "_records", 0)))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_XdistHooks(), "nonrecours-logscan-xdist")


def all_hits() -> list[Hit]:
    """Hits of this process and of the workers that finished."""
    return [*_handler.hits, *(Hit(**hit) for hit in _worker_hits)]


def summary(hits: list[Hit]) -> str:
    """The French summary printed at the end of a session with hits."""
    lines = [
        f"{len(hits)} enregistrement(s) de journal contiennent des données personnelles "
        "(nom, téléphone ou courriel d'une personne). Retirez-les du message du journal : "
        "donnez plutôt l'identifiant de l'objet (référence de l'orientation, numéro).",
    ]
    for hit in hits[:MAX_REPORTED]:
        lines.append(f"- {hit.test} — journal {hit.logger} — {hit.kind} : {hit.excerpt}")
    if len(hits) > MAX_REPORTED:
        lines.append(f"… et {len(hits) - MAX_REPORTED} autre(s).")
    return "\n".join(lines)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workeroutput"):  # an xdist worker: the controller reports
        config.workeroutput[WORKER_KEY] = [asdict(hit) for hit in _handler.hits]
        config.workeroutput[WORKER_KEY + "_records"] = _handler.records
        return
    if all_hits() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workeroutput"):
        return
    hits = all_hits()
    if hits:
        terminalreporter.section("Données personnelles dans les journaux", red=True)
        terminalreporter.write_line(summary(hits))
    elif config.option.verbose > 0:
        records = _handler.records + sum(_worker_records)
        terminalreporter.write_line(
            f"Journaux lus : {records} enregistrement(s), sans donnée personnelle."
        )
