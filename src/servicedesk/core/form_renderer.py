"""How the forms of the desk and the portal render: Django's own form templates, with our layout of a field."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    """Django's renderer; a field shows its label (after the box for a checkbox), its errors, then the input."""

    field_template_name = "core/forms/field.html"
