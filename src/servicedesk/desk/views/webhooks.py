"""Webhooks in the desk (agents with the admin role): the subscriptions, a new one with its secret shown once,
pause, enable, delete, and each subscription's delivery log."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.desk.access import agent_required
from servicedesk.desk.form_errors import show_refusal
from servicedesk.webhooks.models import EventType, WebhookSubscription
from servicedesk.webhooks.selectors import delivery_log, subscriptions_for_desk
from servicedesk.webhooks.services import (
    may_manage_webhooks,
    subscription_create,
    subscription_delete,
    subscription_enable,
    subscription_pause,
)

NEW_SECRET = "desk-new-webhook-secret"  # the secret of the subscription just made, shown once


class SubscriptionForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("URL that receives the events"), max_length=500)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )


def admin_required(view):
    """Agents with the admin role only; other agents do not learn the pages exist."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_manage_webhooks(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@admin_required
def webhooks(request):
    form = SubscriptionForm(initial={"events": [EventType.TICKET_CREATED]})
    status = 200
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                subscription, secret = subscription_create(
                    owner=request.user, url=form.cleaned_data["url"], events=form.cleaned_data["events"]
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                request.session[NEW_SECRET] = {"id": subscription.pk, "secret": secret}
                return redirect("desk:webhook", subscription.pk)
        status = 400
    context = {"active": "webhooks", "subscriptions": list(subscriptions_for_desk()), "form": form}
    return render(request, "desk/webhooks.html", context, status=status)


def _subscription(subscription_id: int) -> WebhookSubscription:
    return get_object_or_404(
        WebhookSubscription.objects.select_related("owner"), pk=subscription_id, deleted_at__isnull=True
    )


@admin_required
def webhook(request, subscription_id: int):
    subscription = _subscription(subscription_id)
    before = request.GET.get("before", "")
    page = delivery_log(subscription, before=int(before) if before.isdigit() else None)
    new = request.session.pop(NEW_SECRET, None)
    context = {
        "active": "webhooks",
        "subscription": subscription,
        "log": page,
        "new_secret": new["secret"] if new and new["id"] == subscription.pk else None,
    }
    return render(request, "desk/webhook.html", context)


@admin_required
@require_POST
def webhook_pause(request, subscription_id: int):
    subscription_pause(subscription=_subscription(subscription_id), actor=request.user)
    messages.success(request, _("The webhook is paused: its events wait until you enable it."))
    return redirect("desk:webhook", subscription_id)


@admin_required
@require_POST
def webhook_enable(request, subscription_id: int):
    subscription_enable(subscription=_subscription(subscription_id), actor=request.user)
    messages.success(request, _("The webhook is enabled: waiting events are sent now, in order."))
    return redirect("desk:webhook", subscription_id)


@admin_required
@require_POST
def webhook_delete(request, subscription_id: int):
    subscription = subscription_delete(subscription=_subscription(subscription_id), actor=request.user)
    messages.success(request, _("The webhook to %(url)s is deleted.") % {"url": subscription.url})
    return redirect("desk:webhooks")
