"""A quote as a PDF in the house style of the invoices (WeasyPrint), in the reader's language."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from servicedesk.projects.models import Quote


def quote_pdf(quote: Quote, *, language: str = "nl") -> bytes:
    import weasyprint  # imported here: it loads native libraries, which only this needs

    with translation.override(language):
        html = render_to_string(
            "projects/quote_pdf.html",
            {
                "quote": quote,
                "project": quote.project,
                "customer": quote.project.customer,
                "lines": quote.lines.order_by("position", "id"),
                "provider": settings.SERVICEDESK_PROVIDER,
                "dated": timezone.localtime(quote.sent_at or timezone.now()),
                "language": language,
            },
        )
    return weasyprint.HTML(string=html).write_pdf()
