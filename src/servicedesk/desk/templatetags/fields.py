"""`{% field form.name %}`: a form field as label, input and errors, built in Python.

Django renders each widget through templates, which costs a millisecond or more on a page with
several forms; the desk's pages render their fields here instead, for the few widget types used.
"""

from __future__ import annotations

from django import forms, template
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from servicedesk.core.lazytext import text

register = template.Library()


def _attrs(attributes: dict) -> SafeString:
    parts = []
    for name, value in attributes.items():
        if value is True:
            parts.append(format_html(" {}", name))
        elif value not in (None, False):
            parts.append(format_html(' {}="{}"', name, value))
    return mark_safe("".join(parts))


def _value_text(value) -> str:
    return "" if value is None else str(value)


def _control(field: forms.BoundField) -> SafeString:
    widget = field.field.widget
    attributes = {"name": field.html_name, "id": field.auto_id, **widget.attrs}
    if field.field.required and not isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
        attributes["required"] = True
    if field.errors:
        attributes["aria-invalid"] = "true"
    value = field.value()
    if isinstance(widget, forms.Textarea):
        return format_html("<textarea{}>\n{}</textarea>", _attrs(attributes), _value_text(value))
    if isinstance(widget, forms.CheckboxInput):
        attributes.update({"type": "checkbox", "checked": bool(value) and value not in ("false", "0")})
        return format_html("<input{}>", _attrs(attributes))
    if isinstance(widget, forms.Select):
        chosen = _value_text(value.pk if hasattr(value, "pk") else value)
        # Plain string building: a select with many options is the costliest part of a form.
        options = []
        for key, label in field.field.choices:
            option = _value_text(getattr(key, "value", key))
            selected = " selected" if option == chosen else ""
            options.append(f'<option value="{escape(option)}"{selected}>{escape(text(label))}</option>')
        return format_html("<select{}>{}</select>", _attrs(attributes), mark_safe("".join(options)))
    input_type = attributes.pop("type", None) or getattr(widget, "input_type", "text")
    if isinstance(field.field, forms.IntegerField):
        input_type = "number"
        attributes.update({"min": field.field.min_value, "max": field.field.max_value})
    if isinstance(field.field, forms.CharField) and field.field.max_length:
        attributes["maxlength"] = field.field.max_length
    attributes.update({"type": input_type, "value": _value_text(value)})
    return format_html("<input{}>", _attrs(attributes))


@register.simple_tag
def field(bound: forms.BoundField) -> SafeString:
    control = _control(bound)
    errors = (
        format_html('<ul class="errorlist">{}</ul>', format_html_join("", "<li>{}</li>", ((e,) for e in bound.errors)))
        if bound.errors
        else ""
    )
    if isinstance(bound.field.widget, forms.HiddenInput):
        return control
    if isinstance(bound.field.widget, forms.CheckboxInput):
        return format_html(
            '<label class="check" for="{}">{} {}</label>{}', bound.auto_id, control, text(bound.label), errors
        )
    return format_html('<label for="{}">{}</label>{}{}', bound.auto_id, text(bound.label), errors, control)


@register.simple_tag
def fields(form: forms.Form) -> SafeString:
    """Every field of a form, with the form's own errors first."""
    parts = []
    if form.non_field_errors():
        parts.append(
            format_html(
                '<ul class="errorlist">{}</ul>',
                format_html_join("", "<li>{}</li>", ((e,) for e in form.non_field_errors())),
            )
        )
    parts.extend(field(bound) for bound in form)
    return mark_safe("".join(conditional_escape(p) for p in parts))
