"""The site's WSGI handler: Django's, whose requests read small multipart forms in one pass (core/multipart.py).

A request posted as multipart/form-data of at most `SMALL_FORM` bytes, in UTF-8, with Django's own upload
handlers, has its body read at once and given to `form_fields`; when that reads it, POST holds its fields
exactly as Django's parser would give them (FILES empty). Every other request, and every body `form_fields`
declines, goes through Django's parser as before (reading the body already read).
"""

from __future__ import annotations

import codecs

import django
from django.conf import global_settings, settings
from django.core.handlers import wsgi
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict

from servicedesk.core.multipart import form_fields

SMALL_FORM = 64 * 1024  # bytes: a form's text fields, not an upload


class Request(wsgi.WSGIRequest):
    def _load_post_and_files(self):
        if self.method == "POST" and self.content_type == "multipart/form-data":
            fields = self._small_form_fields()
            if fields is not None:
                post = QueryDict(mutable=True)
                for name, value in fields:
                    post.appendlist(name.decode("ascii"), value.decode("utf-8", "replace"))
                post._mutable = False
                self._post, self._files = post, MultiValueDict()
                return
        super()._load_post_and_files()

    def _small_form_fields(self) -> list[tuple[bytes, bytes]] | None:
        """The form's fields when the body is a small form `form_fields` reads, within Django's limits; else
        None (the body may have been read by then: Django's parser then reads it from `self.body`)."""
        try:
            length = int(self.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        most = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        boundary = self.content_params.get("boundary", "")
        if (
            not 0 < length <= min(SMALL_FORM, most if most is not None else SMALL_FORM)
            or self._read_started
            or "_upload_handlers" in vars(self)  # a view chose its own (or looked at them)
            or settings.FILE_UPLOAD_HANDLERS != global_settings.FILE_UPLOAD_HANDLERS
            or codecs.lookup(self.encoding or settings.DEFAULT_CHARSET).name != "utf-8"
            or not self.META.get("CONTENT_TYPE", "").isascii()
            or not MultiPartParser.boundary_re.fullmatch(boundary)
        ):
            return None
        fields = form_fields(self.body, boundary.encode("ascii"))
        # Over Django's limit of fields its parser raises the error. (Its limit of memory, counting each field's
        # name, value and 2, cannot be passed by a body within that limit.)
        if fields is None or (
            settings.DATA_UPLOAD_MAX_NUMBER_FIELDS is not None and len(fields) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        ):
            return None
        return fields


class WSGIHandler(wsgi.WSGIHandler):
    request_class = Request


def get_wsgi_application() -> WSGIHandler:
    """Django's `get_wsgi_application`, with our handler."""
    django.setup(set_prefix=False)
    return WSGIHandler()
