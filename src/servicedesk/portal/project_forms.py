"""The portal's form for a quote: accept or decline it, with a comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class QuoteDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
