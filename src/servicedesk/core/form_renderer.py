"""How the forms of the desk and the portal render: Django's form templates through the site's template engine, with
our layout of a form and a field, and the input, select and textarea widgets written without includes
(core/templates/django/forms/widgets/; Django's documented way to override its widget templates)."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Django's renderer with our form and field templates: a form's own errors first, then each field with its
    label (after the box for a checkbox), its errors and its input."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"
