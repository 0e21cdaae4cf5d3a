"""Log lines: one format for the application and Gunicorn, without secrets.

Every line reads « time level logger message », the time in ISO 8601 with
its offset (``2026-12-01T14:03:12.345+01:00 INFO gunicorn.access GET /b/
200 5123 12ms``). Paths carry the secret of some links (a referral's link,
a call-back's chain, a follow-up, an invitation, a game team's page): the
value of every URL parameter named in ``SECRET_PARAMETERS`` is replaced by
``[masqué]``, so is the segment following the literal start of such a
pattern (``/rappels/…``) even when the path does not resolve (a slash
missing, a segment added), so is any other path segment that looks like a
signed value or a random token, and query strings are never written.
Used by LOGGING (config/settings/base.py), by Gunicorn's ``logger_class``
(config/gunicorn.py) and by the error reports (nonrecours.ops.reporting).
"""

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

MASK = "[masqué]"
# URL parameters whose value opens something to whoever holds the link.
# (« key » is not one: it names a persona's slug.)
SECRET_PARAMETERS = frozenset({"token", "jeton"})
# A route's parameter: « <converter:name> » or « <name> ».
_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# A Django signed value (« data:timestamp:signature ») or a random token
# (secrets.token_urlsafe: upper and lower case letters and digits mixed);
# the slugs and codes of the site are lowercase or short.
_SIGNED = re.compile(r"[A-Za-z0-9_\-.=]{4,}(?::[A-Za-z0-9_\-=]{4,}){1,2}")
_RANDOM = re.compile(r"(?=[^/]*[a-z])(?=[^/]*[A-Z])(?=[^/]*[0-9])[A-Za-z0-9_\-]{20,}")
# A path in free text: an absolute URL's, or one starting the text or after
# a space or a quote (not "a/b", nor a file's relative path).
_URL_IN_TEXT = re.compile(r"https?://[^\s/\"'<>]+(/[^\s\"'<>?#]*)?(\?[^\s\"'<>#]*)?")
_PATH_IN_TEXT = re.compile(r"(?<![\w/.:\-])(/[^\s\"'<>?#]*)(\?[^\s\"'<>#]*)?")


def _urlconf_imported() -> bool:
    """Whether the URLconf is fully imported: a log line must neither
    import it (a side effect) nor read it while it is being imported."""
    from django.conf import settings
    from django.urls import get_urlconf

    module = sys.modules.get(str(get_urlconf() or settings.ROOT_URLCONF))
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


def _secret_values(path: str) -> set[str]:
    """The values of the secret parameters of the site's URL pattern that
    ``path`` resolves to (none when Django is not set up, or the path is
    not one of the site's, or the URLconf is not imported yet). Resolved
    each time rather than read once from the URLconf: a log line written
    while the URLconf is being imported would otherwise freeze half of it."""
    from django.apps import apps

    if not apps.ready or not _urlconf_imported():
        return set()
    from django.urls import resolve

    try:
        match = resolve(path)
    except Exception:  # noqa: BLE001 - Resolver404, or a URLconf being imported
        return set()
    return {str(match.kwargs[name]) for name in SECRET_PARAMETERS if name in match.kwargs}


# Per URLconf module name: the compiled start of every path whose next
# segment is a secret (read once the URLconf is fully imported).
_secret_prefixes_by_urlconf: dict[str, re.Pattern[str] | None] = {}


def _route_prefix(route: str) -> str | None:
    """The regular expression of ``route``'s part before its first secret
    parameter (other parameters become one segment), or None when it has
    none."""
    parts: list[str] = []
    position = 0
    for parameter in _ROUTE_PARAMETER.finditer(route):
        parts.append(re.escape(route[position : parameter.start()]))
        if parameter["name"] in SECRET_PARAMETERS:
            return "".join(parts)
        parts.append("[^/]+")
        position = parameter.end()
    return None


def _secret_prefixes() -> re.Pattern[str] | None:
    """A pattern matching the start of a path up to the slash before a
    secret parameter of the site's URLconf (``/orientations/lien/``,
    ``/evenements/<slug>/inscription/``…), whatever follows; None when
    Django is not set up or the URLconf not imported yet."""
    from django.apps import apps

    if not apps.ready or not _urlconf_imported():
        return None
    from django.conf import settings
    from django.urls import URLPattern, URLResolver, get_resolver, get_urlconf

    name = str(get_urlconf() or settings.ROOT_URLCONF)
    if name in _secret_prefixes_by_urlconf:
        return _secret_prefixes_by_urlconf[name]
    prefixes: set[str] = set()

    def walk(entries: Any, before: str) -> None:
        for entry in entries:
            route = str(entry.pattern)
            if not hasattr(entry.pattern, "_route"):
                continue  # a regular expression: left to the heuristic
            if isinstance(entry, URLResolver):
                prefix = _route_prefix(route)
                if prefix is not None:
                    prefixes.add(before + prefix)
                else:
                    walk(entry.url_patterns, before + _ROUTE_PARAMETER.sub("[^/]+", route))
            elif isinstance(entry, URLPattern):
                prefix = _route_prefix(route)
                if prefix is not None:
                    prefixes.add(before + prefix)

    walk(get_resolver(name).url_patterns, "")
    # A prefix with no literal word (« <slug>/<token>/ ») would mask the
    # second segment of every path: left to the heuristic.
    kept = sorted(
        prefix
        for prefix in prefixes
        if prefix.endswith("/") and prefix.replace("[^/]+", "").strip("/")
    )
    compiled = re.compile("^/(?:" + "|".join(kept) + ")") if kept else None
    _secret_prefixes_by_urlconf[name] = compiled
    return compiled


def _mask_after_prefix(path: str) -> str:
    """``path`` with the segment after a secret prefix (_secret_prefixes)
    replaced by MASK."""
    prefixes = _secret_prefixes()
    match = prefixes.match(path) if prefixes else None
    if match is None or match.end() >= len(path):
        return path
    rest = path[match.end() :]
    end = rest.find("/")
    return path[: match.end()] + MASK + ("" if end == -1 else rest[end:])


def _looks_secret(segment: str) -> bool:
    return bool(_SIGNED.fullmatch(segment) or _RANDOM.fullmatch(segment))


def mask_path(path: str) -> str:
    """``path`` (a URL's path, without its query string) with the value of
    every secret parameter and every token-like segment replaced by MASK.
    Never raises."""
    try:
        secret = _secret_values(path)
        path = _mask_after_prefix(path)
    except Exception:  # noqa: BLE001 - a log line must never fail
        secret = set()
    return "/".join(
        MASK if segment in secret or _looks_secret(segment) else segment
        for segment in path.split("/")
    )


def mask_text(text: str) -> str:
    """A log message with the paths it holds masked (mask_path) and their
    query strings replaced by ``?[masqué]``. Never raises."""

    def url(match: re.Match[str]) -> str:
        ends = [match.start(group) for group in (1, 2) if match.start(group) != -1]
        host = match.string[match.start() : ends[0] if ends else match.end()]
        masked = mask_path(match.group(1)) if match.group(1) else ""
        return host + masked + ("?" + MASK if match.group(2) else "")

    def path(match: re.Match[str]) -> str:
        return mask_path(match.group(1)) + ("?" + MASK if match.group(2) else "")

    try:
        return _PATH_IN_TEXT.sub(path, _URL_IN_TEXT.sub(url, text))
    except Exception:  # noqa: BLE001 - a log line must never fail
        return text


class LineFormatter(logging.Formatter):
    """« 2026-12-01T14:03:12.345+01:00 WARNING django.request message »:
    the time in ISO 8601 with the offset of the server's time zone (the
    project's, Europe/Paris, once Django is set up), then level, logger
    name, and the message with its paths masked (mask_text), then the
    exception's traceback if any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created, tz=UTC).astimezone()
        return moment.isoformat(timespec="milliseconds")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        return mask_text(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return mask_text(super().formatException(ei))


# The access log: method, path (masked, without query string), status,
# size in bytes, duration in milliseconds; the time, level and logger come
# from LineFormatter. No address, no user agent, no referer (which would
# carry another page's secret link).
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(b)s %(M)sms"


class GunicornLogger(Logger):  # type: ignore[misc]  # gunicorn has no types
    """Gunicorn's logger with the project's line format (LineFormatter) on
    its error and access logs, and access lines that never hold a query
    string, a client address, a referer or a secret path segment."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        formatter = LineFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        path = mask_path(str(environ.get("PATH_INFO", "")))
        method = atoms.get("m", "-")
        kept = ("t", "m", "s", "H", "B", "b", "D", "T", "M", "L", "p")
        safe = {name: atoms[name] for name in kept if name in atoms}
        safe.update(U=path, r=f"{method} {path} {environ.get('SERVER_PROTOCOL', '-')}")
        return safe


def pseudonym(value: str) -> str:
    """8 hexadecimal characters standing for ``value`` in the logs: the same
    value gives the same pseudonym on this server (HMAC-SHA-256 keyed by
    DJANGO_SECRET_KEY), so repeated attempts can be followed, but the value
    itself (an account's e-mail, an address) is not written. "-" for none."""
    import hashlib
    import hmac

    from django.conf import settings

    if not value:
        return "-"
    key = f"nonrecours.logs:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


def axes_client_str(
    username: str | None, ip_address: str | None, user_agent: str, path_info: str, request: Any
) -> str:
    """How django-axes names a login attempt in its log lines
    (AXES_CLIENT_STR_CALLABLE): pseudonyms of the account and of the
    address, never the e-mail (accounts' identifiers) nor the IP address."""
    return f"{{compte {pseudonym(username or '')}, adresse {pseudonym(ip_address or '')}}}"
