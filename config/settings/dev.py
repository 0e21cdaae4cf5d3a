"""Local development: `make run`."""

from config.settings.base import *  # noqa: F403
from config.settings.env import env_bool, env_list, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
