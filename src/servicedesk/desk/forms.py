"""Forms of the desk; each maps to one service call and names the field of any problem."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from servicedesk.core import labels
from servicedesk.core.policy import current_policy
from servicedesk.core.submissions import SubmissionField
from servicedesk.customers.models import Contact, Customer
from servicedesk.customers.services import CUSTOMER_DETAILS
from servicedesk.policy import EntryKind
from servicedesk.policy.localtime import NonexistentLocalTime, localize
from servicedesk.tickets.models import Ticket

SUPPORT_TYPE_CHOICES = list(labels.SUPPORT_TYPES.items())
PRIORITY_CHOICES = list(labels.PRIORITIES.items())
ENTRY_KIND_CHOICES = [(EntryKind.WORK.value, _("Work")), (EntryKind.TRAVEL.value, _("Travel"))]


class DatePicker(forms.DateInput):
    """The browser's date picker, which takes and sends ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class LocalDateTimeField(forms.CharField):
    """A wall-clock date and time in the policy's time zone; an autumn time repeated means its first
    occurrence, a spring time skipped is refused."""

    formats = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M")
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return None
        for fmt in self.formats:
            try:
                naive = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise forms.ValidationError(_("Enter a date and time, e.g. 24-11-2026 11:00."), code="invalid")
        try:
            return localize(naive, current_policy().time_zone)
        except NonexistentLocalTime:
            raise forms.ValidationError(
                _("This time does not exist: the clocks skip that hour (summer time starts)."), code="nonexistent"
            ) from None


class ClassifyForm(forms.Form):
    support_type = forms.ChoiceField(label=_("Support type"), choices=SUPPORT_TYPE_CHOICES)
    priority = forms.ChoiceField(label=_("Priority"), choices=PRIORITY_CHOICES)
    critical = forms.BooleanField(label=_("Critical incident (free of charge)"), required=False)
    matrix_item = forms.TypedChoiceField(
        label=_("Service (service matrix)"), required=False, coerce=int, empty_value=None, choices=[]
    )
    reason = forms.CharField(label=_("Reason (the customer is told)"), max_length=500)

    def __init__(self, *args, matrix_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matrix_item"].choices = [("", _("(none)"))] + [(item.pk, item.name) for item in matrix_items]


class RespondForm(forms.Form):
    diagnosis = forms.CharField(label=_("Diagnosis"), widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 5}))
    wait_for_customer = forms.BooleanField(label=_("Wait for the customer"), required=False)
    submission = SubmissionField()


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}))
    submission = SubmissionField()

    def __init__(self, *args, **kwargs):
        # Ids of its own: the reply form on the same page has a `body` too, and a label names one field.
        super().__init__(*args, auto_id="note_%s", **kwargs)


AGENTS_FRESH_SECONDS = 60


def agent_choices() -> list[tuple[int, str]]:
    """(id, username) of every active agent, kept a minute: every ticket page offers them."""
    choices = cache.get("desk-agents")
    if choices is None:
        agents = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        choices = list(agents.values_list("id", "username"))
        cache.set("desk-agents", choices, AGENTS_FRESH_SECONDS)
    return choices


def active_agent(agent_id: int | None):
    """The chosen agent (None: nobody), checked against the database, not the kept list."""
    if agent_id is None:
        return None
    agent = get_user_model().objects.filter(pk=agent_id, is_staff=True, is_active=True).first()
    if agent is None:
        raise forms.ValidationError(_("Choose an active agent."))
    return agent


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assignee"), required=False, coerce=int, empty_value=None, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = agent_choices()  # also what the rendered form is kept under (the ticket page's fragment cache)
        self.fields["assignee"].choices = [("", _("(nobody)")), *self.agents]

    def clean_assignee(self):
        return active_agent(self.cleaned_data["assignee"])


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        # Ids of its own: the classification form on the same page has a `reason` too.
        super().__init__(*args, auto_id="status_%s", **kwargs)


class TimeEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ENTRY_KIND_CHOICES, initial=EntryKind.WORK.value)
    start = LocalDateTimeField(label=_("Start"))
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TimeEntryWithNoticeForm(TimeEntryForm):
    without_notice = forms.BooleanField(
        label=_("Save without having told the customer the after-hours rate"), required=False
    )
    submission = SubmissionField()


class RateNoticeForm(forms.Form):
    planned_start = LocalDateTimeField(label=_("Work starts at"))


class TimeCorrectionForm(TimeEntryForm):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)


class ContactRightsForm(forms.Form):
    may_report = forms.BooleanField(label=_("May report"), required=False)
    may_raise_priority = forms.BooleanField(label=_("May raise priority"), required=False)
    sees_all_tickets = forms.BooleanField(label=_("Sees all organisation tickets"), required=False)
    may_approve_quotes = forms.BooleanField(label=_("May approve quotes"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


INTAKE_CHANNELS = [
    ("phone", _("Phone call")),
    ("email", _("E-mail that came in elsewhere")),
    ("portal", _("Customer portal")),
]


class PhoneTicketForm(forms.Form):
    """A ticket an agent makes for a contact: a call, or a report that came in another way (a mail to someone's
    own address, a walk-in, a ticket of our own), with the terms of the channel it came by."""

    contact = forms.IntegerField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(
        label=_("Came in by"),
        choices=INTAKE_CHANNELS,
        initial="phone",
        required=False,  # a call, unless said otherwise
        help_text=_(
            "A walk-in or a ticket of our own: choose the channel whose terms apply (by phone, "
            "functional support carries the surcharge)."
        ),
    )
    support_type = forms.ChoiceField(label=_("Support type"), choices=SUPPORT_TYPE_CHOICES)
    priority = forms.ChoiceField(label=_("Priority"), choices=PRIORITY_CHOICES)
    matrix_item = forms.TypedChoiceField(
        label=_("Service (service matrix)"), required=False, coerce=int, empty_value=None, choices=[]
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    description = forms.CharField(label=_("What is the problem?"), widget=forms.Textarea(attrs={"rows": 4}))
    submission = SubmissionField()

    def __init__(self, *args, matrix_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matrix_item"].choices = [("", _("(none)"))] + [(item.pk, item.name) for item in matrix_items]


class CustomerForm(forms.ModelForm):
    """A customer's details, as agents enter them (written by customers.services)."""

    class Meta:
        model = Customer
        fields = ["name", "code", *CUSTOMER_DETAILS[1:]]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the code names the customer in links and files: it stays
            del self.fields["code"]


def phone_list(text: str) -> list[str]:
    """Phone numbers typed one per line or separated by commas."""
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, in any notation."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Contact.Language.choices)


class NewContactForm(ContactForm):
    may_report = forms.BooleanField(label=_("May report"), required=False)
    may_raise_priority = forms.BooleanField(label=_("May raise priority"), required=False)
    sees_all_tickets = forms.BooleanField(label=_("Sees all tickets of the organisation"), required=False)
    may_approve_quotes = forms.BooleanField(label=_("May approve quotes"), required=False)
    main_contact = forms.BooleanField(label=_("Main contact"), required=False)


class ContactEditForm(ContactForm):
    active = forms.BooleanField(label=_("Active (still with the customer)"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class MatrixItemForm(forms.Form):
    name = forms.CharField(label=_("Service"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MatrixItemEditForm(MatrixItemForm):
    active = forms.BooleanField(label=_("Managed by us"), required=False)
