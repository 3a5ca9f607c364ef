"""A customer's prepaid hours (strippenkaart) in the portal, for contacts who see the organisation's tickets: each
bundle bought, what used it, what is left (as time at its base rate), its expiry, and what lapsed."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from servicedesk.contracts.selectors import bundles_of
from servicedesk.portal.access import contact_required


@contact_required
def bundle_list(request):
    contact = request.contact
    if not contact.sees_all_tickets:
        raise Http404
    balances = bundles_of(customer_id=contact.customer_id, today=timezone.localdate())
    return render(request, "portal/bundles.html", {"balances": balances[::-1], "active": "bundles"})
