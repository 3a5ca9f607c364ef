"""Agents write the manuals (handleidingen) customers read in the portal."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.customers.models import Customer
from servicedesk.desk.access import agent_required
from servicedesk.manuals.models import Manual
from servicedesk.manuals.render import render_markdown
from servicedesk.manuals.services import manual_save


class ManualForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 16}))
    tags = forms.CharField(label=gettext_lazy("Tags (separated by commas)"), max_length=300, required=False)
    service = forms.CharField(label=gettext_lazy("Service"), max_length=200, required=False)
    audience = forms.ChoiceField(label=gettext_lazy("Visible to"), choices=Manual.Audience.choices)
    customer = forms.TypedChoiceField(
        label=gettext_lazy("Customer"), required=False, coerce=int, empty_value=None, choices=[]
    )
    published = forms.BooleanField(label=gettext_lazy("Published"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "—"), *Customer.objects.order_by("name").values_list("pk", "name")]


@agent_required
def manual_list(request):
    manuals = Manual.objects.select_related("customer").order_by("title")
    return render(request, "desk/manuals.html", {"manuals": manuals, "active": "manuals"})


@agent_required
def manual_edit(request, manual_id: int | None = None):
    manual = None
    if manual_id is not None:
        manual = Manual.objects.filter(pk=manual_id).first()
        if manual is None:
            raise Http404
    initial = (
        {
            "title": manual.title,
            "body": manual.body,
            "tags": manual.tags,
            "service": manual.service,
            "audience": manual.audience,
            "customer": manual.customer_id,
            "published": manual.published,
        }
        if manual
        else None
    )
    form = ManualForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = Customer.objects.filter(pk=data["customer"]).first() if data["customer"] else None
        try:
            manual = manual_save(
                manual=manual,
                actor=request.user,
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                service=data["service"],
                audience=data["audience"],
                customer=customer,
                published=data["published"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Manual saved."))
            return redirect("desk:manual_edit", manual.pk)
    preview = render_markdown(form["body"].value() or "")
    return render(
        request, "desk/manual_edit.html", {"form": form, "manual": manual, "preview": preview, "active": "manuals"}
    )


@agent_required
@require_POST
def manual_preview(request):
    return HttpResponse(render_markdown(request.POST.get("body", "")))
