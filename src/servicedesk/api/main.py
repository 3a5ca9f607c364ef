"""The API instance: version 1, its routers, its errors, its schema and docs pages."""

from __future__ import annotations

from ninja import NinjaAPI

from servicedesk.api import errors
from servicedesk.api.docs import LocalSwagger
from servicedesk.api.routes import alerts, billing, customers, reports, tickets, webhooks

DESCRIPTION = """The service desk's REST API: the desk's customers, tickets, time and billing, through the same
rules as the desk's pages.

Every request carries a personal API token (`Authorization: Bearer <token>`), made under *Mijn account* in the
desk. A token acts as its agent and may do what its scopes allow: `read`, `write`, `billing` (agents with the
billing role), `alerts` (monitoring tools sending alerts). Requests per token are limited per minute; over the
limit the answer is 429 with `Retry-After`.

Every refusal is JSON: `{"errors": [{"field": "subject", "problem": "..."}]}`, `field` null for the request as a
whole. A POST with an `Idempotency-Key` header is done once: the same request with the same key gets the first
answer again (header `Idempotent-Replayed: true`); another request under that key is refused (422).

Times without an offset are Europe/Amsterdam local time; amounts are euro strings with two decimals, without VAT,
or whole cents where the field says so.
"""

api = NinjaAPI(
    title="Servicedesk API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=LocalSwagger(),
)
errors.install(api)
for router in (customers.router, tickets.router, reports.router, billing.router, alerts.router, webhooks.router):
    api.add_router("/", router)
