"""One form field as every form of the site draws it (built in to every
template: see TEMPLATES in config/settings/base.py): ``{% form_field field %}``.

Its error sits in « <auto_id>_error » and its help in « <auto_id>_helptext »,
the ids Django's aria-describedby points to. An optional field says
« (facultatif) » (the forms' note says the others are required), unless its
label says it already; a lone checkbox says nothing. Radio buttons, and the
checkboxes of a multiple choice, are a fieldset whose legend is the label.
Written in Python rather than as an included template: the simulator's
expert page draws about a hundred fields (ADR 019)."""

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

OPTIONAL = mark_safe(' <span class="muted">(facultatif)</span>')  # noqa: S308 (constant)


def _errors(field: BoundField) -> SafeString:
    if not field.errors:
        return mark_safe("")  # noqa: S308 (empty)
    # Each error escaped by format_html, joined by a line break.
    items = mark_safe(  # noqa: S308
        "<br>".join(
            format_html('<span class="visually-hidden">Erreur : </span>{}', error)
            for error in field.errors
        )
    )
    return format_html('<p class="field-error" id="{}_error">{}</p>', field.auto_id, items)


def _help(field: BoundField) -> SafeString:
    if not field.help_text:
        return mark_safe("")  # noqa: S308 (empty)
    return format_html('<p class="hint" id="{}_helptext">{}</p>', field.auto_id, field.help_text)


def _optional(field: BoundField) -> SafeString:
    label = str(field.label)
    return OPTIONAL if not field.field.required and "facultatif" not in label else mark_safe("")  # noqa: S308


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    """The HTML of one bound field: label (or legend), help, errors, widget."""
    error_class = " field--error" if field.errors else ""
    if field.widget_type in ("radioselect", "checkboxselectmultiple"):
        kind = "radio" if field.widget_type == "radioselect" else "checkbox"
        described = " ".join(
            part
            for part in (
                f"{field.auto_id}_helptext" if field.help_text else "",
                f"{field.auto_id}_error" if field.errors else "",
            )
            if part
        )
        invalid = ' aria-invalid="true"' if field.errors else ""
        radios = format_html_join(
            "",
            '<label class="choice" for="{}"><input type="{}" name="{}" value="{}" id="{}"{}{}> '
            "{}</label>",
            (
                (
                    radio.id_for_label,
                    kind,
                    field.html_name,
                    radio.data["value"],
                    radio.id_for_label,
                    mark_safe(" checked" if radio.data["selected"] else ""),  # noqa: S308
                    mark_safe(invalid),  # noqa: S308 (constant)
                    radio.choice_label,
                )
                for radio in field
            ),
        )
        return format_html(
            '<fieldset class="field{}" id="{}"{}>\n  <legend>{}{}</legend>\n  {}\n  {}\n'
            '  <div class="choices">{}</div>\n</fieldset>\n',
            error_class,
            field.auto_id,
            format_html(' aria-describedby="{}"', described) if described else "",
            field.label,
            _optional(field),
            _help(field),
            _errors(field),
            radios,
        )
    if field.widget_type == "checkbox":
        return format_html(
            '<div class="field field--checkbox{}">\n  {}\n'
            '  <label class="choice" for="{}">{} {}</label>\n  {}\n</div>\n',
            error_class,
            _errors(field),
            field.id_for_label,
            field,
            field.label,
            _help(field),
        )
    return format_html(
        '<div class="field{}">\n  <label for="{}">{}{}</label>\n  {}\n  {}\n  {}\n</div>\n',
        error_class,
        field.id_for_label,
        field.label,
        _optional(field),
        _help(field),
        _errors(field),
        field,
    )
