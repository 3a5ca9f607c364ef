"""On-call duty in the desk: the rota (now, next, gaps a week ahead) and alerts to acknowledge."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.desk.access import agent_required
from servicedesk.desk.form_errors import show_refusal
from servicedesk.desk.forms import LocalDateTimeField
from servicedesk.oncall import services as rota_services
from servicedesk.oncall.alerts import alert_acknowledge
from servicedesk.oncall.models import Alert, Shift
from servicedesk.oncall.rota import gaps, next_shift, on_call_at

WARN_AHEAD = timedelta(days=7)


class ShiftForm(forms.Form):
    agent = forms.ModelChoiceField(
        label=gettext_lazy("Agent"), queryset=get_user_model().objects.filter(is_staff=True, is_active=True)
    )
    phone = forms.CharField(label=gettext_lazy("Phone number"), max_length=30)
    starts_at = LocalDateTimeField(label=gettext_lazy("From"))
    ends_at = LocalDateTimeField(label=gettext_lazy("Until"))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class AcknowledgeForm(forms.Form):
    diagnosis = forms.CharField(
        label=gettext_lazy("Diagnosis (the response to the customer)"), widget=forms.Textarea(attrs={"rows": 3})
    )


@agent_required
def rota(request):
    now = timezone.now()
    form = ShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rota_services.shift_add(
                agent=data["agent"],
                phone=data["phone"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Shift added."))
            return redirect("desk:oncall")
    context = {
        "form": form,
        "now_on_call": on_call_at(now),
        "next": next_shift(now),
        "gaps": gaps(now, now + WARN_AHEAD),
        "shifts": Shift.objects.filter(ends_at__gt=now - timedelta(days=1)).select_related("agent")[:200],
        "active": "oncall",
    }
    return render(request, "desk/oncall.html", context)


@agent_required
@require_POST
def shift_delete(request, shift_id: int):
    shift = Shift.objects.filter(pk=shift_id).first()
    if shift is None:
        raise Http404
    rota_services.shift_delete(shift=shift)
    messages.success(request, _("Shift removed."))
    return redirect("desk:oncall")


def _acknowledge_form(alert: Alert, data=None) -> AcknowledgeForm:
    return AcknowledgeForm(data, auto_id=f"alert-{alert.pk}-%s")  # a form per alert: each label finds its field


def _alerts_page(request, *, refused: AcknowledgeForm | None = None, refused_id: int | None = None):
    """The open alerts, each with its own form; one that was refused comes back with the text typed in it."""
    open_alerts = (
        Alert.objects.filter(acknowledged_at__isnull=True)
        .select_related("ticket__reporter", "ticket__customer", "agent")
        .order_by("created_at")
    )
    rows = [(a, refused if a.pk == refused_id else _acknowledge_form(a)) for a in open_alerts]
    recent = Alert.objects.filter(acknowledged_at__isnull=False).select_related("ticket", "acknowledged_by")[:20]
    context = {"open_alerts": rows, "recent": recent, "active": "oncall"}
    return render(request, "desk/alerts.html", context, status=400 if refused else 200)


@agent_required
def alerts(request):
    return _alerts_page(request)


@agent_required
@require_POST
def acknowledge(request, alert_id: int):
    alert = Alert.objects.select_related("ticket").filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    form = _acknowledge_form(alert, request.POST)
    if not form.is_valid():
        return _alerts_page(request, refused=form, refused_id=alert.pk)
    try:
        alert_acknowledge(alert=alert, actor=request.user, diagnosis=form.cleaned_data["diagnosis"])
    except ValidationError as error:
        show_refusal(form, error)
        return _alerts_page(request, refused=form, refused_id=alert.pk)
    messages.success(request, _("Alert acknowledged; the diagnosis is recorded as the response."))
    return redirect("desk:ticket", alert.ticket_id)
