"""Form validators for text typed by a person, on the project's one text
rule (nonrecours/textrules.py)."""

from django import forms

from nonrecours.textrules import TEXT_MAX_LENGTH, text_problem


def single_line(value: str) -> None:
    """Names and titles: one line of printable text (its length is the
    field's own max_length)."""
    problem = text_problem(value, max_length=max(len(value), 1))
    if problem:
        raise forms.ValidationError(problem)


def free_text(value: str) -> None:
    """A message or a comment: several lines allowed, no control character,
    at most TEXT_MAX_LENGTH characters."""
    problem = text_problem(value, multiline=True, max_length=TEXT_MAX_LENGTH)
    if problem:
        raise forms.ValidationError(problem)
