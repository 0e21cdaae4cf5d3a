"""The test suite. DATABASE_URL selects PostgreSQL (`pytest --postgresql`
starts a throwaway server and sets it)."""

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files from the apps' folders, without `collectstatic`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The suite's hundreds of `force_login` would otherwise all stop at the
# second factor; tests/accounts turns it on where it is the subject.
NONRECOURS_REQUIRE_2FA = False
# The suite computes hundreds of simulations from one address;
# tests/www/test_simulator_limits.py sets small limits where they are the subject.
NONRECOURS_SIMULATIONS_PER_ADDRESS = 1_000_000
NONRECOURS_KEPT_SIMULATIONS_PER_ADDRESS = 1_000_000
# SMS go to django-sms's outbox (sms.outbox), as e-mails to mail.outbox.
SMS_BACKEND = "sms.backends.locmem.SmsBackend"
# The tests read the mails in mail.outbox (Django's locmem backend): there,
# a mail handed to it counts as sent (nonrecours.mailing); tests/mailing
# switches to the console backend where "no server" is the subject.
NONRECOURS_EMAIL_NOT_DELIVERING = tuple(
    backend
    for backend in NONRECOURS_EMAIL_NOT_DELIVERING  # noqa: F405
    if backend != "django.core.mail.backends.locmem.EmailBackend"
)
