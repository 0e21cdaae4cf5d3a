"""The web adapters of nonrecours.errors.UserError: onto a Django form, and
as a JSON body. The command line's is nonrecours.errors.command_error.

Also the pages of a server error (``server_error``, config/urls.py's
handler500) and of a bad request (``bad_request``, handler400)."""

from typing import Any

from django import forms
from django.core.exceptions import DisallowedHost
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from nonrecours.errors import UserError
from nonrecours.ops.reporting import error_reporting_active


def add_to_form(form: forms.Form, error: UserError) -> None:
    """Put a UserError on a form: each problem on its field when the form
    has that field, else among the form's non-field errors; without
    problems, the error's message on ``error.field`` (same rule). A problem
    with a row or a file keeps them in its text (its message says where)."""
    problems = error.problem_list()
    if not problems:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return
    for problem in problems:
        field = problem.field or error.field
        form.add_error(field if field in form.fields else None, problem.message)


def json_body(error: UserError) -> dict[str, Any]:
    """The JSON body of a refused request: ``error`` the French message,
    ``errors`` {field: message} for the problems tied to a field (several on
    one field joined by " ; "; the shape the collection API already
    answers), ``problems`` every problem as {message, field, row, file}."""
    by_field: dict[str, list[str]] = {}
    problems = error.problem_list()
    for problem in problems:
        field = problem.field or error.field
        if field:
            by_field.setdefault(field, []).append(problem.message)
    if not problems and error.field:
        by_field[error.field] = [str(error)]
    return {
        "error": str(error),
        "errors": {field: " ; ".join(messages) for field, messages in by_field.items()},
        "problems": [
            {"message": p.message, "field": p.field, "row": p.row, "file": p.file} for p in problems
        ],
    }


def json_response(error: UserError, status: int = 422) -> JsonResponse:
    """A 4xx JSON response (default 422: understood, refused) with
    json_body(error)."""
    if not 400 <= status < 500:
        raise ValueError(f"a UserError is a client error (4xx), not {status}")
    return JsonResponse(json_body(error), status=status)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: says the technical team was told only when errors are
    reported (nonrecours.ops.reporting, NONRECOURS_SENTRY_DSN), otherwise
    that the error is in the server's log. Rendered without context
    processors nor database (the error may be the database), and as plain
    text if even the template fails."""
    try:
        body = loader.get_template("500.html").render({"reported": error_reporting_active()})
    except Exception:  # noqa: BLE001 - the error page must always answer
        return HttpResponseServerError(
            "Une erreur est survenue. Réessayez dans quelques instants.",
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponseServerError(body)


HOST_REFUSED = (
    "Cette adresse n'est pas celle du site : le nom demandé ne fait pas partie des noms "
    "servis (DJANGO_ALLOWED_HOSTS). Vérifiez l'adresse saisie."
)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 400 page. A host name the site does not serve (DisallowedHost:
    a mistyped DJANGO_ALLOWED_HOSTS, or a robot trying addresses) says so;
    anything else is a form sent too big or unreadable (400.html)."""
    if isinstance(exception, DisallowedHost):
        return HttpResponseBadRequest(HOST_REFUSED, content_type="text/plain; charset=utf-8")
    return HttpResponseBadRequest(loader.get_template("400.html").render({}))
