"""Settings shared by every environment. Values come from environment
variables documented in docs/configuration.md."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import (
    env_bool,
    env_choice,
    env_import,
    env_int,
    env_list,
    env_pattern,
    env_sender,
    env_str,
    env_url,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("NONRECOURS_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Django refuses an origin without its scheme in several English lines.
for _origin in CSRF_TRUSTED_ORIGINS:
    if "://" not in _origin:
        raise ImproperlyConfigured(
            f"La variable d'environnement DJANGO_CSRF_TRUSTED_ORIGINS contient « {_origin} » : "
            "attendu des origines avec leur schéma, séparées par des virgules, par exemple "
            "https://nonrecours.exemple.fr."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "nonrecours.accounts",
    "nonrecours.territories",
    "nonrecours.surveys",
    "nonrecours.rights",
    "nonrecours.directory",
    "nonrecours.referrals",
    "nonrecours.privacy",
    "nonrecours.mailing",
    "nonrecours.localaids",
    "nonrecours.outreach",
    "nonrecours.training",
    "nonrecours.events",
    "nonrecours.evaluation",
    "nonrecours.www",
    "nonrecours.cli",
    "nonrecours.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "nonrecours.www.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nonrecours.www.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "nonrecours" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nonrecours.www.context_processors.menu",
            ],
            "builtins": [
                "nonrecours.www.templatetags.numbers",
                "nonrecours.www.templatetags.fields",
            ],
        },
    },
]

_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'nonrecours.sqlite3'}"
if env_str("DATABASE_URL", _DEFAULT_DATABASE_URL) == _DEFAULT_DATABASE_URL:
    # The embedded database lives in VAR_DIR: make sure the folder exists
    # whatever command runs first (migrate, territory import…).
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": parse_database_url(
        "DATABASE_URL", env_str("DATABASE_URL", _DEFAULT_DATABASE_URL), conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an answer is being written; IMMEDIATE
    # transactions avoid "database is locked" on concurrent writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "landing"  # « Mon espace »: each role's own work
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "nonrecours" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Logs: one line per record on the standard error, « time level logger
# message », the time in ISO 8601 with its offset (nonrecours.ops.logs);
# under systemd, journald keeps them (docs/configuration.md, « Journaux »).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": "nonrecours.ops.logs.LineFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "NONRECOURS_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        ),
    },
    # WeasyPrint reports each layout step at INFO, and CSS it ignores at WARNING.
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "weasyprint.progress": {"level": "ERROR"},
        # OpenFisca's numexpr says how many threads it uses, at INFO.
        "numexpr": {"level": "WARNING"},
    },
}

# How many reverse proxies (TLS terminator, load balancer) stand before the
# application: the respondent's address is then read from X-Forwarded-For.
NONRECOURS_PROXY_COUNT = env_int("NONRECOURS_PROXY_COUNT", 0, minimum=0)

# Accounts (docs/guide/comptes.md, ADR 011). Administrators and project leads,
# who see personal data, confirm their login with a code (TOTP, django-otp).
NONRECOURS_REQUIRE_2FA = env_bool("NONRECOURS_REQUIRE_2FA", True)
# How long the link of an invitation e-mail opens the account's creation.
NONRECOURS_INVITATION_DAYS = env_int("NONRECOURS_INVITATION_DAYS", 7, minimum=1)
# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for
# one account, or from one address, logging in is refused for this many
# minutes or until an administrator unlocks it (0: only an administrator).
NONRECOURS_LOGIN_LOCKOUT_MINUTES = env_int("NONRECOURS_LOGIN_LOCKOUT_MINUTES", 60, minimum=0)
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each one locks on its own
AXES_COOLOFF_TIME = NONRECOURS_LOGIN_LOCKOUT_MINUTES / 60 or None  # hours
AXES_CLIENT_IP_CALLABLE = "nonrecours.www.ratelimit.client_address"
AXES_LOCKOUT_CALLABLE = "nonrecours.www.accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures are kept, not every successful login
AXES_VERBOSE = False  # no banner on every command
# Axes's log lines name the attempt by pseudonyms, never by the account's
# e-mail nor the IP address (logs without personal data, issue #18).
AXES_CLIENT_STR_CALLABLE = "nonrecours.ops.logs.axes_client_str"
OTP_TOTP_ISSUER = "nonrecours"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the back-office never shows a device's secret

# The territory shown on the home page and imported by `nonrecours setup`.
NONRECOURS_DEFAULT_TERRITORY = env_pattern(
    "NONRECOURS_DEFAULT_TERRITORY",
    "200033579",
    r"\d{9}",
    "le code SIREN du territoire, 9 chiffres (par exemple 200033579)",
)

# How long a simulation kept with the person's consent can be reopened from
# its code (then it is deleted).
NONRECOURS_SIMULATION_RETENTION_DAYS = env_int(
    "NONRECOURS_SIMULATION_RETENTION_DAYS", 90, minimum=1
)
# Rate limits of the rights simulator, per client address (www.ratelimit):
# simulations computed (results, expert mode, PDF recap) per 10 minutes, and
# simulations kept under a code per hour; past them, a 429 page.
NONRECOURS_SIMULATIONS_PER_ADDRESS = env_int("NONRECOURS_SIMULATIONS_PER_ADDRESS", 60, minimum=1)
NONRECOURS_KEPT_SIMULATIONS_PER_ADDRESS = env_int(
    "NONRECOURS_KEPT_SIMULATIONS_PER_ADDRESS", 20, minimum=1
)

# Call-back requests of the barometer: erased this long after they were
# handled, or after their campaign ended, whichever comes first
# (`nonrecours purge`, each night); the counts stay on the campaign.
NONRECOURS_CONTACT_RETENTION_DAYS = env_int("NONRECOURS_CONTACT_RETENTION_DAYS", 92, minimum=1)

# Referrals: the person's details are erased this long after the referral
# was sent (`nonrecours referrals echeances`, each night); the statistics stay.
# At least 31: shorter, a referral (which waits 30 days for its answer) would
# be erased before it can expire and be answered.
NONRECOURS_REFERRAL_RETENTION_DAYS = env_int("NONRECOURS_REFERRAL_RETENTION_DAYS", 730, minimum=31)

# The address of the application, for the links sent by e-mail. The local
# address is a development default only: production requires it (https).
NONRECOURS_BASE_URL = env_url(
    "NONRECOURS_BASE_URL", "http://127.0.0.1:8000", schemes=("https", "http")
)

# E-mail: printed on the console unless an SMTP server is given (development;
# production requires a server or NONRECOURS_EMAIL_DISABLED). With
# NONRECOURS_EMAIL_DISABLED, nothing is sent nor printed, and no link opening
# personal data is offered (nonrecours.privacy.mail.links_can_be_sent).
EMAIL_HOST = env_str("NONRECOURS_EMAIL_HOST", "")
EMAIL_PORT = env_int("NONRECOURS_EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("NONRECOURS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("NONRECOURS_EMAIL_PASSWORD", "")
# Implicit TLS (port 465, NONRECOURS_EMAIL_SSL) or STARTTLS (port 587,
# NONRECOURS_EMAIL_TLS, the default): one or the other.
EMAIL_USE_SSL = env_bool("NONRECOURS_EMAIL_SSL", False)
EMAIL_USE_TLS = env_bool("NONRECOURS_EMAIL_TLS", not EMAIL_USE_SSL)
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise ImproperlyConfigured(
        "NONRECOURS_EMAIL_SSL et NONRECOURS_EMAIL_TLS valent tous les deux « true » : "
        "TLS dès la connexion (port 465, NONRECOURS_EMAIL_SSL) ou STARTTLS (port 587, "
        "NONRECOURS_EMAIL_TLS), pas les deux."
    )
NONRECOURS_EMAIL_DISABLED = env_bool("NONRECOURS_EMAIL_DISABLED", False)
if NONRECOURS_EMAIL_DISABLED and EMAIL_HOST:
    raise ImproperlyConfigured(
        "NONRECOURS_EMAIL_DISABLED et NONRECOURS_EMAIL_HOST sont donnés tous les deux : "
        "retirez l'un des deux (courriels désactivés, ou envoyés par ce serveur)."
    )
if NONRECOURS_EMAIL_DISABLED:
    EMAIL_BACKEND = "nonrecours.privacy.mail.DisabledEmailBackend"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_sender("NONRECOURS_EMAIL_FROM", "nonrecours <ne-pas-repondre@localhost>")
# How long the mail server may take to answer, in seconds: past it, the mail
# stays in the outbox (nonrecours.mailing) and is tried again later, and the
# page that sent it says so instead of waiting. At most a minute: a page
# waits for it, and the outbox's claim on a mail outlasts a few of them.
EMAIL_TIMEOUT = env_int("NONRECOURS_EMAIL_TIMEOUT", 10, minimum=1, maximum=60)
# Backends that hand no mail to a server: a mail given to them is not sent
# (nonrecours.mailing says why, in the referral's journal and on the page).
# Any other backend (SMTP, a provider's) delivers.
NONRECOURS_EMAIL_NOT_DELIVERING: tuple[str, ...] = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "nonrecours.privacy.mail.DisabledEmailBackend",
)

# SMS of the follow-up after a simulation (django-sms, ADR 026): a backend's
# dotted path; printed on the console by default (development). Production
# sends none unless a provider's backend is given (config/settings/production.py).
SMS_BACKEND = env_import(
    "NONRECOURS_SMS_BACKEND", "sms.backends.console.SmsBackend", what="un moteur d'envoi de SMS"
)
# The sender the person sees: an alphanumeric name (3 to 11 letters or
# digits, at least one letter: what French operators accept) or a number.
# Empty: the provider's own sender.
NONRECOURS_SMS_SENDER = env_pattern(
    "NONRECOURS_SMS_SENDER",
    "MesDroits",
    r"(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{3,11}|\+?[0-9]{3,15}|",
    "un nom de 3 à 11 lettres ou chiffres sans espace ni accent, dont au moins une lettre "
    "(MesDroits), ou un numéro (+33612345678)",
)

# Error reporting (ADR 031): off unless the address (DSN) of a Sentry or
# GlitchTip project is given; then every server error is sent there, without
# personal data (nonrecours.ops.reporting), and the 500 page says the
# technical team was told.
NONRECOURS_SENTRY_DSN = env_str("NONRECOURS_SENTRY_DSN", "").strip()
NONRECOURS_SENTRY_ENVIRONMENT = env_pattern(
    "NONRECOURS_SENTRY_ENVIRONMENT",
    "production",
    r"[A-Za-z0-9_.-]{1,64}",
    "un nom court sans espace (lettres, chiffres, . _ -), par exemple production ou recette",
)
if NONRECOURS_SENTRY_DSN:
    from nonrecours.ops.reporting import start_error_reporting

    start_error_reporting(dsn=NONRECOURS_SENTRY_DSN, environment=NONRECOURS_SENTRY_ENVIRONMENT)
