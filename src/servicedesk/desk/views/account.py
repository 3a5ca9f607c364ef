"""The agent's own account: a second factor (an authenticator app, optional or required by the settings), and
personal API tokens (made, shown once, revoked)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.api.models import ApiToken
from servicedesk.api.selectors import tokens_of
from servicedesk.api.services import token_create, token_revoke
from servicedesk.desk.access import SECOND_FACTOR_DONE, agent_required
from servicedesk.desk.form_errors import show_refusal
from servicedesk.portal.models import SecondFactor
from servicedesk.portal.views.account import second_factor_settings

SETUP = "desk-second-factor-setup"
NEW_TOKEN = "desk-new-api-token"  # the secret of the token just made, shown on the next page and then forgotten


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name (what uses it)"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"), choices=ApiToken.Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        if not agent.has_perm("billing.manage_billing"):
            self.fields["scopes"].choices = [c for c in ApiToken.Scope.choices if c[0] != ApiToken.Scope.BILLING]


def _page(request, context: dict, *, token_form=None, status: int = 200):
    required = settings.SERVICEDESK_AGENT_SECOND_FACTOR == "required"
    context = {
        **context,
        "required": required,
        "may_remove": not required,
        "active": "account",
        "tokens": list(tokens_of(request.user)),
        "token_form": token_form or ApiTokenForm(agent=request.user, initial={"scopes": [ApiToken.Scope.READ]}),
        "new_token": request.session.pop(NEW_TOKEN, None),
    }
    return render(request, "desk/account.html", context, status=status)


@agent_required(second_factor=False)
def account(request):
    required = settings.SERVICEDESK_AGENT_SECOND_FACTOR == "required"
    if required and request.POST.get("action") == "remove":
        return redirect("desk:account")  # not switched off while the settings require it
    done, context = second_factor_settings(
        request, account_name=request.user.get_username(), done_url=reverse("desk:home"), session_key=SETUP
    )
    if done is not None:
        # Switched on here, with a code: this session has shown the second factor.
        request.session[SECOND_FACTOR_DONE] = SecondFactor.objects.filter(user=request.user).exists()
        return done
    return _page(request, context)


@agent_required
@require_POST
def api_token_new(request):
    form = ApiTokenForm(request.POST, agent=request.user)
    if form.is_valid():
        try:
            token, secret = token_create(
                agent=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                actor=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            request.session[NEW_TOKEN] = {"id": token.pk, "secret": secret}
            return redirect(reverse("desk:account") + "#api-tokens")
    _done, context = second_factor_settings(
        request, account_name=request.user.get_username(), done_url=reverse("desk:home"), session_key=SETUP
    )
    # This POST was the token's: the second factor's code form is shown empty, not with a missing code.
    return _page(request, {**context, "form": context["form"].__class__()}, token_form=form, status=400)


@agent_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, agent=request.user)
    token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token %(name)s is revoked: it no longer works.") % {"name": token.name})
    return redirect(reverse("desk:account") + "#api-tokens")
