"""The queues: lists of tickets by deadline, with keyset pagination and full-text search."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from servicedesk.core.numbers import id_from
from servicedesk.desk.access import agent_required
from servicedesk.tickets.search import search_ticket_ids
from servicedesk.tickets.selectors import QUEUES, ticket_queue


@agent_required
def queue(request, name: str = "open"):
    if name not in QUEUES:
        raise Http404
    now = timezone.now()
    descending = request.GET.get("sort") == "-due"
    query = request.GET.get("q", "").strip()
    ticket_ids = search_ticket_ids(query) if query else None
    page = ticket_queue(
        name=name,
        user=request.user,
        now=now,
        customer_id=id_from(request.GET.get("customer")),
        ticket_ids=ticket_ids,
        after=request.GET.get("after"),
        descending=descending,
    )
    return render(
        request,
        "desk/queue.html",
        {"queue": name, "page": page, "now": now, "query": query, "descending": descending, "active": name},
    )
