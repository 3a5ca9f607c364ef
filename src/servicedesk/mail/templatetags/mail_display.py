"""How a message that came by mail is shown: its HTML sanitised again, what is new apart from what it quotes."""

from django import template
from django.utils.safestring import mark_safe

from servicedesk.mail.html import sanitise_html
from servicedesk.mail.quoting import Folded, fold, fold_html

register = template.Library()


@register.simple_tag
def message_parts(message, images: bool = False, *, html: bool = True) -> Folded:
    """A message as shown: its HTML (sanitised again; remote images only when asked for) or its text, split
    into what is new and its signature and quoted history (shown folded); a forwarded mail whole."""
    forward = bool(message.forwarded)
    if html and message.body_html:
        parts = fold_html(sanitise_html(message.body_html, images=bool(images)), forward=forward)
        return Folded(mark_safe(parts.new), mark_safe(parts.rest))  # nh3 cleaned both sides after the cut
    return fold(message.body or "", forward=forward)
