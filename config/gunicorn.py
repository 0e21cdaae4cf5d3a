"""Gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

The environment file (/etc/nonrecours/nonrecours.env, or NONRECOURS_ENV_FILE)
is read first, as config/wsgi.py and the `nonrecours` command read it.

Threads, so that the rights simulator's concurrent requests are computed
together (nonrecours.rights.batching); the OpenFisca-France legislation is
loaded once, before the workers are forked, so that no request waits for it.
"""

import multiprocessing
import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_int, env_str, load_env_file

# The same environment file as config/wsgi.py and the `nonrecours` command:
# read before the settings below, which it may set.
load_env_file()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
# numpy's linear algebra (OpenBLAS) on one thread per process: it starts one
# per core otherwise, in each of the workers, and on small matrices (the
# secrecy checks, the referral statistics) those threads wait for each other
# (15 times more CPU for the rank of a 200 × 300 matrix). Set before the
# application, hence numpy, is loaded; the environment file may say otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _at_least_one(name: str, default: int) -> int:
    """A whole number of at least 1 (French error naming the variable)."""
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(
            f"La variable d'environnement {name} vaut « {value} » : attendu un nombre entier "
            "d'au moins 1."
        )
    return value


bind = env_str("NONRECOURS_BIND", "127.0.0.1:8000")
workers = _at_least_one("NONRECOURS_WEB_WORKERS", multiprocessing.cpu_count())
worker_class = "gthread"
threads = _at_least_one("NONRECOURS_WEB_THREADS", 32)
preload_app = True
timeout = 120


def on_starting(server: object) -> None:
    """Load the tax-benefit system in the master (a few seconds, once)."""
    import django

    django.setup()
    from nonrecours.rights.engine import tax_benefit_system

    tax_benefit_system()
