"""The register of processing (RGPD article 30), declared next to the code.

Each app of the project declares, in its own ``privacy.py``:

- ``PROCESSING``: a list of ``Processing``, one per kind of personal data
  it keeps (the models holding it, by label, ``"surveys.Contact"``);
- ``NO_PERSONAL_DATA``: ``{"app.Model": "why it holds none"}`` for its
  other models.

Every model of a ``nonrecours.*`` app must be in one or the other
(``queries.classification_problems``, checked by tests/privacy): a new model
is classified when it is written. The tables of the frameworks the project
installs (sessions, back-office journal, login throttling, second factor)
are declared in ``framework.py`` of this app.

This module imports nothing from the project, so that every app may import
it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Processing:
    """One line of the register: one kind of personal data.

    Every text is French, written for the controller and the data
    protection officer. ``retention`` may name settings between braces,
    ``"{NONRECOURS_CONTACT_RETENTION_DAYS} jours après…"``: the register
    shows their current values. ``models`` are model labels
    (``"app_label.ModelName"``); a model may appear in several lines (a
    referral holds the person's details and the professional's name).
    """

    key: str
    name: str
    models: tuple[str, ...]
    purpose: str
    people: str
    data: str
    seen_by: str
    recipients: str
    retention: str
    legal_basis: str
