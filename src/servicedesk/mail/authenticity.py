"""Whether a mail really comes from its From domain: the receiving server's DMARC verdict (POLICY.md §7).

Only the topmost Authentication-Results header of our own mail server (its authserv-id, configured as
SERVICEDESK_AUTHSERV_ID) counts: headers further down, or of other ids, may have been written by anyone.
"""

from __future__ import annotations

from collections.abc import Sequence

import authres
from django.conf import settings

MAX_FIELD = 8192


def dmarc_problem(authentication_results: Sequence[str], from_address: str) -> str | None:
    """None when the mail may be trusted (or no authserv-id is configured); else why it may not.
    `authentication_results` are the mail's Authentication-Results fields, topmost first, as they came."""
    authserv_id = settings.SERVICEDESK_AUTHSERV_ID
    if not authserv_id:
        return None
    domain = from_address.rsplit("@", 1)[-1].lower()
    for value in authentication_results:
        if len(value) > MAX_FIELD:  # not what a mail server writes; parsing it would only cost time
            continue
        try:
            parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
        except Exception:  # an unparsable header of someone else's is skipped, not trusted
            continue
        if parsed.authserv_id.lower() != authserv_id.lower():
            continue
        for result in parsed.results:
            if result.method == "dmarc":
                header_from = next((p.value.lower() for p in result.properties if p.name == "from"), domain)
                if result.result == "pass" and header_from == domain:
                    return None
                return f"DMARC {result.result} for {header_from}"
        return f"no DMARC verdict from {authserv_id}"
    return f"no Authentication-Results from {authserv_id}"
