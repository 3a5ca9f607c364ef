"""A service's refusal shown on the form that asked for it: each problem at its field, the rest above the form."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def show_refusal(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)
