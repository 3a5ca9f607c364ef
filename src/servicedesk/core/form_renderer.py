"""How the forms of the desk and the portal render: Django's own form templates, with our layout of a field."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    """Django's renderer with our form and field templates: a form's own errors first, then each field with its
    label (after the box for a checkbox), its errors and its input."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"
