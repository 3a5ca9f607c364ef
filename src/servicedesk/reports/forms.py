"""The period picker and filters every report shares, read from GET parameters so a report has a stable URL."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.core import labels
from servicedesk.customers.models import Customer
from servicedesk.reports.arithmetic import ReportPeriod, month_period, year_period
from servicedesk.reports.selectors import SlaFilters

LONGEST_DAYS = 3 * 366  # a custom period up to three years: the reports aggregate, but not without end


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class MonthInput(forms.TextInput):
    input_type = "month"


class PeriodForm(forms.Form):
    """`?period=month&month=2026-11`, `?period=year&year=2026` or `?period=custom&start=…&end=…`; without
    parameters, the current month."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("Month")), ("year", _("Year")), ("custom", _("Other period"))],
        required=False,
    )
    month = forms.RegexField(label=_("Month"), regex=r"^\d{4}-\d{2}$", required=False, widget=MonthInput)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, data, *, today: date, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today

    def clean_month(self):
        text = self.cleaned_data.get("month")
        if text and not 1 <= int(text[5:]) <= 12:
            raise forms.ValidationError(_("Choose a month."))
        return text

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                raise forms.ValidationError(_("Choose the first and the last day."))
            if end < start:
                raise forms.ValidationError(_("The last day comes on or after the first."))
            if (end - start).days > LONGEST_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        return data

    def report_period(self) -> ReportPeriod:
        """The period asked for; the current month when the form is empty or wrong."""
        data = self.cleaned_data if self.is_valid() else {}
        kind = data.get("period") or "month"
        if kind == "year":
            return year_period(data.get("year") or self.today.year)
        if kind == "custom":
            return ReportPeriod(data["start"], data["end"])
        if data.get("month"):
            return month_period(int(data["month"][:4]), int(data["month"][5:]))
        return month_period(self.today.year, self.today.month)


def _with_any(choices) -> list:
    return [("", _("All")), *choices]


class SlaForm(PeriodForm):
    group = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[
            ("month", _("Month")),
            ("customer", _("Customer")),
            ("support_type", _("Support type")),
            ("priority", _("Priority")),
            ("channel", _("Channel")),
        ],
    )
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(), required=False)
    support_type = forms.ChoiceField(
        label=_("Support type"), choices=_with_any(labels.SUPPORT_TYPES_SHORT.items()), required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=_with_any(labels.PRIORITIES.items()), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=_with_any(labels.CHANNELS.items()), required=False)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["customer"].queryset = Customer.objects.order_by("name").only("id", "name")
        self.fields["customer"].empty_label = _("All")

    def group_by(self) -> str:
        return (self.cleaned_data.get("group") if self.is_valid() else "") or "customer"

    def filters(self) -> SlaFilters:
        if not self.is_valid():
            return SlaFilters()
        data = self.cleaned_data
        return SlaFilters(
            customer_id=data["customer"].pk if data.get("customer") else None,
            support_type=data.get("support_type") or "",
            priority=data.get("priority") or "",
            channel=data.get("channel") or "",
        )


class GroupedForm(PeriodForm):
    """A report shown per one of `GROUPS` (`?by=`), the first by default."""

    GROUPS: tuple = ()

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["by"] = forms.ChoiceField(label=_("Per"), required=False, choices=self.GROUPS)

    def grouping(self) -> str:
        return (self.cleaned_data.get("by") if self.is_valid() else "") or self.GROUPS[0][0]


class WorkloadForm(GroupedForm):
    GROUPS = (("channel", _("Channel")), ("support_type", _("Support type")))


class TimeMoneyForm(GroupedForm):
    GROUPS = (
        ("customer", _("Customer")),
        ("agent", _("Agent")),
        ("support_type", _("Support type")),
        ("band", _("Time band")),
    )
