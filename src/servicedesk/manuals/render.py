"""Markdown to HTML that is safe to show: whatever HTML the text contains is sanitised by nh3."""

from __future__ import annotations

import markdown
import nh3

TAGS = nh3.ALLOWED_TAGS | {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "code",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str) -> str:
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(html, tags=TAGS, url_schemes={"http", "https", "mailto"})
