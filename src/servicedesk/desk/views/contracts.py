"""The desk's contract pages: the list, a contract with its lines, quantity history, own service levels, next
period's fees and trail; forms to create, change and end it, add a line, change a quantity, sell a bundle.
Each action is one service call; an id of another contract's line is a 404."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.contracts import services
from servicedesk.contracts.levels import level_rows
from servicedesk.contracts.models import Contract, ContractLine
from servicedesk.contracts.selectors import (
    contract_for_desk,
    contract_list,
    monthly_revenue_cents,
    monthly_revenue_total_cents,
    next_period_fees,
    quantity_on,
)
from servicedesk.core.policy import current_policy
from servicedesk.core.submissions import once
from servicedesk.customers.models import Customer
from servicedesk.customers.selectors import active_matrix_items
from servicedesk.desk import contract_forms as forms
from servicedesk.desk.access import agent_required
from servicedesk.desk.form_errors import show_refusal
from servicedesk.policy import read_service_levels

# The services name amounts in cents; the forms ask for euro.
FORM_FIELDS = {"unit_price_cents": "unit_price", "price_cents": "price", "base_rate_cents": "base_rate"}


def _refused(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        error = ValidationError({FORM_FIELDS.get(key, key): value for key, value in error.error_dict.items()})
    show_refusal(form, error)


def _load(contract_id: int) -> Contract:
    try:
        return contract_for_desk(contract_id)
    except Contract.DoesNotExist:
        raise Http404 from None


@agent_required
def contract_list_page(request):
    filters = forms.ContractFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = contract_list(customer_id=chosen.get("customer"), page=request.GET.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    rows = [(contract, monthly_revenue_cents(contract, today)) for contract in page]
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "monthly_total": monthly_revenue_total_cents(day=today, customer_id=chosen.get("customer")),
        "query": query.urlencode(),
        "today": today,
        "active": "contracts",
    }
    return render(request, "desk/contracts.html", context)


def _page(request, contract: Contract, *, bound: dict | None = None, status: int = 200):
    today = timezone.localdate()
    lines = list(contract.lines.all())
    levels = None
    if contract.service_levels is not None:
        levels = level_rows(
            read_service_levels(contract.service_levels, critical_priority=current_policy().config.critical_priority)
        )
    context = {
        "contract": contract,
        "lines": [(line, quantity_on(line, today), list(line.quantities.all())) for line in lines],
        "levels": levels,
        "fees": next_period_fees(contract, today),
        "line_labels": {str(line.pk): line.label for line in lines},
        "events": list(contract.events.all()),
        "in_force": contract.in_force_on(today),
        "line_form": forms.LineForm(items=active_matrix_items(contract.customer)),
        "quantity_form": forms.QuantityForm(),
        "end_form": forms.EndForm(initial={"end": contract.end}),
        "active": "contracts",
        **(bound or {}),
    }
    return render(request, "desk/contract.html", context, status=status)


@agent_required
def contract_page(request, contract_id: int):
    return _page(request, _load(contract_id))


@agent_required
def contract_edit(request, contract_id: int | None = None):
    contract = _load(contract_id) if contract_id is not None else None
    initial = {}
    if contract is not None:
        initial = {"name": contract.name, "end": contract.end, "own_levels": contract.service_levels is not None}
    elif request.GET.get("customer", "").isdigit():
        initial = {"customer": int(request.GET["customer"]), "billing_period": Contract.BillingPeriod.MONTH}
    form = forms.ContractForm(request.POST or None, initial=initial, contract=contract)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if contract is None:
                contract, _new = once(
                    request.user.pk,
                    data["submission"],
                    lambda: services.contract_create(
                        customer=data["customer"],
                        name=data["name"],
                        billing_period=data["billing_period"],
                        start=data["start"],
                        end=data["end"],
                        service_levels=form.service_levels(),
                        actor=request.user,
                    ),
                )
            else:
                services.contract_change(
                    contract=contract,
                    actor=request.user,
                    name=data["name"],
                    end=data["end"],
                    service_levels=form.service_levels(),
                    reason=data["reason"],
                )
        except ValidationError as error:
            problems = error.message_dict if hasattr(error, "error_dict") else {}
            form.show_levels_problems(problems.pop("service_levels", []))
            if problems or not hasattr(error, "error_dict"):
                show_refusal(form, ValidationError(problems) if problems else error)
        else:
            messages.success(request, _("Contract saved."))
            return redirect("desk:contract", contract.pk)
    context = {"form": form, "contract": contract, "active": "contracts"}
    return render(request, "desk/contract_edit.html", context, status=400 if form.errors else 200)


def _act(request, contract: Contract, form, form_name: str, action, success: str, **bound):
    """Call a service with a valid form and go back to the contract; or show the problems, nothing written."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, success)
            return redirect("desk:contract", contract.pk)
    return _page(request, _load(contract.pk), bound={form_name: form, **bound}, status=400)


@agent_required
@require_POST
def contract_end(request, contract_id: int):
    contract = _load(contract_id)

    def action(data):
        services.contract_end(contract=contract, end=data["end"], reason=data["reason"], actor=request.user)

    form = forms.EndForm(request.POST)
    return _act(request, contract, form, "end_form", action, _("Contract end saved."))


@agent_required
@require_POST
def line_add(request, contract_id: int):
    contract = _load(contract_id)
    items = {item.pk: item for item in active_matrix_items(contract.customer)}

    def action(data):
        def add():
            return services.line_add(
                contract=contract,
                actor=request.user,
                matrix_item=items.get(data["matrix_item"]),
                description=data["description"],
                quantity=data["quantity"],
                unit_price_cents=forms.cents(data["unit_price"]),
            )

        once(request.user.pk, data["submission"], add)

    form = forms.LineForm(request.POST, items=items.values())
    return _act(request, contract, form, "line_form", action, _("Line added."))


@agent_required
@require_POST
def line_quantity(request, contract_id: int, line_id: int):
    contract = _load(contract_id)
    line = ContractLine.objects.filter(pk=line_id, contract=contract).select_related("matrix_item").first()
    if line is None:
        raise Http404

    def action(data):
        services.line_quantity_change(line=line, quantity=data["quantity"], reason=data["reason"], actor=request.user)

    form = forms.QuantityForm(request.POST)
    success = _("Quantity changed; it counts from tomorrow.")
    return _act(request, contract, form, "quantity_form", action, success, quantity_line=line.pk)


@agent_required
def bundle_sell(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    base_rate = current_policy().config.prepaid.base_rate_cents
    initial = {"base_rate": Decimal(base_rate) / 100, "bought_on": timezone.localdate()}
    form = forms.BundleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            once(
                request.user.pk,
                data["submission"],
                lambda: services.bundle_sell(
                    customer=customer,
                    hours=data["hours"],
                    price_cents=forms.cents(data["price"]),
                    base_rate_cents=forms.cents(data["base_rate"]),
                    bought_on=data["bought_on"],
                    actor=request.user,
                ),
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Prepaid bundle sold."))
            return redirect(reverse("desk:customer", args=[customer.pk]) + "#bundles")
    back = reverse("desk:customer", args=[customer.pk])
    title = _("Sell prepaid hours to %(customer)s") % {"customer": customer.name}
    context = {"form": form, "title": title, "back": back, "active": "contracts"}
    return render(request, "desk/edit.html", context, status=400 if form.errors else 200)
