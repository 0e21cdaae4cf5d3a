"""The optional error-reporting hook (ADR 031): server errors sent to a
Sentry or GlitchTip project, without personal data.

Off unless NONRECOURS_SENTRY_DSN is given (config/settings/base.py calls
start_error_reporting). What leaves the server: the exception's type, its
message and its stack (code lines, no local variables), the route pattern
(``/orientations/lien/{token}/``), the request's method and its path with
secret segments masked (nonrecours.ops.logs), the environment's name and
the log lines before the error, masked the same way. Never: the user, the
client address, cookies, headers, query strings, request bodies, SQL
parameters; e-mail addresses and phone numbers are masked in every text.
"""

import re
from typing import Any, cast
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from nonrecours.ops.logs import MASK, mask_path, mask_text

# Anything shaped like an e-mail address or a French phone number.
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+33\s?|0033\s?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")
# Request fields kept (others, headers and cookies first, are dropped).
_REQUEST_KEPT = ("method",)


def scrub_text(text: str) -> str:
    """``text`` with paths masked (nonrecours.ops.logs.mask_text), and
    e-mail addresses and French phone numbers replaced by MASK."""
    return _PHONE.sub(MASK, _EMAIL.sub(MASK, mask_text(text)))


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    kept = {name: request[name] for name in _REQUEST_KEPT if name in request}
    url = request.get("url")
    if isinstance(url, str):
        parts = urlsplit(url)
        kept["url"] = f"{parts.scheme}://{parts.netloc}{mask_path(parts.path)}"
    return kept


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _scrub_nested(value: Any) -> Any:
    """``value`` (a tag, a context: strings, lists, dicts) with every
    string masked (scrub_text)."""
    if isinstance(value, dict):
        return {key: _scrub_nested(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_nested(item) for item in value]
    return _scrub_value(value)


def _scrub_transaction(event: dict[str, Any]) -> None:
    """The transaction's name is the route pattern
    (``/orientations/lien/{token}/``) when the path resolved; otherwise
    (source « url »: a middleware raised before resolution, or no route
    matched) the SDK uses the raw path, masked here."""
    transaction = event.get("transaction")
    if not isinstance(transaction, str):
        return
    source = (event.get("transaction_info") or {}).get("source")
    if str(getattr(source, "value", source)) != "route":
        event["transaction"] = mask_path(transaction)


def scrub_event(event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """Sentry's ``before_send``: the event without user, request details
    (only the method and the masked URL stay), extra data and local
    variables, with its transaction's name (when not a route pattern),
    tags, contexts and every message masked (scrub_text).
    Returns the event changed in place."""
    event.pop("user", None)
    event.pop("extra", None)
    _scrub_transaction(event)
    for field in ("tags", "contexts"):
        if field in event:
            event[field] = _scrub_nested(event[field])
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    if isinstance(event.get("logentry"), dict):
        entry = event["logentry"]
        entry["message"] = _scrub_value(entry.get("message"))
        entry["formatted"] = _scrub_value(entry.get("formatted"))
        entry.pop("params", None)
    if "message" in event:
        event["message"] = _scrub_value(event["message"])
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = _scrub_value(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        scrub_breadcrumb(crumb)
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """Sentry's ``before_breadcrumb``: the message masked, its data (SQL
    parameters, URLs with query strings) dropped."""
    crumb["message"] = _scrub_value(crumb.get("message"))
    crumb.pop("data", None)
    return crumb


def start_error_reporting(*, dsn: str, environment: str, transport: Any = None) -> None:
    """Start the Sentry SDK for this process, sending to ``dsn`` (a Sentry
    or GlitchTip project's address) under ``environment``'s name.

    ``transport``: the SDK's transport (tests pass one that keeps the
    events; None: HTTPS to the DSN's host). Raises ImproperlyConfigured (one
    French line, the DSN itself not repeated: it holds the project's key)
    when ``dsn`` is not a DSN."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(dsn)
    except BadDsn:
        raise ImproperlyConfigured(
            "La variable d'environnement NONRECOURS_SENTRY_DSN n'est pas l'adresse (DSN) "
            "d'un projet Sentry ou GlitchTip : attendu https://clé@hôte/numéro-du-projet, "
            "ou vide pour ne rien envoyer."
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        transport=transport,
        # What the SDK collects by itself (it supersedes send_default_pii):
        # no user, cookie, header, body, query string, SQL parameter nor
        # local variable; scrub_event removes what remains.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "off"}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        include_local_variables=False,
        auto_session_tracking=False,
        traces_sample_rate=None,
        integrations=[
            DjangoIntegration(
                transaction_style="url",
                middleware_spans=False,
                signals_spans=False,
                cache_spans=False,
            )
        ],
        before_send=cast("Any", scrub_event),
        before_breadcrumb=cast("Any", scrub_breadcrumb),
    )


def error_reporting_active() -> bool:
    """Whether errors of this process are sent somewhere (the 500 page
    then says the technical team was told)."""
    import sentry_sdk

    client = sentry_sdk.get_client()
    return bool(client.is_active() and client.dsn)
