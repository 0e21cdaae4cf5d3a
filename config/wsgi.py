"""The WSGI application (Gunicorn: `gunicorn -c config/gunicorn.py config.wsgi`).

The environment file is read first (config.settings.env.load_env_file), as
the `nonrecours` command does, so that the site and the nightly jobs share
one configuration; without DJANGO_SETTINGS_MODULE, the production settings.
"""

import os

from django.core.wsgi import get_wsgi_application

from config.settings.env import load_env_file

load_env_file()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
