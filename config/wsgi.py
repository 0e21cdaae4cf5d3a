"""The WSGI application (Gunicorn: `gunicorn -c config/gunicorn.py config.wsgi`).

The environment file is read first (config.settings.env.load_env_file), as
the `nonrecours` command does, so that the site and the nightly jobs share
one configuration; without DJANGO_SETTINGS_MODULE, the production settings.

A refused setting stops the process with one French line on the standard
error and exit code 3, which Gunicorn reads as "the worker cannot boot":
it stops instead of starting workers again and again.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from config.settings.env import load_env_file

WORKER_BOOT_ERROR = 3  # gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR

try:
    load_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    application = get_wsgi_application()
except ImproperlyConfigured as error:  # EnvFileError too
    sys.stderr.write(f"nonrecours (serveur web) : {error}\n")
    sys.stderr.flush()
    raise SystemExit(WORKER_BOOT_ERROR) from None
