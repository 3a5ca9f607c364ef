"""Manuals in the portal: the ones meant for this contact's organisation, searchable, suggested while typing."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

from servicedesk.manuals.render import render_markdown
from servicedesk.manuals.selectors import manual_search, manual_suggestions, manuals_for_contact
from servicedesk.portal.access import contact_required


@contact_required
def manual_list(request):
    query = request.GET.get("q", "").strip()
    manuals = manual_search(manuals_for_contact(request.contact), query).only("id", "title", "tags", "service")
    return render(request, "portal/manuals.html", {"manuals": manuals, "query": query, "active": "manuals"})


@contact_required
def manual_detail(request, manual_id: int):
    manual = manuals_for_contact(request.contact).filter(pk=manual_id).first()
    if manual is None:
        raise Http404
    body = mark_safe(render_markdown(manual.body))  # sanitised by nh3
    return render(request, "portal/manual.html", {"manual": manual, "body": body, "active": "manuals"})


@contact_required
def manual_suggest(request):
    """While the contact types a new ticket's subject (htmx): manuals that may already answer it."""
    subject = request.GET.get("subject", "")
    suggestions = manual_suggestions(manuals_for_contact(request.contact), subject)
    return render(request, "portal/_suggestions.html", {"suggestions": suggestions})
