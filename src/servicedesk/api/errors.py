"""Every refusal of the API as one JSON shape: `{"errors": [{"field": ..., "problem": ...}]}` with a 4xx status."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from servicedesk.core.submissions import RecordedRefusal


class Problem(Schema):
    field: str | None  # the request's field (a body key, query or path parameter), None for the whole request
    problem: str


class ErrorOut(Schema):
    errors: list[Problem]


class ApiRefusal(Exception):
    """A refusal with its status and problems, raised by the API's own code."""

    def __init__(self, status: int, problem: str, *, field: str | None = None, headers: dict | None = None):
        super().__init__(problem)
        self.status = status
        self.problems = [{"field": field, "problem": problem}]
        self.headers = headers or {}


def not_found() -> ApiRefusal:
    return ApiRefusal(404, _("Not found."))


def _field(loc) -> str | None:
    """Ninja's location of a problem as the request names it: `["body", "payload", "subject"]` is `subject`."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form", "file", "cookie"):
        where, *rest = parts
        if where == "body" and len(rest) > 1:
            rest = rest[1:]  # the handler's parameter name is no part of the request
        parts = rest
    return ".".join(parts) or None


def _django_problems(error: DjangoValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [
            {"field": None if field == "__all__" else field, "problem": problem}
            for field, problems in error.message_dict.items()
            for problem in problems
        ]
    return [{"field": None, "problem": problem} for problem in error.messages]


def install(api) -> None:
    """The API's exception handlers."""

    def answer(request, status: int, problems: list[dict], headers: dict | None = None):
        response = api.create_response(request, {"errors": problems}, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @api.exception_handler(NinjaValidationError)
    def invalid(request, exc):
        problems = [{"field": _field(error.get("loc", ())), "problem": error.get("msg", "")} for error in exc.errors]
        return answer(request, 422, problems or [{"field": None, "problem": _("Invalid request.")}])

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        problem = _("Give a valid API token: Authorization: Bearer <token>.")
        return answer(request, 401, [{"field": None, "problem": problem}], {"WWW-Authenticate": "Bearer"})

    @api.exception_handler(ApiRefusal)
    def refused(request, exc):
        return answer(request, exc.status, exc.problems, exc.headers)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return answer(request, exc.status_code, [{"field": None, "problem": str(exc)}])

    @api.exception_handler(Http404)
    def missing(request, exc):
        return answer(request, 404, [{"field": None, "problem": _("Not found.")}])

    @api.exception_handler(DjangoValidationError)
    def service_refused(request, exc):
        return answer(request, 400, _django_problems(exc))

    @api.exception_handler(RecordedRefusal)
    def recorded_refusal(request, exc):
        return answer(request, 403, [{"field": None, "problem": str(exc)}])
