"""Settings shared by every environment. Values come from environment
variables documented in docs/configuration.md."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("NONRECOURS_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "nonrecours.accounts",
    "nonrecours.territories",
    "nonrecours.surveys",
    "nonrecours.rights",
    "nonrecours.directory",
    "nonrecours.referrals",
    "nonrecours.www",
    "nonrecours.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nonrecours.www.middleware.ContentSecurityPolicyMiddleware",
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
            ],
            "builtins": ["nonrecours.www.templatetags.numbers"],
        },
    },
]

_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'nonrecours.sqlite3'}"
if env_str("DATABASE_URL", _DEFAULT_DATABASE_URL) == _DEFAULT_DATABASE_URL:
    # The embedded database lives in VAR_DIR: make sure the folder exists
    # whatever command runs first (migrate, territory import…).
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _DEFAULT_DATABASE_URL),
        conn_max_age=0,
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
LOGIN_REDIRECT_URL = "home"
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("NONRECOURS_LOG_LEVEL", "INFO")},
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
NONRECOURS_PROXY_COUNT = env_int("NONRECOURS_PROXY_COUNT", 0)

# The territory shown on the home page and imported by `nonrecours setup`.
NONRECOURS_DEFAULT_TERRITORY = env_str("NONRECOURS_DEFAULT_TERRITORY", "200033579")

# How long a simulation kept with the person's consent can be reopened from
# its code (then it is deleted).
NONRECOURS_SIMULATION_RETENTION_DAYS = env_int("NONRECOURS_SIMULATION_RETENTION_DAYS", 90)

# Call-back requests of the barometer: erased this long after they were
# handled, or after their campaign ended, whichever comes first
# (`nonrecours purge`, each night); the counts stay on the campaign.
NONRECOURS_CONTACT_RETENTION_DAYS = env_int("NONRECOURS_CONTACT_RETENTION_DAYS", 92)
if NONRECOURS_CONTACT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("NONRECOURS_CONTACT_RETENTION_DAYS doit être d'au moins 1 jour.")

# Referrals: the person's details are erased this long after the referral
# was sent (`nonrecours orientations echeances`, each night); the statistics stay.
NONRECOURS_REFERRAL_RETENTION_DAYS = env_int("NONRECOURS_REFERRAL_RETENTION_DAYS", 730)
if NONRECOURS_REFERRAL_RETENTION_DAYS < 31:
    # Shorter, a referral would be erased before it can expire and be answered.
    raise ImproperlyConfigured(
        "NONRECOURS_REFERRAL_RETENTION_DAYS doit être d'au moins 31 jours (une orientation "
        "attend sa réponse 30 jours)."
    )

# The address of the application, for the links sent by e-mail.
NONRECOURS_BASE_URL = env_str("NONRECOURS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# E-mail: printed on the console unless an SMTP server is given.
EMAIL_HOST = env_str("NONRECOURS_EMAIL_HOST", "")
EMAIL_PORT = env_int("NONRECOURS_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("NONRECOURS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("NONRECOURS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("NONRECOURS_EMAIL_TLS", True)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("NONRECOURS_EMAIL_FROM", "nonrecours <ne-pas-repondre@localhost>")
