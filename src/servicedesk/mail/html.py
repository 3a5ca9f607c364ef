"""HTML from mail, made safe to show: no script, no event handlers, no javascript: links, and no remote
images unless the agent asks for them (a remote image tells the sender the mail was read)."""

from __future__ import annotations

import nh3

WITHOUT_IMAGES = nh3.ALLOWED_TAGS - {"img", "map", "area"}
MAX_HTML = 2 * 1024 * 1024


def sanitise_html(html: str, *, images: bool = False) -> str:
    return nh3.clean(
        html[:MAX_HTML],
        tags=nh3.ALLOWED_TAGS if images else WITHOUT_IMAGES,
        url_schemes={"http", "https", "mailto", "cid"},
    )
