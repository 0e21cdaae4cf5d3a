"""Gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

The environment file (/etc/nonrecours/nonrecours.env, or NONRECOURS_ENV_FILE)
is read first, as config/wsgi.py and the `nonrecours` command read it. Then
every setting is checked and the application's settings loaded: a refused
value, or static files never collected (every page would be a 500), stops
the start with one French line on the standard error naming what is wrong,
and exit code 2, instead of Gunicorn's traceback.

Threads, so that the rights simulator's concurrent requests are computed
together (nonrecours.rights.batching); the OpenFisca-France legislation is
loaded once, before the workers are forked, so that no request waits for it.

Logs (docs/configuration.md, « Journaux »): the error log and the access log
on the standard error and output, one line each in the application's format,
with no query string, client address nor secret path segment
(nonrecours.ops.logs).
"""

import multiprocessing
import os
import sys
from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_bind, env_int, load_env_file


def _refuse_to_start(message: str) -> NoReturn:
    """One French line, no traceback (Gunicorn prints one for any other
    exception raised while it reads this file), and a non-zero exit."""
    sys.stderr.write(f"nonrecours (gunicorn) : {message}\n")
    sys.stderr.flush()
    raise SystemExit(2)


def _check_application() -> None:
    """Load the application's settings (their own checks run then) and
    refuse to start without the static files' manifest."""
    import django

    django.setup()
    from nonrecours.ops.checks import static_manifest_missing

    missing = static_manifest_missing()
    if missing is not None:
        raise ImproperlyConfigured(
            f"le manifeste des fichiers statiques ({missing}) est absent : toutes les pages "
            "répondraient « erreur 500 ». Lancez `nonrecours collectstatic --noinput` avec le "
            "même fichier d'environnement (même NONRECOURS_VAR_DIR) que le serveur web."
        )


try:
    # The same environment file as config/wsgi.py and the `nonrecours`
    # command: read before the settings below, which it may set.
    load_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    # numpy's linear algebra (OpenBLAS) on one thread per process: it starts
    # one per core otherwise, in each of the workers, and on small matrices
    # (the secrecy checks, the referral statistics) those threads wait for
    # each other (15 times more CPU for the rank of a 200 × 300 matrix). Set
    # before the application, hence numpy, is loaded; the environment file
    # may say otherwise.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    bind = env_bind("NONRECOURS_BIND", "127.0.0.1:8000")
    workers = env_int("NONRECOURS_WEB_WORKERS", multiprocessing.cpu_count(), minimum=1)
    threads = env_int("NONRECOURS_WEB_THREADS", 32, minimum=1)
    _check_application()
except ImproperlyConfigured as error:  # EnvFileError too
    _refuse_to_start(str(error))

worker_class = "gthread"
preload_app = True
timeout = 120
# Keep-alive connections from the reverse proxy: kept longer than the proxy
# keeps its idle ones (deploy/Caddyfile, deploy/nginx.conf: 30 s), so that
# Gunicorn never closes a connection the proxy is already sending a request
# on (a reset the proxy cannot retry for a POST: seen in `make loadtest`).
keepalive = 75
# Gunicorn 27's control socket defaults to ~/.gunicorn/gunicorn.ctl, shared
# by every Gunicorn of the account; the service does not use it.
control_socket_disable = True
logger_class = "nonrecours.ops.logs.GunicornLogger"
accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(b)s %(M)sms"  # nonrecours.ops.logs.ACCESS_LOG_FORMAT


def on_starting(server: object) -> None:
    """Load the tax-benefit system in the master (a few seconds, once)."""
    from nonrecours.rights.engine import tax_benefit_system

    tax_benefit_system()
