"""The web adapters of nonrecours.errors.UserError: onto a Django form, and
as a JSON body. The command line's is nonrecours.errors.command_error."""

from typing import Any

from django import forms
from django.http import JsonResponse

from nonrecours.errors import UserError


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
