"""The fingerprint of the secret key, kept beside the backups.

A database restored under another DJANGO_SECRET_KEY still works, but every
signed link already sent by e-mail (referral follow-ups, call-backs,
invitations) and every session stops being valid. The daily backup writes
``cle-secrete.sha256`` (this fingerprint) next to the dumps, and
``check --deploy`` warns when it is missing or differs (nonrecours.ops.checks).
"""

import hashlib

from django.conf import settings

FINGERPRINT_FILE_NAME = "cle-secrete.sha256"


def secret_key_fingerprint() -> str:
    """The SHA-256 of settings.SECRET_KEY encoded in UTF-8, as 64 lowercase
    hexadecimal characters. The key cannot be recovered from it; it only
    tells whether two installations share the same key."""
    return hashlib.sha256(str(settings.SECRET_KEY).encode("utf-8")).hexdigest()
