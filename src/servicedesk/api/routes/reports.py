"""Refused reports (mail, portal or phone from someone who may not report) and the what-if answers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router

from servicedesk.api.auth import READ
from servicedesk.api.errors import ApiRefusal, not_found
from servicedesk.api.routing import get, post
from servicedesk.api.schemas import (
    MAX_ID,
    PAGE_MAX,
    DeadlineIn,
    DeadlineOut,
    Id,
    PriceIn,
    PriceOut,
    RefusedPage,
    RefusedReportOut,
)
from servicedesk.core.policy import current_policy
from servicedesk.tickets.models import RefusedReport
from servicedesk.whatif.command import deadline_answer, price_answer
from servicedesk.whatif.inputs import InputError

router = Router(tags=["refused reports and what-if"])


def id_cursor(cursor: str | None) -> int | None:
    """A page's position in a list newest first: the last id shown."""
    if cursor is None:
        return None
    if not (cursor.isascii() and cursor.isdigit()) or not 0 < int(cursor) <= MAX_ID:
        raise ApiRefusal(422, _("Not a cursor of this list; give next_cursor as it came."), field="cursor")
    return int(cursor)


def id_page(rows, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Rows newest first (by id), after `cursor`: (a page of them, the cursor of the next page or None)."""
    after = id_cursor(cursor)
    if after is not None:
        rows = rows.filter(pk__lt=after)
    page = list(rows.order_by("-id")[: limit + 1])
    return page[:limit], (str(page[limit - 1].pk) if len(page) > limit else None)


@get(router, "/refused-reports", ok=RefusedPage, auth=READ)
def refused_list(
    request,
    open_only: bool = False,
    cursor: str | None = Query(None, max_length=30),
    limit: int = Query(50, ge=1, le=PAGE_MAX),
):
    """Refused reports, newest first; `open_only`: neither accepted nor dismissed yet."""
    rows = RefusedReport.objects.all()
    if open_only:
        rows = rows.filter(handled_at__isnull=True)
    reports, next_cursor = id_page(rows, cursor, limit)
    return {"reports": reports, "next_cursor": next_cursor}


@get(router, "/refused-reports/{report_id}", ok=RefusedReportOut, auth=READ)
def refused_read(request, report_id: Id):
    report = RefusedReport.objects.filter(pk=report_id).first()
    if report is None:
        raise not_found()
    return report


def _answer(make, payload) -> dict:
    try:
        return make(current_policy())(payload.model_dump(exclude_none=True))
    except InputError as error:
        raise ApiRefusal(422, error.problem, field=error.field) from None


@post(router, "/whatif/deadline", ok=DeadlineOut, auth=READ)
def whatif_deadline(request, payload: DeadlineIn):
    """The response deadline of a ticket reported at a moment (as `servicedesk policy deadline`)."""
    return _answer(deadline_answer, payload)


@post(router, "/whatif/price", ok=PriceOut, auth=READ)
def whatif_price(request, payload: PriceIn):
    """The price of time on a ticket (as `servicedesk policy price`)."""
    return _answer(price_answer, payload)
