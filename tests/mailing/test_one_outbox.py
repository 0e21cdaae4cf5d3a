"""Every e-mail goes through the outbox: no module but the outbox's
delivery (and the disabled backend's definition) uses Django's mail
functions, which would send without retry, journal or erasure."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "nonrecours"
ALLOWED = {
    ROOT / "mailing" / "delivery.py",  # hands the outbox's mails to the backend
    ROOT / "privacy" / "mail.py",  # defines the disabled backend, sends nothing
}
# An import of Django's mail module, or a call of its sending functions (a
# backend's dotted path in a string, as the deployment checks name it, is no
# sending).
SENDING = re.compile(
    r"^\s*(?:from|import)\s+django\.core\.mail\b"
    r"|^\s*from\s+django\.core\s+import\s+.*\bmail\b"
    r"|\b(?:send_mail|send_mass_mail|mail_admins|mail_managers)\(",
    re.MULTILINE,
)


def test_only_the_outbox_sends_mail():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path not in ALLOWED and SENDING.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], f"envoi de courriel hors de la file d'envoi : {offenders}"
