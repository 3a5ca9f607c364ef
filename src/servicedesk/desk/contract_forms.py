"""The forms of the desk's contract pages: a contract with its own service levels as a grid, a line, a quantity,
the end, a prepaid bundle. Amounts are typed in euro and handed to the services in cents."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.contracts.levels import cells_table, policy_levels_table, table_cells
from servicedesk.contracts.models import Contract
from servicedesk.core import labels
from servicedesk.core.policy import current_policy
from servicedesk.core.submissions import SubmissionField
from servicedesk.customers.models import Customer
from servicedesk.desk.forms import DatePicker
from servicedesk.policy import Priority, SupportType


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def euro_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=10, decimal_places=2, min_value=0, **kwargs)


def cell_name(support_type: SupportType, priority: Priority, part: str) -> str:
    return f"{support_type.value}_{priority.value}_{part}"


class ContractForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.order_by("name"))
    name = forms.CharField(label=_("Name"), max_length=200)
    billing_period = forms.ChoiceField(label=_("Billing period"), choices=Contract.BillingPeriod.choices)
    start = forms.DateField(label=_("Start"), widget=DatePicker)
    end = forms.DateField(label=_("End (last day, optional)"), required=False, widget=DatePicker)
    own_levels = forms.BooleanField(label=_("Own service levels"), required=False)
    reason = forms.CharField(label=_("Reason (for the trail)"), required=False, max_length=500)
    submission = SubmissionField()

    def __init__(self, *args, contract: Contract | None = None, **kwargs):
        table = contract.service_levels if contract is not None and contract.service_levels else None
        initial = kwargs.setdefault("initial", {}) or {}
        kwargs["initial"] = initial
        for (support_type, priority), (response, rate) in table_cells(
            table or policy_levels_table(current_policy())
        ).items():
            initial.setdefault(cell_name(support_type, priority, "response"), response)
            initial.setdefault(cell_name(support_type, priority, "rate"), rate)
        super().__init__(*args, **kwargs)
        self.grid = []
        for support_type in SupportType:
            row = []
            for priority in Priority:
                response = cell_name(support_type, priority, "response")
                rate = cell_name(support_type, priority, "rate")
                self.fields[response] = forms.CharField(
                    label=_("%(type)s, %(priority)s: response time")
                    % {"type": labels.SUPPORT_TYPES_SHORT[support_type], "priority": labels.PRIORITIES[priority]},
                    required=False,
                    max_length=10,
                )
                self.fields[rate] = forms.CharField(
                    label=_("%(type)s, %(priority)s: hourly rate")
                    % {"type": labels.SUPPORT_TYPES_SHORT[support_type], "priority": labels.PRIORITIES[priority]},
                    required=False,
                    max_length=10,
                )
                row.append((priority, self[response], self[rate]))
            self.grid.append((support_type, row))
        if contract is not None:
            # The customer, start and billing period of a contract never change: end it and make a new one.
            for name in ("customer", "billing_period", "start", "submission"):
                del self.fields[name]
        else:
            del self.fields["reason"]

    def service_levels(self) -> dict | None:
        """The own service levels filled in, as a table for the services; None when not chosen."""
        if not self.cleaned_data.get("own_levels"):
            return None
        return cells_table(
            {
                (t, p): (
                    self.cleaned_data.get(cell_name(t, p, "response"), ""),
                    self.cleaned_data.get(cell_name(t, p, "rate"), "").replace(",", "."),
                )
                for t in SupportType
                for p in Priority
            }
        )

    def show_levels_problems(self, messages: list[str]) -> None:
        """The services name a wrong cell by its key (`service_levels.managed.high.response: ...`): shown there."""
        for message in messages:
            key, _sep, text = message.partition(": ")
            parts = key.split(".")
            if len(parts) == 4 and parts[3] in ("response", "rate"):
                name = f"{parts[1]}_{parts[2]}_{parts[3]}"
                if name in self.fields:
                    self.add_error(name, text)
                    continue
            self.add_error("own_levels", message)


class EndForm(forms.Form):
    end = forms.DateField(label=_("Last day of the contract"), widget=DatePicker)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class LineForm(forms.Form):
    matrix_item = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None, choices=[])
    description = forms.CharField(label=_("Or a description"), required=False, max_length=200)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0)
    unit_price = euro_field(_("Unit price per period (€)"))
    submission = SubmissionField()

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matrix_item"].choices = [("", _("(a description instead)")), *((i.pk, i.name) for i in items)]


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(label=_("New quantity"), min_value=0)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class BundleForm(forms.Form):
    hours = forms.IntegerField(label=_("Hours"), min_value=1)
    price = euro_field(_("Price (€)"))
    base_rate = euro_field(_("Base rate per hour (€)"))
    bought_on = forms.DateField(label=_("Bought on"), widget=DatePicker)
    submission = SubmissionField()


class ContractFilterForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int, empty_value=None, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [
            ("", _("(all)")),
            *Customer.objects.order_by("name").values_list("pk", "name"),
        ]
