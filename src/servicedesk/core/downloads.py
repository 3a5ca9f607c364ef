"""Files sent for download: always saved, never rendered by the browser (attachment, nosniff, sandbox)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def download(content, *, filename: str, content_type: str) -> HttpResponse:
    """Bytes, or an open file, as a download under `filename`."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        response = FileResponse(content, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment_download(attachment) -> HttpResponse:
    """A ticket's attachment under the name it came with (404 when its file is gone)."""
    from servicedesk.tickets.attachments import attachment_path

    path = attachment_path(attachment.stored_name)
    if not path.exists():
        raise Http404
    return download(path.open("rb"), filename=attachment.original_name, content_type=attachment.content_type)
