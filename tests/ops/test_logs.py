"""Log lines (format, masking of secret paths), Gunicorn's access log, and
the optional error reports (nonrecours.ops.logs, nonrecours.ops.reporting)."""

import datetime
import io
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import sentry_sdk
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from gunicorn.config import Config

from nonrecours.ops import logs, reporting

ROOT = Path(__file__).resolve().parent.parent.parent
SIGNED = "WzEsImFiY2RlZiJd:1tBcDe:Xy0-abcdefGhijkLmnop_qrstuv"
RANDOM = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1w"
# A secrets.token_urlsafe() that happens to hold no digit (the heuristic
# alone does not mask it).
URLSAFE_NO_DIGIT = "AbCdEfGhIjKlMnOpQrStUvWxYz-_AbCd"


def line_of(record: logging.LogRecord) -> str:
    return logs.LineFormatter().format(record)


def test_a_line_has_time_with_offset_level_and_logger():
    record = logging.LogRecord(
        "nonrecours.referrals", logging.WARNING, "x.py", 1, "Bonjour %s", ("a",), None
    )
    line = line_of(record)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"
        r" WARNING nonrecours\.referrals Bonjour a",
        line,
    ), line
    stamp = datetime.datetime.fromisoformat(line.split()[0])
    assert stamp.utcoffset() is not None
    assert abs(stamp.timestamp() - record.created) < 0.001


def test_the_logging_settings_use_the_line_format():
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["formatter"] == "line"
    assert settings.LOGGING["formatters"]["line"]["()"] == "nonrecours.ops.logs.LineFormatter"


def token_routes() -> list[tuple[str, dict[str, object]]]:
    """(URL name, kwargs) of every URL pattern of the site with a `token`
    parameter, the token being short and plain (no heuristic would mask it)."""
    found = []

    def walk(patterns, converters):
        for entry in patterns:
            here = {**converters, **getattr(entry.pattern, "converters", {})}
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, here)
            elif isinstance(entry, URLPattern) and "token" in entry.pattern.regex.groupindex:
                kwargs = {
                    name: 1
                    if type(here.get(name)).__name__ == "IntConverter"
                    else ("jeton1" if name == "token" else f"valeur-{name}")
                    for name in entry.pattern.regex.groupindex
                }
                found.append((entry.name, kwargs))

    walk(get_resolver().url_patterns, {})
    return found


def test_every_link_with_a_token_is_masked():
    routes = token_routes()
    names = {name for name, _ in routes}
    assert {"referral_link", "followup_answer", "evaluation_chain", "invitation_accept"} <= names
    assert {"training_game_team", "events_public_register"} <= names
    for name, kwargs in routes:
        url = reverse(name, kwargs=kwargs)
        masked = logs.mask_path(url)
        assert "/[masqué]/" in masked or masked.endswith("/[masqué]"), (name, masked)
        assert masked.count("[masqué]") == 1, (name, masked)


def test_a_token_is_masked_even_when_its_path_does_not_resolve():
    """Every pattern with a token, its token of each alphabet, the path
    as is, without its last slash, or with a segment added: the token
    appears neither in the access log line nor in Django's « Not Found »."""
    alphabets = {
        "hexadécimal": secrets.token_hex(12),
        "sans chiffre": URLSAFE_NO_DIGIT,
        "minuscules": "abcdefghijklmnopqrstuvwx",
        "signé": SIGNED,
    }
    stream = io.StringIO()
    logger = gunicorn_logger(stream)
    for name, kwargs in token_routes():
        for token in alphabets.values():
            url = reverse(name, kwargs={**kwargs, "token": token})
            for variant in (url, url.rstrip("/"), url + "autre/", url.rstrip("/") + "x"):
                environ = {
                    "REQUEST_METHOD": "GET",
                    "PATH_INFO": variant,
                    "RAW_URI": variant,
                    "SERVER_PROTOCOL": "HTTP/1.1",
                }
                response = SimpleNamespace(status="404 Not Found", sent=0, headers=[])
                request = SimpleNamespace(headers=[])
                logger.access(response, request, environ, datetime.timedelta(milliseconds=1))
                line = stream.getvalue().splitlines()[-1]
                assert token not in line, (name, variant, line)
                record = logging.LogRecord(
                    "django.request", logging.WARNING, "x.py", 1, "Not Found: %s", (variant,), None
                )
                assert token not in line_of(record), (name, variant)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/orientations/lien/{SIGNED}/", "/orientations/lien/[masqué]/"),
        (f"/rappels/{RANDOM}/", "/rappels/[masqué]/"),
        (f"/inconnu/{SIGNED}/suite/", "/inconnu/[masqué]/suite/"),  # not resolved: heuristic
        (f"/inconnu/{RANDOM}", "/inconnu/[masqué]"),
        ("/territoires/200033579/orientations/", "/territoires/200033579/orientations/"),
        ("/b/barometre-2026-arras-vague-1/", "/b/barometre-2026-arras-vague-1/"),
        ("/static/css/site.3f2a9c1b7e4d.css", "/static/css/site.3f2a9c1b7e4d.css"),
    ],
)
def test_mask_path(path, expected):
    assert logs.mask_path(path) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Not Found: /orientations/lien/{SIGNED}/", "Not Found: /orientations/lien/[masqué]/"),
        ("GET /simulateur/reprendre/?code=ABCD-1234", "GET /simulateur/reprendre/?[masqué]"),
        (
            f"lien https://nonrecours.exemple.fr/rappels/{RANDOM}/?a=b envoyé",
            "lien https://nonrecours.exemple.fr/rappels/[masqué]/?[masqué] envoyé",
        ),
        ("1/2 des orientations, fichier ./var/x.csv", "1/2 des orientations, fichier ./var/x.csv"),
        ("Pourquoi ? Parce que.", "Pourquoi ? Parce que."),
    ],
)
def test_mask_text(text, expected):
    assert logs.mask_text(text) == expected


def test_a_logged_secret_link_is_masked_in_the_line():
    record = logging.LogRecord(
        "django.request", logging.WARNING, "x.py", 1, "Not Found: %s", (f"/suivi/{SIGNED}/",), None
    )
    assert line_of(record).endswith("django.request Not Found: /suivi/[masqué]/")


# Gunicorn's access log.


def gunicorn_logger(stream: io.StringIO) -> logs.GunicornLogger:
    """Gunicorn's logger as config/gunicorn.py sets it, writing to ``stream``."""
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", logs.ACCESS_LOG_FORMAT)
    logger = logs.GunicornLogger(config)
    for handler in logger.access_log.handlers:
        handler.setStream(stream)
    return logger


def test_the_access_log_line_has_no_secret_nor_personal_detail():
    stream = io.StringIO()
    logger = gunicorn_logger(stream)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/orientations/lien/{SIGNED}/?utm=courriel",
        "PATH_INFO": f"/orientations/lien/{SIGNED}/",
        "QUERY_STRING": "utm=courriel",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": f"https://nonrecours.exemple.fr/rappels/{RANDOM}/",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="200 OK", sent=5123, headers=[])
    request = SimpleNamespace(headers=[("COOKIE", "sessionid=secret")])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    line = stream.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(
        r"\S+T\S+[+-]\d\d:\d\d INFO gunicorn\.access"
        r" GET /orientations/lien/\[masqué\]/ 200 5123 12ms",
        line,
    ), line
    for secret in (SIGNED, "utm", "203.0.113.7", RANDOM, "Mozilla", "sessionid"):
        assert secret not in line


def test_a_custom_access_format_cannot_bring_back_what_is_dropped():
    stream = io.StringIO()
    logger = gunicorn_logger(stream)
    logger.cfg.set("access_log_format", '%(h)s "%(r)s" %(q)s %(f)s %({cookie}i)s')
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/suivi/{SIGNED}/?x=1",
        "PATH_INFO": f"/suivi/{SIGNED}/",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": "https://exemple.fr/",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    request = SimpleNamespace(headers=[("COOKIE", "sessionid=secret")])
    logger.access(response, request, environ, datetime.timedelta(seconds=1))
    last = stream.getvalue().strip().splitlines()[-1]
    assert last.split(" ", 3)[3] == '- "POST /suivi/[masqué]/ HTTP/1.1" - - -'


# Error reports (Sentry or GlitchTip), never over the network here.


class KeptEvents(sentry_sdk.transport.Transport):
    """A transport that keeps the events instead of sending them."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)


def boom(request: HttpRequest, token: str):
    raise RuntimeError(f"lien /orientations/lien/{token}/ refusé")


urlpatterns = [path("orientations/lien/<str:token>/", boom)]
handler500 = "nonrecours.www.errors.server_error"


@pytest.fixture
def reported():
    transport = KeptEvents()
    reporting.start_error_reporting(
        dsn="https://cle@erreurs.exemple.fr/1", environment="essai", transport=transport
    )
    yield transport
    sentry_sdk.init()  # no DSN: nothing sent any more
    assert not reporting.error_reporting_active()


def wsgi_get(path: str, query: str, **headers: str) -> tuple[str, str]:
    """Status and page of a GET through Django's WSGI handler, as Gunicorn
    calls it (Sentry's Django integration wraps that handler)."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished
    from django.db import close_old_connections

    environ = {"PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": "testserver", **headers}
    setup_testing_defaults(environ)
    answer: list[str] = []
    # As Django's test client: the test's transaction stays open.
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(WSGIHandler()(environ, lambda status, _headers: answer.append(status)))
    finally:
        request_finished.connect(close_old_connections)
    return answer[0], body.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_reported_without_personal_data(reported, db):
    status, page = wsgi_get(
        f"/orientations/lien/{SIGNED}/",
        "courriel=camille.exemple%40exemple.fr",
        HTTP_COOKIE="preference=cookie-de-preference",
        HTTP_USER_AGENT="Navigateur 1.0",
        REMOTE_ADDR="203.0.113.7",
    )
    assert status.startswith("500")
    assert "L'équipe technique a été prévenue" in page
    sentry_sdk.flush()
    (event,) = reported.events
    text = repr(event)
    for secret in (
        SIGNED, "courriel", "cookie-de-preference", "203.0.113.7", "Navigateur", "cle@",
    ):  # fmt: skip
        assert secret not in text, secret
    assert event["environment"] == "essai"
    assert event["request"] == {
        "method": "GET",
        "url": "http://testserver/orientations/lien/[masqué]/",
    }
    assert "user" not in event
    assert event["transaction"] == "/orientations/lien/{token}/"
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "lien /orientations/lien/[masqué]/ refusé"
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])


class FailingMiddleware:
    """A middleware that fails before the URL is resolved (the database
    gone): Sentry then names the transaction after the raw path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise RuntimeError("base indisponible")


def test_an_error_before_resolution_does_not_send_the_link(reported, db, settings):
    settings.MIDDLEWARE = [f"{__name__}.FailingMiddleware", *settings.MIDDLEWARE]
    tokens = [secrets.token_hex(12), URLSAFE_NO_DIGIT, SIGNED]
    paths = [f"/rappels/{tokens[0]}", f"/jeu/equipe/{tokens[1]}", f"/orientations/lien/{tokens[2]}"]
    for path_ in paths:
        status, _page = wsgi_get(path_, "")
        assert status.startswith("500")
    sentry_sdk.flush()
    assert len(reported.events) == len(paths)
    for event, path_, token in zip(reported.events, paths, tokens, strict=True):
        assert token not in repr(event), path_
        assert event["transaction"] == path_.replace(token, "[masqué]")


def test_the_scrubber_masks_the_transaction_tags_and_contexts():
    event = {
        "transaction": f"/inconnu/{SIGNED}/",
        "transaction_info": {"source": "url"},
        "tags": {"url": f"/suivi/{SIGNED}/"},
        "contexts": {"trace": {"description": f"GET /rappels/{RANDOM}/"}},
    }
    scrubbed = reporting.scrub_event(event)
    assert SIGNED not in repr(scrubbed) and RANDOM not in repr(scrubbed)
    assert scrubbed["transaction"] == "/inconnu/[masqué]/"
    route = {"transaction": "/suivi/{token}/", "transaction_info": {"source": "route"}}
    assert reporting.scrub_event(route)["transaction"] == "/suivi/{token}/"


def test_the_scrubber_masks_emails_phones_and_drops_the_rest():
    event = {
        "user": {"email": "x@y.fr", "ip_address": "203.0.113.7"},
        "request": {
            "method": "POST",
            "url": f"https://nonrecours.exemple.fr/suivi/{SIGNED}/",
            "query_string": "a=b",
            "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "s"},
            "data": {"telephone": "0612345678"},
            "env": {"REMOTE_ADDR": "203.0.113.7"},
        },
        "extra": {"sys.argv": ["x"]},
        "logentry": {"message": "Courriel à %s", "params": ["camille@exemple.fr"]},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "camille@exemple.fr ou 06 12 34 56 78 ou +33 6 12 34 56 78",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"phone": "0612345678"}}]},
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "SELECT %s", "data": {"params": ["x@y.fr"]}}]},
    }
    scrubbed = reporting.scrub_event(event)
    assert "user" not in scrubbed and "extra" not in scrubbed
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://nonrecours.exemple.fr/suivi/[masqué]/",
    }
    assert scrubbed["logentry"] == {"message": "Courriel à %s", "formatted": None}
    (value,) = scrubbed["exception"]["values"]
    assert value["value"] == "[masqué] ou [masqué] ou [masqué]"
    assert value["stacktrace"]["frames"] == [{"function": "f"}]
    assert scrubbed["breadcrumbs"]["values"] == [{"message": "SELECT %s"}]


@override_settings(ROOT_URLCONF=__name__)
def test_without_reporting_the_500_page_says_the_error_is_in_the_log(db):
    assert not reporting.error_reporting_active()
    response = Client(raise_request_exception=False).get("/orientations/lien/abc/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "L'erreur est enregistrée dans le journal du serveur" in page
    assert "prévenue" not in page
    assert "Réessayez" in page


def test_an_invalid_dsn_is_refused_without_repeating_it():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured) as refusal:
        reporting.start_error_reporting(dsn="cle-secrete-sans-hote", environment="x")
    assert "NONRECOURS_SENTRY_DSN" in str(refusal.value)
    assert "cle-secrete" not in str(refusal.value)


def test_reporting_is_off_by_default():
    from django.conf import settings

    assert settings.NONRECOURS_SENTRY_DSN == ""
    assert not reporting.error_reporting_active()


# The plugin that scans the suite's logs (nonrecours.testing.logscan).

LEAK = (
    "Orientation de Camille Martin, 06 12 34 56 78, camille.m@exemple.fr ; "
    "expéditeur ne-pas-repondre@nonrecours.exemple.fr"
)


def test_the_scan_finds_names_phones_and_emails_but_not_system_addresses():
    from nonrecours.testing import logscan

    spans = logscan.find_personal_data(LEAK, logscan._name_pattern())
    assert sorted(kind for kind, _, _ in spans) == ["courriel", "nom", "téléphone"]
    for index in range(len(spans)):
        excerpt = logscan.masked_excerpt(LEAK, spans, index)
        for secret in ("Camille Martin", "06 12 34 56 78", "camille.m@"):
            assert secret not in excerpt
        assert "[C•••••], [0•••••], [c•••••] ; expéditeur" in excerpt


@pytest.mark.parametrize(
    "text",
    [
        "Campagne 12 : 2 500 réponses, SIREN 200033579, commune 62041",
        "Courriel 5 abandonné : non envoyé dans les 3 jours.",
        "Durée 0612345678901 ms",  # 13 digits: not a phone number
    ],
)
def test_the_scan_leaves_ordinary_log_lines_alone(text):
    from nonrecours.testing import logscan

    assert logscan.find_personal_data(text, logscan._name_pattern()) == []


def run_suite(tmp_path, body: str) -> subprocess.CompletedProcess[str]:
    """A small test suite run with the plugin alone (no project settings)."""
    (tmp_path / "test_sonde.py").write_text(f"import logging\n\n\ndef test_sonde():\n{body}\n")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", "/dev/null", "-p", "no:cacheprovider",
         "-p", "nonrecours.testing.logscan", "-p", "no:django", str(tmp_path)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=120,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def test_a_suite_that_logs_personal_data_fails_with_a_french_summary(tmp_path):
    result = run_suite(tmp_path, f'    logging.getLogger("nonrecours.sonde").warning("{LEAK}")')
    assert result.returncode == 1, result.stdout
    assert "Données personnelles dans les journaux" in result.stdout
    assert "test_sonde.py::test_sonde — journal nonrecours.sonde — téléphone" in result.stdout
    assert "1 passed" in result.stdout
    for secret in ("Camille Martin", "06 12 34 56 78", "camille.m@"):
        assert secret not in result.stdout


def test_a_suite_with_clean_logs_passes(tmp_path):
    result = run_suite(
        tmp_path, '    logging.getLogger("nonrecours.sonde").warning("Orientation 12")'
    )
    assert result.returncode == 0, result.stdout
    assert "Données personnelles" not in result.stdout


def test_the_500_page_answers_even_when_its_template_fails(monkeypatch, rf):
    from django.template import loader

    from nonrecours.www.errors import server_error

    def broken(name):
        raise RuntimeError("gabarit illisible")

    monkeypatch.setattr(loader, "get_template", broken)
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Une erreur est survenue" in response.content.decode()
