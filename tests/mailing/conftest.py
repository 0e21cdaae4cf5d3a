"""The referral fixtures (tests/referrals/conftest.py), for the journal."""

import pytest

from nonrecours.mailing import outcomes
from tests.referrals.conftest import directory, receiver, send, sender  # noqa: F401


@pytest.fixture
def told(monkeypatch):
    """The outcomes told to a listener of ``about="essai"``, in order."""
    seen: list[outcomes.MailOutcome] = []
    monkeypatch.setitem(outcomes.LISTENERS, "essai", seen.append)
    return seen
