"""Alerts from monitoring tools (RMM): each becomes, joins or ends a ticket (see `servicedesk.api.alerts`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from servicedesk.api.alerts import alert_receive
from servicedesk.api.auth import ALERTS
from servicedesk.api.errors import ApiRefusal
from servicedesk.api.routing import post
from servicedesk.api.schemas import AlertIn, AlertOut
from servicedesk.customers.models import Customer, ServiceMatrixItem

router = Router(tags=["monitoring alerts"])


@post(router, "/alerts", ok=AlertOut, auth=ALERTS)
def alert(request, payload: AlertIn):
    """A new key opens a ticket (managed when about a service of the matrix, priority by severity; the
    customer's main contact is its reporter and is not mailed); a repeat is added to its ticket; `resolved`
    adds a note and closes the ticket if no agent worked on it. Past the limit of tickets per customer per 10
    minutes, alerts join one alert storm ticket."""
    customer = Customer.objects.filter(code=payload.customer).first()
    if customer is None:
        raise ApiRefusal(422, _("No customer with this code."), field="customer")
    item = None
    if payload.matrix_item_id is not None:
        item = ServiceMatrixItem.objects.filter(pk=payload.matrix_item_id, customer=customer, active=True).first()
        if item is None:
            raise ApiRefusal(422, _("Not an active service of this customer."), field="matrix_item_id")
    outcome = alert_receive(
        customer=customer,
        dedupe_key=payload.dedupe_key,
        severity=payload.severity,
        summary=payload.summary,
        details=payload.details,
        matrix_item=item,
        resolved=payload.state == "resolved",
        actor=request.user,
    )
    alert = outcome.alert
    return {
        "action": outcome.action,
        "alert_id": alert.pk if alert else None,
        "ticket_id": alert.ticket_id if alert else None,
    }
