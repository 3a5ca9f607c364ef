"""Forms of the portal; each maps to one service call and names the field of any problem."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from servicedesk.core.submissions import SubmissionField
from servicedesk.policy import SupportType

OTHER_SYSTEM = "other"
QUESTION = "question"
MAX_FILES = 10


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ForgotForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Any number of files (up to MAX_FILES), each within the upload limit; every type is accepted."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)d files at once.") % {"n": MAX_FILES})
        for upload in files:
            if upload.size > settings.MAX_UPLOAD_SIZE:
                raise forms.ValidationError(
                    _("%(name)s is too large (%(size)s); the limit is %(limit)s per file.")
                    % {
                        "name": upload.name,
                        "size": filesizeformat(upload.size),
                        "limit": filesizeformat(settings.MAX_UPLOAD_SIZE),
                    }
                )
        return [super(FilesField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    """A new ticket: what it is about (a service of the matrix, another system, a question), the priority
    the contact may use, subject, description and files."""

    about = forms.ChoiceField(label=_("What is it about?"), widget=forms.RadioSelect)
    priority = forms.ChoiceField(label=_("Priority"), widget=forms.RadioSelect)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}))
    files = FilesField(label=_("Attachments"))
    submission = SubmissionField()

    def __init__(self, *args, matrix_items=(), priorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.matrix_items = {str(item.pk): item for item in matrix_items}
        self.fields["about"].choices = [
            *[(f"service-{item.pk}", item.name) for item in matrix_items],
            (OTHER_SYSTEM, _("Another system (not managed by us)")),
            (QUESTION, _("A question, an account, a password")),
        ]
        self.fields["priority"].choices = priorities

    def support_type_and_item(self) -> tuple[SupportType, object]:
        about = self.cleaned_data.get("about") or QUESTION
        return support_type_of(about), self.matrix_items.get(about.removeprefix("service-"))


def support_type_of(about: str) -> SupportType:
    """The support type a contact proposes by what the report is about."""
    if about.startswith("service-"):
        return SupportType.MANAGED
    if about == OTHER_SYSTEM:
        return SupportType.UNMANAGED
    return SupportType.FUNCTIONAL


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    files = FilesField(label=_("Attachments"))
    submission = SubmissionField()
