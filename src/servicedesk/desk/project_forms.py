"""The forms of the desk's project pages; what they choose from is read from the database, never trusted."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.core.submissions import SubmissionField
from servicedesk.customers.models import Customer, ServiceMatrixItem
from servicedesk.desk.forms import DatePicker, TimeCorrectionForm, TimeEntryForm, active_agent, agent_choices
from servicedesk.projects.models import BillingMode, Project, QuoteLine


class AgentField(forms.TypedChoiceField):
    """An active agent or nobody."""

    def __init__(self, **kwargs):
        super().__init__(required=False, coerce=int, empty_value=None, choices=[], **kwargs)

    def clean(self, value):
        return active_agent(super().clean(value))


class ProjectForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.order_by("name"))
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Project.Kind.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    matrix_items = forms.ModelMultipleChoiceField(
        label=_("Services concerned"),
        required=False,
        queryset=ServiceMatrixItem.objects.select_related("customer").order_by("customer__name", "name"),
        widget=forms.CheckboxSelectMultiple,
    )
    lead = AgentField(label=_("Lead agent"))
    reason = forms.CharField(label=_("Reason (for the trail)"), required=False, max_length=500)
    submission = SubmissionField()

    def __init__(self, *args, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = [("", _("(nobody)")), *agent_choices()]
        if project is not None:
            # The customer of a project never changes: only its services are offered.
            del self.fields["customer"]
            del self.fields["submission"]
            self.fields["matrix_items"].queryset = project.customer.matrix_items.order_by("name")
        else:
            del self.fields["reason"]
        self.fields["matrix_items"].label_from_instance = (
            (lambda item: item.name) if project is not None else (lambda item: f"{item.customer.name}: {item.name}")
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Project.Status.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class PhaseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    milestone = forms.BooleanField(label=_("Milestone"), required=False)
    milestone_amount = forms.DecimalField(
        label=_("Milestone amount (€)"), required=False, max_digits=12, decimal_places=2
    )
    milestone_percentage = forms.DecimalField(
        label=_("Milestone percentage"), required=False, max_digits=5, decimal_places=2
    )
    submission = SubmissionField()


class TaskForm(forms.Form):
    phase = forms.TypedChoiceField(label=_("Phase"), coerce=int, choices=[])
    title = forms.CharField(label=_("Title"), max_length=300)
    assignee = AgentField(label=_("Assignee"))
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DatePicker)
    estimate_minutes = forms.IntegerField(label=_("Estimate (minutes)"), required=False, min_value=1)
    submission = SubmissionField()

    def __init__(self, *args, phases: list | None, **kwargs):
        """`phases`: the project's, to add a task to one; None: a task is changed and keeps its phase."""
        super().__init__(*args, **kwargs)
        if phases is None:
            del self.fields["phase"]
            del self.fields["submission"]
        else:
            # Only this project's phases: a crafted id of another project's phase is not a valid choice.
            self.fields["phase"].choices = [(phase.pk, phase.name) for phase in phases]
        self.fields["assignee"].choices = [("", _("(nobody)")), *agent_choices()]


class LinkTicketForm(forms.Form):
    ticket = forms.IntegerField(label=_("Ticket number"), min_value=1)


class ProjectFilterForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int, empty_value=None, choices=[])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("(all)")), *Project.Status.choices])
    lead = forms.TypedChoiceField(label=_("Lead agent"), required=False, coerce=int, empty_value=None, choices=[])
    over_budget = forms.BooleanField(label=_("Over budget"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [
            ("", _("(all)")),
            *Customer.objects.order_by("name").values_list("pk", "name"),
        ]
        self.fields["lead"].choices = [("", _("(all)")), *agent_choices()]


class QuoteForm(forms.Form):
    """A new quote's terms; its lines come from the phases' estimates at this rate."""

    billing_mode = forms.ChoiceField(label=_("Billing mode"), choices=BillingMode.choices)
    hourly_rate = forms.DecimalField(label=_("Hourly rate (€)"), min_value=0.01, max_digits=8, decimal_places=2)
    validity_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365)
    submission = SubmissionField()


class QuoteLineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of line"), choices=QuoteLine.Kind.choices)
    phase = forms.TypedChoiceField(label=_("Phase"), required=False, coerce=int, empty_value=None, choices=[])
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(
        label=_("Quantity (hours or pieces)"), min_value=0.01, max_digits=10, decimal_places=2
    )
    unit_price = forms.DecimalField(label=_("Price per unit (€)"), min_value=0, max_digits=10, decimal_places=2)
    submission = SubmissionField()

    def __init__(self, *args, phases: list, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this project's phases: a crafted id of another project's phase is not a valid choice.
        self.fields["phase"].choices = [("", _("(none)"))] + [(phase.pk, phase.name) for phase in phases]


class _TaskChoice:
    """A task of the project to book time on, or none. Any number is taken here, so that the service, which knows
    whose task it is, refuses another project's with a message that says so."""

    def set_tasks(self, phases: list) -> None:
        field = forms.IntegerField(label=_("Task"), required=False, min_value=1, widget=forms.Select)
        field.widget.choices = [
            ("", _("(the project as a whole)")),
            *((task.pk, f"{phase.name}: {task.title}") for phase in phases for task in phase.tasks.all()),
        ]
        self.fields["task"] = field


class ProjectTimeForm(_TaskChoice, TimeEntryForm):
    """The ticket's time entry form, with a task of the project."""

    submission = SubmissionField()

    def __init__(self, *args, phases: list, **kwargs):
        # Ids of its own: the quote line form on the same page has a `kind` and a `description` too.
        super().__init__(*args, auto_id="time_%s", **kwargs)
        self.set_tasks(phases)


class ProjectTimeCorrectionForm(_TaskChoice, TimeCorrectionForm):
    def __init__(self, *args, phases: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_tasks(phases)


class ExtensionForm(forms.Form):
    hours = forms.DecimalField(label=_("Extra hours"), min_value=0.25, max_digits=7, decimal_places=2)
    reason = forms.CharField(label=_("Why (the customer reads this)"), required=False, max_length=500)
    submission = SubmissionField()
