import datetime

from django.db import models


class MailStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    SENT = "sent", "Envoyé"
    ABANDONED = "abandoned", "Abandonné"


# After the n-th attempt fails, the next one comes this long after it: the
# first retry a quarter of an hour later (a server restarting), then wider
# apart, for about two days in all. Past the last, the mail is abandoned.
RETRY_DELAYS = (
    datetime.timedelta(minutes=15),
    datetime.timedelta(hours=1),
    datetime.timedelta(hours=4),
    datetime.timedelta(hours=12),
    datetime.timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A mail not sent after this long is abandoned rather than sent late (when
# the sending command did not run for days).
MAX_AGE = datetime.timedelta(days=3)
