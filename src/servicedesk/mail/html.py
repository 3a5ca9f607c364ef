"""HTML from mail, made safe to show: no script, no event handlers, no javascript: links, and no remote
images unless the agent asks for them (a remote image tells the sender the mail was read)."""

from __future__ import annotations

from collections.abc import Mapping

import nh3

WITHOUT_IMAGES = nh3.ALLOWED_TAGS - {"img", "map", "area"}
MAX_HTML = 2 * 1024 * 1024


def sanitise_html(html: str, *, images: bool = False, inline: Mapping[str, str] | None = None) -> str:
    """The HTML with only safe tags and attributes. `images`: remote images too. `inline` maps the Content-IDs of
    the mail's own parts to where they are served: those images are the mail's, not remote, and are shown always
    (a `cid:` the mail does not have is dropped). Without `inline` a `cid:` reference is kept as it came."""

    def source(tag: str, attribute: str, value: str) -> str | None:
        if tag != "img" or attribute != "src":
            return value
        if value[:4].lower() == "cid:":
            return value if inline is None else inline.get(value[4:].strip("<>"))
        return value if images else None

    return nh3.clean(
        html[:MAX_HTML],
        tags=nh3.ALLOWED_TAGS if images or inline else WITHOUT_IMAGES,
        url_schemes={"http", "https", "mailto", "cid"},
        attribute_filter=source,
    )
